// Engine::recycle_outputs (engine.h): a vector handed back after its outputs were handled is
// cleared and collects the engine's next outputs, so the daemon does not grow a fresh vector
// for every event (issue #7). A large one (a shutdown's burst) is not kept.
//
//   (ACQUIRE)  HDR, SA, VID -->   MM1, taken; the vector is recycled
//   (timeout)  HDR, SA, VID -->   MM1 retransmitted into the recycled vector
// An empty take (the end of the daemon's drain loop) leaves the recycled vector in place.
#include <gtest/gtest.h>

#include "support/engine_pair.h"

namespace ike::test {
namespace {

// Left's connection is passive (passive_pair()): only the ACQUIRE starts it, and nothing
// answers MM1 here.
class RecycleOutputs : public ::testing::Test {
 protected:
  RecycleOutputs() { p.start(); }
  // One ACQUIRE: left queues MM1, the only output.
  void acquire() {
    e.on_kernel_event(acquire_event("192.168.1.7", 32, "192.168.2.0"), p.clock.now());
  }
  // An empty vector with `n` entries of capacity.
  static std::vector<engine::Output> with_capacity(std::size_t n) {
    std::vector<engine::Output> v;
    v.reserve(n);
    return v;
  }

  EnginePair p = passive_pair();
  engine::Engine& e = *p.left.engine;
};

const base::Bytes& only_datagram(const std::vector<engine::Output>& outs) {
  EXPECT_EQ(outs.size(), 1u);
  const auto* d = std::get_if<engine::SendDatagram>(&outs.at(0));
  EXPECT_NE(d, nullptr);
  static const base::Bytes none;
  return d != nullptr ? d->bytes : none;
}

TEST_F(RecycleOutputs, TheRecycledVectorCollectsTheNextOutputs) {
  acquire();
  std::vector<engine::Output> first = e.take_outputs();
  const base::Bytes mm1 = only_datagram(first);
  ASSERT_FALSE(mm1.empty());
  const engine::Output* buffer = first.data();
  e.recycle_outputs(std::move(first));

  auto due = e.next_deadline();
  ASSERT_TRUE(due.has_value());
  p.clock.advance_to(*due);
  e.on_tick(p.clock.now());
  std::vector<engine::Output> again = e.take_outputs();
  EXPECT_EQ(again.data(), buffer) << "the retransmission was not collected in the recycled vector";
  EXPECT_EQ(only_datagram(again), mm1) << "a retransmission repeats MM1 byte for byte";
}

TEST_F(RecycleOutputs, ARecycledVectorIsClearedFirst) {
  std::vector<engine::Output> stale = with_capacity(8);
  stale.emplace_back(engine::SaEvent{engine::SaEvent::Kind::Phase1Deleted, "stale", {}, {}, {}, {},
                                     {}, "from an earlier event"});
  e.recycle_outputs(std::move(stale));
  acquire();
  std::vector<engine::Output> outs = e.take_outputs();
  EXPECT_EQ(outs.capacity(), 8u) << "the recycled vector was not used";
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<engine::SendDatagram>(outs[0]));
}

// The daemon drains until take_outputs() comes back empty: that last, empty take must not carry
// the recycled capacity away with it.
TEST_F(RecycleOutputs, AnEmptyTakeKeepsTheRecycledCapacity) {
  std::vector<engine::Output> used = with_capacity(8);
  const engine::Output* buffer = used.data();
  e.recycle_outputs(std::move(used));
  std::vector<engine::Output> none = e.take_outputs();
  EXPECT_TRUE(none.empty());
  EXPECT_NE(none.data(), buffer);
  acquire();
  std::vector<engine::Output> outs = e.take_outputs();
  EXPECT_EQ(outs.data(), buffer);
  EXPECT_EQ(outs.size(), 1u);
}

TEST_F(RecycleOutputs, ALargeVectorIsNotKept) {
  std::vector<engine::Output> burst = with_capacity(1000);
  const engine::Output* buffer = burst.data();
  e.recycle_outputs(std::move(burst));
  EXPECT_EQ(burst.data(), buffer) << "a 1000-output vector was taken over by the engine";
  EXPECT_EQ(burst.capacity(), 1000u);
  acquire();
  std::vector<engine::Output> outs = e.take_outputs();
  EXPECT_NE(outs.data(), buffer);
  EXPECT_EQ(outs.size(), 1u);
}

}  // namespace
}  // namespace ike::test
