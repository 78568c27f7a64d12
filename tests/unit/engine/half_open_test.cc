// HalfOpenTable (half_open.h): per-address counts, the eviction choice (oldest exchange of the
// address holding the most; among equals the address that got there first), untracking in any
// order, and the [General] limits with their clamps. Also the ExchangeTable hooks: responder
// phase-1 exchanges are tracked on add, untracked on authenticated/remove/clear, and the
// initiator-cookie lookups find exchanges without scanning.
#include "engine/half_open.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <unordered_map>

#include "conf/conf_db.h"
#include "engine/exchange.h"

namespace ike::engine {
namespace {

base::CookiePair cookies(uint8_t i, uint8_t r = 0x11) {
  base::CookiePair c;
  c.initiator.bytes.fill(i);
  c.responder.bytes.fill(r);
  return c;
}

base::IpAddress addr(const char* s) { return base::IpAddress::parse(s).value(); }

TEST(HalfOpen, CountsPerAddressAndVictimIsOldestOfTheBusiestAddress) {
  HalfOpenTable t;
  t.track(cookies(1), addr("192.0.2.1"));
  t.track(cookies(2), addr("192.0.2.2"));
  t.track(cookies(3), addr("192.0.2.2"));
  t.track(cookies(4), addr("192.0.2.3"));
  t.track(cookies(5), addr("192.0.2.2"));
  EXPECT_EQ(t.size(), 5u);
  EXPECT_EQ(t.count(addr("192.0.2.2")), 3u);
  EXPECT_EQ(t.count(addr("192.0.2.9")), 0u);
  EXPECT_EQ(t.max_per_peer(), 3u);
  EXPECT_EQ(t.victim(), cookies(2));
  // Its oldest gone (evicted), the next oldest of the same address follows.
  t.untrack(cookies(2));
  EXPECT_EQ(t.victim(), cookies(3));
  // Untracking from the middle keeps the order; unknown keys are ignored.
  t.untrack(cookies(3));
  t.untrack(cookies(42));
  EXPECT_EQ(t.count(addr("192.0.2.2")), 1u);
  // Now every address has one: the one that reached one first (192.0.2.1) loses its oldest.
  EXPECT_EQ(t.max_per_peer(), 1u);
  EXPECT_EQ(t.victim(), cookies(1));
  t.untrack(cookies(1));
  t.untrack(cookies(4));
  t.untrack(cookies(5));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.peer_count(), 0u);
  EXPECT_FALSE(t.victim().has_value());
}

TEST(HalfOpen, ManyTrackUntrackCyclesStayBounded) {
  HalfOpenTable t;
  // One address churning: track 2, untrack the newer, many times; the deque stays compact.
  for (int i = 0; i < 10000; ++i) {
    base::CookiePair a = cookies(static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8));
    a.responder.bytes[7] = static_cast<uint8_t>(i >> 16);
    t.track(a, addr("198.51.100.7"));
    if (i % 2 == 1) t.untrack(a);
  }
  EXPECT_EQ(t.size(), 5000u);
  EXPECT_EQ(t.count(addr("198.51.100.7")), 5000u);
  EXPECT_TRUE(t.victim().has_value());
  t.clear();
  EXPECT_EQ(t.size(), 0u);
}

TEST(HalfOpen, LimitsFromConfigAreClamped) {
  conf::ConfDb db;
  auto l = HalfOpenLimits::from_conf(db, base::Seconds{120});
  EXPECT_EQ(l.per_peer, 16u);
  EXPECT_EQ(l.global, 2048u);
  EXPECT_EQ(l.max_time, base::Seconds{30});
  auto tx = db.begin();
  db.set(tx, "General", "Max-half-open-per-peer", "0", true);
  db.set(tx, "General", "Max-half-open", "4", true);
  db.set(tx, "General", "Half-open-max-time", "600", true);
  ASSERT_TRUE(db.commit(tx));
  l = HalfOpenLimits::from_conf(db, base::Seconds{120});
  EXPECT_EQ(l.per_peer, 1u);                  // at least 1
  EXPECT_EQ(l.global, 4u);
  EXPECT_EQ(l.max_time, base::Seconds{120});  // never past Exchange-max-time
}

