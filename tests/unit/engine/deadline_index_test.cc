// DeadlineIndex (engine/deadline_index.h) and the SaDb timers built on it (issue #7): expiry
// order, re-arm (a deadline moved earlier or later), deletion while queued, equal deadlines
// (key order), and that next_deadline()/due() examine only the due entries, counted by
// visits(), however many SAs the database holds.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <vector>

#include "engine/deadline_index.h"
#include "engine/sa_db.h"

namespace ike::engine {
namespace {

using base::Seconds;
using base::TimePoint;

TimePoint at(int64_t s) { return TimePoint{} + Seconds{s}; }

// A table of true deadlines the index asks about.
struct Table {
  std::map<int, TimePoint> d;
  std::optional<TimePoint> operator()(int k) const {
    auto it = d.find(k);
    return it == d.end() ? std::nullopt : std::optional<TimePoint>{it->second};
  }
};

TEST(DeadlineIndex, ExpiresInDeadlineOrder) {
  DeadlineIndex<int> ix;
  Table t;
  for (int k : {5, 1, 4, 2, 3}) {
    t.d[k] = at(10 * k);
    ix.arm(k, t.d[k]);
  }
  EXPECT_EQ(ix.next(t), at(10));
  EXPECT_EQ(ix.due(at(9), t), std::vector<int>{});
  EXPECT_EQ(ix.due(at(30), t), (std::vector<int>{1, 2, 3}));
  // Still due until their deadline moves: a second consumer sees them too.
  EXPECT_EQ(ix.due(at(30), t), (std::vector<int>{1, 2, 3}));
  t.d.erase(1);
  t.d.erase(2);
  t.d.erase(3);
  EXPECT_EQ(ix.next(t), at(40));
  EXPECT_EQ(ix.due(at(100), t), (std::vector<int>{4, 5}));
}

TEST(DeadlineIndex, ReArmEarlierAndLater) {
  DeadlineIndex<int> ix;
  Table t;
  t.d[1] = at(100);
  t.d[2] = at(50);
  ix.arm(1, t.d[1]);
  ix.arm(2, t.d[2]);
  // Later: nothing to do, the early entry is a lower bound and is corrected when reached.
  t.d[2] = at(200);
  EXPECT_EQ(ix.next(t), at(100));
  EXPECT_EQ(ix.queued(), 2U);  // 2 was re-queued at 200, not duplicated
  // Earlier: must be armed; one entry added, the old one becomes stale.
  t.d[1] = at(20);
  ix.arm(1, t.d[1]);
  EXPECT_EQ(ix.next(t), at(20));
  EXPECT_EQ(ix.due(at(20), t), std::vector<int>{1});
  // Arming at a time no earlier than the queued entry adds nothing.
  const std::size_t before = ix.queued();
  ix.arm(1, at(25));
  EXPECT_EQ(ix.queued(), before);
}

TEST(DeadlineIndex, DeletionWhileQueued) {
  DeadlineIndex<int> ix;
  Table t;
  for (int k = 1; k <= 3; ++k) {
    t.d[k] = at(k);
    ix.arm(k, t.d[k]);
  }
  t.d.erase(1);  // the record went without forget(): found out when reached
  t.d.erase(2);
  ix.forget(2);  // ... or told
  EXPECT_EQ(ix.next(t), at(3));
  EXPECT_EQ(ix.due(at(10), t), std::vector<int>{3});
  t.d.erase(3);
  EXPECT_EQ(ix.next(t), std::nullopt);
  EXPECT_EQ(ix.queued(), 0U);
  EXPECT_EQ(ix.armed(), 0U);
}

TEST(DeadlineIndex, EqualDeadlinesComeOutInKeyOrder) {
  DeadlineIndex<int> ix;
  Table t;
  for (int k : {7, 3, 9, 1, 5}) {
    t.d[k] = at(60);
    ix.arm(k, at(60));
  }
  EXPECT_EQ(ix.due(at(60), t), (std::vector<int>{1, 3, 5, 7, 9}));
}

TEST(DeadlineIndex, StaleEntriesAreCompacted) {
  DeadlineIndex<int> ix;
  Table t;
  t.d[1] = at(1000);
  ix.arm(1, at(1000));
  for (int i = 999; i > 0; --i) ix.arm(1, at(i));  // moved earlier 999 times
  EXPECT_LE(ix.queued(), 2 * ix.armed() + 65);
  EXPECT_EQ(ix.next(t), at(1000));
}

IpsecSa ipsec(uint32_t spi, TimePoint soft, TimePoint hard) {
  IpsecSa sa;
  sa.name = "conn-" + std::to_string(spi);
  sa.in_spi = base::Spi{spi};
  sa.out_spi = base::Spi{spi + 0x10000000};
  sa.peer.address = base::IpAddress::v4(0x0a000000U + spi % 100);
  sa.soft_expiry = soft;
  sa.hard_expiry = hard;
  return sa;
}

TEST(SaDbTimers, TickVisitsOnlyDueSasAmong100000) {
  SaDb db;
  for (uint32_t i = 1; i <= 100000; ++i) {
    (void)db.add_ipsec(ipsec(i, at(3000 + i), at(3600 + i)));
  }
  EXPECT_EQ(db.next_deadline(), at(3001));
  uint64_t v0 = db.deadline_visits();
  EXPECT_TRUE(db.due_ipsec(at(100)).empty());  // nothing due: no entry examined beyond the top
  EXPECT_EQ(db.next_deadline(), at(3001));
  EXPECT_LE(db.deadline_visits() - v0, 2U);
  // Ten soft expiries due: only those are visited.
  v0 = db.deadline_visits();
  auto due = db.due_ipsec(at(3010));
  ASSERT_EQ(due.size(), 10U);
  EXPECT_EQ(due.front(), base::Spi{1});
  EXPECT_LE(db.deadline_visits() - v0, 11U);
  // Acting on them (soft passed) moves their deadline to the hard expiry.
  for (auto spi : due) db.find_ipsec_by_in_spi(spi)->soft_expiry.reset();
  EXPECT_EQ(db.next_deadline(), at(3011));
  // A deadline brought earlier through find_*() (kernel soft EXPIRE) is seen at once.
  db.find_ipsec_by_in_spi(base::Spi{50000})->soft_expiry = at(5);
  EXPECT_EQ(db.next_deadline(), at(5));
  // Deleting the SA while queued.
  (void)db.remove_ipsec(base::Spi{50000});
  EXPECT_EQ(db.next_deadline(), at(3011));
}

TEST(SaDbIndexes, PeerSpiRefAndNameLookupsFollowAddRemoveAndRebind) {
  SaDb db;
  for (uint32_t i = 1; i <= 1000; ++i) (void)db.add_ipsec(ipsec(i, at(100), at(200)));
  const base::IpAddress p7 = base::IpAddress::v4(0x0a000007U);
  EXPECT_EQ(db.ipsec_with_peer(p7).size(), 10U);
  IpsecSa* sa = db.find_ipsec_by_peer_spi(p7, base::Spi{107 + 0x10000000});
  ASSERT_NE(sa, nullptr);
  EXPECT_EQ(sa->in_spi, base::Spi{107});
  EXPECT_EQ(db.find_ipsec_by_ref(base::Spi{107 + 0x10000000}, p7), sa);
  EXPECT_EQ(db.ipsec_count_for("conn-107"), 1U);
  base::SockAddr moved{base::IpAddress::v4(0xc0a80001U), 4500};
  db.set_ipsec_peer(base::Spi{107}, moved);
  EXPECT_EQ(db.ipsec_with_peer(p7).size(), 9U);
  EXPECT_EQ(db.find_ipsec_by_peer_spi(moved.address, base::Spi{107 + 0x10000000}), sa);
  EXPECT_EQ(db.find_ipsec_by_ref(base::Spi{107 + 0x10000000}, p7), nullptr);
  (void)db.remove_ipsec(base::Spi{107});
  EXPECT_EQ(db.ipsec_count_for("conn-107"), 0U);
  EXPECT_EQ(db.find_ipsec_by_peer_spi(moved.address, base::Spi{107 + 0x10000000}), nullptr);

  IsakmpSa a, b;
  a.cookies.initiator.bytes[0] = 1;
  b.cookies.initiator.bytes[0] = 2;
  a.peer.address = b.peer.address = p7;
  a.established = at(1);
  b.established = at(2);
  auto record = [](const IsakmpSa& s) {  // IsakmpSa is move-only (its XAUTH state)
    IsakmpSa r;
    r.cookies = s.cookies;
    r.peer = s.peer;
    r.established = s.established;
    return r;
  };
  (void)db.add_isakmp(record(a));
  (void)db.add_isakmp(record(b));
  ASSERT_NE(db.find_isakmp_by_peer(p7), nullptr);
  EXPECT_EQ(db.find_isakmp_by_peer(p7)->cookies, b.cookies);  // the newest
  (void)db.remove_isakmp(b.cookies);
  EXPECT_EQ(db.find_isakmp_by_peer(p7)->cookies, a.cookies);
  EXPECT_EQ(db.isakmp_with_peer(p7).size(), 1U);
  // Removing by the stored SA's own cookies (a reference into the erased node; ASan).
  const IsakmpSa* stored = db.find_isakmp(a.cookies);
  ASSERT_NE(stored, nullptr);
  EXPECT_TRUE(db.remove_isakmp(stored->cookies).has_value());
  EXPECT_EQ(db.find_isakmp_by_peer(p7), nullptr);
  EXPECT_TRUE(db.isakmp_with_peer(p7).empty());
}

// One peer holding 20 000 SAs (a rekey storm over one ISAKMP SA): the (peer, outbound SPI)
// and (peer, connection) lookups answer from their own indexes, in SPI order, the lowest
// inbound SPI winning when a peer reused an outbound SPI; removal keeps them exact.
TEST(SaDbIndexes, OnePeerWithThousandsOfSas) {
  SaDb db;
  const base::IpAddress peer = base::IpAddress::v4(0x0a000001U);
  for (uint32_t i = 1; i <= 20000; ++i) {
    IpsecSa sa = ipsec(i, at(100), at(200));
    sa.peer.address = peer;
    sa.name = "conn-" + std::to_string(i % 5000);  // 4 pairs per connection
    (void)db.add_ipsec(std::move(sa));
  }
  EXPECT_EQ(db.ipsec_with_peer(peer).size(), 20000U);
  const auto named = db.ipsec_with_peer_and_name(peer, "conn-7");
  ASSERT_EQ(named.size(), 4U);
  EXPECT_EQ(named, (std::vector<base::Spi>{{7}, {5007}, {10007}, {15007}}));
  EXPECT_TRUE(db.ipsec_with_peer_and_name(base::IpAddress::v4(0x0a000002U), "conn-7").empty());
  IpsecSa* hit = db.find_ipsec_by_peer_spi(peer, base::Spi{12345 + 0x10000000});
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->in_spi, base::Spi{12345});
  // A second SA with the same outbound SPI (the peer reused it): the lowest inbound SPI wins.
  IpsecSa twin = ipsec(30000, at(100), at(200));
  twin.peer.address = peer;
  twin.out_spi = base::Spi{12345 + 0x10000000};
  (void)db.add_ipsec(std::move(twin));
  EXPECT_EQ(db.find_ipsec_by_peer_spi(peer, base::Spi{12345 + 0x10000000})->in_spi,
            base::Spi{12345});
  (void)db.remove_ipsec(base::Spi{12345});
  EXPECT_EQ(db.find_ipsec_by_peer_spi(peer, base::Spi{12345 + 0x10000000})->in_spi,
            base::Spi{30000});
  (void)db.remove_ipsec(base::Spi{5007});
  EXPECT_EQ(db.ipsec_with_peer_and_name(peer, "conn-7").size(), 3U);
  EXPECT_EQ(db.ipsec_with_peer(peer).size(), 19999U);
}

}  // namespace
}  // namespace ike::engine
