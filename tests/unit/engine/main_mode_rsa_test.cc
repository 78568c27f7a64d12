// Two-engine tests of Main Mode with RSA signatures (RFC 2409 §5.1) on the scripted test PKI
// (tests/pki/make_pki.sh), then Quick Mode:
//
//   left (initiator) 10.0.0.1                right (responder) 10.0.0.2
//   HDR, SA(RSA_SIG), VID(DPD)         -->
//                                      <--   HDR, SA, VID(DPD)
//   HDR, KE, Ni, CERT_REQ(CA)          -->
//                                      <--   HDR, KE, Nr, CERT_REQ(CA)
//   HDR*, IDii, CERT, SIG_I, N(IC)     -->
//                                      <--   HDR*, IDir, CERT, SIG_R, N(IC)
//
// and every failure path: revoked certificate (INVALID_CERTIFICATE), ID not in the certificate
// (INVALID_ID_INFORMATION), wrong key (INVALID_SIGNATURE), no key for the peer
// (AUTHENTICATION_FAILED), self-signed only with Accept-self-signed; raw public keys.
#include <gtest/gtest.h>

#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "engine/pki_store.h"
#include "support/engine_pair.h"
#include "support/rsa_pair.h"
#include "support/test_pki.h"
#include "wire/message.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

