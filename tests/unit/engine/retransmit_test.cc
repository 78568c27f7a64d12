// Retransmission and loss (isakmpd semantics, isakmpd-features.md §1.1): each of the nine
// MM/QM datagrams is dropped once in turn and the exchange still completes through the
// 7/9/11 s retransmit schedule; each is duplicated and the duplicate only triggers a resend of
// the cached reply (no extra state); a dead peer exhausts Retransmits=3 and the exchange fails
// leaving nothing behind; a wrong PSK fails on both sides without any SA.
//
//   MM1 -->  <-- MM2   MM3 -->  <-- MM4   MM5 -->  <-- MM6   QM1 -->  <-- QM2   QM3 -->
#include <gtest/gtest.h>

#include "engine/retransmit.h"
#include "support/engine_pair.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

// Duplicate detection: the exact last message is a duplicate; one changed byte anywhere (also
// past the first 8-byte word), one byte more or less, or no message received yet are not.
TEST(Retransmit, DuplicateIsTheExactLastMessageOnly) {
  engine::Retransmitter r;
  base::Bytes msg(300);
  for (std::size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<uint8_t>(i * 7);
  EXPECT_FALSE(r.is_duplicate(msg));
  r.received(msg);
  EXPECT_TRUE(r.is_duplicate(msg));
  for (std::size_t at : {0u, 7u, 8u, 150u, 299u}) {
    base::Bytes changed = msg;
    changed[at] ^= 0x01;
    EXPECT_FALSE(r.is_duplicate(changed)) << "byte " << at;
  }
  base::Bytes longer = msg;
  longer.push_back(0);
  EXPECT_FALSE(r.is_duplicate(longer));
  EXPECT_FALSE(r.is_duplicate(base::ByteView(msg.data(), msg.size() - 1)));
}

TEST(Retransmit, IntervalScheduleIsTwoNPlusFive) {
  EXPECT_EQ(engine::retransmit_interval(1), base::Seconds{7});
  EXPECT_EQ(engine::retransmit_interval(2), base::Seconds{9});
  EXPECT_EQ(engine::retransmit_interval(3), base::Seconds{11});
  engine::Retransmitter r;
  base::TimePoint t0 = FakeClock::start_time();
  r.sent(base::Bytes{1, 2, 3}, t0, true);
  EXPECT_EQ(*r.deadline(), t0 + base::Seconds{7});
  EXPECT_EQ(r.on_timer(t0 + base::Seconds{6}, 3), engine::Retransmitter::Expiry::None);
  EXPECT_EQ(r.on_timer(t0 + base::Seconds{7}, 3), engine::Retransmitter::Expiry::Resend);
  EXPECT_EQ(*r.deadline(), t0 + base::Seconds{16});
  EXPECT_EQ(r.on_timer(t0 + base::Seconds{16}, 3), engine::Retransmitter::Expiry::Resend);
  EXPECT_EQ(r.on_timer(t0 + base::Seconds{27}, 3), engine::Retransmitter::Expiry::Resend);
  EXPECT_EQ(*r.deadline(), t0 + base::Seconds{40});
  EXPECT_EQ(r.on_timer(t0 + base::Seconds{40}, 3), engine::Retransmitter::Expiry::GiveUp);
}

// Duplicate answers: the final message always; an earlier step only while its timer waits, at
// least 500 ms after our last transmission (timer resends and earlier answers included), at most
// three times per message; a new message starts afresh.
TEST(Retransmit, DuplicateAnswersArePeerRetransmissionsOnly) {
  using std::chrono::milliseconds;
  engine::Retransmitter r;
  base::TimePoint t0 = FakeClock::start_time();
  EXPECT_FALSE(r.answer_duplicate(t0));  // nothing sent yet
  r.sent(base::Bytes{1}, t0, true);
  EXPECT_FALSE(r.answer_duplicate(t0));                      // a path's copy
  EXPECT_FALSE(r.answer_duplicate(t0 + milliseconds{499}));  // still too close
  EXPECT_TRUE(r.answer_duplicate(t0 + milliseconds{500}));   // the peer's retransmission
  EXPECT_FALSE(r.answer_duplicate(t0 + milliseconds{700}));  // 200 ms after that answer
  EXPECT_TRUE(r.answer_duplicate(t0 + milliseconds{1500}));
  EXPECT_EQ(r.on_timer(t0 + base::Seconds{7}, 3), engine::Retransmitter::Expiry::Resend);
  EXPECT_FALSE(r.answer_duplicate(t0 + milliseconds{7200}));  // the timer just resent it
  EXPECT_TRUE(r.answer_duplicate(t0 + milliseconds{7600}));
  EXPECT_FALSE(r.answer_duplicate(t0 + base::Seconds{9}));    // three answers per message
  EXPECT_EQ(r.transmissions(), 2);  // answers do not move the timer's schedule
  EXPECT_EQ(*r.deadline(), t0 + base::Seconds{16});
  r.sent(base::Bytes{2}, t0 + base::Seconds{10}, true);  // the next step
  EXPECT_TRUE(r.answer_duplicate(t0 + base::Seconds{11}));
  r.answered();  // the answer to it arrived: a late duplicate must not resend it
  EXPECT_FALSE(r.answer_duplicate(t0 + base::Seconds{20}));
  r.sent(base::Bytes{3}, t0 + base::Seconds{21}, false);  // final: every duplicate, at once
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(r.answer_duplicate(t0 + base::Seconds{21}));
}

class DropEach : public ::testing::TestWithParam<int> {};

TEST_P(DropEach, ExchangeCompletesThroughRetransmit) {
  EnginePair p;
  p.link.drop(static_cast<uint64_t>(GetParam()));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, base::Seconds{100}))
      << "dropped #" << GetParam();
  // Settle: lingering caches expire, nothing half-open remains.
  p.run_for(base::Seconds{150});
  EXPECT_EQ(p.left.engine->exchange_count(), 0u);
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 1u);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 1u);
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 1u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);
  EXPECT_EQ(p.left.kernel.sas.size(), 2u);
  EXPECT_EQ(p.right.kernel.sas.size(), 2u);
  EXPECT_GE(p.left.engine->stats().retransmits + p.right.engine->stats().retransmits, 1u);
  EXPECT_EQ(p.left.count(Kind::ExchangeFailed) + p.right.count(Kind::ExchangeFailed), 0u);
}

