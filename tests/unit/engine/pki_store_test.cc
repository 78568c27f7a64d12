// PkiStore tests (pki_store.h): certificate <-> ID matching over ALL subjectAltNames (isakmpd
// looks only at the first), DER_ASN1_DN against the subject, no-SAN certificates, the
// Pubkey-directory names (canonical IPv6, unsafe names refused) and the local certificate choice.
#include "engine/pki_store.h"

#include <gtest/gtest.h>

#include "base/address.h"
#include "support/test_pki.h"
#include "wire/registry.h"

namespace ike::engine {
namespace {

using test::TestPki;

crypto::Certificate cert(const std::string& host) {
  return crypto::Certificate::from_pem(TestPki::get().read(host + "/cert.pem"))->front();
}

wire::IdPayload id(wire::IdType t, std::string_view data) {
  wire::IdPayload p;
  p.id_type = static_cast<uint8_t>(t);
  p.data.assign(data.begin(), data.end());
  return p;
}

wire::IdPayload ip_id(std::string_view text) {
  auto a = base::IpAddress::parse(text).value();
  wire::IdPayload p;
  p.id_type = static_cast<uint8_t>(a.is_v4() ? wire::IdType::Ipv4Addr : wire::IdType::Ipv6Addr);
  p.data = base::to_bytes(a.bytes());
  return p;
}

TEST(PkiStore, EverySanIsMatched) {
  crypto::Certificate a = cert("hosta");
  EXPECT_TRUE(certificate_matches_id(a, ip_id("10.0.0.1")).has_value());
  EXPECT_TRUE(certificate_matches_id(a, id(wire::IdType::Fqdn, "A.Example.ORG")).has_value());
  EXPECT_TRUE(
      certificate_matches_id(a, id(wire::IdType::UserFqdn, "user@a.example.org")).has_value());
  // "multi": DNS:first.example.org first, the IP second (isakmpd would only see the first).
  EXPECT_TRUE(certificate_matches_id(cert("multi"), ip_id("10.0.0.9")).has_value());
  EXPECT_TRUE(certificate_matches_id(cert("hostv6"), ip_id("fd00::1")).has_value());
}

TEST(PkiStore, MismatchNamesTheSans) {
  auto r = certificate_matches_id(cert("hosta"), ip_id("10.0.0.2"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().notify, base::NotifyType::InvalidIdInformation);
  EXPECT_NE(r.error().detail.find("ip 10.0.0.1, dns a.example.org"), std::string::npos)
      << r.error().detail;
  // A DNS SAN does not match an address ID with the same text, nor an FQDN a UFQDN.
  EXPECT_FALSE(certificate_matches_id(cert("hosta"), id(wire::IdType::UserFqdn, "a.example.org"))
                   .has_value());
}

TEST(PkiStore, NoSanCertificateOnlyForItsDn) {
  crypto::Certificate n = cert("nosan");
  auto r = certificate_matches_id(n, id(wire::IdType::Fqdn, "nosan.example.org"));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().detail.find("no subjectAltName"), std::string::npos);
  wire::IdPayload dn;
  dn.id_type = static_cast<uint8_t>(wire::IdType::DerAsn1Dn);
  dn.data = n.subject_der();
  EXPECT_TRUE(certificate_matches_id(n, dn).has_value());
  dn.data = cert("hosta").subject_der();
  EXPECT_FALSE(certificate_matches_id(n, dn).has_value());
}

TEST(PkiStore, PubkeyNames) {
  EXPECT_EQ(pubkey_name(ip_id("10.0.0.1")), "ipv4/10.0.0.1");
  EXPECT_EQ(pubkey_name(ip_id("fd00:0:0:0::0:1")), "ipv6/fd00::1");
  EXPECT_EQ(pubkey_name(id(wire::IdType::Fqdn, "gw.example.org")), "fqdn/gw.example.org");
  EXPECT_EQ(pubkey_name(id(wire::IdType::UserFqdn, "u@example.org")), "ufqdn/u@example.org");
  EXPECT_EQ(pubkey_name(id(wire::IdType::Fqdn, "../../etc/passwd")), std::nullopt);
  EXPECT_EQ(pubkey_name(id(wire::IdType::Fqdn, "..")), std::nullopt);
  EXPECT_EQ(pubkey_name(id(wire::IdType::Fqdn, std::string_view("a\0b", 3))), std::nullopt);
  EXPECT_EQ(pubkey_name(id(wire::IdType::KeyId, "k")), std::nullopt);
}

TEST(PkiStore, LocalCertificateFollowsThePrivateKey) {
  PkiStore s;
  s.certificates = {cert("hostb"), cert("hosta")};
  EXPECT_FALSE(s.local_certificate(ip_id("10.0.0.1")).has_value());
  s.private_key = crypto::rsa_private_key_from_pem(TestPki::get().read("hosta/key.pem")).value();
  auto c = s.local_certificate(ip_id("10.0.0.1"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->der(), cert("hosta").der());
  EXPECT_EQ(s.certificates_for(ip_id("10.0.0.2")).size(), 1u);
}

crypto::RsaPrivateKey key(const std::string& host) {
  return crypto::rsa_private_key_from_pem(TestPki::get().read(host + "/key.pem")).value();
}

// [X509-certificates]:Private-key-directory: the key for our ID wins over Private-key, and the
// local certificate follows the key actually used.
TEST(PkiStore, PrivateKeyDirectoryKeyForTheId) {
  PkiStore s;
  s.certificates = {cert("hosta"), cert("hostb")};
  EXPECT_EQ(s.private_key_for(ip_id("10.0.0.2")), nullptr);
  auto missing = s.missing_signature_credential(ip_id("10.0.0.2"));
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(*missing, "no RSA private key for ID ipv4/10.0.0.2: neither "
                      "Private-key-directory/10.0.0.2 nor [X509-certificates]:Private-key loaded");
  s.private_key = key("hosta");
  s.id_private_keys.insert_or_assign("10.0.0.2", key("hostb"));
  s.id_private_keys.insert_or_assign("b.example.org", key("hostb"));
  ASSERT_NE(s.private_key_for(ip_id("10.0.0.2")), nullptr);
  EXPECT_TRUE(s.private_key_for(ip_id("10.0.0.2"))
                  ->public_key()
                  .same_key(cert("hostb").public_key().value()));
  EXPECT_TRUE(s.private_key_for(id(wire::IdType::Fqdn, "b.example.org"))
                  ->public_key()
                  .same_key(cert("hostb").public_key().value()));
  // Any other ID: the default Private-key.
  EXPECT_EQ(s.private_key_for(ip_id("10.0.0.7")), &*s.private_key);
  EXPECT_FALSE(s.missing_signature_credential(ip_id("10.0.0.7")).has_value());
  EXPECT_EQ(s.local_certificate(ip_id("10.0.0.2"))->der(), cert("hostb").der());
  EXPECT_EQ(s.local_certificate(ip_id("10.0.0.1"))->der(), cert("hosta").der());
  EXPECT_EQ(private_key_name(ip_id("fd00:0::1")), "fd00::1");
  EXPECT_EQ(private_key_name(id(wire::IdType::UserFqdn, "u@x.org")), "u@x.org");
  EXPECT_EQ(private_key_name(id(wire::IdType::Fqdn, "../x")), std::nullopt);
}

TEST(PkiStore, LocalCertificateForARequestedCa) {
  PkiStore s;
  s.private_key = key("hosta");
  s.certificates = {cert("hosta-ca2"), cert("hosta")};
  auto ca1 = crypto::Certificate::from_pem(TestPki::get().read("ca/ca.crt"))->front();
  auto ca2 = crypto::Certificate::from_pem(TestPki::get().read("ca2/ca.crt"))->front();
  s.trust.add_ca(ca1);
  s.trust.add_ca(ca2);
  EXPECT_EQ(s.local_certificate_for_ca(ip_id("10.0.0.1"), base::view(ca1.subject_der()))->der(),
            cert("hosta").der());
  EXPECT_EQ(s.local_certificate_for_ca(ip_id("10.0.0.1"), base::view(ca2.subject_der()))->der(),
            cert("hosta-ca2").der());
  EXPECT_FALSE(
      s.local_certificate_for_ca(ip_id("10.0.0.1"), base::view(cert("hostb").subject_der())));
}

}  // namespace
}  // namespace ike::engine
