// ExchangeTable kernel-request index (exchange.h, issue #7): a kernel reply finds the Quick Mode
// exchange waiting for it with one hash lookup, however many exchanges (live or lingering for
// retransmissions) the table holds. Counted, not timed: request_lookup_visits() is the number
// of exchanges a lookup examined. Also the index follows remove, rekey, replacement and clear;
// and the deadline heap (next_deadline/due) gives the scan's answer while examining only the
// exchanges touched since the last call, counted by deadline_visits(). And the exchanges over
// one ISAKMP SA (deleting it) are a range of the ordered table, counted by cookie_range_visits().
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include "engine/exchange.h"

namespace ike::engine {
namespace {

ExchangeKey qm_key(uint32_t n, uint32_t mid) {
  ExchangeKey k;
  for (std::size_t i = 0; i < 4; ++i) {
    k.cookies.initiator.bytes[i] = static_cast<uint8_t>(n >> (8 * i));
    k.cookies.responder.bytes[i] = static_cast<uint8_t>(~n >> (8 * i));
  }
  k.message_id = base::MessageId{mid};
  return k;
}

Exchange quick_mode(const ExchangeKey& k, bool finished) {
  Exchange x;
  x.key = k;
  x.type = wire::ExchangeType::QuickMode;
  x.role = Role::Responder;
  x.state = finished ? State::QmRSent2 : State::QmRWaitSpi;
  x.finished = finished;
  x.qm = std::make_unique<QuickModeData>();
  return x;
}

// Quick Mode `i` (cookies and message id from i) added to `t`, waiting for GETSPI request `i`.
Exchange& add_waiting_for_spi(ExchangeTable& t, uint32_t i, bool finished) {
  Exchange& x = t.add(quick_mode(qm_key(i, i), finished));
  x.qm->pending_spis[i] = wire::ProtocolId::IpsecEsp;
  t.expect_request(i, x.key);
  return x;
}

TEST(ExchangeIndex, KernelReplyLookupVisitsOneExchangeAmong50000Finished) {
  ExchangeTable t;
  // 50,000 finished Quick Modes lingering for retransmissions, each once waiting for a GETSPI
  // whose reply went elsewhere (request ids 1..50000 indexed, no longer pending).
  for (uint32_t i = 1; i <= 50000; ++i) {
    add_waiting_for_spi(t, i, true).qm->pending_spis.erase(i);
  }
  // One live exchange waiting for two SPIs (AH + ESP).
  const ExchangeKey live = qm_key(60000, 7);
  Exchange& w = t.add(quick_mode(live, false));
  w.qm->pending_spis[90001] = wire::ProtocolId::IpsecEsp;
  w.qm->pending_spis[90002] = wire::ProtocolId::IpsecAh;
  t.expect_request(90001, live);
  t.expect_request(90002, live);
  ASSERT_EQ(t.all().size(), 50001u);

  const uint64_t before = t.request_lookup_visits();
  Exchange* x = t.find_by_request(90002);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->key, live);
  EXPECT_EQ(t.request_lookup_visits() - before, 1u);
  // An unknown id visits nothing; an answered one (stale index entry) visits one and is dropped.
  EXPECT_EQ(t.find_by_request(123456789), nullptr);
  EXPECT_EQ(t.request_lookup_visits() - before, 1u);
  EXPECT_EQ(t.find_by_request(25000), nullptr);
  EXPECT_EQ(t.request_lookup_visits() - before, 2u);
  EXPECT_EQ(t.find_by_request(25000), nullptr);
  EXPECT_EQ(t.request_lookup_visits() - before, 2u);  // the stale entry is gone
  // Every stale entry answered once: total visits equal lookups, never the table size.
  for (uint64_t id = 1; id <= 50000; ++id) EXPECT_EQ(t.find_by_request(id), nullptr);
  EXPECT_EQ(t.request_lookup_visits() - before, 2u + 49999u);
  EXPECT_EQ(t.indexed_requests(), 1u);  // 90001, still awaited
}

// Each request's reply consumes its index entry, found or not: a daemon that has run a
// million Quick Modes indexes only the requests still awaited (they used to stay forever once
// the exchange had taken the reply out of pending_spis).
TEST(ExchangeIndex, AnsweredRequestsLeaveNoIndexEntries) {
  ExchangeTable t;
  for (uint32_t i = 1; i <= 1000; ++i) add_waiting_for_spi(t, i, false);
  EXPECT_EQ(t.indexed_requests(), 1000u);
  for (uint32_t i = 1; i <= 1000; ++i) {
    Exchange* x = t.find_by_request(i);
    ASSERT_NE(x, nullptr);
    x->qm->pending_spis.erase(i);  // what qm_on_spi does with the reply
    t.mark_finished(x->key);
  }
  EXPECT_EQ(t.indexed_requests(), 0u);
  EXPECT_EQ(t.find_by_request(7), nullptr);  // a second reply for the same request: nothing
}

TEST(ExchangeIndex, FollowsRemoveRekeyReplaceAndClear) {
  ExchangeTable t;
  const ExchangeKey a = qm_key(1, 1);
  Exchange& x = t.add(quick_mode(a, false));
  x.qm->pending_spis[10] = wire::ProtocolId::IpsecEsp;
  t.expect_request(10, a);
  ASSERT_NE(t.find_by_request(10), nullptr);

  // Re-keyed: found under its new key.
  const ExchangeKey b = qm_key(2, 1);
  t.rekey(a, b);
  Exchange* moved = t.find_by_request(10);
  ASSERT_NE(moved, nullptr);
  EXPECT_EQ(moved->key, b);

  // Removed: the reply finds nothing, and nothing was visited (the entry went with it).
  const uint64_t before = t.request_lookup_visits();
  t.remove(b);
  EXPECT_EQ(t.find_by_request(10), nullptr);
  EXPECT_EQ(t.request_lookup_visits(), before);

  // Replaced by a new exchange under the same key that does not wait for request 11.
  Exchange& y = t.add(quick_mode(a, false));
  y.qm->pending_spis[11] = wire::ProtocolId::IpsecEsp;
  t.expect_request(11, a);
  t.add(quick_mode(a, false));
  EXPECT_EQ(t.find_by_request(11), nullptr);

  Exchange& z = t.add(quick_mode(a, false));
  z.qm->pending_spis[12] = wire::ProtocolId::IpsecEsp;
  t.expect_request(12, a);
  t.clear();
  EXPECT_EQ(t.find_by_request(12), nullptr);
}

base::TimePoint at(int seconds) { return base::TimePoint{} + std::chrono::seconds(seconds); }

// The answer a scan of the table gives (what EngineImpl::next_deadline computed before).
std::optional<base::TimePoint> scan(const ExchangeTable& t) {
  std::optional<base::TimePoint> d;
  for (const auto& [k, x] : t.all()) {
    if (!d || x.expires < *d) d = x.expires;
    if (auto r = x.rtx.deadline(); r && *r < *d) d = r;
  }
  return d;
}

TEST(ExchangeDeadlines, HeapAgreesWithScanAndTouchesOnlyWhatChanged) {
  ExchangeTable t;
  EXPECT_FALSE(t.next_deadline().has_value());
  for (uint32_t i = 1; i <= 50000; ++i) {
    Exchange x = quick_mode(qm_key(i, i), true);
    x.expires = at(1000 + static_cast<int>(i % 997));  // lingering until then
    t.add(std::move(x));
  }
  ASSERT_EQ(t.next_deadline(), scan(t));
  EXPECT_EQ(t.next_deadline(), at(1000));

  // A new exchange with a retransmit timer earlier than every linger deadline.
  const ExchangeKey live = qm_key(60000, 7);
  Exchange& w = t.add(quick_mode(live, false));
  w.expires = at(2000);
  w.rtx.sent(base::Bytes{1, 2, 3}, at(100), true);  // first resend at 100 + 7 s
  uint64_t before = t.deadline_visits();
  EXPECT_EQ(t.next_deadline(), at(107));
  EXPECT_EQ(t.next_deadline(), scan(t));
  EXPECT_LE(t.deadline_visits() - before, 4u);

  // Answered (timer stopped) through find(): the head is stale and dropped, the next one is
  // the earliest linger deadline; only a handful of entries are examined, not 50,000.
  before = t.deadline_visits();
  t.find(live)->rtx.answered();
  EXPECT_EQ(t.next_deadline(), at(1000));
  EXPECT_EQ(t.next_deadline(), scan(t));
  EXPECT_LE(t.deadline_visits() - before, 8u);

  // due(): exactly the exchanges whose deadline passed, in key order, without a scan.
  before = t.deadline_visits();
  std::vector<ExchangeKey> due = t.due(at(1001));
  std::vector<ExchangeKey> expected;
  for (const auto& [k, x] : std::as_const(t).all()) {  // const: no rebuild
    if (x.expires <= at(1001)) expected.push_back(k);
  }
  EXPECT_EQ(due, expected);
  EXPECT_EQ(due.size(), 2u * 50000u / 997u + 1u);  // i % 997 in {0, 1}
  // Removing one due exchange (as a timer tick does) moves the deadline on correctly.
  for (const auto& k : due) t.remove(k);
  EXPECT_EQ(t.next_deadline(), scan(t));
  EXPECT_EQ(t.next_deadline(), at(1002));
  EXPECT_LE(t.deadline_visits() - before, 4u * due.size() + 8u);

  // Mutable access to everything (all()) forces a full, correct rebuild.
  for (auto& [k, x] : t.all()) x.expires = at(5000);
  t.find(live)->expires = at(4000);
  EXPECT_EQ(t.next_deadline(), at(4000));
  t.clear();
  EXPECT_FALSE(t.next_deadline().has_value());
}

// The list of exchanges touched since the last refresh holds the exchanges themselves: one
// touched and then removed, replaced or re-keyed before the refresh must neither be read after
// it is gone nor lose the deadline it got afterwards.
TEST(ExchangeDeadlines, TouchedThenRemovedReplacedOrRekeyedBeforeTheRefresh) {
  ExchangeTable t;
  Exchange far = quick_mode(qm_key(1, 1), true);
  far.expires = at(900);
  t.add(std::move(far));
  ASSERT_EQ(t.next_deadline(), at(900));
  // Touched (find) and removed before the heap is read: the refresh skips it.
  const ExchangeKey a = qm_key(2, 2);
  t.add(quick_mode(a, true)).expires = at(100);
  t.find(a)->expires = at(50);
  t.remove(a);
  EXPECT_EQ(t.next_deadline(), at(900));
  EXPECT_EQ(t.next_deadline(), scan(t));
  // Replaced under the same key while listed: the replacement's deadline counts.
  const ExchangeKey b = qm_key(3, 3);
  t.add(quick_mode(b, true)).expires = at(200);
  Exchange again = quick_mode(b, true);
  again.expires = at(150);
  t.add(std::move(again));
  EXPECT_EQ(t.next_deadline(), at(150));
  EXPECT_EQ(t.next_deadline(), scan(t));
  // Re-keyed while listed (an initiator learning the responder cookie): found under the new
  // key when due, never under the old one.
  const ExchangeKey c = qm_key(4, 4), c2 = qm_key(5, 4);
  t.add(quick_mode(c, true)).expires = at(120);
  t.rekey(c, c2);
  EXPECT_EQ(t.next_deadline(), at(120));
  EXPECT_EQ(t.due(at(120)), std::vector<ExchangeKey>{c2});
  // Touched many times between two refreshes: listed once, right deadline.
  for (int i = 0; i < 5; ++i) t.find(c2)->expires = at(110 - i);
  EXPECT_EQ(t.next_deadline(), at(106));
  EXPECT_EQ(t.next_deadline(), scan(t));
}

TEST(ExchangeIndex, ExchangesOverOneIsakmpSaAreARangeNotAScan) {
  ExchangeTable t;
  // 20,000 ISAKMP SAs' lingering exchanges: each its Main Mode (message id 0) and a finished QM.
  for (uint32_t i = 1; i <= 20000; ++i) {
    Exchange mm = quick_mode(qm_key(i, 0), true);
    mm.type = wire::ExchangeType::IdProt;
    mm.qm.reset();
    t.add(std::move(mm));
    t.add(quick_mode(qm_key(i, 1000 + i), true));
  }
  // The SA being deleted: three Quick Modes (one live) besides its Main Mode.
  const base::CookiePair c = qm_key(10000, 0).cookies;
  t.add(quick_mode(qm_key(10000, 7), false));
  t.add(quick_mode(qm_key(10000, 0xffffffffu), true));
  const uint64_t before = t.cookie_range_visits();
  const std::vector<ExchangeKey> keys = t.over_isakmp_sa(c);
  // Exactly the scan's answer (message id != 0, same cookies, key order)...
  std::vector<ExchangeKey> expected;
  for (const auto& [k, x] : std::as_const(t).all()) {
    if (k.cookies == c && k.message_id.value != 0) expected.push_back(k);
  }
  EXPECT_EQ(keys, expected);
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys.front().message_id.value, 7u);
  // ...examining only those three exchanges of the 40,002.
  EXPECT_EQ(t.cookie_range_visits() - before, 3u);
  // Cookies with no exchange: nothing examined, nothing returned.
  EXPECT_TRUE(t.over_isakmp_sa(qm_key(30000, 0).cookies).empty());
  EXPECT_EQ(t.cookie_range_visits() - before, 3u);
  // Only the phase-1 exchange left: nothing over the SA.
  for (const auto& k : keys) t.remove(k);
  EXPECT_TRUE(t.over_isakmp_sa(c).empty());
  EXPECT_NE(t.find(ExchangeKey{c, base::MessageId{0}}), nullptr);
}

