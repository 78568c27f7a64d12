// Two engines negotiate Quick Mode under a KeyNote policy (isakmpd.policy(5)):
//
//   left (initiator, PSK "s3cr3t-psk")                right (responder, policy set)
//   HDR*, HASH(1), SA, Ni, IDci, IDcr  -->
//                                       right: select_phase2 asks KeyNote for each acceptable
//                                       proposal (requester "passphrase:s3cr3t-psk")
//                    <--  HDR*, HASH(2), SA, Nr, IDci, IDcr     (policy "true")
//                    <--  HDR*, N(NO_PROPOSAL_CHOSEN)           (policy "false")
//   left: checks the responder's choice against its own policy (initiator = "yes").
#include <gtest/gtest.h>

#include "engine/phase2_keynote.h"
#include "policy/ipsec_attributes.h"
#include "policy/signature.h"
#include "support/engine_pair.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

std::shared_ptr<const policy::PolicyContext> policy_of(const std::string& text) {
  auto set = std::make_shared<policy::PolicySet>();
  auto st = set->add_policy(text);
  EXPECT_TRUE(st.has_value()) << (st ? "" : st.error().detail);
  auto ctx = std::make_shared<policy::PolicyContext>();
  ctx->set = std::move(set);
  ctx->wall_clock = [] { return int64_t{1790000000}; };  // 2026-09-21 14:13:20 UTC
  return ctx;
}

// The responder's view of the default connection: left 10.0.0.1 protecting 192.168.1.0/24.
const char* kResponderPolicy =
    "Authorizer: \"POLICY\"\n"
    "Licensees: \"passphrase:s3cr3t-psk\"\n"
    "Conditions: app_domain == \"IPsec policy\" && doi == \"ipsec\" &&\n"
    "  initiator == \"no\" && phase_1 == \"main\" && pfs == \"no\" &&\n"
    "  esp_present == \"yes\" && ah_present == \"no\" && ESP_ALG == esp_enc_alg &&\n"
    "  esp_auth_alg == \"hmac-sha\" && esp_encapsulation == \"tunnel\" &&\n"
    "  remote_id_type == \"IPv4 address\" && remote_id == \"010.000.000.001\" &&\n"
    "  remote_filter_type == \"IPv4 subnet\" &&\n"
    "  remote_filter_addr_lower == \"192.168.001.000\" &&\n"
    "  remote_filter_addr_upper == \"192.168.001.255\" &&\n"
    "  local_filter == \"192.168.002.000-192.168.002.255\" &&\n"
    "  remote_ike_address == \"010.000.000.001\" &&\n"
    "  GMTTimeOfDay >= \"20260101000000\" -> \"true\";\n";

std::string responder_policy(const std::string& alg) {
  return "KeyNote-Version: 2\nLocal-Constants: ESP_ALG = \"" + alg + "\"\n" + kResponderPolicy;
}

TEST(KeynotePhase2, AcceptingPolicyEstablishes) {
  EnginePair p;
  p.right.engine->set_policy(policy_of(responder_policy("aes")));
  p.left.engine->set_policy(policy_of(
      "Authorizer: \"POLICY\"\nLicensees: \"passphrase:s3cr3t-psk\"\n"
      "Conditions: initiator == \"yes\" && esp_enc_alg == \"aes\" &&\n"
      "  remote_filter == \"192.168.002.000-192.168.002.255\" -> \"true\"\n"));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  EXPECT_EQ(p.left.count(Kind::ExchangeFailed), 0u);
  EXPECT_EQ(p.right.count(Kind::ExchangeFailed), 0u);
  EXPECT_EQ(p.right.kernel.count_add_sa(), 2u);
}

TEST(KeynotePhase2, RefusingPolicyAnswersNoProposalChosen) {
  EnginePair p;
  p.right.engine->set_policy(policy_of(responder_policy("3des")));  // left offers AES only
  p.start();
  ASSERT_TRUE(p.run_until([&] {
    return p.left.count(Kind::ExchangeFailed) > 0 && p.right.count(Kind::ExchangeFailed) > 0;
  }));
  const auto* rf = p.right.last(Kind::ExchangeFailed);
  EXPECT_NE(rf->detail.find("KeyNote policy result false"), std::string::npos) << rf->detail;
  EXPECT_EQ(rf->detail.find("s3cr3t"), std::string::npos) << rf->detail;  // no secret logged
  const auto* lf = p.left.last(Kind::ExchangeFailed);
  EXPECT_NE(lf->detail.find("NO_PROPOSAL_CHOSEN"), std::string::npos) << lf->detail;
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(p.right.kernel.count_add_sa(), 0u);
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 1u);  // phase 1 is unaffected
}

TEST(KeynotePhase2, PolicyIsCheckedPerProposal) {
  PeerConf l;
  l.p2_suites = "QM-ESP-AES-SHA-SUITE,QM-ESP-3DES-SHA-SUITE";
  EnginePair p(l, mirror(l));
  p.right.engine->set_policy(policy_of(responder_policy("3des")));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  ASSERT_FALSE(p.left.kernel.sas.empty());
  for (const auto& [ref, sa] : p.left.kernel.sas) EXPECT_EQ(sa.enc_transform_id, 3u);  // 3DES
}

TEST(KeynotePhase2, WrongPassphraseIsRefused) {
  EnginePair p;
  std::string text = responder_policy("aes");
  text.replace(text.find("s3cr3t-psk"), 10, "other-key!");
  p.right.engine->set_policy(policy_of(text));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.right.count(Kind::ExchangeFailed) > 0; }));
  EXPECT_NE(p.right.last(Kind::ExchangeFailed)->detail.find("KeyNote policy result false"),
            std::string::npos);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u);
}

TEST(KeynotePhase2, InitiatorRefusesTheResponderChoice) {
  EnginePair p;
  p.left.engine->set_policy(policy_of(
      "Authorizer: \"POLICY\"\nLicensees: \"passphrase-sha1-hex:" +
      policy::digest_hex("s3cr3t-psk", true) +
      "\"\nConditions: initiator == \"yes\" && esp_enc_alg == \"3des\" -> \"true\"\n"));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.left.count(Kind::ExchangeFailed) > 0; }));
  EXPECT_NE(p.left.last(Kind::ExchangeFailed)->detail.find("KeyNote policy result false"),
            std::string::npos)
      << p.left.last(Kind::ExchangeFailed)->detail;
  EXPECT_EQ(p.left.kernel.count_add_sa(), 0u);
}

TEST(KeynotePhase2, NoPolicyMeansNoCheck) {
  EnginePair p;
  p.right.engine->set_policy(nullptr);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
}

TEST(KeynotePhase2, AttributeSpellings) {
  EXPECT_EQ(engine::keynote_transform_name(wire::ProtocolId::IpsecEsp, 12), "aes");
  EXPECT_EQ(engine::keynote_transform_name(wire::ProtocolId::IpsecEsp, 3), "3des");
  EXPECT_EQ(engine::keynote_transform_name(wire::ProtocolId::IpsecAh, 5), "sha2-256");
  EXPECT_EQ(engine::keynote_transform_name(wire::ProtocolId::Ipcomp, 2), "deflate");
  EXPECT_EQ(engine::keynote_transform_name(wire::ProtocolId::IpsecEsp, 200), "unknown-200");
  EXPECT_EQ(engine::keynote_auth_name(2), "hmac-sha");
  EXPECT_EQ(engine::keynote_auth_name(5), "hmac-sha2-256");
}

}  // namespace
}  // namespace ike::test
