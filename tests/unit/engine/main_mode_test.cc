// Two-engine tests of Main Mode with pre-shared keys (RFC 2409 §5.4) followed by Quick Mode:
//
//   left (initiator) 10.0.0.1                right (responder) 10.0.0.2
//   HDR, SA, VID(DPD)                  -->
//                                      <--   HDR, SA, VID(DPD)
//   HDR, KE, Ni                        -->
//                                      <--   HDR, KE, Nr
//   HDR*, IDii, HASH_I, N(IC)          -->
//                                      <--   HDR*, IDir, HASH_R, N(IC)
#include <gtest/gtest.h>

#include "base/hex.h"
#include "support/engine_pair.h"
#include "wire/message.h"

namespace ike::test {
namespace {

using engine::SaEvent;
using Kind = engine::SaEvent::Kind;

wire::Message parse(const base::Bytes& b) { return wire::parse_message(base::view(b)).value(); }

TEST(MainMode, SixMessagesEstablishPhase1BothSides) {
  EnginePair p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  EXPECT_EQ(p.left.count(Kind::Phase1Established), 1u);
  EXPECT_EQ(p.right.count(Kind::Phase1Established), 1u);
  const SaEvent* l = p.left.last(Kind::Phase1Established);
  const SaEvent* r = p.right.last(Kind::Phase1Established);
  EXPECT_EQ(l->cookies, r->cookies);
  EXPECT_FALSE(l->cookies.initiator.is_zero());
  EXPECT_FALSE(l->cookies.responder.is_zero());
  EXPECT_EQ(l->name, "peer-10.0.0.2");
  EXPECT_EQ(r->name, "peer-10.0.0.1");
  EXPECT_NE(l->detail.find("AES_CBC-128/SHA/MODP_1024/PRE_SHARED"), std::string::npos) << l->detail;
  // The six Main Mode datagrams, then QM1..QM3.
  const auto& log = p.link.log();
  ASSERT_GE(log.size(), 9u);
  for (int i = 0; i < 6; ++i) {
    wire::Message m = parse(log[static_cast<std::size_t>(i)].bytes);
    EXPECT_EQ(m.header.exchange, wire::ExchangeType::IdProt) << i;
    EXPECT_EQ(m.header.message_id.value, 0u) << i;
    EXPECT_EQ(log[static_cast<std::size_t>(i)].left_to_right, i % 2 == 0) << i;
    EXPECT_EQ((m.header.flags & wire::kFlagEncryption) != 0, i >= 4) << i;
  }
  // MM1: SA + DPD VID + FRAGMENTATION VID + the three NAT-T VIDs (nat_t_test.cc), zero
  // responder cookie.
  wire::Message mm1 = parse(log[0].bytes);
  EXPECT_TRUE(mm1.header.cookies.responder.is_zero());
  ASSERT_EQ(mm1.payloads.size(), 6u);
  EXPECT_NE(mm1.find<wire::SaPayload>(), nullptr);
  const auto* vid = mm1.find<wire::VendorPayload>();
  ASSERT_NE(vid, nullptr);
  EXPECT_EQ(base::to_hex(base::view(vid->data)), "afcad71368a1f1c96b8696fc77570100");
  wire::Message mm2 = parse(log[1].bytes);
  EXPECT_EQ(mm2.count(wire::PayloadType::Sa), 1u);
  EXPECT_EQ(mm2.count(wire::PayloadType::Vendor), 3u);  // DPD + FRAGMENTATION + RFC 3947
  // MM3: KE (MODP1024 = 128 bytes) and a 16-byte nonce; MM4 mirrors it.
  wire::Message mm3 = parse(log[2].bytes);
  EXPECT_EQ(mm3.find<wire::KePayload>()->data.size(), 128u);
  EXPECT_EQ(mm3.find<wire::NoncePayload>()->data.size(), 16u);
  wire::Message mm4 = parse(log[3].bytes);
  EXPECT_EQ(mm4.find<wire::NoncePayload>()->data.size(), 16u);
  EXPECT_EQ(p.left.engine->exchange_count(), 0u);
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
  EXPECT_EQ(p.left.engine->stats().dropped, 0u) << p.left.engine->last_drop_reason();
  EXPECT_EQ(p.right.engine->stats().dropped, 0u) << p.right.engine->last_drop_reason();
}

}  // namespace
}  // namespace ike::test
