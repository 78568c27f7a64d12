// Tests for the SA payload codec (RFC 2408 §3.4-3.6, RFC 2407 §4.6.1): accepted bundles, and
// one test per rejection class with its notify and a precise detail. Offsets below refer to the
// encoded mm_sa() body: 0 DOI, 4 situation, 8 proposal header (next, RESERVED, length @10,
// #, protocol @13, SPI size @14, #transforms @15), 16 transform #1 (next, RESERVED, length @18,
// #, id, RESERVED2 @22), 24 its attributes (LIFE_DURATION TLV header @48, length @50), 56 transform #2.
#include <gtest/gtest.h>

#include "test_util.h"
#include "wire_vectors.h"

namespace ike::wire::test {
namespace {

Bytes mm_body() { return encode_payload_body(mm_sa()); }

base::Result<Payload> parse_sa_bytes(const Bytes& b) {
  return parse_payload_body(PayloadType::Sa, b, 0);
}

TEST(SaCodec, MainModeProposalDecodes) {
  const Bytes body = mm_body();
  ASSERT_EQ(body.size(), 88u);
  EXPECT_EQ(get_u16(body, 10), 80);
  auto p = parse_sa_bytes(body);
  ASSERT_TRUE(p) << p.error().detail;
  const auto& sa = std::get<SaPayload>(*p);
  EXPECT_EQ(sa, mm_sa());
  ASSERT_EQ(sa.proposals.size(), 1u);
  const Transform& t1 = sa.proposals[0].transforms[0];
  ASSERT_NE(t1.find(static_cast<uint16_t>(IkeAttr::LifeDuration)), nullptr);
  EXPECT_EQ(t1.find(static_cast<uint16_t>(IkeAttr::LifeDuration))->as_number(), 86400u);
  EXPECT_EQ(t1.find(static_cast<uint16_t>(IkeAttr::Prf)), nullptr);
  EXPECT_EQ(encode_payload_body(*p), body);
}

TEST(SaCodec, QuickModeBundleDecodes) {
  const Bytes body = encode_payload_body(qm_sa());
  auto p = parse_sa_bytes(body);
  ASSERT_TRUE(p) << p.error().detail;
  EXPECT_EQ(std::get<SaPayload>(*p), qm_sa());
  EXPECT_EQ(encode_payload_body(*p), body);
}

TEST(SaCodec, DoiAndSituation) {
  Bytes b = mm_body();
  put_u32(b, 0, 2);
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::DoiNotSupported,
                         "SA payload: DOI 2 at offset 0 not supported"));
  b = mm_body();
  put_u32(b, 4, 3);  // SIT_IDENTITY_ONLY | SIT_SECRECY
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::SituationNotSupported,
                         "situation 0x00000003 at offset 4"));
  b.resize(8);
  put_u32(b, 4, 1);
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::BadProposalSyntax, "no proposal"));
}

TEST(SaCodec, ProposalGenericHeader) {
  Bytes b = mm_body();
  b[8] = 5;
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::BadProposalSyntax,
                         "proposal #1 at offset 8: next payload 5 (expected 2 = PROPOSAL"));
  b = mm_body();
  b[9] = 0x80;
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::BadProposalSyntax,
                         "proposal #1: RESERVED=0x80 at offset 9"));
  b = mm_body();
  put_u16(b, 10, 7);
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::PayloadMalformed,
                         "proposal #1: length 7 at offset 10 below the minimum 8"));
}

TEST(SaCodec, ProposalLengthOffByOne) {
  Bytes b = mm_body();
  put_u16(b, 10, 81);
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::PayloadMalformed,
                         "proposal #1: length 81 at offset 10 exceeds SA payload remainder 80"));
  b = mm_body();
  put_u16(b, 10, 79);  // transform #2 now overruns the proposal
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::PayloadMalformed,
                         "proposal #1 transform #2: length 32 at offset 58 exceeds proposal "
                         "remainder 31"));
}

TEST(SaCodec, TransformLengthOffByOne) {
  Bytes b = mm_body();
  put_u16(b, 18, 41);  // swallows the first byte of transform #2
  EXPECT_FALSE(parse_sa_bytes(b));
  b = mm_body();
  put_u16(b, 18, 39);  // LIFE_DURATION TLV now exceeds the transform
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::PayloadMalformed,
                         "SA payload: proposal #1 transform #1: attribute #7 (type 12): "
                         "attribute length 4 exceeds transform remainder 3 at offset 48"));
  b = mm_body();
  put_u16(b, 18, 7);
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::PayloadMalformed,
                         "length 7 at offset 18 below the minimum 8"));
}

TEST(SaCodec, AttributeLengthOffByOne) {
  Bytes b = mm_body();
  put_u16(b, 50, 5);
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::PayloadMalformed,
                         "attribute length 5 exceeds transform remainder 4 at offset 48"));
  b = mm_body();
  put_u16(b, 50, 3);  // leaves one byte: a truncated attribute header
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::PayloadMalformed,
                         "proposal #1 transform #1: attribute #8 header at offset 55"));
}

