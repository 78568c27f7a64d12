// Two-engine tests of phase-1 ECDSA signature authentication (RFC 4754: ECDSA_256 / ECDSA_384 /
// ECDSA_521, methods 9/10/11) on the scripted test PKI (tests/pki/make_pki.sh: ec256a/b,
// ec384a/b, ec521a/b, EC certificates issued by the test CA):
//
//   left (initiator) 10.0.0.1                right (responder) 10.0.0.2
//   HDR, SA(ECDSA_n), VID              -->
//                                      <--   HDR, SA, VID
//   HDR, KE, Ni, CERT_REQ(CA)          -->
//                                      <--   HDR, KE, Nr, CERT_REQ(CA)
//   HDR*, IDii, CERT, SIG_I            -->
//                                      <--   HDR*, IDir, CERT, SIG_R
//
// SIG_I / SIG_R = r || s (RFC 4754 §7/§8), 64 / 96 / 132 octets. Also: Aggressive Mode, a wrong
// key (INVALID_SIGNATURE), a peer key on another curve than the method's, an RSA certificate for
// an ECDSA method (INVALID_CERTIFICATE), a responder without a key on the offered curve
// (NO_PROPOSAL_CHOSEN naming both curves), and the responder picking ECDSA over RSA_SIG when it
// only has an EC key.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "engine/auth_signature.h"
#include "engine/pki_store.h"
#include "support/engine_pair.h"
#include "support/rsa_pair.h"
#include "support/test_pki.h"
#include "wire/message.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

// `store` gets <host>/key.pem as EC Private-key and, with `cert`, <host>/cert.pem.
void add_ec(engine::PkiStore& store, const std::string& host, bool cert = true) {
  const auto& pki = TestPki::get();
  auto key = crypto::ecdsa_private_key_from_pem(pki.read(host + "/key.pem"));
  ASSERT_TRUE(key.has_value()) << key.error().detail;
  store.ec_private_key = *key;
  if (cert) {
    store.certificates.push_back(
        crypto::Certificate::from_pem(pki.read(host + "/cert.pem"))->front());
  }
}

std::shared_ptr<engine::PkiStore> ec_store(const std::string& host, const Creds& base = Creds{}) {
  auto s = make_store(base);
  add_ec(*s, host);
  return s;
}

PeerConf ec_conf(int bits, const char* exchange = "ID_PROT") {
  PeerConf c;
  c.psk = "";
  c.p1_transforms = fmt::format("AES-128-SHA-ECDSA_{}", bits);
  c.p1_exchange = exchange;
  return c;
}

struct Ec {
  RsaPair rp;
  Ec(const PeerConf& l, const PeerConf& r, std::shared_ptr<engine::PkiStore> ls,
     std::shared_ptr<engine::PkiStore> rs)
      : rp(l, r, Creds{}, Creds{}) {
    rp.p.left.engine->set_credentials(std::move(ls));
    rp.p.right.engine->set_credentials(std::move(rs));
  }
};

class EcdsaCurves : public ::testing::TestWithParam<int> {};

TEST_P(EcdsaCurves, MainModeCertificatesThenQuickMode) {
  const int bits = GetParam();
  PeerConf l = ec_conf(bits);
  Ec ec(l, mirror(l), ec_store(fmt::format("ec{}a", bits)), ec_store(fmt::format("ec{}b", bits)));
  EnginePair& p = ec.rp.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }))
      << p.right.engine->last_drop_reason() << " / " << p.left.engine->last_drop_reason();
  for (const Side* s : {&p.left, &p.right}) {
    const auto* ev = s->last(Kind::Phase1Established);
    ASSERT_NE(ev, nullptr);
    EXPECT_NE(ev->detail.find(fmt::format("ECDSA_{}", bits)), std::string::npos) << ev->detail;
  }
  // MM3 requests certificates of the test CA, as with RSA_SIG.
  EXPECT_EQ(parse(p.link.log()[2].bytes).count(wire::PayloadType::CertReq), 1u);
  ASSERT_FALSE(p.left.kernel.added.empty());
  ASSERT_FALSE(p.right.kernel.added.empty());
  EXPECT_EQ(p.left.engine->stats().dropped, 0u) << p.left.engine->last_drop_reason();
  EXPECT_EQ(p.right.engine->stats().dropped, 0u) << p.right.engine->last_drop_reason();
}

