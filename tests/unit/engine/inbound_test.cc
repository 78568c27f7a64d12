// Inbound::all<T>() (transitions.h): every payload of one type, in message order, held inline
// up to PayloadPtrs::kInline and on the heap beyond; steps pass it as a std::span.
#include <gtest/gtest.h>

#include <span>

#include "engine/transitions.h"

namespace ike::engine {
namespace {

wire::PayloadEntry vendor(uint8_t tag) {
  wire::PayloadEntry e;
  e.value = wire::VendorPayload{base::Bytes{tag}};
  return e;
}

wire::PayloadEntry nonce() {
  wire::PayloadEntry e;
  e.value = wire::NoncePayload{base::Bytes(16, 0x42)};
  return e;
}

// The tags of the vendor IDs a span sees, in order.
std::vector<uint8_t> tags(std::span<const wire::VendorPayload* const> vids) {
  std::vector<uint8_t> out;
  for (const auto* v : vids) out.push_back(v->data.at(0));
  return out;
}

// `n` vendor IDs tagged 1..n with a nonce after every third, as in a busy MM1.
Inbound with_vendor_ids(std::size_t n) {
  Inbound in;
  for (std::size_t i = 1; i <= n; ++i) {
    in.payloads.push_back(vendor(static_cast<uint8_t>(i)));
    if (i % 3 == 0) in.payloads.push_back(nonce());
  }
  return in;
}

std::vector<uint8_t> one_to(std::size_t n) {
  std::vector<uint8_t> out;
  for (std::size_t i = 1; i <= n; ++i) out.push_back(static_cast<uint8_t>(i));
  return out;
}

TEST(InboundAll, NoneOfTheTypeIsEmpty) {
  Inbound in = with_vendor_ids(0);
  in.payloads.push_back(nonce());
  auto vids = in.all<wire::VendorPayload>();
  EXPECT_TRUE(vids.empty());
  EXPECT_EQ(vids.size(), 0u);
  EXPECT_EQ(vids.begin(), vids.end());
  EXPECT_TRUE(tags(vids).empty());
}

TEST(InboundAll, KeepsMessageOrderAndSkipsOtherTypes) {
  const Inbound in = with_vendor_ids(5);
  auto vids = in.all<wire::VendorPayload>();
  ASSERT_EQ(vids.size(), 5u);
  EXPECT_EQ(tags(vids), one_to(5));
  EXPECT_EQ(vids[0], &std::get<wire::VendorPayload>(in.payloads[0].value));
  EXPECT_EQ(in.all<wire::NoncePayload>().size(), 1u);
}

TEST(InboundAll, ExactlyTheInlineCapacity) {
  constexpr std::size_t n = Inbound::PayloadPtrs<wire::VendorPayload>::kInline;
  const Inbound in = with_vendor_ids(n);
  auto vids = in.all<wire::VendorPayload>();
  ASSERT_EQ(vids.size(), n);
  EXPECT_EQ(tags(vids), one_to(n));
  EXPECT_EQ(vids[n - 1]->data.at(0), n);
}

TEST(InboundAll, MoreThanTheInlineCapacitySpillToTheHeapInOrder) {
  constexpr std::size_t n = Inbound::PayloadPtrs<wire::VendorPayload>::kInline * 3 + 1;
  const Inbound in = with_vendor_ids(n);
  auto vids = in.all<wire::VendorPayload>();
  ASSERT_EQ(vids.size(), n);
  EXPECT_EQ(tags(vids), one_to(n));
  // Every pointer still addresses the payload inside the message, not a copy.
  std::size_t seen = 0;
  for (const auto& e : in.payloads) {
    if (const auto* v = std::get_if<wire::VendorPayload>(&e.value)) {
      EXPECT_EQ(vids[seen++], v);
    }
  }
  EXPECT_EQ(seen, n);
  // A copy of the list keeps its own storage.
  auto copy = vids;
  EXPECT_EQ(tags(copy), one_to(n));
}

}  // namespace
}  // namespace ike::engine
