// Tests for the IKEv1 fragment payload (vendor extension, wire/fragment.h): a hand-written
// fragment datagram in the layout strongSwan sends (header with next payload 132, then id,
// number, flags, data), encode == bytes, parse == values, every bad field rejected with the
// offset named, truncation at every length, and splitting a message into fragments and back.
#include <gtest/gtest.h>

#include "base/hex.h"
#include "test_util.h"
#include "wire/fragment.h"

namespace ike::wire::test {
namespace {

// Cookies 0102..08 / 1112..18, ID_PROT, msgid 0, fragment id 5, number 2, last, data "abc".
constexpr const char* kFragmentHex =
    "0102030405060708" "1112131415161718" "84" "10" "02" "00" "00000000" "00000027"
    "00" "00" "000b" "0005" "02" "01" "616263";

Header fragment_header() {
  Header h;
  for (uint8_t i = 0; i < 8; ++i) {
    h.cookies.initiator.bytes[i] = static_cast<uint8_t>(i + 1);
    h.cookies.responder.bytes[i] = static_cast<uint8_t>(0x11 + i);
  }
  h.exchange = ExchangeType::IdProt;
  return h;
}

Bytes golden() { return base::from_hex(kFragmentHex).value(); }

TEST(Fragment, EncodesAndParsesTheStrongSwanLayout) {
  const Bytes abc{'a', 'b', 'c'};
  EXPECT_EQ(encode_fragment(fragment_header(), 5, 2, true, base::view(abc)), golden());
  auto f = parse_fragment(base::view(golden()));
  ASSERT_TRUE(f.has_value()) << f.error().detail;
  EXPECT_EQ(f->header.cookies, fragment_header().cookies);
  EXPECT_EQ(f->id, 5);
  EXPECT_EQ(f->number, 2);
  EXPECT_TRUE(f->last);
  EXPECT_EQ(f->data, abc);
}

TEST(Fragment, VendorIdMatchesOnThePrefix) {
  EXPECT_EQ(base::to_hex(base::ByteView(kFragmentationVendorId)),
            "4048b7d56ebce88525e7de7f00d6c2d380000000");
  Bytes cisco(kFragmentationVendorId.begin(), kFragmentationVendorId.begin() + 16);
  EXPECT_TRUE(is_fragmentation_vendor_id(base::view(cisco)));
  cisco.insert(cisco.end(), {0xc0, 0, 0, 0});  // other capability bits
  EXPECT_TRUE(is_fragmentation_vendor_id(base::view(cisco)));
  cisco[3] ^= 1;
  EXPECT_FALSE(is_fragmentation_vendor_id(base::view(cisco)));
  EXPECT_FALSE(is_fragmentation_vendor_id(base::view(Bytes(15, 0x40))));
}

TEST(Fragment, BadFieldsAreRejectedWithTheirOffset) {
  struct Case {
    std::size_t at;
    uint8_t value;
    base::NotifyType notify;
    const char* needle;
  };
  const Case cases[] = {
      {16, 0x0d, base::NotifyType::InvalidPayloadType, "next payload 13 at offset 16"},
      {19, 0x01, base::NotifyType::InvalidFlags, "flags 0x01 at offset 19"},
      {28, 0x0d, base::NotifyType::InvalidPayloadType, "next payload 13 at offset 28"},
      {29, 0x80, base::NotifyType::PayloadMalformed, "RESERVED=0x80 at offset 29"},
      {31, 0x0c, base::NotifyType::UnequalPayloadLengths, "payload length 12 at offset 30"},
      {31, 0x0a, base::NotifyType::UnequalPayloadLengths, "payload length 10 at offset 30"},
      {34, 0x00, base::NotifyType::PayloadMalformed, "number 0 at offset 34"},
      {34, 0x11, base::NotifyType::PayloadMalformed, "number 17 at offset 34"},
      {35, 0x03, base::NotifyType::PayloadMalformed, "unknown flag bits 0x03 at offset 35"},
  };
  for (const auto& c : cases) {
    Bytes b = golden();
    b[c.at] = c.value;
    EXPECT_TRUE(fails_with(parse_fragment(base::view(b)), c.notify, c.needle)) << c.needle;
  }
}

TEST(Fragment, EmptyDataAndEveryTruncationAreRejected) {
  Bytes empty = encode_fragment(fragment_header(), 1, 1, true, {});
  EXPECT_TRUE(fails_with(parse_fragment(base::view(empty)), base::NotifyType::PayloadMalformed,
                         "leaves no data"));
  const Bytes g = golden();
  for (std::size_t n = 0; n < g.size(); ++n) {
    Bytes cut(g.begin(), g.begin() + static_cast<std::ptrdiff_t>(n));
    if (n >= kHeaderSize) put_u32(cut, 24, static_cast<uint32_t>(n));  // header length agrees
    EXPECT_FALSE(parse_fragment(base::view(cut)).has_value()) << n;
  }
}

TEST(Fragment, SplitsAMessageAndTheSlicesConcatenateBack) {
  Header h = fragment_header();
  h.exchange = ExchangeType::Aggressive;
  h.message_id = base::MessageId{0x01020304};  // (phase 1 has 0; the fragments always do)
  h.flags = kFlagEncryption;
  Bytes body(1000);
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<uint8_t>(i * 7);
  h.length = static_cast<uint32_t>(kHeaderSize + body.size());
  Bytes message = encode_header(h);
  base::append(message, base::view(body));

  auto parts = split_into_fragments(base::view(message), 9, 300);
  ASSERT_TRUE(parts.has_value()) << parts.error().detail;
  ASSERT_EQ(parts->size(), 4u);  // 1028 bytes in slices of 300 - 36 = 264: 3 x 264 + 236
  Bytes joined;
  for (std::size_t i = 0; i < parts->size(); ++i) {
    EXPECT_LE((*parts)[i].size(), 300u);
    auto f = parse_fragment(base::view((*parts)[i]));
    ASSERT_TRUE(f.has_value()) << f.error().detail;
    EXPECT_EQ(f->id, 9);
    EXPECT_EQ(f->number, i + 1);
    EXPECT_EQ(f->last, i + 1 == parts->size());
    // strongSwan: message id 0 and the message's exchange type, never encrypted.
    EXPECT_EQ(f->header.message_id.value, 0u);
    EXPECT_EQ(f->header.exchange, ExchangeType::Aggressive);
    EXPECT_EQ(f->header.flags, 0);
    EXPECT_EQ(f->header.cookies, h.cookies);
    base::append(joined, base::view(f->data));
  }
  EXPECT_EQ(joined, message);
}

TEST(Fragment, SplitRefusesTooManyFragmentsAndNoRoom) {
  Header h = fragment_header();
  Bytes body(16 * 64);
  h.length = static_cast<uint32_t>(kHeaderSize + body.size());
  Bytes message = encode_header(h);
  base::append(message, base::view(body));
  auto many = split_into_fragments(base::view(message), 1, 36 + 64);
  ASSERT_FALSE(many.has_value());
  EXPECT_NE(many.error().detail.find("needs 17 fragments"), std::string::npos)
      << many.error().detail;
  EXPECT_FALSE(split_into_fragments(base::view(message), 1, 36).has_value());
  EXPECT_FALSE(split_into_fragments(base::view(Bytes(10)), 1, 500).has_value());
}

}  // namespace
}  // namespace ike::wire::test
