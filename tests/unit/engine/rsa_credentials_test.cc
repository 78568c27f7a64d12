// Two-engine tests of the RSA_SIG credential rules (auth_signature.h, pki_store.h):
//  * CERT_REQ honoured (RFC 2408 §3.10): the certificate sent follows the CA the peer requested;
//    without a CERT_REQ, [X509-certificates]:Send-certificate decides (always / if-requested);
//    requests for unsupported certificate types are logged, not failures;
//  * Private-key-directory: the key for our ID instead of Private-key;
//  * a responder without a usable credential skips RSA_SIG transforms, and answers
//    NO_PROPOSAL_CHOSEN naming the missing credential when nothing is left.
//
//   left (initiator) 10.0.0.1                right (responder) 10.0.0.2
//   HDR, SA, VID                       -->
//                                      <--   HDR, SA, VID              (or N(NO_PROPOSAL_CHOSEN))
//   HDR, KE, Ni [, CERT_REQ(CA)]       -->
//                                      <--   HDR, KE, Nr [, CERT_REQ(CA)]
//   HDR*, IDii, [CERT,] SIG_I          -->
//                                      <--   HDR*, IDir, [CERT,] SIG_R
#include <gtest/gtest.h>

#include "engine/auth_signature.h"
#include "support/rsa_pair.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

crypto::Certificate pem_cert(const std::string& rel) {
  return crypto::Certificate::from_pem(TestPki::get().read(rel))->front();
}

wire::IdPayload ipv4_id(std::initializer_list<uint8_t> a) {
  wire::IdPayload id;
  id.id_type = static_cast<uint8_t>(wire::IdType::Ipv4Addr);
  id.data = a;
  return id;
}

// choose_local_certificate: the CERT we send for each kind of CERT_REQ the peer may send.
TEST(CertReq, ChoiceFollowsTheRequest) {
  engine::PkiStore s;
  s.private_key = crypto::rsa_private_key_from_pem(TestPki::get().read("hosta/key.pem")).value();
  s.certificates = {pem_cert("hosta-ca2/cert.pem"), pem_cert("hosta/cert.pem")};
  s.trust.add_ca(pem_cert("ca/ca.crt"));
  s.trust.add_ca(pem_cert("ca2/ca.crt"));
  const wire::IdPayload me = ipv4_id({10, 0, 0, 1});
  const auto ca1 = pem_cert("ca/ca.crt").subject_der();
  const auto ca2 = pem_cert("ca2/ca.crt").subject_der();
  constexpr uint8_t kX509 = 4, kPgp = 2;

  auto c = engine::choose_local_certificate(s, me, std::vector<wire::CertReqPayload>{{kX509, ca1}});
  ASSERT_TRUE(c.cert.has_value());
  EXPECT_EQ(c.cert->der(), pem_cert("hosta/cert.pem").der());
  c = engine::choose_local_certificate(s, me, std::vector<wire::CertReqPayload>{{kX509, ca2}});
  ASSERT_TRUE(c.cert.has_value());
  EXPECT_EQ(c.cert->der(), pem_cert("hosta-ca2/cert.pem").der());
  // A CA we cannot chain to: ours anyway (the peer may accept it), and the reason says so.
  c = engine::choose_local_certificate(
      s, me, std::vector<wire::CertReqPayload>{{kX509, pem_cert("hostb/cert.pem").subject_der()}});
  ASSERT_TRUE(c.cert.has_value());
  EXPECT_NE(c.why.find("do not chain to"), std::string::npos) << c.why;
  // X509_SIG without a CA: any of ours.
  c = engine::choose_local_certificate(s, me, std::vector<wire::CertReqPayload>{{kX509, {}}});
  EXPECT_TRUE(c.cert.has_value());
  // Only an unsupported type requested: no CERT, no failure.
  c = engine::choose_local_certificate(s, me, std::vector<wire::CertReqPayload>{{kPgp, {}}});
  EXPECT_FALSE(c.cert.has_value());
  EXPECT_NE(c.why.find("unsupported"), std::string::npos) << c.why;
  // PGP then X509_SIG(CA2): the X.509 request is honoured.
  c = engine::choose_local_certificate(s, me,
                                       std::vector<wire::CertReqPayload>{{kPgp, {}}, {kX509, ca2}});
  ASSERT_TRUE(c.cert.has_value());
  EXPECT_EQ(c.cert->der(), pem_cert("hosta-ca2/cert.pem").der());
  // No CERT_REQ: Send-certificate.
  EXPECT_TRUE(engine::choose_local_certificate(s, me, {}).cert.has_value());
  s.send_certificate = engine::SendCertificate::IfRequested;
  EXPECT_FALSE(engine::choose_local_certificate(s, me, {}).cert.has_value());
  EXPECT_TRUE(
      engine::choose_local_certificate(s, me, std::vector<wire::CertReqPayload>{{kX509, ca1}})
          .cert.has_value());
  s.send_certificate = engine::SendCertificate::Never;
  EXPECT_FALSE(
      engine::choose_local_certificate(s, me, std::vector<wire::CertReqPayload>{{kX509, ca1}})
          .cert.has_value());
}

