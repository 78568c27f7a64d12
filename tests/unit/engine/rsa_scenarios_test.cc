// Two-engine RSA_SIG scenarios beyond the basic IPv4 certificate exchanges of
// main_mode_rsa_test.cc (RFC 2409 §5.1 with the test PKI of tests/pki/make_pki.sh):
//  * Main Mode over IPv6 with IPV6_ADDR IDs and certificates carrying IPv6 iPAddress SANs;
//  * DER_ASN1_DN IDs (Name=/O=ike-test/CN=...): matched against the certificate subject; a DN
//    that is not the subject is refused with INVALID_ID_INFORMATION naming the certificate;
//  * Aggressive Mode with raw RSA public keys (Pubkey-directory, no CERT, no CERT_REQ);
//  * Aggressive Mode with certificates through a masquerading NAT (NAT-D in AM2/AM3, float to
//    4500 from AM3);
//  * both sides active with short phase-1 lifetimes: crossing Main Modes at start and phase-1
//    rekeys, always ending with working SAs.
#include <gtest/gtest.h>

#include "conf/config_file.h"
#include "engine/ipsec_id.h"
#include "support/rsa_pair.h"
#include "support/simulated_nat.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

base::IpAddress ip(std::string_view s) { return base::IpAddress::parse(s).value(); }

PeerConf v6_rsa_conf(const char* exchange) {
  PeerConf c = rsa_conf();
  c.local = "fd00::1";
  c.peer = "fd00::2";
  c.local_net = "fd00:10::";
  c.remote_net = "fd00:20::";
  c.net_type = "IPV6_ADDR_SUBNET";
  c.net_mask = "ffff:ffff:ffff:ffff::";
  c.p1_exchange = exchange;
  return c;
}

TEST(RsaScenarios, MainModeIpv6WithIpv6SanCertificates) {
  PeerConf l = v6_rsa_conf("ID_PROT");
  RsaPair rp(l, mirror(l), Creds{"hostv6"}, Creds{"hostv6b"});
  EnginePair& p = rp.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }))
      << p.left.engine->last_drop_reason() << " / " << p.right.engine->last_drop_reason();
  const auto* ev = p.left.last(Kind::Phase1Established);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->peer.address, ip("fd00::2"));
  EXPECT_NE(ev->detail.find("RSA_SIG"), std::string::npos) << ev->detail;
  // MM3/MM4 request certificates; the SAs are IPv6.
  EXPECT_EQ(parse(p.link.log()[2].bytes).count(wire::PayloadType::CertReq), 1u);
  for (const auto& [ref, sa] : p.left.kernel.sas) {
    EXPECT_FALSE(ref.dst.is_v4());
    (void)sa;
  }
  EXPECT_EQ(p.left.engine->stats().dropped, 0u) << p.left.engine->last_drop_reason();
  EXPECT_EQ(p.right.engine->stats().dropped, 0u) << p.right.engine->last_drop_reason();
}

TEST(RsaScenarios, Ipv6IdNotInCertificateRejected) {
  PeerConf l = v6_rsa_conf("ID_PROT");
  // The initiator claims fd00::3; its certificate carries fd00::1 only.
  l.extra = "[peer-fd00::2]\nID=myid\n\n[myid]\nID-type=IPV6_ADDR\nAddress=fd00::3\n\n";
  PeerConf r = mirror(v6_rsa_conf("ID_PROT"));
  r.extra = "[peer-fd00::1]\nRemote-ID=rid\n\n[rid]\nID-type=IPV6_ADDR\nAddress=fd00::3\n\n";
  RsaPair rp(l, r, Creds{"hostv6"}, Creds{"hostv6b"});
  expect_failure(rp, base::NotifyType::InvalidIdInformation,
                 "ID ipv6/fd00::3 not in certificate 'CN=fd00::1,O=ike-test' (SANs: ip fd00::1)");
}

std::string dn_ids(const std::string& peer, const std::string& mine, const std::string& theirs) {
  return fmt::format(
      "[peer-{}]\nID=my-dn\nRemote-ID=their-dn\n\n"
      "[my-dn]\nID-type=DER_ASN1_DN\nName={}\n\n[their-dn]\nID-type=DER_ASN1_DN\nName={}\n\n",
      peer, mine, theirs);
}

