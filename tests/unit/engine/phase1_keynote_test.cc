// Two engines, phase 1 with signatures under a KeyNote policy on the responder (right)
// (phase1_keynote.h): the peer's principals -- its certificate subject "DN:/O=ike-test/CN=..."
// and its key ("rsa-hex:" / "ecdsa-hex:", or a policy's "x509-base64:<certificate>") -- must be
// licensed by POLICY, else the phase 1 fails with AUTHENTICATION_FAILED naming the policy
// result; the licensed peer then gets its phase 2 through the same policy's Conditions.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "policy/ipsec_attributes.h"
#include "policy/keynote.h"
#include "policy/signature.h"
#include "support/engine_pair.h"
#include "support/rsa_pair.h"
#include "support/test_pki.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

std::shared_ptr<const policy::PolicyContext> policy_of(const std::string& text) {
  auto set = std::make_shared<policy::PolicySet>();
  auto st = set->add_policy(text);
  EXPECT_TRUE(st.has_value()) << (st ? "" : st.error().detail);
  auto ctx = std::make_shared<policy::PolicyContext>();
  ctx->set = std::move(set);
  ctx->wall_clock = [] { return int64_t{1790000000}; };
  return ctx;
}

std::string licensing(const std::string& licensees, const std::string& alg = "aes") {
  return "Authorizer: \"POLICY\"\nLicensees: " + licensees +
         "\nConditions: app_domain == \"IPsec policy\" && esp_enc_alg == \"" + alg +
         "\" -> \"true\";\n";
}

std::string cert_base64(const std::string& host) {
  auto c = crypto::Certificate::from_pem(TestPki::get().read(host + "/cert.pem"));
  const base::Bytes& der = c->front().der();
  std::string out(4 * ((der.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), der.data(),
                          static_cast<int>(der.size()));
  out.resize(static_cast<std::size_t>(n));
  return "x509-base64:" + out;
}

TEST(KeynotePhase1, CertificateDnIsTheLicensee) {
  PeerConf l = rsa_conf();
  RsaPair rp(l, mirror(l), Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.right.engine->set_policy(policy_of(licensing("\"DN:/O=ike-test/CN=10.0.0.1\"")));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }))
      << p.right.engine->last_drop_reason() << " / " << p.left.engine->last_drop_reason();
  EXPECT_EQ(p.right.count(Kind::ExchangeFailed), 0u);
}

TEST(KeynotePhase1, UnlicensedCertificateIsRefusedInPhase1) {
  PeerConf l = rsa_conf();
  RsaPair rp(l, mirror(l), Creds{"hosta"}, Creds{"hostb"});
  rp.p.right.engine->set_policy(policy_of(licensing("\"DN:/O=ike-test/CN=10.0.0.9\"")));
  expect_failure(rp, base::NotifyType::AuthenticationFailed,
                 "KeyNote policy result false for phase 1 with DN:/O=ike-test/CN=10.0.0.1");
}

// The licensee is licensed but its Conditions refuse the suite: phase 1 completes, the
// phase 2 is refused (the phase-1 check looks at Licensees only).
TEST(KeynotePhase1, ConditionsAreLeftToPhase2) {
  PeerConf l = rsa_conf();
  RsaPair rp(l, mirror(l), Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.right.engine->set_policy(policy_of(licensing("\"DN:/O=ike-test/CN=10.0.0.1\"", "3des")));
  p.start();
  p.run_until([&] { return p.right.count(Kind::ExchangeFailed) > 0; }, base::Seconds{10});
  EXPECT_EQ(p.right.count(Kind::Phase1Established), 1u);
  const auto* f = p.right.last(Kind::ExchangeFailed);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->detail.find("KeyNote policy result false for"), std::string::npos) << f->detail;
  EXPECT_EQ(f->detail.find("phase 1"), std::string::npos) << f->detail;
}

// A policy naming the peer's certificate (x509-base64) matches its RSA key principal.
TEST(KeynotePhase1, X509Base64PrincipalMatchesTheRsaKey) {
  PeerConf l = rsa_conf();
  RsaPair rp(l, mirror(l), Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.right.engine->set_policy(policy_of(licensing("\"" + cert_base64("hosta") + "\"")));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }))
      << p.right.engine->last_drop_reason() << " / " << p.left.engine->last_drop_reason();
}

PeerConf ec_conf() {
  PeerConf c;
  c.psk = "";
  c.p1_transforms = "AES-128-SHA-ECDSA_256";
  return c;
}

std::shared_ptr<engine::PkiStore> ec_store(const std::string& host) {
  auto s = make_store(Creds{});
  const auto& pki = TestPki::get();
  s->ec_private_key = *crypto::ecdsa_private_key_from_pem(pki.read(host + "/key.pem"));
  s->certificates.push_back(crypto::Certificate::from_pem(pki.read(host + "/cert.pem"))->front());
  return s;
}

// ECDSA peers: the EC key is a principal ("ecdsa-hex:<SPKI>", or the certificate).
TEST(KeynotePhase1, EcdsaKeyPrincipals) {
  for (bool licensed : {true, false}) {
    PeerConf l = ec_conf();
    RsaPair rp(l, mirror(l), Creds{}, Creds{});
    EnginePair& p = rp.p;
    p.left.engine->set_credentials(ec_store("ec256a"));
    p.right.engine->set_credentials(ec_store("ec256b"));
    auto key = crypto::ecdsa_public_key_from_pem(
        TestPki::get().read((licensed ? "ec256a" : "ec256b") + std::string("/pub.pem")));
    ASSERT_TRUE(key.has_value());
    std::string principal = policy::ec_key_principal(base::view(key->spki_der()));
    // Upper-case hex: canonicalized like rsa-hex.
    for (std::size_t i = 10; i < principal.size(); ++i) {
      principal[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(principal[i])));
    }
    p.right.engine->set_policy(policy_of(licensing("\"" + principal + "\"")));
    if (licensed) {
      p.start();
      ASSERT_TRUE(p.run_until([&] { return p.established(); }))
          << p.right.engine->last_drop_reason();
    } else {
      expect_failure(rp, base::NotifyType::AuthenticationFailed,
                     "KeyNote policy result false for phase 1 with DN:/O=ike-test/CN=10.0.0.1");
    }
  }
  PeerConf l = ec_conf();
  RsaPair rp(l, mirror(l), Creds{}, Creds{});
  rp.p.left.engine->set_credentials(ec_store("ec256a"));
  rp.p.right.engine->set_credentials(ec_store("ec256b"));
  rp.p.right.engine->set_policy(policy_of(licensing("\"" + cert_base64("ec256a") + "\"")));
  rp.p.start();
  EXPECT_TRUE(rp.p.run_until([&] { return rp.p.established(); }))
      << rp.p.right.engine->last_drop_reason();
}

// Pre-shared-key peers are not checked in phase 1: a policy for other principals still lets
// the phase 1 complete and refuses the phase 2.
TEST(KeynotePhase1, PreSharedKeyPeersAreCheckedInPhase2Only) {
  EnginePair p;
  p.right.engine->set_policy(policy_of(licensing("\"DN:/O=ike-test/CN=10.0.0.1\"")));
  p.start();
  p.run_until([&] { return p.right.count(Kind::ExchangeFailed) > 0; }, base::Seconds{10});
  EXPECT_EQ(p.right.count(Kind::Phase1Established), 1u);
  const auto* f = p.right.last(Kind::ExchangeFailed);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->detail.find("phase 1"), std::string::npos) << f->detail;
}

}  // namespace
}  // namespace ike::test
