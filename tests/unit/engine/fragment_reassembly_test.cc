// Unit tests of the IKEv1 fragment reassembler (engine/fragment_reassembly.h), one per rule:
// in-order and out-of-order completion, duplicates, number 0 and numbers beyond the last one,
// two "last" fragments, a last fragment below one already stored, interleaved fragment ids
// (newer restarts, older dropped), the 64 KB total cap, the 16-fragment ceiling, the timeout,
// the cap on concurrent reassemblies (oldest evicted) and independence of cookie pairs.
#include <gtest/gtest.h>

#include "engine/fragment_reassembly.h"

namespace ike::engine {
namespace {

using Kind = FragmentReassembler::Outcome::Kind;

const base::TimePoint t0{};

wire::Fragment frag(uint16_t id, uint8_t number, bool last, std::size_t size = 10,
                    uint8_t cookie = 1) {
  wire::Fragment f;
  f.header.cookies.initiator.bytes[0] = cookie;
  f.header.cookies.responder.bytes[0] = 0x99;
  f.id = id;
  f.number = number;
  f.last = last;
  f.data.assign(size, number);
  return f;
}

TEST(FragmentReassembly, OutOfOrderFragmentsCompleteInNumberOrder) {
  FragmentReassembler r;
  EXPECT_EQ(r.insert(frag(1, 3, true, 2), t0).kind, Kind::Stored);
  EXPECT_EQ(r.insert(frag(1, 1, false, 3), t0).kind, Kind::Stored);
  EXPECT_EQ(r.in_progress(), 1u);
  auto done = r.insert(frag(1, 2, false, 1), t0);
  ASSERT_EQ(done.kind, Kind::Complete);
  EXPECT_EQ(done.message, (base::Bytes{1, 1, 1, 2, 3, 3}));
  EXPECT_EQ(r.in_progress(), 0u);
}

TEST(FragmentReassembly, SingleLastFragmentIsAWholeMessage) {
  FragmentReassembler r;
  auto done = r.insert(frag(7, 1, true, 4), t0);
  ASSERT_EQ(done.kind, Kind::Complete);
  EXPECT_EQ(done.message.size(), 4u);
}

TEST(FragmentReassembly, DuplicateIsDroppedAndTheFirstCopyKept) {
  FragmentReassembler r;
  ASSERT_EQ(r.insert(frag(1, 1, false, 3), t0).kind, Kind::Stored);
  auto dup = frag(1, 1, false, 5);
  auto o = r.insert(dup, t0);
  EXPECT_EQ(o.kind, Kind::Dropped);
  EXPECT_NE(o.reason.find("duplicate"), std::string::npos) << o.reason;
  auto done = r.insert(frag(1, 2, true, 1), t0);
  ASSERT_EQ(done.kind, Kind::Complete);
  EXPECT_EQ(done.message.size(), 4u);  // 3 + 1: the duplicate's 5 bytes were not used
}

TEST(FragmentReassembly, NumberZeroAndAboveSixteenAreRefused) {
  FragmentReassembler r;
  EXPECT_EQ(r.insert(frag(1, 0, false), t0).kind, Kind::Dropped);
  EXPECT_EQ(r.insert(frag(1, 17, true), t0).kind, Kind::Dropped);
  EXPECT_EQ(r.in_progress(), 0u);
}

TEST(FragmentReassembly, NumberBeyondTheLastIsDropped) {
  FragmentReassembler r;
  ASSERT_EQ(r.insert(frag(1, 2, true), t0).kind, Kind::Stored);
  auto o = r.insert(frag(1, 3, false), t0);
  EXPECT_EQ(o.kind, Kind::Dropped);
  EXPECT_NE(o.reason.find("beyond the last fragment #2"), std::string::npos) << o.reason;
  EXPECT_EQ(r.insert(frag(1, 1, false), t0).kind, Kind::Complete);
}

TEST(FragmentReassembly, SecondLastFragmentDiscardsTheReassembly) {
  FragmentReassembler r;
  ASSERT_EQ(r.insert(frag(1, 3, true), t0).kind, Kind::Stored);
  auto o = r.insert(frag(1, 2, true), t0);
  EXPECT_EQ(o.kind, Kind::Dropped);
  EXPECT_NE(o.reason.find("second last fragment"), std::string::npos) << o.reason;
  EXPECT_EQ(r.in_progress(), 0u);
}

TEST(FragmentReassembly, LastBelowAStoredNumberDiscardsTheReassembly) {
  FragmentReassembler r;
  ASSERT_EQ(r.insert(frag(1, 5, false), t0).kind, Kind::Stored);
  auto o = r.insert(frag(1, 2, true), t0);
  EXPECT_EQ(o.kind, Kind::Dropped);
  EXPECT_NE(o.reason.find("#5 was received"), std::string::npos) << o.reason;
  EXPECT_EQ(r.in_progress(), 0u);
}

TEST(FragmentReassembly, NewerIdRestartsOlderIdIsDropped) {
  FragmentReassembler r;
  ASSERT_EQ(r.insert(frag(4, 1, false), t0).kind, Kind::Stored);
  // A newer message (retransmission with a new id): the old parts are abandoned.
  ASSERT_EQ(r.insert(frag(5, 2, true), t0).kind, Kind::Stored);
  auto late = r.insert(frag(4, 2, true), t0);
  EXPECT_EQ(late.kind, Kind::Dropped);
  EXPECT_NE(late.reason.find("older than the message 5"), std::string::npos) << late.reason;
  // Fragment 1 of id 4 must not complete id 5.
  auto done = r.insert(frag(5, 1, false, 3), t0);
  ASSERT_EQ(done.kind, Kind::Complete);
  EXPECT_EQ(done.message, (base::Bytes{1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}));
}

TEST(FragmentReassembly, TotalAbove64KiBDiscardsTheReassembly) {
  FragmentReassembler r;
  for (uint8_t n = 1; n <= 4; ++n) {
    ASSERT_EQ(r.insert(frag(1, n, false, 16000), t0).kind, Kind::Stored);
  }
  auto o = r.insert(frag(1, 5, true, 1600), t0);  // 65600 > 65536
  EXPECT_EQ(o.kind, Kind::Dropped);
  EXPECT_NE(o.reason.find("exceed 65536"), std::string::npos) << o.reason;
  EXPECT_EQ(r.in_progress(), 0u);
  EXPECT_EQ(r.insert(frag(1, 1, false, 65537), t0).kind, Kind::Dropped);
}

TEST(FragmentReassembly, SixteenFragmentsComplete) {
  FragmentReassembler r;
  for (uint8_t n = 16; n >= 2; --n) {
    ASSERT_EQ(r.insert(frag(1, n, n == 16, 1), t0).kind, Kind::Stored) << int{n};
  }
  auto done = r.insert(frag(1, 1, false, 1), t0);
  ASSERT_EQ(done.kind, Kind::Complete);
  EXPECT_EQ(done.message.size(), 16u);
  EXPECT_EQ(done.message.back(), 16);
}

TEST(FragmentReassembly, TimeoutDiscardsOnInsertAndOnExpire) {
  FragmentReassembler r;
  ASSERT_EQ(r.insert(frag(1, 1, false), t0).kind, Kind::Stored);
  const auto late = t0 + ReassemblyLimits::kTimeout;
  // The old part is gone: fragment 2 alone cannot complete the message.
  EXPECT_EQ(r.insert(frag(1, 2, true), late).kind, Kind::Stored);
  EXPECT_EQ(r.expire(late + base::Seconds{1}), 0u);
  EXPECT_EQ(r.expire(late + ReassemblyLimits::kTimeout), 1u);
  EXPECT_EQ(r.in_progress(), 0u);
}

TEST(FragmentReassembly, ConcurrentReassembliesAreCappedOldestEvicted) {
  FragmentReassembler r;
  for (std::size_t i = 0; i < ReassemblyLimits::kMaxReassemblies + 1; ++i) {
    auto f = frag(1, 1, false, 10, static_cast<uint8_t>(i + 1));
    ASSERT_EQ(r.insert(f, t0 + base::Seconds{static_cast<int64_t>(i)}).kind, Kind::Stored);
  }
  EXPECT_EQ(r.in_progress(), ReassemblyLimits::kMaxReassemblies);
  // Cookie 2 still completes; cookie 1 (the oldest) was evicted, so its fragment 2 starts over.
  EXPECT_EQ(r.insert(frag(1, 2, true, 10, 2), t0 + base::Seconds{1}).kind, Kind::Complete);
  EXPECT_EQ(r.insert(frag(1, 2, true, 10, 1), t0 + base::Seconds{1}).kind, Kind::Stored);
}

TEST(FragmentReassembly, CookiePairsAreIndependent) {
  FragmentReassembler r;
  ASSERT_EQ(r.insert(frag(1, 1, false, 1, 1), t0).kind, Kind::Stored);
  ASSERT_EQ(r.insert(frag(1, 1, false, 2, 2), t0).kind, Kind::Stored);
  auto a = r.insert(frag(1, 2, true, 1, 1), t0);
  ASSERT_EQ(a.kind, Kind::Complete);
  EXPECT_EQ(a.message.size(), 2u);
  EXPECT_EQ(r.in_progress(), 1u);
}

}  // namespace
}  // namespace ike::engine
