// Tests for RFC 2408 §3.3 data attributes: TV/TLV forms, Attribute::number/as_number, and the
// attribute-list decoding as seen through SA transforms and the mode-cfg ATTRIBUTE payload.
#include <gtest/gtest.h>

#include "test_util.h"
#include "wire/message.h"

namespace ike::wire::test {
namespace {

TEST(Attribute, BasicIsTv) {
  Attribute a = Attribute::basic(14, 256);
  EXPECT_TRUE(a.tv);
  EXPECT_EQ(a.type, 14);
  EXPECT_EQ(a.as_number(), 256u);
  EXPECT_EQ(Attribute::basic(0x8001, 1).type, 1) << "the AF bit is not part of the type";
}

TEST(Attribute, NumberChoosesForm) {
  EXPECT_TRUE(Attribute::number(12, 0xffff).tv);
  Attribute four = Attribute::number(12, 86400);
  EXPECT_FALSE(four.tv);
  EXPECT_EQ(four.long_value, (Bytes{0x00, 0x01, 0x51, 0x80}));
  EXPECT_EQ(four.as_number(), 86400u);
  Attribute eight = Attribute::number(2, 0x1122334455ull);
  EXPECT_EQ(eight.long_value, (Bytes{0, 0, 0, 0x11, 0x22, 0x33, 0x44, 0x55}));
  EXPECT_EQ(eight.as_number(), 0x1122334455ull);
  EXPECT_EQ(Attribute::number(2, ~uint64_t{0}).as_number(), ~uint64_t{0});
}

TEST(Attribute, AsNumberTlvSizes) {
  Attribute a;
  a.tv = false;
  EXPECT_FALSE(a.as_number()) << "empty TLV is not a number";
  a.long_value = {0x2a};
  EXPECT_EQ(a.as_number(), 42u);
  a.long_value = Bytes(8, 0xff);
  EXPECT_EQ(a.as_number(), ~uint64_t{0});
  a.long_value = Bytes(9, 0x00);
  EXPECT_FALSE(a.as_number()) << "more than 8 bytes does not fit";
}

// A mode-cfg ATTRIBUTE payload body with the given attribute bytes.
Bytes cfg_body(const Bytes& attrs) {
  Bytes b{1, 0, 0x00, 0x07};
  b.insert(b.end(), attrs.begin(), attrs.end());
  return b;
}

TEST(Attribute, TvAndTlvDecodeAndReencode) {
  const Bytes body = cfg_body({0x80, 0x0e, 0x01, 0x00,               // TV type 14 = 256
                               0x00, 0x0c, 0x00, 0x04, 0, 1, 0x51, 0x80,  // TLV type 12, 4 bytes
                               0x00, 0x01, 0x00, 0x00});              // TLV type 1, empty
  auto p = parse_payload_body(PayloadType::Attribute, body, 0);
  ASSERT_TRUE(p) << p.error().detail;
  const auto& attrs = std::get<AttributePayload>(*p).attributes;
  ASSERT_EQ(attrs.size(), 3u);
  EXPECT_TRUE(attrs[0].tv);
  EXPECT_EQ(attrs[0].short_value, 256);
  EXPECT_FALSE(attrs[1].tv);
  EXPECT_EQ(attrs[1].as_number(), 86400u);
  EXPECT_FALSE(attrs[2].tv);
  EXPECT_TRUE(attrs[2].long_value.empty());
  EXPECT_EQ(encode_payload_body(*p), body);
}

TEST(Attribute, SmallValueSentAsTlvKeepsItsForm) {
  // A TLV carrying a value that would fit TV must re-encode as TLV (byte-exact HASH inputs).
  const Bytes body = cfg_body({0x00, 0x0b, 0x00, 0x02, 0x00, 0x01});
  auto p = parse_payload_body(PayloadType::Attribute, body, 0);
  ASSERT_TRUE(p);
  EXPECT_FALSE(std::get<AttributePayload>(*p).attributes[0].tv);
  EXPECT_EQ(encode_payload_body(*p), body);
}

TEST(Attribute, TlvLengthBeyondContainer) {
  EXPECT_TRUE(fails_with(parse_payload_body(PayloadType::Attribute,
                                            cfg_body({0x00, 0x0c, 0x00, 0x05, 1, 2, 3, 4}), 100),
                         NotifyType::PayloadMalformed,
                         "attribute #1 (type 12): attribute length 5 exceeds payload remainder 4 "
                         "at offset 104"));
}

TEST(Attribute, TruncatedHeader) {
  for (std::size_t n = 1; n < 4; ++n) {
    Bytes attrs{0x80, 0x01, 0x00, 0x07};
    attrs.resize(n);
    EXPECT_TRUE(fails_with(parse_payload_body(PayloadType::Attribute, cfg_body(attrs), 0),
                           NotifyType::PayloadMalformed, "attribute #1 header at offset 4"));
  }
}

TEST(Attribute, CountCap) {
  Bytes attrs;
  for (std::size_t i = 0; i < kMaxAttributes; ++i) {
    attrs.insert(attrs.end(), {0x80, 0x01, 0x00, 0x01});
  }
  EXPECT_TRUE(parse_payload_body(PayloadType::Attribute, cfg_body(attrs), 0));
  attrs.insert(attrs.end(), {0x80, 0x01, 0x00, 0x01});
  auto r = parse_payload_body(PayloadType::Attribute, cfg_body(attrs), 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, base::ErrorCode::TooMany);
  EXPECT_NE(r.error().detail.find("more than 64 attributes"), std::string::npos);
}

}  // namespace
}  // namespace ike::wire::test
