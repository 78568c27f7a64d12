// A path that duplicates every datagram (tests/interop/lossy: nftables `dup` at 50 % made one
// negotiation cost up to 42 datagrams): only the final message of an exchange is resent when the
// peer's previous message arrives again (isakmpd message_check_duplicate, MSG_LAST;
// isakmpd-features.md §1.1); copies of earlier steps arriving together are dropped and left to
// the retransmit timer, and only the peer's own retransmissions, 500 ms or more after our last
// transmission, are answered (retransmit.h). Answering every duplicate at every step doubled the
// datagrams at each of the nine steps.
//
//   MM1 -->  <-- MM2   MM3 -->  <-- MM4   MM5 -->  <-- MM6 (+1 resend: MM5 came twice)
//   QM1 -->  <-- QM2   QM3 -->  (+1 resend: QM2 came twice)
#include <gtest/gtest.h>

#include "support/engine_pair.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

uint64_t dropped_duplicates(const Side& s) {
  auto st = s.engine->stats();
  auto it = st.dropped_by_reason.find("duplicate");
  return it == st.dropped_by_reason.end() ? 0 : it->second;
}

// A datagram the left side sent, delivered to the right side once more (a late or resent copy).
engine::Datagram again_from_left(const EnginePair& p, const base::Bytes& bytes) {
  return engine::Datagram{base::SockAddr{p.right.address, 500},
                          base::SockAddr{p.left.address, 500}, bytes};
}

TEST(DuplicateStorm, EveryDatagramDuplicatedCostsOnlyTwoResends) {
  EnginePair p;
  for (uint64_t seq = 1; seq <= 2000; ++seq) p.link.duplicate(seq);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, base::Seconds{5}));
  p.run_for(base::Seconds{150});  // lingering exchanges expire, nothing else is sent
  // Left: MM1 MM3 MM5 QM1 QM3 + QM3 again; right: MM2 MM4 MM6 + MM6 again, QM2.
  EXPECT_EQ(p.left.sent.size(), 6u);
  EXPECT_EQ(p.right.sent.size(), 5u);
  EXPECT_EQ(p.left.engine->stats().retransmits, 1u);
  EXPECT_EQ(p.right.engine->stats().retransmits, 1u);
  // 22 deliveries: 9 messages processed, 2 duplicates answered (MM5, QM2), the other 11
  // dropped unanswered -- as duplicates, or as messages for a finished/established exchange.
  EXPECT_EQ(p.left.engine->stats().dropped + p.right.engine->stats().dropped, 11u);
  EXPECT_GE(dropped_duplicates(p.left) + dropped_duplicates(p.right), 5u);
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 1u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);
  EXPECT_EQ(p.left.kernel.count_add_sa(), 2u);
  EXPECT_EQ(p.right.kernel.count_add_sa(), 2u);
  EXPECT_EQ(p.left.count(Kind::ExchangeFailed) + p.right.count(Kind::ExchangeFailed), 0u);
  EXPECT_EQ(p.left.engine->exchange_count(), 0u);
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
}

// A duplicate of an earlier step is not answered at once; if our answer was really lost, the
// retransmit timer (7 s) recovers it.
TEST(DuplicateStorm, LostAnswerWithDuplicatedRequestRecoversOnTheTimer) {
  EnginePair p;
  p.link.duplicate(3);  // MM3 arrives twice ...
  p.link.drop(4);       // ... and MM4 is lost
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, base::Seconds{60}));
  EXPECT_EQ(p.right.engine->stats().retransmits, 1u);  // MM4 on the timer, not per duplicate
  EXPECT_GE(p.clock.elapsed(), base::Seconds{7});
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 1u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);
}

// The peer's own retransmission of an earlier step (arriving a second after our answer, as
// strongSwan's 1-s timer sends it) is answered at once: the lost MM4 is resent without waiting
// for our 7-s timer. A second copy right behind it is a path's duplicate and stays unanswered.
TEST(DuplicateStorm, PeerRetransmissionOfAnEarlierStepIsAnsweredAtOnce) {
  EnginePair p;
  p.link.drop(4);  // MM4 is lost
  p.start();
  ASSERT_EQ(p.left.sent.size(), 2u);  // MM1, MM3
  ASSERT_EQ(p.right.sent.size(), 2u);  // MM2, MM4
  const engine::Datagram again = again_from_left(p, p.left.sent[1]);  // MM3
  p.clock.advance(base::Seconds{1});
  p.right.engine->on_datagram(again, p.clock.now());
  p.right.engine->on_datagram(again, p.clock.now());
  EXPECT_EQ(p.right.engine->stats().retransmits, 1u);
  EXPECT_EQ(dropped_duplicates(p.right), 1u);
  p.pump();
  ASSERT_TRUE(p.established());
  // MM2, MM4, MM4 once more (not twice), MM6, QM2.
  ASSERT_EQ(p.right.sent.size(), 5u);
  EXPECT_EQ(p.right.sent[2], p.right.sent[1]);
  EXPECT_LT(p.clock.elapsed(), base::Seconds{7});  // before the retransmit timer
  EXPECT_EQ(p.right.engine->stats().retransmits, 1u);
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 1u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);
}

// A copy of MM1 held back by a reordering path arrives after MM3 (responder in MM_R4, waiting
// for MM5): it is neither the duplicate of the last message nor a valid MM5, and is dropped as
// unverifiable without touching the exchange; the negotiation then completes.
TEST(DuplicateStorm, LateMm1CopyAfterMm3IsDropped) {
  EnginePair p;
  p.link.drop(5);  // MM5 is lost: the responder stays in MM_R4
  p.start();
  ASSERT_EQ(p.left.sent.size(), 3u);  // MM1, MM3, MM5
  const engine::Datagram late = again_from_left(p, p.left.sent[0]);  // MM1
  p.clock.advance(base::Seconds{1});
  p.right.engine->on_datagram(late, p.clock.now());
  p.pump();
  EXPECT_EQ(p.right.sent.size(), 2u);  // MM2, MM4: nothing answered the late MM1
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, base::Seconds{30}));
  EXPECT_EQ(p.left.count(Kind::ExchangeFailed) + p.right.count(Kind::ExchangeFailed), 0u);
}

}  // namespace
}  // namespace ike::test
