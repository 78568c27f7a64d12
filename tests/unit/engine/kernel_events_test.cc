// Two-engine tests of Engine::on_kernel_event (src/engine/kernel_events.cc): an XFRM/PF_KEY
// ACQUIRE starts the matching connection as `c <name>` would (on-demand tunnel, no duplicate
// while one runs, nothing for a flow no connection covers); a kernel soft EXPIRE rekeys the
// pair (new Quick Mode, old pair replaced); a hard EXPIRE deletes the pair and sends DELETE so
// the peer drops it too; unknown SPIs are ignored.
//
//   (ACQUIRE 192.168.1.7 -> 192.168.2.0/24)   HDR, SA, VID -->   ... Main Mode, then
//   HDR*, HASH(1), SA, Ni, IDci, IDcr -->  <-- HDR*, HASH(2), ...  HDR*, HASH(3) -->
//   (hard EXPIRE of the outbound SA)           HDR*, HASH(1), D(ESP, our inbound SPI) -->
#include <gtest/gtest.h>

#include "support/engine_pair.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

base::IpAddress ip(const char* s) { return base::IpAddress::parse(s).value(); }

// passive_pair() and acquire_event() (support/engine_pair.h): left's connection "conn" is
// passive, so only the ACQUIRE starts it.

TEST(KernelEvents, AcquireStartsTheMatchingConnectionOnce) {
  EnginePair p = passive_pair();
  p.start();
  EXPECT_TRUE(p.left.sent.empty());
  auto ev = acquire_event("192.168.1.7", 32, "192.168.2.0");  // a host inside Local-ID's subnet
  p.left.engine->on_kernel_event(ev, p.clock.now());
  auto first = p.left.engine->take_outputs();  // MM1 queued; not yet delivered
  ASSERT_FALSE(first.empty());
  // A second ACQUIRE while the negotiation runs: no new exchange.
  const std::size_t exchanges = p.left.engine->exchange_count();
  p.left.engine->on_kernel_event(ev, p.clock.now());
  EXPECT_EQ(p.left.engine->exchange_count(), exchanges);
  EXPECT_TRUE(p.left.engine->take_outputs().empty());
  // Redo from a clean pair so the queued MM1 is delivered normally.
  EnginePair q = passive_pair();
  q.start();
  q.left.engine->on_kernel_event(ev, q.clock.now());
  ASSERT_TRUE(q.run_until([&] { return q.established(); }));
  EXPECT_EQ(q.left.count(Kind::Phase2Established), 1u);
  EXPECT_EQ(q.left.last(Kind::Phase2Established)->name, "conn");
  q.left.engine->on_kernel_event(ev, q.clock.now());  // SA exists: a new QM is what `c` does
  q.pump();
  EXPECT_EQ(q.left.count(Kind::Phase1Established), 1u);
}

TEST(KernelEvents, AcquireForAnUncoveredFlowIsIgnored) {
  EnginePair p = passive_pair();
  p.start();
  p.left.engine->on_kernel_event(acquire_event("192.168.1.0", 24, "192.168.9.0"), p.clock.now());
  auto wrong_peer = acquire_event("192.168.1.0", 24, "192.168.2.0");
  wrong_peer.peer = ip("10.0.0.99");
  p.left.engine->on_kernel_event(wrong_peer, p.clock.now());
  auto wider = acquire_event("192.168.0.0", 16, "192.168.2.0");  // wider than Local-ID
  p.left.engine->on_kernel_event(wider, p.clock.now());
  EXPECT_TRUE(p.left.engine->take_outputs().empty());
  EXPECT_EQ(p.left.engine->exchange_count(), 0u);
}

base::KernelEvent expire(base::KernelEvent::Kind kind, const base::SaInstall& sa) {
  base::KernelEvent ev;
  ev.kind = kind;
  ev.protocol = sa.ref.protocol;
  ev.ref = sa.ref;
  ev.src = sa.src;
  return ev;
}

TEST(KernelEvents, SoftExpireRekeysThePair) {
  EnginePair p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  auto old = p.left.last(Kind::Phase2Established)->spis;
  auto inbound = p.left.kernel.find_sa(old[0]);
  ASSERT_TRUE(inbound.has_value());
  p.left.engine->on_kernel_event(expire(base::KernelEvent::Kind::SoftExpire, *inbound),
                                 p.clock.now());
  p.pump();
  ASSERT_EQ(p.left.count(Kind::Phase2Established), 2u);
  EXPECT_NE(p.left.last(Kind::Phase2Established)->spis[0], old[0]);
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 1u);  // the old pair was replaced
  EXPECT_FALSE(p.left.kernel.find_sa(old[0]).has_value());
  // The outbound SA's soft EXPIRE right after: the pair is gone, nothing happens.
  auto outbound = base::SaInstall{};
  outbound.ref = {base::IpsecProtocol::Esp, ip("10.0.0.2"), old[1]};
  outbound.src = ip("10.0.0.1");
  p.left.engine->on_kernel_event(expire(base::KernelEvent::Kind::SoftExpire, outbound),
                                 p.clock.now());
  p.pump();
  EXPECT_EQ(p.left.count(Kind::Phase2Established), 2u);
}

TEST(KernelEvents, HardExpireDeletesThePairOnBothSides) {
  EnginePair p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  auto spis = p.left.last(Kind::Phase2Established)->spis;
  auto outbound = p.left.kernel.find_sa(spis[1]);
  ASSERT_TRUE(outbound.has_value());
  p.left.engine->on_kernel_event(expire(base::KernelEvent::Kind::HardExpire, *outbound),
                                 p.clock.now());
  p.pump();
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(p.left.count(Kind::Phase2Deleted), 1u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u);  // the DELETE reached the peer
  EXPECT_EQ(p.right.count(Kind::Phase2Deleted), 1u);
  EXPECT_TRUE(p.left.kernel.sas.empty());
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 1u);  // phase 1 stays
}

TEST(KernelEvents, UnknownSpiIsIgnored) {
  EnginePair p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  base::SaInstall stranger;
  stranger.ref = {base::IpsecProtocol::Esp, ip("10.0.0.1"), base::Spi{0x0badf00d}};
  stranger.src = ip("10.0.0.2");
  for (auto kind : {base::KernelEvent::Kind::SoftExpire, base::KernelEvent::Kind::HardExpire}) {
    p.left.engine->on_kernel_event(expire(kind, stranger), p.clock.now());
  }
  EXPECT_TRUE(p.left.engine->take_outputs().empty());
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 1u);
}

// A kernel that refuses the keys (no ESP support): the pair is deleted on both sides (DELETE)
// instead of being reported up while no traffic can flow.
TEST(KernelReplies, RefusedSaDeletesThePairAndTellsThePeer) {
  EnginePair p;
  p.left.kernel.fail_add_sa(1);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.left.count(Kind::Phase2Established) == 1; }));
  p.pump();
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(p.left.count(Kind::Phase2Deleted), 1u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u) << "the peer got the DELETE";
  EXPECT_TRUE(p.left.kernel.sas.empty()) << "the SA that did go in was removed";
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 1u);
}

}  // namespace
}  // namespace ike::test