TEST(RsaScenarios, DerAsn1DnIdsMatchTheSubject) {
  PeerConf l = rsa_conf();
  PeerConf r = mirror(l);
  l.extra = dn_ids("10.0.0.2", "/O=ike-test/CN=10.0.0.1", "/O=ike-test/CN=10.0.0.2");
  r.extra = dn_ids("10.0.0.1", "/O=ike-test/CN=10.0.0.2", "/O=ike-test/CN=10.0.0.1");
  RsaPair rp(l, r, Creds{"hosta"}, Creds{"hostb"});
  rp.p.start();
  EXPECT_TRUE(rp.p.run_until([&] { return rp.p.established(); }))
      << rp.p.left.engine->last_drop_reason() << " / " << rp.p.right.engine->last_drop_reason();
  // The DN-only certificate (no subjectAltName) works with its DN as well.
  PeerConf l2 = rsa_conf();
  PeerConf r2 = mirror(l2);
  l2.extra = dn_ids("10.0.0.2", "/O=ike-test/CN=nosan.example.org", "/O=ike-test/CN=10.0.0.2");
  r2.extra = dn_ids("10.0.0.1", "/O=ike-test/CN=10.0.0.2", "/O=ike-test/CN=nosan.example.org");
  RsaPair rp2(l2, r2, Creds{"nosan"}, Creds{"hostb"});
  rp2.p.start();
  EXPECT_TRUE(rp2.p.run_until([&] { return rp2.p.established(); }))
      << rp2.p.right.engine->last_drop_reason();
}

TEST(RsaScenarios, DerAsn1DnMismatchRejected) {
  PeerConf l = rsa_conf();
  PeerConf r = mirror(l);
  // The initiator claims a DN that is not its certificate's subject (the responder expects it).
  l.extra = dn_ids("10.0.0.2", "/O=ike-test/CN=10.0.0.9", "/O=ike-test/CN=10.0.0.2");
  r.extra = dn_ids("10.0.0.1", "/O=ike-test/CN=10.0.0.2", "/O=ike-test/CN=10.0.0.9");
  RsaPair rp(l, r, Creds{"hosta"}, Creds{"hostb"});
  expect_failure(rp, base::NotifyType::InvalidIdInformation,
                 "ID asn1_dn/CN=10.0.0.9,O=ike-test not in certificate 'CN=10.0.0.1,O=ike-test'");
}

TEST(RsaScenarios, DnTextFormAndSyntaxErrors) {
  const auto hosta = crypto::Certificate::from_pem(TestPki::get().read("hosta/cert.pem"))->front();
  EXPECT_EQ(crypto::dn_from_text("/O=ike-test/CN=10.0.0.1").value(), hosta.subject_der());
  EXPECT_EQ(crypto::dn_to_text(base::view(hosta.subject_der())), "CN=10.0.0.1,O=ike-test");
  EXPECT_FALSE(crypto::dn_from_text("/O=ike-test/XX=1").has_value());
  EXPECT_FALSE(crypto::dn_from_text("/O").has_value());
  EXPECT_FALSE(crypto::dn_to_text(base::view(base::Bytes{0x30, 0x05, 0x31})).has_value());
  conf::ConfDb db;
  ASSERT_TRUE(conf::load_config_text("[dn]\nID-type=DER_ASN1_DN\nName=O=x\n", "t", db));
  auto id = engine::phase1_id_from_section(db, "dn");
  ASSERT_FALSE(id.has_value());
  EXPECT_NE(id.error().detail.find("[dn]:Name: DN \"O=x\" does not start with '/'"),
            std::string::npos)
      << id.error().detail;
}

TEST(RsaScenarios, AggressiveModeWithRawPublicKeys) {
  PeerConf l = rsa_conf();
  l.p1_exchange = "AGGRESSIVE";
  // Whole AM2 (no IKE fragmentation): its payloads are checked.
  l.extra = "[General]\nIKE-fragment-size=4000\n\n";
  Creds lc{"hosta", false, false, false};
  lc.pubkeys = {{"ipv4/10.0.0.2", "hostb"}};
  Creds rc{"hostb", false, false, false};
  rc.pubkeys = {{"ipv4/10.0.0.1", "hosta"}};
  RsaPair rp(l, mirror(l), lc, rc);
  EnginePair& p = rp.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }))
      << p.left.engine->last_drop_reason() << " / " << p.right.engine->last_drop_reason();
  wire::Message am1 = parse(p.link.log()[0].bytes);
  wire::Message am2 = parse(p.link.log()[1].bytes);
  EXPECT_EQ(am1.header.exchange, wire::ExchangeType::Aggressive);
  EXPECT_EQ(am1.count(wire::PayloadType::CertReq), 0u);  // no CA: nothing to request
  EXPECT_EQ(am2.count(wire::PayloadType::Cert), 0u);     // no certificate: raw key only
  EXPECT_EQ(am2.count(wire::PayloadType::Sig), 1u);
  EXPECT_EQ(p.right.engine->stats().dropped, 0u) << p.right.engine->last_drop_reason();
}