TEST(HalfOpen, ExchangeTableTracksResponderPhase1Only) {
  ExchangeTable t;
  auto make = [](base::CookiePair c, Role role, wire::ExchangeType type, uint32_t mid) {
    Exchange x;
    x.key = ExchangeKey{c, base::MessageId{mid}};
    x.type = type;
    x.role = role;
    x.peer = base::SockAddr{addr("192.0.2.1"), 500};
    return x;
  };
  t.add(make(cookies(1), Role::Responder, wire::ExchangeType::IdProt, 0));
  t.add(make(cookies(2), Role::Responder, wire::ExchangeType::Aggressive, 0));
  t.add(make(cookies(3), Role::Initiator, wire::ExchangeType::IdProt, 0));
  t.add(make(cookies(1), Role::Responder, wire::ExchangeType::QuickMode, 7));
  EXPECT_EQ(t.half_open().size(), 2u);
  EXPECT_EQ(t.half_open().count(addr("192.0.2.1")), 2u);
  // Initiator-cookie lookups through the index.
  EXPECT_NE(t.find_responder_by_icookie(cookies(1).initiator,
                                        base::SockAddr{addr("192.0.2.1"), 500}),
            nullptr);
  EXPECT_EQ(t.find_responder_by_icookie(cookies(1).initiator,
                                        base::SockAddr{addr("192.0.2.1"), 4500}),
            nullptr);
  EXPECT_NE(t.find_initiator_mm(cookies(3).initiator), nullptr);
  EXPECT_EQ(t.find_initiator_mm(cookies(1).initiator), nullptr);
  // The initiator learns the responder cookie (MM2): still found by its initiator cookie.
  t.rekey(ExchangeKey{cookies(3), base::MessageId{0}},
          ExchangeKey{cookies(3, 0x77), base::MessageId{0}});
  ASSERT_NE(t.find_initiator_mm(cookies(3).initiator), nullptr);
  EXPECT_EQ(t.find_initiator_mm(cookies(3).initiator)->key.cookies, cookies(3, 0x77));
  t.authenticated(ExchangeKey{cookies(1), base::MessageId{0}});
  EXPECT_EQ(t.half_open().size(), 1u);
  t.remove(ExchangeKey{cookies(2), base::MessageId{0}});
  EXPECT_EQ(t.half_open().size(), 0u);
  EXPECT_EQ(t.find_responder_by_icookie(cookies(2).initiator,
                                        base::SockAddr{addr("192.0.2.1"), 500}),
            nullptr);
  // Removing by the exchange's own key (what fail_exchange/finish_exchange pass): the key lives
  // in the node being erased; the indexes must still be cleaned (a use-after-free the ASan
  // interop run found).
  Exchange* x3 = t.find_initiator_mm(cookies(3).initiator);
  ASSERT_NE(x3, nullptr);
  t.remove(x3->key);
  EXPECT_EQ(t.find_initiator_mm(cookies(3).initiator), nullptr);
  t.clear();
  EXPECT_EQ(t.find_initiator_mm(cookies(3).initiator), nullptr);
  EXPECT_TRUE(t.all().empty());
}

// Source addresses are the peer's choice (spoofed ones too): IpAddressHash is keyed
// (base/keyed_hash.h), so 20 000 addresses that FNV-1a-style or identity hashing could be made
// to collide spread over a table's buckets like random values; the family tells equal bytes
// apart (an IPv4 address and the IPv6 address starting with its bytes).
TEST(HalfOpen, AddressHashIsKeyedAndSpreadsChosenAddresses) {
  std::unordered_map<base::IpAddress, int, IpAddressHash> by_address;
  by_address.reserve(20000);
  const std::size_t buckets = by_address.bucket_count();
  for (uint32_t k = 1; k <= 20000; ++k) {
    by_address.emplace(base::IpAddress::v4(static_cast<uint32_t>(k * buckets)), 0);
  }
  std::size_t most = 0;
  for (std::size_t i = 0; i < by_address.bucket_count(); ++i) {
    most = std::max(most, by_address.bucket_size(i));
  }
  EXPECT_LE(most, 16u);
  auto v4 = base::IpAddress::parse("10.0.0.1").value();
  auto v6 = base::IpAddress::parse("a00:1::").value();
  EXPECT_EQ(IpAddressHash{}(v4), IpAddressHash{}(base::IpAddress::parse("10.0.0.1").value()));
  EXPECT_NE(IpAddressHash{}(v4), IpAddressHash{}(v6));
}

}  // namespace
}  // namespace ike::engine
