// Tests for the non-SA payload bodies (RFC 2408 §3.7-3.15, RFC 2407 §4.6.2, RFC 2409 §5,
// RFC 3947 §3.2/§5.2, mode-cfg §3.2): one accepted vector per type with a byte-exact re-encode,
// and the per-type rejections (lengths, reserved bytes, counts).
#include <gtest/gtest.h>

#include "test_util.h"
#include "wire_vectors.h"

namespace ike::wire::test {
namespace {

base::Result<Payload> parse(PayloadType t, const Bytes& b) { return parse_payload_body(t, b, 0); }

void expect_round_trip(PayloadType t, const Payload& value) {
  SCOPED_TRACE(to_string(t));
  EXPECT_EQ(payload_type(value), t);
  const Bytes body = encode_payload_body(value);
  auto p = parse(t, body);
  ASSERT_TRUE(p) << p.error().detail;
  EXPECT_EQ(*p, value);
  EXPECT_EQ(encode_payload_body(*p), body);
}

TEST(PayloadCodec, EveryTypeRoundTrips) {
  expect_round_trip(PayloadType::Sa, mm_sa());
  expect_round_trip(PayloadType::KeyExchange, KePayload{repeat_bytes(1, 256)});
  expect_round_trip(PayloadType::Id, IdPayload{1, 17, 500, {192, 0, 2, 1}});
  expect_round_trip(PayloadType::Cert, CertPayload{4, repeat_bytes(0x30, 40)});
  expect_round_trip(PayloadType::CertReq, CertReqPayload{4, {}});
  expect_round_trip(PayloadType::CertReq, CertReqPayload{4, repeat_bytes(0x30, 20)});
  expect_round_trip(PayloadType::Hash, HashPayload{repeat_bytes(2, 20)});
  expect_round_trip(PayloadType::Sig, SigPayload{repeat_bytes(3, 256)});
  expect_round_trip(PayloadType::Nonce, NoncePayload{repeat_bytes(4, 16)});
  expect_round_trip(PayloadType::Notify, NotifyPayload{1, 3, 24576, {1, 2, 3, 4}, {0x80, 1, 0, 1}});
  expect_round_trip(PayloadType::Delete, DeletePayload{1, 1, 16, {Bytes(16, 0x5a)}});
  expect_round_trip(PayloadType::Vendor, VendorPayload{repeat_bytes(5, 16)});
  expect_round_trip(PayloadType::NatD, NatDPayload{repeat_bytes(6, 20), false});
  expect_round_trip(PayloadType::NatDDraft, NatDPayload{repeat_bytes(6, 20), true});
  expect_round_trip(PayloadType::NatOa, NatOaPayload{1, {10, 0, 0, 1}, false});
  expect_round_trip(PayloadType::NatOaDraft, NatOaPayload{5, repeat_bytes(7, 16), true});
  expect_round_trip(PayloadType::Attribute, modecfg_request());
  expect_round_trip(PayloadType::Fragment, UnknownPayload{132, {0, 1, 1, 1}});
  expect_round_trip(static_cast<PayloadType>(200), UnknownPayload{200, {}});
}

TEST(PayloadCodec, KeyExchangeBounds) {
  EXPECT_TRUE(fails_with(parse(PayloadType::KeyExchange, {}), NotifyType::InvalidKeyInformation,
                         "KEY_EXCH payload: empty key exchange data at offset 0"));
  EXPECT_TRUE(parse(PayloadType::KeyExchange, Bytes(1024, 1)));
  EXPECT_TRUE(fails_with(parse(PayloadType::KeyExchange, Bytes(1025, 1)),
                         NotifyType::InvalidKeyInformation, "1025 bytes at offset 0 exceeds 1024"));
}

TEST(PayloadCodec, NonceBounds) {
  // RFC 2409 §5: "between 8 and 256 bytes inclusive".
  EXPECT_TRUE(parse(PayloadType::Nonce, Bytes(8, 1)));
  EXPECT_TRUE(parse(PayloadType::Nonce, Bytes(256, 1)));
  EXPECT_TRUE(fails_with(parse(PayloadType::Nonce, Bytes(7, 1)), NotifyType::PayloadMalformed,
                         "NONCE payload: nonce of 7 bytes at offset 0 (expected 8..256)"));
  EXPECT_TRUE(fails_with(parse(PayloadType::Nonce, Bytes(257, 1)), NotifyType::PayloadMalformed,
                         "nonce of 257 bytes"));
}

TEST(PayloadCodec, IdLengthsPerType) {
  struct Case {
    IdType type;
    std::size_t good;
  };
  const Case fixed[] = {{IdType::Ipv4Addr, 4},       {IdType::Ipv4AddrSubnet, 8},
                        {IdType::Ipv6Addr, 16},      {IdType::Ipv6AddrSubnet, 32},
                        {IdType::Ipv4AddrRange, 8},  {IdType::Ipv6AddrRange, 32}};
  for (const auto& c : fixed) {
    SCOPED_TRACE(static_cast<int>(c.type));
    for (std::size_t len : {std::size_t{0}, c.good - 1, c.good, c.good + 1}) {
      IdPayload id{static_cast<uint8_t>(c.type), 0, 0, Bytes(len, 0x0a)};
      auto r = parse(PayloadType::Id, encode_payload_body(id));
      if (len == c.good) {
        EXPECT_TRUE(r) << r.error().detail;
      } else {
        EXPECT_TRUE(fails_with(r, NotifyType::InvalidIdInformation,
                               fmt::format("{} bytes (expected {})", len, c.good)));
      }
    }
  }
  for (IdType t : {IdType::Fqdn, IdType::UserFqdn, IdType::DerAsn1Dn, IdType::DerAsn1Gn,
                   IdType::KeyId}) {
    EXPECT_TRUE(parse(PayloadType::Id, encode_payload_body(IdPayload{static_cast<uint8_t>(t), 0, 0, {'a'}})));
    EXPECT_TRUE(fails_with(parse(PayloadType::Id, encode_payload_body(IdPayload{static_cast<uint8_t>(t), 0, 0, {}})),
                           NotifyType::InvalidIdInformation, "empty"));
  }
  EXPECT_TRUE(fails_with(parse(PayloadType::Id, {0, 0, 0, 0, 1}), NotifyType::InvalidIdInformation,
                         "ID type 0 at offset 0"));
  EXPECT_TRUE(fails_with(parse(PayloadType::Id, {12, 0, 0, 0, 1}), NotifyType::InvalidIdInformation,
                         "ID type 12"));
  EXPECT_TRUE(fails_with(parse(PayloadType::Id, {1, 17, 1}), NotifyType::PayloadMalformed,
                         "ID payload: port at offset 2: need 2 bytes, 1 left"));
}

TEST(PayloadCodec, CertificatesAndOpaqueData) {
  EXPECT_TRUE(fails_with(parse(PayloadType::Cert, {4}), NotifyType::InvalidCertificate,
                         "empty certificate data at offset 1"));
  EXPECT_TRUE(fails_with(parse(PayloadType::Cert, {}), NotifyType::PayloadMalformed,
                         "certificate encoding at offset 0"));
  auto req = parse(PayloadType::CertReq, {4});
  ASSERT_TRUE(req);
  EXPECT_TRUE(std::get<CertReqPayload>(*req).authority.empty());
  EXPECT_TRUE(fails_with(parse(PayloadType::Hash, {}), NotifyType::InvalidHashInformation, "empty hash"));
  EXPECT_TRUE(fails_with(parse(PayloadType::Sig, {}), NotifyType::InvalidSignature, "empty signature"));
  EXPECT_TRUE(fails_with(parse(PayloadType::Vendor, {}), NotifyType::PayloadMalformed, "empty vendor ID"));
  EXPECT_TRUE(fails_with(parse(PayloadType::NatD, {}), NotifyType::PayloadMalformed, "empty NAT-D"));
  EXPECT_TRUE(fails_with(parse(PayloadType::NatDDraft, {}), NotifyType::PayloadMalformed, "NAT_D_DRAFT payload"));
}

TEST(PayloadCodec, Notify) {
  const Bytes good = encode_payload_body(NotifyPayload{1, 3, 24576, {1, 2, 3, 4}, {}});
  EXPECT_TRUE(parse(PayloadType::Notify, good));
  Bytes b = good;
  put_u32(b, 0, 2);
  EXPECT_TRUE(fails_with(parse(PayloadType::Notify, b), NotifyType::DoiNotSupported, "DOI 2 at offset 0"));
  b = good;
  b[5] = 17;
  EXPECT_TRUE(fails_with(parse(PayloadType::Notify, b), NotifyType::InvalidSpi,
                         "SPI size 17 at offset 5 exceeds 16"));
  b = good;
  b[5] = 5;  // one more than the bytes left
  EXPECT_TRUE(fails_with(parse(PayloadType::Notify, b), NotifyType::PayloadMalformed,
                         "SPI size 5 at offset 5 exceeds payload remainder 4"));
  b = good;
  b.resize(7);
  EXPECT_TRUE(fails_with(parse(PayloadType::Notify, b), NotifyType::PayloadMalformed,
                         "notify message type at offset 6"));
  auto isakmp_doi = parse(PayloadType::Notify, encode_payload_body(NotifyPayload{0, 1, 14, {}, {}}));
  EXPECT_TRUE(isakmp_doi) << "DOI 0 (ISAKMP) is accepted in notifications";
}

TEST(PayloadCodec, DeleteCountsAndSizes) {
  const DeletePayload two{1, 3, 4, {{1, 2, 3, 4}, {5, 6, 7, 8}}};
  const Bytes good = encode_payload_body(two);
  EXPECT_TRUE(parse(PayloadType::Delete, good));
  Bytes b = good;
  put_u16(b, 6, 3);  // one SPI more than present
  EXPECT_TRUE(fails_with(parse(PayloadType::Delete, b), NotifyType::PayloadMalformed,
                         "3 SPIs of 4 bytes need 12 bytes, payload has 8 at offset 8"));
  put_u16(b, 6, 1);  // one fewer
  EXPECT_TRUE(fails_with(parse(PayloadType::Delete, b), NotifyType::PayloadMalformed,
                         "1 SPIs of 4 bytes need 4 bytes, payload has 8"));
  b = good;
  b.pop_back();
  EXPECT_TRUE(fails_with(parse(PayloadType::Delete, b), NotifyType::PayloadMalformed, "payload has 7"));
  b = good;
  put_u16(b, 6, 0xffff);  // CVE-2004-0221: count * size must not wrap or run past the payload
  auto r = parse(PayloadType::Delete, b);
  EXPECT_TRUE(fails_with(r, NotifyType::PayloadMalformed, "# of SPIs 65535 at offset 6 exceeds the limit 255"));
  EXPECT_EQ(r.error().code, base::ErrorCode::TooMany);
  b = good;
  b[5] = 0;
  EXPECT_TRUE(fails_with(parse(PayloadType::Delete, b), NotifyType::PayloadMalformed,
                         "SPI size 0 at offset 5 with # of SPIs 2"));
  b[5] = 255;
  EXPECT_TRUE(fails_with(parse(PayloadType::Delete, b), NotifyType::InvalidSpi, "SPI size 255"));
  DeletePayload max{1, 3, 4, std::vector<Bytes>(kMaxDeleteSpis, Bytes{1, 2, 3, 4})};
  EXPECT_TRUE(parse(PayloadType::Delete, encode_payload_body(max)));
  max.spis.push_back({1, 2, 3, 4});
  EXPECT_TRUE(fails_with(parse(PayloadType::Delete, encode_payload_body(max)),
                         NotifyType::PayloadMalformed, "# of SPIs 256"));
  EXPECT_TRUE(parse(PayloadType::Delete, encode_payload_body(DeletePayload{1, 3, 4, {}})));
}

TEST(PayloadCodec, NatOa) {
  const Bytes good = encode_payload_body(NatOaPayload{1, {10, 0, 0, 1}, false});
  ASSERT_EQ(good, (Bytes{1, 0, 0, 0, 10, 0, 0, 1}));
  EXPECT_TRUE(parse(PayloadType::NatOa, good));
  for (std::size_t i = 1; i < 4; ++i) {
    Bytes b = good;
    b[i] = 1;
    EXPECT_TRUE(fails_with(parse(PayloadType::NatOa, b), NotifyType::PayloadMalformed, "RESERVED="));
  }
  Bytes b = good;
  b[0] = 2;
  EXPECT_TRUE(fails_with(parse(PayloadType::NatOa, b), NotifyType::InvalidIdInformation, "ID type 2 at offset 0"));
  b = good;
  b.push_back(0);
  EXPECT_TRUE(fails_with(parse(PayloadType::NatOa, b), NotifyType::PayloadMalformed,
                         "address of 5 bytes at offset 4 (expected 4)"));
  b = good;
  b[0] = 5;
  EXPECT_TRUE(fails_with(parse(PayloadType::NatOaDraft, b), NotifyType::PayloadMalformed, "(expected 16)"));
}

TEST(PayloadCodec, ModeCfgAttributePayload) {
  const Bytes good = encode_payload_body(modecfg_request());
  EXPECT_TRUE(parse(PayloadType::Attribute, good));
  Bytes b = good;
  b[1] = 1;
  EXPECT_TRUE(fails_with(parse(PayloadType::Attribute, b), NotifyType::PayloadMalformed,
                         "ATTRIBUTE payload: RESERVED=0x01 at offset 1"));
  for (uint8_t t : {uint8_t{0}, uint8_t{5}, uint8_t{127}}) {
    b = good;
    b[0] = t;
    EXPECT_TRUE(fails_with(parse(PayloadType::Attribute, b), NotifyType::PayloadMalformed,
                           fmt::format("attribute payload type {} at offset 0", t)));
  }
  b = good;
  b[0] = 200;  // private use
  EXPECT_TRUE(parse(PayloadType::Attribute, b));
}

// libreswan 4.10 pads a mode-config REPLY to 4 octets after a 14-byte UNITY_SPLIT_INCLUDE:
// up to 3 zero bytes after the last attribute are padding; anything else there is refused.
TEST(PayloadCodec, ModeCfgAttributePayloadTrailingZeroPadding) {
  const Bytes good = encode_payload_body(modecfg_request());
  const auto n = std::get<AttributePayload>(*parse(PayloadType::Attribute, good)).attributes.size();
  for (std::size_t pad = 1; pad <= 3; ++pad) {
    Bytes b = good;
    b.insert(b.end(), pad, 0);
    auto p = parse(PayloadType::Attribute, b);
    ASSERT_TRUE(p) << pad;
    EXPECT_EQ(std::get<AttributePayload>(*p).attributes.size(), n);
    EXPECT_EQ(std::get<AttributePayload>(*p).zero_padding, pad);
    EXPECT_EQ(encode_payload_body(*p), b) << "the padding re-encodes";
  }
  Bytes b = good;
  b.insert(b.end(), {0, 1});
  EXPECT_TRUE(fails_with(parse(PayloadType::Attribute, b), NotifyType::PayloadMalformed,
                         "need 4 bytes, 2 left"));
}

TEST(PayloadCodec, TopLevelTypeClasses) {
  EXPECT_TRUE(fails_with(parse(PayloadType::Proposal, {}), NotifyType::InvalidPayloadType,
                         "payload type 2 is not valid at top level"));
  EXPECT_TRUE(fails_with(parse(PayloadType::Transform, {}), NotifyType::InvalidPayloadType, "type 3"));
  EXPECT_TRUE(fails_with(parse(static_cast<PayloadType>(22), {}), NotifyType::InvalidPayloadType,
                         "reserved payload type 22"));
  EXPECT_TRUE(fails_with(parse(static_cast<PayloadType>(127), {}), NotifyType::InvalidPayloadType,
                         "reserved payload type 127"));
  for (int ti : {15, 16, 17, 18, 19, 128, 132, 255}) {
    const auto t = static_cast<uint8_t>(ti);
    auto r = parse(static_cast<PayloadType>(t), {9, 9});
    ASSERT_TRUE(r) << int{t};
    EXPECT_EQ(std::get<UnknownPayload>(*r), (UnknownPayload{t, {9, 9}}));
  }
  auto nat_d = parse(PayloadType::NatDDraft, {1, 2});
  ASSERT_TRUE(nat_d);
  EXPECT_TRUE(std::get<NatDPayload>(*nat_d).draft);
}

TEST(PayloadCodec, TrailingBytesAreRejected) {
  // Fixed-size bodies must be consumed exactly (expect_done).
  Bytes oa = encode_payload_body(NatOaPayload{1, {10, 0, 0, 1}, false});
  oa.insert(oa.end(), 12, 0);  // a v4 NAT-OA padded to a v6 size
  EXPECT_FALSE(parse(PayloadType::NatOa, oa));
}

}  // namespace
}  // namespace ike::wire::test
