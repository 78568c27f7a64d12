// KeyNote credentials of Credential-directory/<ID>/credentials (PolicyContext::
// identity_credentials, loaded by the daemon's policy_loader) in the Quick Mode check of two
// engines: the responder's POLICY only licenses a key K; a credential signed by K licensing the
// initiator's pre-shared key, stored under the initiator's phase 1 ID "10.0.0.1", makes the
// phase 2 pass; stored under another identity, or absent, it is refused (NO_PROPOSAL_CHOSEN).
// With signatures the same delegation licenses the certificate subject in phase 1.
// Also the identity names of ID payloads (OpenBSD isakmpd policy.c keynote_cert_obtain).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "engine/phase2_keynote.h"
#include "policy/ipsec_attributes.h"
#include "policy/limits.h"
#include "policy/signature.h"
#include "support/engine_pair.h"
#include "support/rsa_pair.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

struct SignedSetup {
  std::string policy;  // POLICY licenses K only
  std::shared_ptr<const std::vector<policy::Assertion>> credentials;  // K licenses `licensee`
};

SignedSetup signed_setup(const std::string& licensee = "passphrase:s3cr3t-psk") {
  EVP_PKEY* k = EVP_RSA_gen(1024);
  EXPECT_NE(k, nullptr);
  unsigned char* der = nullptr;
  int n = i2d_PrivateKey(k, &der);
  base::Bytes key(der, der + n);
  OPENSSL_free(der);
  EVP_PKEY_free(k);
  std::string principal = *policy::rsa_key_principal(base::view(key));
  SignedSetup s;
  s.policy = "KeyNote-Version: 2\nAuthorizer: \"POLICY\"\nLicensees: \"" + principal +
             "\"\nConditions: app_domain == \"IPsec policy\" && initiator == \"no\" &&\n"
             "  esp_enc_alg == \"aes\" -> \"true\";\n";
  auto cred = policy::sign_assertion(
      "Authorizer: \"" + principal +
          "\"\nLicensees: \"" + licensee + "\"\n"
          "Conditions: remote_id == \"010.000.000.001\" -> \"true\";\nSignature:",
      policy::SigAlg::RsaSha256Hex, base::view(key));
  EXPECT_TRUE(cred.has_value());
  auto parsed = policy::parse_credentials(*cred, policy::kMaxIdentityCredentials);
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().detail);
  s.credentials = std::make_shared<const std::vector<policy::Assertion>>(std::move(*parsed));
  return s;
}

std::shared_ptr<const policy::PolicyContext> context(const SignedSetup& s,
                                                     const std::string& identity) {
  auto set = std::make_shared<policy::PolicySet>();
  EXPECT_TRUE(set->add_policy(s.policy).has_value());
  auto ctx = std::make_shared<policy::PolicyContext>();
  ctx->set = std::move(set);
  ctx->wall_clock = [] { return int64_t{1790000000}; };
  if (!identity.empty()) ctx->identity_credentials.emplace(identity, s.credentials);
  return ctx;
}

TEST(KeynoteIdentityCredentials, CredentialOfThePeerIdentityLetsPhase2Pass) {
  SignedSetup s = signed_setup();
  EnginePair p;
  p.right.engine->set_policy(context(s, "10.0.0.1"));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  EXPECT_EQ(p.right.count(Kind::ExchangeFailed), 0u);
  EXPECT_EQ(p.right.kernel.count_add_sa(), 2u);
}

TEST(KeynoteIdentityCredentials, PolicyAloneOrAnotherIdentityRefuses) {
  SignedSetup s = signed_setup();
  for (const char* identity : {"", "10.0.0.9", "10.0.0.1.example"}) {
    EnginePair p;
    p.right.engine->set_policy(context(s, identity));
    p.start();
    ASSERT_TRUE(p.run_until([&] {
      return p.left.count(Kind::ExchangeFailed) > 0 && p.right.count(Kind::ExchangeFailed) > 0;
    })) << identity;
    const auto* rf = p.right.last(Kind::ExchangeFailed);
    EXPECT_NE(rf->detail.find("KeyNote policy result false"), std::string::npos) << rf->detail;
    EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u) << identity;
  }
}

// Phase 1 with signatures: the certificate subject of hosta (ID 10.0.0.1) is licensed only
// through the identity credential; without it the phase 1 fails (phase1_keynote.h).
TEST(KeynoteIdentityCredentials, Phase1SignaturePeerLicensedThroughIdentityCredential) {
  SignedSetup s = signed_setup("DN:/O=ike-test/CN=10.0.0.1");
  {
    PeerConf l = rsa_conf();
    RsaPair rp(l, mirror(l), Creds{"hosta"}, Creds{"hostb"});
    rp.p.right.engine->set_policy(context(s, "10.0.0.1"));
    rp.p.start();
    ASSERT_TRUE(rp.p.run_until([&] { return rp.p.established(); }))
        << rp.p.right.engine->last_drop_reason();
    EXPECT_EQ(rp.p.right.count(Kind::ExchangeFailed), 0u);
  }
  PeerConf l = rsa_conf();
  RsaPair rp(l, mirror(l), Creds{"hosta"}, Creds{"hostb"});
  rp.p.right.engine->set_policy(context(s, "10.0.0.2"));
  expect_failure(rp, base::NotifyType::AuthenticationFailed,
                 "KeyNote policy result false for phase 1 with DN:/O=ike-test/CN=10.0.0.1");
}

TEST(KeynoteIdentityCredentials, IdentityNames) {
  wire::IdPayload v4;
  v4.id_type = static_cast<uint8_t>(wire::IdType::Ipv4Addr);
  v4.data = {10, 0, 0, 1};
  EXPECT_EQ(engine::keynote_identity_name(v4), "10.0.0.1");
  wire::IdPayload v6;
  v6.id_type = static_cast<uint8_t>(wire::IdType::Ipv6Addr);
  v6.data = base::Bytes(16, 0);
  v6.data[0] = 0xfd;
  v6.data[15] = 1;
  EXPECT_EQ(engine::keynote_identity_name(v6), "fd00::1");
  wire::IdPayload fqdn;
  fqdn.id_type = static_cast<uint8_t>(wire::IdType::UserFqdn);
  std::string u = "alice@example.com";
  fqdn.data.assign(u.begin(), u.end());
  EXPECT_EQ(engine::keynote_identity_name(fqdn), u);
  v4.data.pop_back();  // 3 bytes: malformed
  EXPECT_EQ(engine::keynote_identity_name(v4), std::nullopt);
  wire::IdPayload dn;
  dn.id_type = static_cast<uint8_t>(wire::IdType::DerAsn1Dn);
  dn.data = {0x30, 0x00};
  EXPECT_EQ(engine::keynote_identity_name(dn), std::nullopt);
}

}  // namespace
}  // namespace ike::test