TEST(SaCodec, ProtocolAndSpiSize) {
  Bytes b = mm_body();
  b[13] = 248;  // TAHI SG_R_RFC2408_5_5_2_1
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::InvalidProtocolId,
                         "proposal #1: protocol id 248 at offset 13"));

  SaPayload sa = mm_sa();
  sa.proposals[0].spi = Bytes(16, 0xaa);  // phase 1 SPI = cookies: tolerated
  EXPECT_TRUE(parse_sa_bytes(encode_payload_body(sa)));
  sa.proposals[0].spi = Bytes(8, 0xaa);
  EXPECT_TRUE(fails_with(parse_sa_bytes(encode_payload_body(sa)), NotifyType::InvalidSpi,
                         "proposal #1 (PROTO_ISAKMP): SPI size 8 at offset 8 (expected 0 or 16)"));

  SaPayload q = qm_sa();
  q.proposals[0].spi = {1, 2, 3};
  EXPECT_TRUE(fails_with(parse_sa_bytes(encode_payload_body(q)), NotifyType::InvalidSpi,
                         "(IPSEC_ESP): SPI size 3"));
  q = qm_sa();
  q.proposals[1].spi = {0, 0, 0x4e, 0x21};  // 4-byte CPI accepted
  EXPECT_TRUE(parse_sa_bytes(encode_payload_body(q)));
  q.proposals[1].spi = {0x4e};
  EXPECT_TRUE(fails_with(parse_sa_bytes(encode_payload_body(q)), NotifyType::InvalidSpi,
                         "proposal #2 (IPCOMP): SPI size 1"));

  b = mm_body();
  b[14] = 200;  // SPI size beyond the proposal
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::PayloadMalformed,
                         "SPI size 200 exceeds proposal remainder 72"));
}

TEST(SaCodec, TransformCountMismatch) {
  Bytes b = mm_body();
  b[15] = 3;
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::BadProposalSyntax,
                         "proposal #1: #transforms 3 at offset 15 but 2 present"));
  b[15] = 1;
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::BadProposalSyntax,
                         "transform #2 at offset 56 beyond #transforms 1"));
  b[15] = 0;
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::BadProposalSyntax,
                         "#transforms 0 at offset 15"));
  b[15] = 255;
  auto r = parse_sa_bytes(b);
  EXPECT_TRUE(fails_with(r, NotifyType::BadProposalSyntax, "#transforms 255 at offset 15 exceeds the limit 64"));
  EXPECT_EQ(r.error().code, base::ErrorCode::TooMany);
}

TEST(SaCodec, TransformChainAndReserved) {
  Bytes b = mm_body();
  b[16] = 0;  // transform #1 claims to be the last one
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::BadProposalSyntax,
                         "trailing 32 bytes in proposal after proposal #1 transform #1 with next "
                         "payload 0 at offset 56"));
  b = mm_body();
  b[56] = 3;  // transform #2 announces a third
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::BadProposalSyntax,
                         "proposal #1 transform #2 announces another (next payload 3)"));
  b = mm_body();
  b[16] = 2;
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::BadProposalSyntax,
                         "next payload 2 (expected 3 = TRANSFORM or 0 = NONE)"));
  b = mm_body();
  b[17] = 1;
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::BadProposalSyntax,
                         "proposal #1 transform #1: RESERVED=0x01 at offset 17"));
  b = mm_body();
  b[23] = 1;
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::BadProposalSyntax,
                         "proposal #1 transform #1: RESERVED2=0x0001 at offset 22"));
}

TEST(SaCodec, ProposalChain) {
  SaPayload sa = qm_sa();
  Bytes b = encode_payload_body(sa);
  b[8] = 0;  // first proposal claims to be the last
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::BadProposalSyntax,
                         "in SA payload after proposal #1 with next payload 0"));
  b = encode_payload_body(sa);
  b.insert(b.end(), {0, 0, 0, 0});  // bytes after the last proposal
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::BadProposalSyntax, "trailing 4 bytes"));

  sa.proposals.resize(1);
  b = encode_payload_body(sa);
  b[8] = 2;
  EXPECT_TRUE(fails_with(parse_sa_bytes(b), NotifyType::BadProposalSyntax,
                         "proposal #1 announces another (next payload 2) but the SA payload ends"));
}

TEST(SaCodec, ProposalNumbersMustNotDecrease) {
  SaPayload sa = qm_sa();
  sa.proposals[2].number = 0;
  EXPECT_TRUE(fails_with(parse_sa_bytes(encode_payload_body(sa)), NotifyType::BadProposalSyntax,
                         "proposal #3: proposal number 0"));
}

TEST(SaCodec, CountCaps) {
  SaPayload sa = mm_sa();
  sa.proposals[0].transforms.resize(1);
  sa.proposals.resize(kMaxProposals, sa.proposals[0]);
  EXPECT_TRUE(parse_sa_bytes(encode_payload_body(sa)));
  sa.proposals.push_back(sa.proposals[0]);
  auto r = parse_sa_bytes(encode_payload_body(sa));
  EXPECT_TRUE(fails_with(r, NotifyType::BadProposalSyntax, "more than 64 proposals"));

  SaPayload many = mm_sa();
  many.proposals[0].transforms.resize(kMaxTransforms, many.proposals[0].transforms[0]);
  EXPECT_TRUE(parse_sa_bytes(encode_payload_body(many)));

  SaPayload attrs = mm_sa();
  attrs.proposals[0].transforms[0].attributes.resize(kMaxAttributes + 1,
                                                     Attribute::basic(1, 7));
  EXPECT_TRUE(fails_with(parse_sa_bytes(encode_payload_body(attrs)), NotifyType::PayloadMalformed,
                         "proposal #1 transform #1: more than 64 attributes"));
}

TEST(SaCodec, TruncationAtEveryOffset) {
  const Bytes body = encode_payload_body(qm_sa());
  for (std::size_t n = 0; n < body.size(); ++n) {
    Bytes cut(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = parse_sa_bytes(cut);
    ASSERT_FALSE(r) << "accepted a truncation to " << n << " bytes";
    EXPECT_FALSE(r.error().detail.empty());
  }
}

}  // namespace
}  // namespace ike::wire::test
