// X.509 tests (x509.h) on the scripted test PKI (tests/pki/make_pki.sh, generated at test time):
// chain verification against the CA, CRL revocation, Accept-self-signed, subjectAltName
// extraction (every entry), and hostile DER (oversize, trailing bytes, garbage).
#include "crypto/x509.h"

#include <gtest/gtest.h>

#include "support/test_pki.h"

namespace ike::crypto {
namespace {

using test::TestPki;

Certificate load(const std::string& rel) {
  auto c = Certificate::from_pem(TestPki::get().read(rel));
  EXPECT_TRUE(c.has_value()) << rel << ": " << (c ? "" : c.error().detail);
  return c ? c->front() : Certificate{};
}

TrustStore ca_store(bool with_crl) {
  TrustStore s;
  s.add_ca(load("ca/ca.crt"));
  if (with_crl) {
    EXPECT_TRUE(s.add_crl_pem(TestPki::get().read("crls/ca.crl")).has_value());
  }
  return s;
}

void expect_bad_cert(const base::Status& s, const std::string& what) {
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().notify, base::NotifyType::InvalidCertificate);
  EXPECT_NE(s.error().detail.find(what), std::string::npos) << s.error().detail;
}

TEST(X509, HostCertificatesVerifyAgainstTheCa) {
  TrustStore s = ca_store(true);
  for (const char* h : {"hosta", "hostb", "hostv6", "nosan", "multi"}) {
    Certificate c = load(std::string(h) + "/cert.pem");
    EXPECT_TRUE(s.verify(c, {}).has_value()) << h;
  }
}

TEST(X509, AltNamesAreAllReturned) {
  Certificate a = load("hosta/cert.pem");
  auto sans = a.alt_names();
  ASSERT_EQ(sans.size(), 3u);
  EXPECT_EQ(sans[0].kind, SubjectAltName::Kind::Ip);
  EXPECT_EQ(sans[0].value, (base::Bytes{10, 0, 0, 1}));
  EXPECT_EQ(sans[1].kind, SubjectAltName::Kind::Dns);
  EXPECT_EQ(std::string(sans[1].value.begin(), sans[1].value.end()), "a.example.org");
  EXPECT_EQ(sans[2].kind, SubjectAltName::Kind::Email);
  EXPECT_EQ(std::string(sans[2].value.begin(), sans[2].value.end()), "user@a.example.org");
  auto v6 = load("hostv6/cert.pem").alt_names();
  ASSERT_EQ(v6.size(), 1u);
  EXPECT_EQ(v6[0].value.size(), 16u);
  EXPECT_TRUE(load("nosan/cert.pem").alt_names().empty());
  EXPECT_EQ(load("nosan/cert.pem").subject_text(), "CN=nosan.example.org,O=ike-test");
}

TEST(X509, PublicKeyMatchesTheHostKey) {
  auto key = rsa_public_key_from_pem(TestPki::get().read("hosta/pub.pem"));
  ASSERT_TRUE(key.has_value());
  auto ck = load("hosta/cert.pem").public_key();
  ASSERT_TRUE(ck.has_value());
  EXPECT_TRUE(ck->same_key(*key));
  EXPECT_FALSE(load("hostb/cert.pem").public_key()->same_key(*key));
}

TEST(X509, RevokedCertificateRejectedWithCrl) {
  Certificate r = load("revoked/cert.pem");
  EXPECT_TRUE(ca_store(false).verify(r, {}).has_value());
  expect_bad_cert(ca_store(true).verify(r, {}), "certificate revoked");
}

TEST(X509, UnknownIssuerRejected) {
  TrustStore empty;
  expect_bad_cert(empty.verify(load("hosta/cert.pem"), {}), "unable to get local issuer");
}

TEST(X509, SelfSignedOnlyWithAcceptSelfSigned) {
  Certificate self = load("self/cert.pem");
  TrustStore s = ca_store(false);
  expect_bad_cert(s.verify(self, {}), "self-signed");
  s.set_accept_self_signed(true);
  EXPECT_TRUE(s.verify(self, {}).has_value());
  // Accept-self-signed does not make a CA-issued certificate with an unknown issuer acceptable.
  TrustStore t;
  t.set_accept_self_signed(true);
  expect_bad_cert(t.verify(load("hosta/cert.pem"), {}), "unable to get local issuer");
}

TEST(X509, ExpiredAtVerificationTimeRejected) {
  // 400 days from now: beyond the 30-day validity.
  auto later = static_cast<int64_t>(time(nullptr)) + 400 * 86400;
  expect_bad_cert(ca_store(false).verify(load("hosta/cert.pem"), {}, later), "expired");
}

TEST(X509, HostileDerRejected) {
  base::Bytes der = load("hosta/cert.pem").der();
  auto big = base::Bytes(kMaxCertificateSize + 1, 0x30);
  auto r = Certificate::from_der(big);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, base::ErrorCode::TooMany);
  base::Bytes trailing = der;
  trailing.push_back(0);
  r = Certificate::from_der(trailing);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().detail.find("1 trailing bytes"), std::string::npos);
  base::Bytes truncated(der.begin(), der.end() - 10);
  EXPECT_FALSE(Certificate::from_der(truncated).has_value());
  EXPECT_FALSE(Certificate::from_der(base::Bytes{}).has_value());
  EXPECT_FALSE(Certificate::from_der(base::Bytes{0x30, 0x82, 0xff, 0xff, 1, 2}).has_value());
  auto ok = Certificate::from_der(der);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->der(), der);
}