TEST(MainModeRsa, CertificatesIpSanBothRoles) {
  PeerConf l = rsa_conf();
  RsaPair rp(l, mirror(l), Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  const auto* ev = p.left.last(Kind::Phase1Established);
  ASSERT_NE(ev, nullptr);
  EXPECT_NE(ev->detail.find("RSA_SIG"), std::string::npos) << ev->detail;
  // MM3 and MM4 request certificates from the test CA (its DER subject as authority).
  const auto& log = p.link.log();
  auto ca = crypto::Certificate::from_pem(TestPki::get().read("ca/ca.crt"))->front();
  for (int i : {2, 3}) {
    wire::Message m = parse(log[static_cast<std::size_t>(i)].bytes);
    const auto* cr = m.find<wire::CertReqPayload>();
    ASSERT_NE(cr, nullptr) << i;
    EXPECT_EQ(cr->encoding, 4);
    EXPECT_EQ(cr->authority, ca.subject_der());
  }
  // Neither side had the other's certificate: each verified the CERT it received.
  EXPECT_EQ(p.left.engine->stats().dropped, 0u) << p.left.engine->last_drop_reason();
  EXPECT_EQ(p.right.engine->stats().dropped, 0u) << p.right.engine->last_drop_reason();
}

const char* kFqdnIds =
    "[peer-{}]\nID=my-id\nRemote-ID=their-id\n\n"
    "[my-id]\nID-type=FQDN\nName={}\n\n[their-id]\nID-type=FQDN\nName={}\n\n";

TEST(MainModeRsa, CertificatesFqdnSan) {
  PeerConf l = rsa_conf();
  PeerConf r = mirror(l);
  l.extra = fmt::format(fmt::runtime(kFqdnIds), "10.0.0.2", "a.example.org", "b.example.org");
  r.extra = fmt::format(fmt::runtime(kFqdnIds), "10.0.0.1", "b.example.org", "a.example.org");
  RsaPair rp(l, r, Creds{"hosta"}, Creds{"hostb"});
  rp.p.start();
  EXPECT_TRUE(rp.p.run_until([&] { return rp.p.established(); }))
      << rp.p.right.engine->last_drop_reason();
}

TEST(MainModeRsa, RawPublicKeys) {
  PeerConf l = rsa_conf();
  Creds lc{"hosta", false, false, false};
  lc.pubkeys = {{"ipv4/10.0.0.2", "hostb"}};
  Creds rc{"hostb", false, false, false};
  rc.pubkeys = {{"ipv4/10.0.0.1", "hosta"}};
  RsaPair rp(l, mirror(l), lc, rc);
  EnginePair& p = rp.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  // Without a CA there is nothing to request.
  EXPECT_EQ(parse(p.link.log()[2].bytes).count(wire::PayloadType::CertReq), 0u);
}

TEST(MainModeRsa, RevokedCertificateRejected) {
  PeerConf l = rsa_conf();
  l.extra = "[peer-10.0.0.2]\nID=rid\n\n[rid]\nID-type=IPV4_ADDR\nAddress=10.0.0.3\n\n";
  RsaPair rp(l, mirror(rsa_conf()), Creds{"revoked"}, Creds{"hostb"});
  expect_failure(rp, base::NotifyType::InvalidCertificate, "certificate revoked");
}

TEST(MainModeRsa, IdNotInCertificateRejected) {
  PeerConf l = rsa_conf();
  l.extra = "[peer-10.0.0.2]\nID=rid\n\n[rid]\nID-type=FQDN\nName=b.example.org\n\n";
  RsaPair rp(l, mirror(rsa_conf()), Creds{"hosta"}, Creds{"hostb"});
  expect_failure(rp, base::NotifyType::InvalidIdInformation,
                 "ID fqdn/b.example.org not in certificate");
}

TEST(MainModeRsa, WrongRawKeyGivesInvalidSignature) {
  Creds lc{"hosta", false, false, false};
  lc.pubkeys = {{"ipv4/10.0.0.2", "hostb"}};
  Creds rc{"hostb", false, false, false};
  rc.pubkeys = {{"ipv4/10.0.0.1", "hostv6"}};  // not hosta's key
  RsaPair rp(rsa_conf(), mirror(rsa_conf()), lc, rc);
  expect_failure(rp, base::NotifyType::InvalidSignature, "raw public key ipv4/10.0.0.1");
}

TEST(MainModeRsa, NoKeyForPeerGivesAuthenticationFailed) {
  Creds lc{"hosta", false, false, false};
  lc.pubkeys = {{"ipv4/10.0.0.2", "hostb"}};
  Creds rc{"hostb", false, false, false};
  RsaPair rp(rsa_conf(), mirror(rsa_conf()), lc, rc);
  expect_failure(rp, base::NotifyType::AuthenticationFailed, "Pubkey-directory/ipv4/10.0.0.1");
}

TEST(MainModeRsa, SelfSignedNeedsAcceptSelfSigned) {
  PeerConf l = rsa_conf();
  l.extra = "[peer-10.0.0.2]\nID=rid\n\n[rid]\nID-type=IPV4_ADDR\nAddress=10.0.0.4\n\n";
  PeerConf r = mirror(rsa_conf());
  r.extra = "[peer-10.0.0.1]\nRemote-ID=rid\n\n[rid]\nID-type=IPV4_ADDR\nAddress=10.0.0.4\n\n";
  {
    RsaPair rp(l, r, Creds{"self"}, Creds{"hostb"});
    expect_failure(rp, base::NotifyType::InvalidCertificate, "self-signed");
  }
  Creds rc{"hostb"};
  rc.accept_self_signed = true;
  RsaPair ok(l, r, Creds{"self"}, rc);
  ok.p.start();
  EXPECT_TRUE(ok.p.run_until([&] { return ok.p.established(); }))
      << ok.p.right.engine->last_drop_reason();
}

TEST(MainModeRsa, NoPrivateKeyFailsBeforeSending) {
  RsaPair rp(rsa_conf(), mirror(rsa_conf()), Creds(), Creds{"hostb"});
  rp.p.start();
  rp.p.run_for(base::Seconds{5});
  EXPECT_EQ(rp.p.link.log().size(), 0u);
  EXPECT_EQ(rp.p.left.engine->phase1_sa_count(), 0u);
}

// Aggressive Mode with RSA signatures (RFC 2409 §5.1), then Quick Mode:
//   HDR, SA(RSA_SIG), KE, Ni, IDii, VID(DPD), CERT_REQ(CA), VID(NAT-T)...  -->
//                   <-- HDR, SA, KE, Nr, IDir, CERT, SIG_R, VID(DPD), CERT_REQ(CA), ...
//   HDR*, CERT, SIG_I [, NAT-D, NAT-D]  -->
// SKEYID = prf(Ni_b | Nr_b, g^xy); both sides verify the CERT they received.
PeerConf am_rsa_conf() {
  PeerConf c = rsa_conf();
  c.p1_exchange = "AGGRESSIVE";
  return c;
}

TEST(AggressiveModeRsa, CertificatesIpSanBothRoles) {
  PeerConf l = am_rsa_conf();
  // Whole AM2 (no IKE fragmentation): its payloads are checked.
  l.extra = "[General]\nIKE-fragment-size=4000\n\n";
  RsaPair rp(l, mirror(l), Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  const auto* ev = p.left.last(Kind::Phase1Established);
  const auto* rev = p.right.last(Kind::Phase1Established);
  ASSERT_NE(ev, nullptr);
  ASSERT_NE(rev, nullptr);
  EXPECT_EQ(ev->cookies, rev->cookies);
  EXPECT_NE(ev->detail.find("RSA_SIG"), std::string::npos) << ev->detail;
  const auto& log = p.link.log();
  ASSERT_GE(log.size(), 6u);
  auto ca = crypto::Certificate::from_pem(TestPki::get().read("ca/ca.crt"))->front();
  wire::Message am1 = parse(log[0].bytes);
  wire::Message am2 = parse(log[1].bytes);
  EXPECT_EQ(am1.header.exchange, wire::ExchangeType::Aggressive);
  ASSERT_NE(am1.find<wire::CertReqPayload>(), nullptr);
  EXPECT_EQ(am1.find<wire::CertReqPayload>()->authority, ca.subject_der());
  EXPECT_EQ(am2.count(wire::PayloadType::Sig), 1u);
  EXPECT_EQ(am2.count(wire::PayloadType::Cert), 1u);
  EXPECT_EQ(am2.count(wire::PayloadType::Hash), 0u);
  EXPECT_EQ(am2.count(wire::PayloadType::CertReq), 1u);
  EXPECT_NE(wire::parse_header(base::view(log[2].bytes))->flags & wire::kFlagEncryption, 0);
  // Quick Mode over it: the same keys at both ends.
  ASSERT_FALSE(p.left.kernel.added.empty());
  ASSERT_FALSE(p.right.kernel.added.empty());
  bool matched = false;
  for (const auto& a : p.left.kernel.added) {
    for (const auto& b : p.right.kernel.added) {
      if (a.ref.spi == b.ref.spi && a.inbound != b.inbound) {
        EXPECT_TRUE(a.enc_key == b.enc_key);
        EXPECT_TRUE(a.auth_key == b.auth_key);
        matched = true;
      }
    }
  }
  EXPECT_TRUE(matched);
  EXPECT_EQ(p.left.engine->stats().dropped, 0u) << p.left.engine->last_drop_reason();
  EXPECT_EQ(p.right.engine->stats().dropped, 0u) << p.right.engine->last_drop_reason();
}

TEST(AggressiveModeRsa, RevokedInitiatorCertificateRejectedOnAm3) {
  PeerConf l = am_rsa_conf();
  l.extra = "[peer-10.0.0.2]\nID=rid\n\n[rid]\nID-type=IPV4_ADDR\nAddress=10.0.0.3\n\n";
  PeerConf r = mirror(am_rsa_conf());  // IDii is checked against Remote-ID on AM1 already
  r.extra = "[peer-10.0.0.1]\nRemote-ID=rid\n\n[rid]\nID-type=IPV4_ADDR\nAddress=10.0.0.3\n\n";
  RsaPair rp(l, r, Creds{"revoked"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.start();
  p.run_until([&] { return p.right.count(Kind::ExchangeFailed) > 0; }, base::Seconds{300});
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 0u);
  EXPECT_EQ(p.right.count(Kind::Phase1Established), 0u);
  const auto* f = p.right.last(Kind::ExchangeFailed);
  ASSERT_NE(f, nullptr) << p.right.engine->last_drop_reason();
  EXPECT_NE(f->detail.find("certificate revoked"), std::string::npos) << f->detail;
}

TEST(AggressiveModeRsa, ResponderIdNotInCertificateRejectedOnAm2) {
  PeerConf l = am_rsa_conf();
  PeerConf r = mirror(am_rsa_conf());
  r.extra = "[peer-10.0.0.1]\nID=rid\n\n[rid]\nID-type=FQDN\nName=a.example.org\n\n";
  RsaPair rp(l, r, Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.start();
  p.run_until([&] { return p.left.count(Kind::ExchangeFailed) > 0; }, base::Seconds{300});
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 0u);
  EXPECT_EQ(p.left.count(Kind::Phase1Established), 0u);
  const auto* f = p.left.last(Kind::ExchangeFailed);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->detail.find("not in certificate"), std::string::npos) << f->detail;
}

TEST(AggressiveModeRsa, NoPrivateKeyRefusedBeforeSending) {
  PeerConf l = am_rsa_conf();
  RsaPair rp(l, mirror(l), Creds{}, Creds{"hostb"});
  rp.p.start();
  rp.p.run_for(base::Seconds{5});
  EXPECT_TRUE(rp.p.link.log().empty());
}

}  // namespace
}  // namespace ike::test