// The Quick Modes in flight over one ISAKMP SA (the burst limit of connect and rekey) are a
// counter: it equals the scan's answer through add, replacement, mark_finished, rekey and
// remove, with 10,000 finished Quick Modes lingering over the same SA.
TEST(ExchangeIndex, QuickModesInFlightIsACounterEqualToTheScan) {
  ExchangeTable t;
  const base::CookiePair c = qm_key(1, 0).cookies;
  const base::CookiePair other = qm_key(2, 0).cookies;
  auto scan = [&](const base::CookiePair& cp) {
    std::size_t n = 0;
    for (const auto& [k, x] : std::as_const(t).all()) {
      if (k.cookies == cp && x.qm != nullptr && !x.finished) ++n;
    }
    return n;
  };
  for (uint32_t m = 1; m <= 10000; ++m) t.add(quick_mode(qm_key(1, m), true));
  EXPECT_EQ(t.quick_modes_in_flight(c), 0u);
  for (uint32_t m = 20001; m <= 20016; ++m) t.add(quick_mode(qm_key(1, m), false));
  t.add(quick_mode(qm_key(2, 5), false));
  EXPECT_EQ(t.quick_modes_in_flight(c), 16u);
  EXPECT_EQ(t.quick_modes_in_flight(other), 1u);
  t.mark_finished(qm_key(1, 20001));
  t.mark_finished(qm_key(1, 20001));  // twice: counted once
  t.remove(qm_key(1, 20002));
  t.add(quick_mode(qm_key(1, 20003), true));  // replaced by a finished one
  t.add(quick_mode(qm_key(1, 20004), false));  // replaced by a live one
  t.rekey(qm_key(1, 20005), qm_key(2, 20005));
  EXPECT_EQ(t.quick_modes_in_flight(c), scan(c));
  EXPECT_EQ(t.quick_modes_in_flight(c), 12u);
  EXPECT_EQ(t.quick_modes_in_flight(other), scan(other));
  EXPECT_EQ(t.quick_modes_in_flight(other), 2u);
  // By connection name, and any unfinished exchange over the cookies.
  Exchange named = quick_mode(qm_key(3, 9), false);
  named.qm->connection = "conn-9";
  t.add(std::move(named));
  EXPECT_TRUE(t.quick_mode_running("conn-9"));
  EXPECT_TRUE(t.unfinished_over(qm_key(3, 0).cookies));
  t.mark_finished(qm_key(3, 9));
  EXPECT_FALSE(t.quick_mode_running("conn-9"));
  EXPECT_FALSE(t.unfinished_over(qm_key(3, 0).cookies));
  for (uint32_t m = 20001; m <= 20016; ++m) t.remove(qm_key(1, m));
  EXPECT_EQ(t.quick_modes_in_flight(c), 0u);
  EXPECT_FALSE(t.unfinished_over(c));
  t.clear();
  EXPECT_FALSE(t.unfinished_over(other));
}

}  // namespace
}  // namespace ike::engine