TEST_P(EcdsaCurves, AggressiveModeSigIsRConcatSOfTheCurveWidth) {
  const int bits = GetParam();
  PeerConf l = ec_conf(bits, "AGGRESSIVE");
  l.extra = "[General]\nIKE-fragment-size=4000\n\n";  // AM2 whole: its payloads are checked
  Ec ec(l, mirror(l), ec_store(fmt::format("ec{}a", bits)), ec_store(fmt::format("ec{}b", bits)));
  EnginePair& p = ec.rp.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }))
      << p.right.engine->last_drop_reason() << " / " << p.left.engine->last_drop_reason();
  wire::Message am2 = parse(p.link.log()[1].bytes);
  const auto* sig = am2.find<wire::SigPayload>();
  ASSERT_NE(sig, nullptr);
  // RFC 4754 §8: r || s, 32 / 48 / 66 octets each.
  const std::size_t width = bits == 256 ? 32 : bits == 384 ? 48 : 66;
  EXPECT_EQ(sig->data.size(), 2 * width);
  const auto* cert = am2.find<wire::CertPayload>();
  ASSERT_NE(cert, nullptr);
  auto c = crypto::Certificate::from_der(base::view(cert->data));
  ASSERT_TRUE(c.has_value());
  auto key = c->ecdsa_public_key();
  ASSERT_TRUE(key.has_value()) << key.error().detail;
  EXPECT_EQ(crypto::ecdsa_params(key->curve()).auth_method,
            bits == 256 ? 9 : bits == 384 ? 10 : 11);
  EXPECT_EQ(am2.count(wire::PayloadType::Hash), 0u);
}

INSTANTIATE_TEST_SUITE_P(Rfc4754, EcdsaCurves, ::testing::Values(256, 384, 521));

TEST(EcdsaAuth, WrongRawKeyGivesInvalidSignature) {
  PeerConf l = ec_conf(256);
  auto ls = make_store(Creds{"", false, false, false});
  add_ec(*ls, "ec256a", false);
  ls->ec_pubkeys.emplace("ipv4/10.0.0.2", *crypto::ecdsa_public_key_from_pem(
                                              TestPki::get().read("ec256b/pub.pem")));
  auto rs = make_store(Creds{"", false, false, false});
  add_ec(*rs, "ec256b", false);
  // Not ec256a's key: the signature cannot verify.
  rs->ec_pubkeys.emplace("ipv4/10.0.0.1", *crypto::ecdsa_public_key_from_pem(
                                              TestPki::get().read("ec256b/pub.pem")));
  Ec ec(l, mirror(l), ls, rs);
  expect_failure(ec.rp, base::NotifyType::InvalidSignature,
                 "ECDSA_256 SIG with raw public key ipv4/10.0.0.1");
}

TEST(EcdsaAuth, RawKeysEstablish) {
  PeerConf l = ec_conf(384);
  auto ls = make_store(Creds{"", false, false, false});
  add_ec(*ls, "ec384a", false);
  ls->ec_pubkeys.emplace("ipv4/10.0.0.2", *crypto::ecdsa_public_key_from_pem(
                                              TestPki::get().read("ec384b/pub.pem")));
  auto rs = make_store(Creds{"", false, false, false});
  add_ec(*rs, "ec384b", false);
  rs->ec_pubkeys.emplace("ipv4/10.0.0.1", *crypto::ecdsa_public_key_from_pem(
                                              TestPki::get().read("ec384a/pub.pem")));
  Ec ec(l, mirror(l), ls, rs);
  ec.rp.p.start();
  EXPECT_TRUE(ec.rp.p.run_until([&] { return ec.rp.p.established(); }))
      << ec.rp.p.right.engine->last_drop_reason();
}

TEST(EcdsaAuth, PeerKeyOnAnotherCurveRefused) {
  PeerConf l = ec_conf(256);
  auto ls = make_store(Creds{"", false, false, false});
  add_ec(*ls, "ec256a", false);
  auto rs = make_store(Creds{"", false, false, false});
  add_ec(*rs, "ec256b", false);
  // The responder knows 10.0.0.1 by a P-384 key: ECDSA_256 cannot use it.
  rs->ec_pubkeys.emplace("ipv4/10.0.0.1", *crypto::ecdsa_public_key_from_pem(
                                              TestPki::get().read("ec384a/pub.pem")));
  Ec ec(l, mirror(l), ls, rs);
  expect_failure(ec.rp, base::NotifyType::InvalidSignature,
                 "ECDSA_256 needs a P-256 key, raw public key ipv4/10.0.0.1 has P-384");
}