INSTANTIATE_TEST_SUITE_P(EveryMessage, DropEach, ::testing::Range(1, 10));

class DuplicateEach : public ::testing::TestWithParam<int> {};

TEST_P(DuplicateEach, NoExtraStateCachedReplyResent) {
  EnginePair p;
  p.link.duplicate(static_cast<uint64_t>(GetParam()));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, base::Seconds{5}))
      << "duplicated #" << GetParam();
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 1u);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 1u);
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 1u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);
  EXPECT_EQ(p.left.kernel.count_add_sa(), 2u);
  EXPECT_EQ(p.right.kernel.count_add_sa(), 2u);
  EXPECT_EQ(p.left.count(Kind::Phase2Established), 1u);
  EXPECT_EQ(p.right.count(Kind::Phase2Established), 1u);
  EXPECT_EQ(p.left.count(Kind::ExchangeFailed) + p.right.count(Kind::ExchangeFailed), 0u);
  p.run_for(base::Seconds{150});
  EXPECT_EQ(p.left.engine->exchange_count(), 0u);
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(EveryMessage, DuplicateEach, ::testing::Range(1, 10));

TEST(Retransmit, ReorderedQuickModeStillCompletes) {
  EnginePair p;
  p.link.reorder(6);  // MM6 arrives after the next datagram
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, base::Seconds{100}));
}

TEST(Retransmit, DeadPeerExhaustsRetransmitsAndLeavesNoState) {
  EnginePair p;
  p.link.blackhole(false);  // nothing from right reaches left
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.left.count(Kind::ExchangeFailed) > 0; },
                          base::Seconds{60}));
  const auto* f = p.left.last(Kind::ExchangeFailed);
  EXPECT_NE(f->detail.find("after 3 retransmits"), std::string::npos) << f->detail;
  // MM1 sent 4 times (1 + 3 retransmits) at t = 0, 7, 16, 27; failure at 40 s.
  EXPECT_EQ(p.left.sent.size(), 4u);
  EXPECT_EQ(p.clock.elapsed(), base::Seconds{40});
  EXPECT_EQ(p.left.engine->exchange_count(), 0u);
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 0u);
  // The responder's half-open exchange also gives up and is collected (the watchdog would
  // otherwise start a new attempt every Check-interval).
  p.left.engine->set_passive(true);
  p.run_for(base::Seconds{200});
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 0u);
}

TEST(Retransmit, WrongPskFailsBothSidesWithoutSas) {
  PeerConf l;
  PeerConf r = mirror(l);
  r.psk = "not-the-same";
  EnginePair p(l, r);
  p.start();
  ASSERT_TRUE(p.run_until([&] {
    return p.left.count(Kind::ExchangeFailed) > 0 && p.right.count(Kind::ExchangeFailed) > 0;
  }, base::Seconds{200}));
  // MM5 does not decrypt: dropped (engine/unverifiable.cc), named when the exchange times out.
  EXPECT_NE(p.right.last(Kind::ExchangeFailed)->detail.find("unverifiable MM5 from 10.0.0.1"),
            std::string::npos)
      << p.right.last(Kind::ExchangeFailed)->detail;
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 0u);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 0u);
  EXPECT_EQ(p.left.kernel.count_add_sa(), 0u);
  EXPECT_EQ(p.right.kernel.count_add_sa(), 0u);
  p.left.engine->set_passive(true);
  p.run_for(base::Seconds{200});
  EXPECT_EQ(p.left.engine->exchange_count(), 0u);
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
}

}  // namespace
}  // namespace ike::test