// verify_window: the chain's validity period (leaf and CA notBefore/notAfter, the CRL's
// lastUpdate/nextUpdate), with X509_verify_cert's bounds: valid from notBefore up to, not
// including, notAfter.
TEST(X509, VerifyWindowIsTheChainValidity) {
  (void)TestPki::get();  // issued before `now`
  const auto now = static_cast<int64_t>(time(nullptr));
  for (bool crl : {false, true}) {
    TrustStore s = ca_store(crl);
    auto w = s.verify_window(load("hosta/cert.pem"), {}, now);
    ASSERT_TRUE(w.has_value()) << w.error().detail;
    EXPECT_TRUE(w->contains(now));
    EXPECT_TRUE(w->contains(now + 29 * 86400));  // make_pki.sh: valid 30 days
    EXPECT_FALSE(w->contains(now + 31 * 86400));
    EXPECT_FALSE(w->contains(now - 86400));       // issued during this test run
    // The bounds agree with a fresh verification on both sides of each bound.
    EXPECT_TRUE(s.verify(load("hosta/cert.pem"), {}, w->not_before).has_value());
    EXPECT_FALSE(s.verify(load("hosta/cert.pem"), {}, w->not_before - 1).has_value());
    EXPECT_TRUE(s.verify(load("hosta/cert.pem"), {}, w->not_after - 1).has_value());
    EXPECT_FALSE(s.verify(load("hosta/cert.pem"), {}, w->not_after).has_value());
  }
  // A failed verification has no window.
  EXPECT_FALSE(ca_store(true).verify_window(load("revoked/cert.pem"), {}, now).has_value());
}

// The generation is new after every CA or CRL change, shared by copies (one OpenSSL store), and
// different between stores.
TEST(X509, GenerationChangesWithTheCaAndCrlSet) {
  TrustStore s;
  const uint64_t g0 = s.generation();
  s.add_ca(load("ca/ca.crt"));
  const uint64_t g1 = s.generation();
  EXPECT_NE(g1, g0);
  TrustStore copy = s;
  EXPECT_EQ(copy.generation(), g1);
  ASSERT_TRUE(copy.add_crl_pem(TestPki::get().read("crls/ca.crl")).has_value());
  EXPECT_NE(copy.generation(), g1);
  EXPECT_EQ(s.generation(), copy.generation());  // the same X509_STORE changed
  EXPECT_NE(TrustStore().generation(), TrustStore().generation());
}

// Derived values are computed once per parsed certificate and equal a fresh computation.
TEST(X509, DerivedValuesAreKeptWithTheCertificate) {
  Certificate a = load("hosta/cert.pem");
  Certificate copy = a;
  EXPECT_EQ(&a.spki_der(), &copy.spki_der());  // one computation for every copy
  EXPECT_EQ(a.spki_der(), a.public_key()->spki_der());
  auto key = rsa_public_key_from_pem(TestPki::get().read("hosta/pub.pem"));
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(a.spki_der(), key->spki_der());
  EXPECT_EQ(&a.alt_names(), &copy.alt_names());
  EXPECT_EQ(a.alt_names().size(), 3u);
  EXPECT_EQ(&a.subject_der(), &copy.subject_der());
  EXPECT_EQ(dn_to_text(base::view(a.subject_der())), a.subject_text());
  EXPECT_EQ(dn_to_text(base::view(a.issuer_der())), a.issuer_text());
  Certificate b = load("hostb/cert.pem");
  EXPECT_NE(a.spki_der(), b.spki_der());
  EXPECT_NE(a.subject_der(), b.subject_der());
}

}  // namespace
}  // namespace ike::crypto
