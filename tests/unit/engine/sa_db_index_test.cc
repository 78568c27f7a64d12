// SaDb's compact secondary indexes (engine/sa_db_index.h, issue #7): the per-peer, per-(peer,
// connection) and per-(peer, outbound SPI) lookups answer from sets of record pointers, the
// connection count keys by a view into a live SA's name. These cases pin what the pointer
// keys must keep exact: several SAs and names per peer, removing one of several (including
// the SA whose name the count views), a peer change, a peer reusing an SPI, replacement by
// in-SPI, and the documented orders (SPI order for IPsec, cookie order for ISAKMP).
#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/sa_db.h"

namespace ike::engine {
namespace {

using base::Spi;

base::IpAddress addr(uint32_t a) { return base::IpAddress::v4(a); }
const base::IpAddress kPeerA = addr(0x0a000001U);
const base::IpAddress kPeerB = addr(0x0a000002U);
const base::IpAddress kLocal = addr(0xc0a80001U);

// Longer than the small-string buffer: the count's key then views heap memory the departing
// SA frees, so a dangling view would be read (and mis-hashed) after its removal.
const std::string kLongName = "connection-with-a-name-longer-than-sso";

IpsecSa ipsec_pair(uint32_t in, uint32_t out, const base::IpAddress& peer, std::string name) {
  IpsecSa sa;
  sa.name = std::move(name);
  sa.in_spi = Spi{in};
  sa.out_spi = Spi{out};
  sa.local.address = kLocal;
  sa.peer.address = peer;
  // What install_phase2 records: the inbound SA at us, the outbound one at the peer.
  sa.installed.push_back({base::SaRef{base::IpsecProtocol::Esp, kLocal, sa.in_spi}, peer, true});
  sa.installed.push_back({base::SaRef{base::IpsecProtocol::Esp, peer, sa.out_spi}, kLocal, false});
  return sa;
}

std::vector<Spi> spis(std::initializer_list<uint32_t> v) {
  std::vector<Spi> out;
  for (uint32_t s : v) out.push_back(Spi{s});
  return out;
}

static_assert(!std::is_copy_constructible_v<SaDb>, "indexes point into the SaDb's records");
static_assert(std::is_move_constructible_v<SaDb>);

TEST(SaDbIndexes, SeveralNamesPerPeerAnswerInSpiOrder) {
  SaDb db;
  // Added out of SPI order, outbound SPIs descending where inbound ones ascend (the by-peer
  // range is in outbound order, so the answer must be re-sorted).
  const std::pair<uint32_t, const char*> a_sas[] = {
      {50, "b"}, {10, "a"}, {40, "c"}, {20, "b"}, {30, "a"}, {60, "b"}};
  for (auto [in, name] : a_sas) (void)db.add_ipsec(ipsec_pair(in, 1000 - in, kPeerA, name));
  (void)db.add_ipsec(ipsec_pair(15, 985, kPeerB, "a"));
  (void)db.add_ipsec(ipsec_pair(25, 975, kPeerB, "b"));

  EXPECT_EQ(db.ipsec_with_peer(kPeerA), spis({10, 20, 30, 40, 50, 60}));
  EXPECT_EQ(db.ipsec_with_peer(kPeerB), spis({15, 25}));
  EXPECT_TRUE(db.ipsec_with_peer(addr(0x0a000003U)).empty());
  EXPECT_EQ(db.ipsec_with_peer_and_name(kPeerA, "a"), spis({10, 30}));
  EXPECT_EQ(db.ipsec_with_peer_and_name(kPeerA, "b"), spis({20, 50, 60}));
  EXPECT_EQ(db.ipsec_with_peer_and_name(kPeerA, "c"), spis({40}));
  EXPECT_EQ(db.ipsec_with_peer_and_name(kPeerB, "b"), spis({25}));
  EXPECT_TRUE(db.ipsec_with_peer_and_name(kPeerB, "c").empty());
  EXPECT_TRUE(db.ipsec_with_peer_and_name(kPeerA, "").empty());
  EXPECT_TRUE(db.ipsec_with_peer_and_name(kPeerA, "bb").empty());  // not a prefix match
  EXPECT_EQ(db.ipsec_count_for("a"), 3U);  // both peers
  EXPECT_EQ(db.ipsec_count_for("b"), 4U);
  EXPECT_EQ(db.ipsec_count_for("c"), 1U);
  EXPECT_EQ(db.ipsec_count_for("d"), 0U);
  for (auto [in, name] : a_sas) {
    IpsecSa* sa = db.find_ipsec_by_peer_spi(kPeerA, Spi{1000 - in});
    ASSERT_NE(sa, nullptr);
    EXPECT_EQ(sa->in_spi, Spi{in});
    EXPECT_EQ(db.find_ipsec_by_ref(Spi{1000 - in}, kPeerA), sa);  // outbound, at the peer
    EXPECT_EQ(db.find_ipsec_by_ref(Spi{in}, kLocal), sa);          // inbound, at us
  }
  EXPECT_EQ(db.find_ipsec_by_peer_spi(kPeerB, Spi{990}), nullptr);  // A's, not B's
  EXPECT_EQ(db.find_ipsec_by_ref(Spi{990}, kPeerB), nullptr);
}

TEST(SaDbIndexes, RemovingOneOfSeveralKeepsTheOthersAndTheCount) {
  SaDb db;
  // The first SA added owns the text the count's key views; remove it first.
  (void)db.add_ipsec(ipsec_pair(1, 101, kPeerA, kLongName));
  (void)db.add_ipsec(ipsec_pair(2, 102, kPeerA, kLongName));
  (void)db.add_ipsec(ipsec_pair(3, 103, kPeerB, kLongName));
  (void)db.add_ipsec(ipsec_pair(4, 104, kPeerA, "other"));
  EXPECT_EQ(db.ipsec_count_for(kLongName), 3U);

  auto gone = db.remove_ipsec(Spi{1});
  ASSERT_TRUE(gone.has_value());
  EXPECT_EQ(gone->name, kLongName);  // the record is handed back whole
  EXPECT_EQ(db.ipsec_count_for(kLongName), 2U);
  EXPECT_EQ(db.ipsec_with_peer(kPeerA), spis({2, 4}));
  EXPECT_EQ(db.ipsec_with_peer_and_name(kPeerA, kLongName), spis({2}));
  EXPECT_EQ(db.find_ipsec_by_peer_spi(kPeerA, Spi{101}), nullptr);
  EXPECT_EQ(db.find_ipsec_by_ref(Spi{101}, kPeerA), nullptr);
  EXPECT_EQ(db.find_ipsec_by_ref(Spi{1}, kLocal), nullptr);
  EXPECT_FALSE(db.remove_ipsec(Spi{1}).has_value());
  EXPECT_EQ(db.ipsec_count_for(kLongName), 2U);  // a second removal changes nothing

  // The count's key moved to a remaining SA's name: removing that one too still counts right.
  (void)db.remove_ipsec(Spi{2});
  EXPECT_EQ(db.ipsec_count_for(kLongName), 1U);
  EXPECT_TRUE(db.ipsec_with_peer_and_name(kPeerA, kLongName).empty());
  EXPECT_EQ(db.ipsec_with_peer_and_name(kPeerB, kLongName), spis({3}));
  (void)db.add_ipsec(ipsec_pair(5, 105, kPeerA, kLongName));
  EXPECT_EQ(db.ipsec_count_for(kLongName), 2U);
  (void)db.remove_ipsec(Spi{3});
  (void)db.remove_ipsec(Spi{5});
  EXPECT_EQ(db.ipsec_count_for(kLongName), 0U);
  EXPECT_EQ(db.ipsec_count_for("other"), 1U);
  EXPECT_EQ(db.ipsec_with_peer(kPeerA), spis({4}));
  EXPECT_TRUE(db.ipsec_with_peer(kPeerB).empty());
  (void)db.remove_ipsec(Spi{4});
  EXPECT_EQ(db.ipsec_count_for("other"), 0U);
  EXPECT_TRUE(db.ipsec_with_peer(kPeerA).empty());
}

TEST(SaDbIndexes, SetIpsecPeerMovesEveryPeerKeyedEntry) {
  SaDb db;
  (void)db.add_ipsec(ipsec_pair(1, 101, kPeerA, kLongName));  // owns the count's key
  (void)db.add_ipsec(ipsec_pair(2, 102, kPeerA, kLongName));
  (void)db.add_ipsec(ipsec_pair(3, 103, kPeerB, kLongName));
  db.set_ipsec_peer(Spi{1}, base::SockAddr{kPeerB, 4500});

  EXPECT_EQ(db.find_ipsec_by_in_spi(Spi{1})->peer.port, 4500);
  EXPECT_EQ(db.ipsec_with_peer(kPeerA), spis({2}));
  EXPECT_EQ(db.ipsec_with_peer(kPeerB), spis({1, 3}));
  EXPECT_EQ(db.ipsec_with_peer_and_name(kPeerA, kLongName), spis({2}));
  EXPECT_EQ(db.ipsec_with_peer_and_name(kPeerB, kLongName), spis({1, 3}));
  EXPECT_EQ(db.find_ipsec_by_peer_spi(kPeerA, Spi{101}), nullptr);
  ASSERT_NE(db.find_ipsec_by_peer_spi(kPeerB, Spi{101}), nullptr);
  EXPECT_EQ(db.find_ipsec_by_peer_spi(kPeerB, Spi{101})->in_spi, Spi{1});
  EXPECT_EQ(db.find_ipsec_by_ref(Spi{101}, kPeerB)->in_spi, Spi{1});  // (out SPI, new peer)
  EXPECT_EQ(db.find_ipsec_by_ref(Spi{1}, kLocal)->in_spi, Spi{1});
  EXPECT_EQ(db.ipsec_count_for(kLongName), 3U);  // a peer change is not a new SA

  // Moving to the same address (a port change) and removing the moved SA leave no trace.
  db.set_ipsec_peer(Spi{1}, base::SockAddr{kPeerB, 500});
  EXPECT_EQ(db.ipsec_with_peer(kPeerB), spis({1, 3}));
  (void)db.remove_ipsec(Spi{1});
  EXPECT_EQ(db.ipsec_with_peer(kPeerB), spis({3}));
  EXPECT_EQ(db.find_ipsec_by_peer_spi(kPeerB, Spi{101}), nullptr);
  EXPECT_EQ(db.ipsec_count_for(kLongName), 2U);
  db.set_ipsec_peer(Spi{99}, base::SockAddr{kPeerA, 500});  // unknown SPI: nothing
  EXPECT_EQ(db.ipsec_with_peer(kPeerA), spis({2}));
}

TEST(SaDbIndexes, PeerReusingAnOutboundSpi) {
  SaDb db;
  // Higher inbound SPI first: the lookup still answers the lowest, whatever the order added.
  (void)db.add_ipsec(ipsec_pair(30, 777, kPeerA, "c1"));
  (void)db.add_ipsec(ipsec_pair(10, 777, kPeerA, "c2"));
  (void)db.add_ipsec(ipsec_pair(20, 777, kPeerA, "c3"));
  (void)db.add_ipsec(ipsec_pair(5, 777, kPeerB, "c4"));  // same SPI at another peer: separate
  EXPECT_EQ(db.find_ipsec_by_peer_spi(kPeerA, Spi{777})->in_spi, Spi{10});
  EXPECT_EQ(db.find_ipsec_by_peer_spi(kPeerB, Spi{777})->in_spi, Spi{5});
  EXPECT_EQ(db.find_ipsec_by_peer_spi(kPeerA, Spi{776}), nullptr);
  EXPECT_EQ(db.find_ipsec_by_peer_spi(kPeerA, Spi{778}), nullptr);
  // The kernel SA (777, A) belongs to the pair that installed it first.
  EXPECT_EQ(db.find_ipsec_by_ref(Spi{777}, kPeerA)->in_spi, Spi{30});
  (void)db.remove_ipsec(Spi{20});  // not the holder: the ref stays
  EXPECT_EQ(db.find_ipsec_by_ref(Spi{777}, kPeerA)->in_spi, Spi{30});
  (void)db.remove_ipsec(Spi{10});
  EXPECT_EQ(db.find_ipsec_by_peer_spi(kPeerA, Spi{777})->in_spi, Spi{30});
  (void)db.remove_ipsec(Spi{30});
  EXPECT_EQ(db.find_ipsec_by_peer_spi(kPeerA, Spi{777}), nullptr);
  EXPECT_EQ(db.find_ipsec_by_ref(Spi{777}, kPeerA), nullptr);
  EXPECT_EQ(db.find_ipsec_by_peer_spi(kPeerB, Spi{777})->in_spi, Spi{5});
}

TEST(SaDbIndexes, AddingAnExistingInboundSpiReplacesItsEntries) {
  SaDb db;
  (void)db.add_ipsec(ipsec_pair(1, 101, kPeerA, "old"));
  (void)db.add_ipsec(ipsec_pair(1, 201, kPeerB, "new"));
  EXPECT_TRUE(db.ipsec_with_peer(kPeerA).empty());
  EXPECT_EQ(db.ipsec_with_peer(kPeerB), spis({1}));
  EXPECT_EQ(db.ipsec_count_for("old"), 0U);
  EXPECT_EQ(db.ipsec_count_for("new"), 1U);
  EXPECT_EQ(db.find_ipsec_by_peer_spi(kPeerA, Spi{101}), nullptr);
  EXPECT_EQ(db.find_ipsec_by_peer_spi(kPeerB, Spi{201})->in_spi, Spi{1});
  EXPECT_EQ(db.find_ipsec_by_ref(Spi{1}, kLocal)->peer.address, kPeerB);
}

TEST(SaDbIndexes, IsakmpSasByPeerInCookieOrder) {
  SaDb db;
  auto isakmp = [](uint8_t c, const base::IpAddress& peer, int64_t established) {
    IsakmpSa sa;
    sa.cookies.initiator.bytes[0] = c;
    sa.peer.address = peer;
    sa.established = base::TimePoint{} + base::Seconds{established};
    return sa;
  };
  (void)db.add_isakmp(isakmp(3, kPeerA, 10));
  (void)db.add_isakmp(isakmp(1, kPeerA, 10));  // as new as 3: the lower cookies win
  (void)db.add_isakmp(isakmp(2, kPeerA, 5));
  (void)db.add_isakmp(isakmp(4, kPeerB, 1));
  auto cookies = [](std::initializer_list<uint8_t> v) {
    std::vector<base::CookiePair> out;
    for (uint8_t c : v) {
      base::CookiePair p;
      p.initiator.bytes[0] = c;
      out.push_back(p);
    }
    return out;
  };
  EXPECT_EQ(db.isakmp_with_peer(kPeerA), cookies({1, 2, 3}));
  EXPECT_EQ(db.find_isakmp_by_peer(kPeerA)->cookies, cookies({1})[0]);
  EXPECT_EQ(db.find_isakmp_by_peer(kPeerB)->cookies, cookies({4})[0]);
  db.set_isakmp_peer(cookies({1})[0], base::SockAddr{kPeerB, 4500});
  EXPECT_EQ(db.isakmp_with_peer(kPeerA), cookies({2, 3}));
  EXPECT_EQ(db.isakmp_with_peer(kPeerB), cookies({1, 4}));
  EXPECT_EQ(db.find_isakmp_by_peer(kPeerA)->cookies, cookies({3})[0]);
  EXPECT_EQ(db.find_isakmp_by_peer(kPeerB)->cookies, cookies({1})[0]);  // newer than 4
  (void)db.remove_isakmp(cookies({3})[0]);
  EXPECT_EQ(db.find_isakmp_by_peer(kPeerA)->cookies, cookies({2})[0]);
  EXPECT_TRUE(db.isakmp_with_peer(addr(0x0a000003U)).empty());
  EXPECT_EQ(db.find_isakmp_by_peer(addr(0x0a000003U)), nullptr);
}

// The indexes point into the records' map nodes, which a move hands over unchanged.
TEST(SaDbIndexes, AMovedDatabaseKeepsItsIndexes) {
  SaDb db;
  (void)db.add_ipsec(ipsec_pair(1, 101, kPeerA, kLongName));
  (void)db.add_ipsec(ipsec_pair(2, 102, kPeerA, kLongName));
  SaDb moved = std::move(db);
  EXPECT_EQ(moved.ipsec_with_peer_and_name(kPeerA, kLongName), spis({1, 2}));
  (void)moved.remove_ipsec(Spi{1});
  EXPECT_EQ(moved.ipsec_count_for(kLongName), 1U);
  EXPECT_EQ(moved.find_ipsec_by_peer_spi(kPeerA, Spi{102})->in_spi, Spi{2});
}

}  // namespace
}  // namespace ike::engine
