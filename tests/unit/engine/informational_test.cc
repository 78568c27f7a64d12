// Two-engine tests of the Informational exchange (RFC 2409 §5.7): DELETE of phase-2 and phase-1
// SAs in both directions, the `t`, `T`, `d` commands, shutdown, and DPD (RFC 3706).
//
//   HDR*, HASH(1), D(ESP, SPI size 4, SPI)          -->   (kernel SAs + flows removed)
//   HDR*, HASH(1), D(ISAKMP, SPI size 16, CKY-I|CKY-R) -->
//   HDR*, HASH(1), N(R-U-THERE, SPI=cookies, seq)    -->
//                  <--  HDR*, HASH(1), N(R-U-THERE-ACK, SPI=cookies, seq)
#include <gtest/gtest.h>

#include "support/engine_pair.h"
#include "wire/message.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

EnginePair& up(EnginePair& p) {
  p.start();
  EXPECT_TRUE(p.run_until([&] { return p.established(); }));
  return p;
}

TEST(Informational, TeardownByNameDeletesPhase2OnBothSides) {
  EnginePair p;
  up(p);
  std::size_t before = p.link.log().size();
  p.ui(p.left, engine::UiTeardown{2, "conn"});
  ASSERT_EQ(p.link.log().size(), before + 1);  // one DELETE, no answer
  auto h = wire::parse_header(base::view(p.link.log().back().bytes));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->exchange, wire::ExchangeType::Informational);
  EXPECT_NE(h->flags & wire::kFlagEncryption, 0);
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u);
  EXPECT_TRUE(p.left.kernel.sas.empty());
  EXPECT_TRUE(p.right.kernel.sas.empty());
  EXPECT_TRUE(p.left.kernel.flows.empty());
  EXPECT_TRUE(p.right.kernel.flows.empty());
  EXPECT_EQ(p.right.count(Kind::Phase2Deleted), 1u);
  // Phase 1 survives a phase-2 DELETE.
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 1u);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 1u);
  // `t conn` also stops the watchdog from bringing it back.
  p.run_for(base::Seconds{200});
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 0u);
}

TEST(Informational, ResponderDeletesPhase2ByPeerAddress) {
  EnginePair p;
  up(p);
  p.ui(p.right, engine::UiTeardown{2, "10.0.0.1"});
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u);
  EXPECT_TRUE(p.left.kernel.sas.empty());
}

TEST(Informational, DeletePhase1BothWays) {
  {
    EnginePair p;
    up(p);
    p.ui(p.left, engine::UiTeardown{1, "peer-10.0.0.2"});
    EXPECT_EQ(p.left.engine->phase1_sa_count(), 0u);
    EXPECT_EQ(p.right.engine->phase1_sa_count(), 0u);
    EXPECT_EQ(p.right.count(Kind::Phase1Deleted), 1u);
    EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);  // IKEv1: IPsec SAs outlive phase 1
  }
  {
    EnginePair p;
    up(p);
    const auto* ev = p.right.last(Kind::Phase1Established);
    p.ui(p.right, engine::UiDeleteSa{ev->cookies, std::nullopt});
    EXPECT_EQ(p.left.engine->phase1_sa_count(), 0u);
    EXPECT_EQ(p.right.engine->phase1_sa_count(), 0u);
  }
}

// The responder's lingering Main Modes (MM_R_DONE in the `S` snapshot).
std::size_t lingering_main_modes(EnginePair& p) {
  std::size_t n = 0;
  for (const auto& x : p.right.engine->status(p.clock.now()).exchanges) {
    n += x.state == "MM_R_DONE" && x.finished ? 1u : 0u;
  }
  return n;
}

// Phase 1 only: the initiator's kernel does not answer its GETSPI, so no Quick Mode follows.
EnginePair& phase1_up(EnginePair& p) {
  p.left.auto_kernel = false;
  p.start();
  EXPECT_TRUE(p.run_until([&] {
    return p.left.engine->phase1_sa_count() == 1 && p.right.engine->phase1_sa_count() == 1;
  }));
  return p;
}

// The responder's finished Main Mode lingers to resend MM6 when MM5 comes again; once the
// initiator deletes the ISAKMP SA (it has the SA, so it will not retransmit MM5), the
// lingering exchange goes with the SA: a replayed MM5 is no longer answered.
//
//   MM5 -->  (again)  <-- MM6 resent        D(ISAKMP) -->  MM5 (again) -->  (nothing)
TEST(Informational, PeerDeleteEndsTheLingeringMainModeSoAReplayedMm5IsNotAnswered) {
  EnginePair p;
  phase1_up(p);
  ASSERT_GE(p.left.sent.size(), 3u);
  const engine::Datagram mm5{base::SockAddr{p.right.address, 500},
                             base::SockAddr{p.left.address, 500}, p.left.sent[2]};
  const std::size_t answered = p.right.sent.size();
  p.right.engine->on_datagram(mm5, p.clock.now());
  p.pump();
  ASSERT_EQ(p.right.sent.size(), answered + 1);  // MM6 again: the exchange lingers
  EXPECT_EQ(p.right.sent.back(), p.right.sent[2]);
  p.ui(p.left, engine::UiTeardown{1, "peer-10.0.0.2"});
  ASSERT_EQ(p.right.engine->phase1_sa_count(), 0u);
  const uint64_t dropped = p.right.engine->stats().dropped;
  const std::size_t after_delete = p.right.sent.size();
  p.right.engine->on_datagram(mm5, p.clock.now());
  p.pump();
  EXPECT_EQ(p.right.sent.size(), after_delete);  // no MM6 for a deleted SA
  EXPECT_EQ(p.right.engine->stats().dropped, dropped + 1);
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
}