// Left holds hosta's key certified by two CAs, CA2's certificate first in Cert-directory. The
// responder trusts only the CA it requests: left must send the certificate of that CA.
TEST(CertReq, InitiatorSendsTheCertificateOfTheRequestedCa) {
  for (bool want_ca2 : {true, false}) {
    SCOPED_TRACE(want_ca2 ? "responder trusts CA2" : "responder trusts CA1");
    Creds lc{"hosta"};
    lc.extra_certs = {"hosta-ca2/cert.pem"};  // before hosta/cert.pem
    Creds rc{"hostb", true, !want_ca2, !want_ca2};
    if (want_ca2) rc.extra_cas = {"ca2/ca.crt"};
    RsaPair rp(rsa_conf(), mirror(rsa_conf()), lc, rc);
    EnginePair& p = rp.p;
    p.start();
    ASSERT_TRUE(p.run_until([&] { return p.established(); })) << p.right.engine->last_drop_reason();
    // MM4 (responder -> initiator) carries the CERT_REQ naming the one CA the responder has.
    wire::Message mm4 = parse(p.link.log()[3].bytes);
    ASSERT_EQ(mm4.count(wire::PayloadType::CertReq), 1u);
    EXPECT_EQ(mm4.find<wire::CertReqPayload>()->authority,
              pem_cert(want_ca2 ? "ca2/ca.crt" : "ca/ca.crt").subject_der());
    const auto* ev = p.right.last(Kind::Phase1Established);
    ASSERT_NE(ev, nullptr);
    EXPECT_EQ(p.right.engine->stats().exchanges_failed, 0u);
  }
}

// No CERT_REQ from the initiator (it has no CA-directory; it trusts the responder's self-signed
// certificate, installed in its Cert-directory, with Accept-self-signed). The responder sends
// its CERT anyway with Send-certificate always (default), none with if-requested; both work
// because the initiator already has the certificate.
TEST(CertReq, WithoutRequestSendCertificateDecides) {
  PeerConf l = rsa_conf();
  // Whole MM6 (no IKE fragmentation) so its size tells whether it carries the CERT.
  const std::string whole = "[General]\nIKE-fragment-size=4000\n\n";
  l.extra = whole +
            "[peer-10.0.0.2]\nRemote-ID=rid\n\n[rid]\nID-type=IPV4_ADDR\nAddress=10.0.0.4\n\n";
  PeerConf r = mirror(rsa_conf());
  r.extra = whole +
            "[peer-10.0.0.1]\nID=myid\n\n[myid]\nID-type=IPV4_ADDR\nAddress=10.0.0.4\n\n";
  for (auto send : {engine::SendCertificate::Always, engine::SendCertificate::IfRequested}) {
    const bool always = send == engine::SendCertificate::Always;
    SCOPED_TRACE(always ? "always" : "if-requested");
    Creds lc{"hosta", true, false, false};
    lc.accept_self_signed = true;
    lc.extra_certs = {"self/cert.pem"};
    Creds rc{"self"};
    rc.send = send;
    RsaPair rp(l, r, lc, rc);
    EnginePair& p = rp.p;
    p.start();
    ASSERT_TRUE(p.run_until([&] { return p.established(); }))
        << p.left.engine->last_drop_reason() << " / " << p.right.engine->last_drop_reason();
    EXPECT_EQ(parse(p.link.log()[2].bytes).count(wire::PayloadType::CertReq), 0u);  // MM3
    EXPECT_EQ(parse(p.link.log()[3].bytes).count(wire::PayloadType::CertReq), 1u);  // MM4
    const std::size_t mm6 = p.link.log()[5].bytes.size();
    const std::size_t cert = pem_cert("self/cert.pem").der().size();
    if (always) {
      EXPECT_GT(mm6, cert) << "MM6 must carry the CERT";
    } else {
      EXPECT_LT(mm6, cert) << "MM6 must not carry a CERT";
    }
  }
}