TEST(RsaScenarios, AggressiveModeRawKeyMismatchGivesInvalidSignature) {
  PeerConf l = rsa_conf();
  l.p1_exchange = "AGGRESSIVE";
  Creds lc{"hosta", false, false, false};
  lc.pubkeys = {{"ipv4/10.0.0.2", "hostv6"}};  // not hostb's key
  Creds rc{"hostb", false, false, false};
  rc.pubkeys = {{"ipv4/10.0.0.1", "hosta"}};
  RsaPair rp(l, mirror(l), lc, rc);
  EnginePair& p = rp.p;
  p.start();
  p.run_until([&] { return p.left.count(Kind::ExchangeFailed) > 0; }, base::Seconds{300});
  EXPECT_EQ(p.left.count(Kind::Phase1Established), 0u);
  const auto* f = p.left.last(Kind::ExchangeFailed);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->detail.find("raw public key ipv4/10.0.0.2"), std::string::npos) << f->detail;
}

// left (10.0.0.1) behind a masquerading NAT, seen by right as 198.51.100.1.
TEST(RsaScenarios, AggressiveModeWithCertificatesThroughNat) {
  constexpr const char* kPublic = "198.51.100.1";
  PeerConf l = rsa_conf();
  l.p1_exchange = "AGGRESSIVE";
  l.extra = "[General]\nIKE-fragment-size=4000\n\n";  // whole AM2/AM3: the test reads them
  PeerConf r = mirror(l);
  r.peer = kPublic;
  r.extra = l.extra + fmt::format(
      "[peer-{}]\nRemote-ID=nat-peer-id\n\n[nat-peer-id]\nID-type=IPV4_ADDR\nAddress=10.0.0.1\n\n",
      kPublic);
  RsaPair rp(l, r, Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  SimulatedNat nat(true, ip("10.0.0.1"), ip(kPublic), false);
  p.middlebox = [&](Delivery& d) { return nat.translate(d); };
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }))
      << p.left.engine->last_drop_reason() << " / " << p.right.engine->last_drop_reason();
  const auto& seen = nat.seen();
  ASSERT_GE(seen.size(), 3u);
  // AM1/AM2 on 500; AM3 (with the CERT and SIG_I) already from 4500 to 4500 (RFC 3947 §4).
  for (std::size_t i = 0; i < 3; ++i) {
    uint16_t right_port = seen[i].left_to_right ? seen[i].to.port : seen[i].from.port;
    EXPECT_EQ(right_port, i < 2 ? 500 : 4500) << "datagram " << i + 1;
  }
  wire::Message am2 = parse(seen[1].bytes);
  EXPECT_EQ(am2.count(wire::PayloadType::Cert), 1u);
  EXPECT_GE(am2.count(wire::PayloadType::NatD) + am2.count(wire::PayloadType::NatDDraft), 2u);
  const auto* rev = p.right.last(Kind::Phase1Established);
  ASSERT_NE(rev, nullptr);
  EXPECT_EQ(rev->peer.address, ip(kPublic));
  EXPECT_EQ(rev->peer.port, nat.public_port(4500));
  EXPECT_NE(p.left.last(Kind::Phase2Established)->detail.find("UDP_ENCAP_TUNNEL"),
            std::string::npos);
}

// Both sides active (their Main Modes cross at start) with a 120-s phase-1 lifetime: rekeys of
// phase 1 collide too. Every phase 1 authenticates with RSA signatures; no exchange fails for
// authentication and the pair always ends with exactly one IPsec SA pair per direction set.
TEST(RsaScenarios, Phase1RekeyCollisionWithRsa) {
  PeerConf l = rsa_conf();
  l.extra = "[General]\nDefault-phase-1-lifetime=120,60:86400\n";
  PeerConf r = mirror(l);
  r.active = true;
  RsaPair rp(l, r, Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  const std::size_t first = p.left.count(Kind::Phase1Established);
  for (int i = 0; i < 4; ++i) {
    p.run_for(base::Seconds{60});
    EXPECT_GE(p.left.engine->phase1_sa_count(), 1u);
    EXPECT_LE(p.left.engine->phase1_sa_count(), 2u);
    EXPECT_GE(p.left.engine->phase2_sa_count(), 1u);
  }
  // At least two rekeys happened on each side, all of them with RSA_SIG.
  EXPECT_GE(p.left.count(Kind::Phase1Established), first + 2);
  for (const auto& ev : p.left.events) {
    if (ev.kind == Kind::Phase1Established) {
      EXPECT_NE(ev.detail.find("RSA_SIG"), std::string::npos) << ev.detail;
    }
  }
  for (const auto& ev : p.right.events) {
    if (ev.kind == Kind::ExchangeFailed) {
      EXPECT_EQ(ev.detail.find("SIG"), std::string::npos) << ev.detail;
      EXPECT_EQ(ev.detail.find("certificate"), std::string::npos) << ev.detail;
    }
  }
  EXPECT_EQ(p.left.engine->stats().exchanges_failed, 0u);
  EXPECT_EQ(p.right.engine->stats().exchanges_failed, 0u);
}

}  // namespace
}  // namespace ike::test