// A Quick Mode from the initiator proves it has MM6: its IV comes from MM6's last CBC block
// (RFC 2409 Appendix B) and HASH(1) verified. The lingering Main Mode goes then, not at
// Exchange-max-time (issue #7: it held ~2 KB per new RSA_SIG SA pair through a burst); a late
// MM5 is dropped while the ISAKMP SA stays, and so is a late MM1 (its initiator cookie is the
// SA's: EngineImpl::dispatch_phase1).
//
//   MM5 -->  <-- MM6      QM1 -->  (MmRDone removed)     MM5 (again) -->  (dropped)
//                                                         MM1 (again) -->  (dropped)
TEST(Informational, QuickModeFromThePeerEndsTheLingeringMainMode) {
  {
    EnginePair p;
    phase1_up(p);
    EXPECT_EQ(lingering_main_modes(p), 1u);
  }
  EnginePair p;
  up(p);
  EXPECT_EQ(lingering_main_modes(p), 0u);  // QM1 confirmed phase 1
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
  ASSERT_GE(p.left.sent.size(), 3u);
  const engine::Datagram mm5{base::SockAddr{p.right.address, 500},
                             base::SockAddr{p.left.address, 500}, p.left.sent[2]};
  const uint64_t dropped = p.right.engine->stats().dropped;
  const std::size_t sent = p.right.sent.size();
  p.right.engine->on_datagram(mm5, p.clock.now());
  p.pump();
  EXPECT_EQ(p.right.sent.size(), sent);
  EXPECT_EQ(p.right.engine->stats().dropped, dropped + 1);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 1u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);
  // A late copy of MM1 (a reordering link: interop_lossy) starts no second Main Mode: its
  // initiator cookie is the established ISAKMP SA's.
  const engine::Datagram mm1{mm5.local, mm5.peer, p.left.sent[0]};
  p.right.engine->on_datagram(mm1, p.clock.now());
  p.pump();
  EXPECT_EQ(p.right.sent.size(), sent);
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
  EXPECT_EQ(p.right.engine->stats().dropped, dropped + 2);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 1u);
}

TEST(Informational, DeleteSaByMessageId) {
  EnginePair p;
  up(p);
  const auto* ev = p.left.last(Kind::Phase2Established);
  p.ui(p.left, engine::UiDeleteSa{ev->cookies, ev->message_id});
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u);
}

TEST(Informational, TeardownAllAndShutdownSendIpsecThenIsakmpDeletes) {
  EnginePair p;
  up(p);
  p.ui(p.left, engine::UiTeardownAll{});
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 1u);

  EnginePair q;
  up(q);
  std::size_t before = q.link.log().size();
  q.left.engine->shutdown(q.clock.now(), true);
  q.pump();
  EXPECT_EQ(q.link.log().size(), before + 2);  // DELETE(ESP) then DELETE(ISAKMP)
  EXPECT_EQ(q.right.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(q.right.engine->phase1_sa_count(), 0u);
  EXPECT_EQ(q.left.engine->phase1_sa_count(), 0u);
  EXPECT_TRUE(q.left.kernel.sas.empty());
  ASSERT_GE(q.right.events.size(), 2u);
  EXPECT_EQ(q.right.events[q.right.events.size() - 2].kind, Kind::Phase2Deleted);
  EXPECT_EQ(q.right.events.back().kind, Kind::Phase1Deleted);

  EnginePair quiet;
  up(quiet);
  before = quiet.link.log().size();
  quiet.left.engine->shutdown(quiet.clock.now(), false);
  quiet.pump();
  EXPECT_EQ(quiet.link.log().size(), before);
  EXPECT_EQ(quiet.right.engine->phase1_sa_count(), 1u);
}

TEST(Informational, RuThereIsAnsweredWithAck) {
  EnginePair p;
  up(p);
  const auto* ev = p.left.last(Kind::Phase1Established);
  std::size_t before = p.link.log().size();
  ASSERT_TRUE(p.left.engine->send_r_u_there(ev->cookies, 0x1234, p.clock.now()));
  p.pump();
  ASSERT_EQ(p.link.log().size(), before + 2);  // R-U-THERE -->, <-- R-U-THERE-ACK
  EXPECT_FALSE(p.link.log().back().left_to_right);
  bool acked = false;
  for (const auto& line : p.left.engine->report_lines(p.clock.now())) {
    if (line == "sa_report: dpd ack seq 4660") acked = true;
  }
  EXPECT_TRUE(acked);
  EXPECT_EQ(p.left.engine->stats().dropped, 0u) << p.left.engine->last_drop_reason();
  EXPECT_EQ(p.right.engine->stats().dropped, 0u) << p.right.engine->last_drop_reason();
  EXPECT_FALSE(p.left.engine->send_r_u_there(base::CookiePair{}, 1, p.clock.now()));
}

}  // namespace
}  // namespace ike::test
