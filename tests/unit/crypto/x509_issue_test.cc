// CertificateIssuer (x509_issue.h) on the scripted test PKI (tests/pki/make_pki.sh): issued
// certificates verify against the CA that signed them and carry exactly the names, key, serial
// and validity asked for; a key that is not the CA's and every malformed request are refused
// with the field named.
#include "crypto/x509_issue.h"

#include <gtest/gtest.h>

#include <ctime>

#include "support/test_pki.h"

namespace ike::crypto {
namespace {

using test::TestPki;

CertificateIssuer issuer() {
  const TestPki& pki = TestPki::get();
  auto i = CertificateIssuer::from_pem(pki.read("ca/ca.crt"), pki.read("ca/ca.key"),
                                       pki.read("hosta/key.pem"));
  EXPECT_TRUE(i.has_value()) << (i ? "" : i.error().detail);
  return std::move(i).value();
}

Certificate ca_cert() { return Certificate::from_pem(TestPki::get().read("ca/ca.crt"))->front(); }

CertificateRequest request(int64_t now) {
  CertificateRequest r;
  r.common_name = "10.100.0.1";
  r.ip = base::IpAddress::parse("10.100.0.1").value();
  r.serial = 77;
  r.not_before = now - 3600;
  r.not_after = now + 86400;
  return r;
}

std::string text(const base::Bytes& b) { return std::string(b.begin(), b.end()); }

TEST(X509Issue, IssuedCertificateVerifiesAndCarriesWhatWasAsked) {
  (void)TestPki::get();  // the CA is issued before `now` (a fresh PKI takes seconds)
  const int64_t now = std::time(nullptr);
  CertificateRequest r = request(now);
  r.dns = "load-1.ikt.test";
  auto c = issuer().issue(r);
  ASSERT_TRUE(c.has_value()) << c.error().detail;
  TrustStore store;
  store.add_ca(ca_cert());
  EXPECT_TRUE(store.verify(*c, {}, now).has_value());
  // Outside its validity it does not verify.
  EXPECT_FALSE(store.verify(*c, {}, now + 2 * 86400).has_value());
  EXPECT_FALSE(store.verify(*c, {}, now - 2 * 3600).has_value());

  EXPECT_EQ(c->subject_text(), "CN=10.100.0.1");
  EXPECT_EQ(c->issuer_der(), ca_cert().subject_der());
  ASSERT_EQ(c->alt_names().size(), 2u);
  EXPECT_EQ(c->alt_names()[0].kind, SubjectAltName::Kind::Ip);
  EXPECT_EQ(c->alt_names()[0].value, (base::Bytes{10, 100, 0, 1}));
  EXPECT_EQ(c->alt_names()[1].kind, SubjectAltName::Kind::Dns);
  EXPECT_EQ(text(c->alt_names()[1].value), "load-1.ikt.test");
  // The subject key's public half, and nothing of the CA's.
  auto key = rsa_private_key_from_pem(TestPki::get().read("hosta/key.pem"));
  ASSERT_TRUE(key.has_value());
  auto pub = c->public_key();
  ASSERT_TRUE(pub.has_value()) << pub.error().detail;
  EXPECT_TRUE(pub->same_key(key->public_key()));
  EXPECT_FALSE(c->issued_by_itself());
}

TEST(X509Issue, EachCertificateHasItsOwnAddressAndSerial) {
  (void)TestPki::get();  // the CA is issued before `now` (a fresh PKI takes seconds)
  const int64_t now = std::time(nullptr);
  CertificateIssuer i = issuer();
  CertificateRequest r = request(now);
  auto a = i.issue(r);
  r.common_name = "fd00::7";
  r.ip = base::IpAddress::parse("fd00::7").value();
  r.serial = 78;
  auto b = i.issue(r);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(a->der(), b->der());
  ASSERT_EQ(b->alt_names().size(), 1u);
  EXPECT_EQ(b->alt_names()[0].value.size(), 16u);
  EXPECT_EQ(b->alt_names()[0].value.back(), 7);
}

TEST(X509Issue, AKeyThatIsNotTheCasIsRefused) {
  const TestPki& pki = TestPki::get();
  auto i = CertificateIssuer::from_pem(pki.read("ca/ca.crt"), pki.read("hostb/key.pem"),
                                       pki.read("hosta/key.pem"));
  ASSERT_FALSE(i.has_value());
  EXPECT_EQ(i.error().detail, "the CA key does not belong to the CA certificate");
  auto g = CertificateIssuer::from_pem(pki.read("hosta/key.pem"), pki.read("ca/ca.key"),
                                       pki.read("hosta/key.pem"));
  ASSERT_FALSE(g.has_value());
  EXPECT_NE(g.error().detail.find("CA certificate: no PEM certificate"), std::string::npos)
      << g.error().detail;
  auto k = CertificateIssuer::from_pem(pki.read("ca/ca.crt"), pki.read("ca/ca.key"),
                                       pki.read("ca/ca.crt"));
  ASSERT_FALSE(k.has_value());
  EXPECT_NE(k.error().detail.find("subject private key"), std::string::npos) << k.error().detail;
}

TEST(X509Issue, MalformedRequestsNameTheField) {
  (void)TestPki::get();  // the CA is issued before `now` (a fresh PKI takes seconds)
  const int64_t now = std::time(nullptr);
  CertificateIssuer i = issuer();
  struct Case {
    const char* expect;
    void (*edit)(CertificateRequest&);
  };
  const Case cases[] = {
      {"common name ''", [](CertificateRequest& r) { r.common_name.clear(); }},
      {"common name", [](CertificateRequest& r) { r.common_name = std::string(65, 'a'); }},
      {"common name", [](CertificateRequest& r) { r.common_name = "a\nb"; }},
      {"dNSName 'a,IP:1.2.3.4'", [](CertificateRequest& r) { r.dns = "a,IP:1.2.3.4"; }},
      {"dNSName '-a.test'", [](CertificateRequest& r) { r.dns = "-a.test"; }},
      {"dNSName 'a-.test'", [](CertificateRequest& r) { r.dns = "a-.test"; }},
      {"dNSName 'a..test'", [](CertificateRequest& r) { r.dns = "a..test"; }},
      {"dNSName 'a.test.'", [](CertificateRequest& r) { r.dns = "a.test."; }},
      {"dNSName", [](CertificateRequest& r) { r.dns = std::string(64, 'x') + ".test"; }},
      {"subjectAltName", [](CertificateRequest& r) { r.ip.reset(); }},
      {"serial '0'", [](CertificateRequest& r) { r.serial = 0; }},
      {"validity", [](CertificateRequest& r) { r.not_after = r.not_before; }},
  };
  for (const Case& c : cases) {
    CertificateRequest r = request(now);
    c.edit(r);
    auto got = i.issue(r);
    ASSERT_FALSE(got.has_value()) << c.expect;
    EXPECT_EQ(got.error().code, base::ErrorCode::BadValue) << c.expect;
    EXPECT_NE(got.error().detail.find(c.expect), std::string::npos) << got.error().detail;
  }
  // Names at their limits pass.
  CertificateRequest r = request(now);
  r.common_name = std::string(64, 'c');
  r.dns = std::string(63, 'x') + ".a-b.test";
  EXPECT_TRUE(i.issue(r).has_value());
}

}  // namespace
}  // namespace ike::crypto