// Private-key-directory: the responder has no Private-key, only a key for its ID 10.0.0.2.
TEST(RsaCredentials, PrivateKeyDirectoryKeyIsUsedForItsId) {
  Creds rc{"hostb"};
  rc.default_key = false;
  rc.id_keys = {{"10.0.0.2", "hostb"}};
  RsaPair rp(rsa_conf(), mirror(rsa_conf()), Creds{"hosta"}, rc);
  rp.p.start();
  EXPECT_TRUE(rp.p.run_until([&] { return rp.p.established(); }))
      << rp.p.right.engine->last_drop_reason();
}

// The initiator offers RSA_SIG first, then PRE_SHARED; the responder has a PSK but no private
// key: RSA_SIG is skipped and the PSK transform chosen.
TEST(RsaCredentials, ResponderWithoutKeySkipsRsaSigTransforms) {
  PeerConf l = rsa_conf();
  l.psk = "s3cr3t-psk";
  l.p1_transforms = "AES-128-SHA-RSA_SIG,AES-128-SHA";
  PeerConf r = mirror(l);
  RsaPair rp(l, r, Creds{"hosta"}, Creds{"", false});
  EnginePair& p = rp.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); })) << p.right.engine->last_drop_reason();
  const auto* ev = p.right.last(Kind::Phase1Established);
  ASSERT_NE(ev, nullptr);
  EXPECT_NE(ev->detail.find("PRE_SHARED"), std::string::npos) << ev->detail;
  EXPECT_EQ(ev->detail.find("RSA_SIG"), std::string::npos) << ev->detail;
}

// RSA_SIG only, and the responder has neither a key for its ID nor a PSK: NO_PROPOSAL_CHOSEN
// (not a silent drop), the detail naming the missing credential.
TEST(RsaCredentials, NoUsableCredentialAnswersNoProposalChosen) {
  Creds rc{"hostb"};
  rc.default_key = false;
  rc.id_keys = {{"10.0.0.7", "hostb"}};  // a key, but for another ID
  RsaPair rp(rsa_conf(), mirror(rsa_conf()), Creds{"hosta"}, rc);
  expect_failure(rp, base::NotifyType::NoProposalChosen,
                 "RSA_SIG not usable: no RSA private key for ID ipv4/10.0.0.2: neither "
                 "Private-key-directory/10.0.0.2 nor [X509-certificates]:Private-key loaded");
  EXPECT_EQ(rp.p.link.log().size(), 2u);  // MM1 and the notify
}

// Aggressive Mode responder: the same rule, NO_PROPOSAL_CHOSEN in answer to AM1.
TEST(RsaCredentials, AggressiveResponderWithoutKeyAnswersNoProposalChosen) {
  PeerConf l = rsa_conf();
  l.p1_exchange = "AGGRESSIVE";
  RsaPair rp(l, mirror(l), Creds{"hosta"}, Creds{"", false});
  expect_failure(rp, base::NotifyType::NoProposalChosen,
                 "RSA_SIG not usable: no RSA private key for ID ipv4/10.0.0.2");
}

}  // namespace
}  // namespace ike::test