TEST(EcdsaAuth, RsaCertificateForEcdsaMethodRefused) {
  PeerConf l = ec_conf(256);
  l.extra = "[X509-certificates]\nSend-certificate=never\n\n";
  auto ls = make_store(Creds{"", false, false, false});
  add_ec(*ls, "ec256a", false);
  ls->ec_pubkeys.emplace("ipv4/10.0.0.2", *crypto::ecdsa_public_key_from_pem(
                                              TestPki::get().read("ec256b/pub.pem")));
  // The responder's Cert-directory has hosta's RSA certificate for 10.0.0.1.
  auto rs = ec_store("ec256b");
  rs->certificates.push_back(
      crypto::Certificate::from_pem(TestPki::get().read("hosta/cert.pem"))->front());
  Ec ec(l, mirror(l), ls, rs);
  expect_failure(ec.rp, base::NotifyType::InvalidCertificate,
                 "ECDSA_256: certificate 'CN=10.0.0.1,O=ike-test': not an ECDSA");
}

TEST(EcdsaAuth, ResponderWithoutKeyOnTheCurveAnswersNoProposalChosen) {
  PeerConf l = ec_conf(256);
  Ec ec(l, mirror(l), ec_store("ec256a"), ec_store("ec384b"));
  expect_failure(ec.rp, base::NotifyType::NoProposalChosen,
                 "ECDSA_256 not usable: ECDSA_256 needs a P-256 key for ID ipv4/10.0.0.2: the EC "
                 "private key is P-384");
}

TEST(EcdsaAuth, ResponderWithOnlyAnEcKeySkipsRsaSig) {
  PeerConf l = ec_conf(521);
  l.p1_transforms = "AES-128-SHA-RSA_SIG,AES-128-SHA-ECDSA_521";
  PeerConf r = mirror(l);
  auto ls = ec_store("ec521a", Creds{"hosta"});  // RSA and EC credentials
  Ec ec(l, r, ls, ec_store("ec521b"));
  EnginePair& p = ec.rp.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); })) << p.right.engine->last_drop_reason();
  const auto* ev = p.right.last(Kind::Phase1Established);
  ASSERT_NE(ev, nullptr);
  EXPECT_NE(ev->detail.find("ECDSA_521"), std::string::npos) << ev->detail;
}

// HASH_I / HASH_R use the ECDSA method's hash as PRF whatever HASH_ALGORITHM says (strongSwan's
// prf_auth, interop scenarios w-ecdsa-cert-ip / x-ecdsa521-cert-ip); other methods keep it.
TEST(EcdsaAuth, AuthHashIsTheMethodsHash) {
  engine::Phase1Suite s;
  s.hash = crypto::HashAlg::Sha1;
  s.auth_method = wire::IkeAuthMethod::EcdsaSha256;
  EXPECT_EQ(engine::auth_hash_alg(s), crypto::HashAlg::Sha256);
  s.auth_method = wire::IkeAuthMethod::EcdsaSha384;
  EXPECT_EQ(engine::auth_hash_alg(s), crypto::HashAlg::Sha384);
  s.auth_method = wire::IkeAuthMethod::EcdsaSha512;
  EXPECT_EQ(engine::auth_hash_alg(s), crypto::HashAlg::Sha512);
  s.auth_method = wire::IkeAuthMethod::RsaSig;
  EXPECT_EQ(engine::auth_hash_alg(s), crypto::HashAlg::Sha1);
  EXPECT_TRUE(engine::is_signature_method(wire::IkeAuthMethod::EcdsaSha512));
  EXPECT_FALSE(engine::is_signature_method(wire::IkeAuthMethod::PreShared));
}

// PkiStore: our certificate is chosen by the method's key type.
TEST(EcdsaPkiStore, LocalCertificateAndMissingCredentialByMethod) {
  auto s = ec_store("ec384a", Creds{"hosta"});
  wire::IdPayload id{static_cast<uint8_t>(wire::IdType::Ipv4Addr), 0, 0, {10, 0, 0, 1}};
  auto rsa = s->local_certificate(id, engine::kRsaSigMethod);
  auto ec = s->local_certificate(id, 10);
  ASSERT_TRUE(rsa.has_value());
  ASSERT_TRUE(ec.has_value());
  EXPECT_TRUE(rsa->public_key().has_value());
  EXPECT_TRUE(ec->ecdsa_public_key().has_value());
  EXPECT_FALSE(s->missing_signature_credential(id, 10).has_value());
  EXPECT_FALSE(s->missing_signature_credential(id).has_value());
  auto m = s->missing_signature_credential(id, 9);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, "ECDSA_256 needs a P-256 key for ID ipv4/10.0.0.1: the EC private key is P-384");
  s->ec_private_key.reset();
  m = s->missing_signature_credential(id, 11);
  ASSERT_TRUE(m.has_value());
  EXPECT_NE(m->find("no EC private key for ID ipv4/10.0.0.1"), std::string::npos) << *m;
  EXPECT_FALSE(s->local_certificate(id, 11).has_value());
}

}  // namespace
}  // namespace ike::test
