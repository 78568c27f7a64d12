// Signed credentials (RFC 2704 §4.6.7): a generated RSA key signs an assertion with each
// algorithm; the set accepts it, refuses it after any change, refuses a wrong key, and the
// credential then delegates from a POLICY assertion naming the key (hex or base64 encoding).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <vector>

#include "base/hex.h"
#include "policy/assertion.h"
#include "policy/keynote.h"
#include "policy/signature.h"
#include "test_util.h"

namespace ike::policy {
namespace {

struct TestKey {
  base::Bytes private_der;
  std::string principal;  // rsa-hex: of the public key
  base::Bytes public_pkcs1;
};

TestKey make_key() {
  EVP_PKEY* k = EVP_RSA_gen(1024);
  EXPECT_NE(k, nullptr);
  TestKey out;
  unsigned char* der = nullptr;
  int n = i2d_PrivateKey(k, &der);
  out.private_der.assign(der, der + n);
  OPENSSL_free(der);
  der = nullptr;
  n = i2d_PublicKey(k, &der);  // PKCS#1 RSAPublicKey
  out.public_pkcs1.assign(der, der + n);
  OPENSSL_free(der);
  EVP_PKEY_free(k);
  auto p = rsa_key_principal(base::view(out.private_der));
  EXPECT_TRUE(p.has_value());
  out.principal = *p;
  return out;
}

const TestKey& key_a() {
  static TestKey k = make_key();
  return k;
}
const TestKey& key_b() {
  static TestKey k = make_key();
  return k;
}

std::string unsigned_credential(const std::string& authorizer) {
  return "KeyNote-Version: 2\nAuthorizer: \"" + authorizer +
         "\"\nLicensees: \"passphrase:branch\"\n"
         "Conditions: app_domain == \"IPsec policy\" -> \"true\";\nSignature:";
}

class Signing : public ::testing::TestWithParam<SigAlg> {};

TEST_P(Signing, SignedCredentialVerifiesAndDelegates) {
  auto signed_text = sign_assertion(unsigned_credential(key_a().principal), GetParam(),
                                    base::view(key_a().private_der));
  ASSERT_TRUE(signed_text.has_value()) << signed_text.error().detail;
  EXPECT_NE(signed_text->find(std::string("Signature: \"") + sig_alg_name(GetParam())),
            std::string::npos);
  PolicySet s = test::policy_from("Authorizer: \"POLICY\"\nLicensees: \"" + key_a().principal +
                                  "\"\n");
  auto st = s.add_credential(*signed_text);
  ASSERT_TRUE(st.has_value()) << st.error().detail;
  std::map<std::string, std::string> attrs{{"app_domain", "IPsec policy"}};
  EXPECT_EQ(test::decide(s, attrs, {"passphrase:branch"}), "true");
  EXPECT_EQ(test::decide(s, attrs, {"passphrase:other"}), "false");
  EXPECT_EQ(test::decide(s, {{"app_domain", "other"}}, {"passphrase:branch"}), "false");
}

TEST_P(Signing, TamperedOrForeignSignatureRefused) {
  auto signed_text = sign_assertion(unsigned_credential(key_a().principal), GetParam(),
                                    base::view(key_a().private_der));
  ASSERT_TRUE(signed_text.has_value());
  std::string tampered = *signed_text;
  tampered.replace(tampered.find("branch"), 6, "BRANCH");
  PolicySet s;
  auto st = s.add_credential(tampered);
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().detail.find("does not verify"), std::string::npos);
  // Signed by B but claiming A as authorizer.
  auto foreign = sign_assertion(unsigned_credential(key_a().principal), GetParam(),
                                base::view(key_b().private_der));
  ASSERT_TRUE(foreign.has_value());
  EXPECT_FALSE(s.add_credential(*foreign).has_value());
  EXPECT_EQ(s.size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, Signing,
                         ::testing::Values(SigAlg::RsaSha1Hex, SigAlg::RsaSha1Base64,
                                           SigAlg::RsaSha256Hex, SigAlg::RsaSha256Base64));

TEST(Principals, EncodingsCompareEqual) {
  // PKCS#1 in hex, SubjectPublicKeyInfo in base64: the same key.
  std::string pkcs1_hex = "rsa-hex:" + base::to_hex(base::view(key_a().public_pkcs1));
  EXPECT_EQ(canonical_principal(pkcs1_hex), key_a().principal);
  EXPECT_EQ(canonical_principal("RSA-HEX:" + key_a().principal.substr(8)), key_a().principal);
  EXPECT_EQ(canonical_principal("passphrase:x"), "passphrase:x");
  EXPECT_EQ(canonical_principal("rsa-hex:zz"), "rsa-hex:zz");  // not a key: opaque
  PolicySet s = test::policy_from("Authorizer: \"POLICY\"\nLicensees: \"" + pkcs1_hex + "\"\n");
  EXPECT_EQ(test::decide(s, {}, {key_a().principal}), "true");
}

// A key principal must be exactly one DER SEQUENCE (checked before OpenSSL's decoders run):
// truncated, indefinite-length, non-SEQUENCE and trailing-junk encodings stay opaque strings.
TEST(Principals, OnlyOneWholeDerSequenceIsDecoded) {
  const std::string spki_hex = key_a().principal.substr(8);
  EXPECT_EQ(canonical_principal("rsa-hex:" + spki_hex), key_a().principal);
  const std::vector<std::string> bad = {
      "rsa-hex:3030",          "rsa-hex:3000",
      "rsa-hex:3080" + spki_hex + "0000",  // indefinite length
      "rsa-hex:" + spki_hex + "00",        // trailing byte
      "rsa-hex:" + spki_hex.substr(2),     // no SEQUENCE tag
      "rsa-hex:0400",          "ecdsa-hex:3030",
      "ecdsa-hex:" + spki_hex + "00",      "x509-hex:3082ffff",
      "x509-hex:"};
  for (const std::string& p : bad) EXPECT_EQ(canonical_principal(p), p) << p;
  std::string pkcs1_junk = "rsa-hex:" + base::to_hex(base::view(key_a().public_pkcs1)) + "ff";
  EXPECT_EQ(canonical_principal(pkcs1_junk), pkcs1_junk);
}

TEST(Principals, PassphraseDigests) {
  EXPECT_EQ(digest_hex("abc", false), "900150983cd24fb0d6963f7d28e17f72");  // RFC 1321 A.5
  EXPECT_EQ(digest_hex("abc", true), "a9993e364706816aba3e25717850c26c9cd0d89d");  // FIPS 180
}

// EC keys are principals too: "ecdsa-hex:" and "ecdsa-base64:" of the same SPKI compare equal
// (phase1_keynote.h); garbage stays an opaque string.
TEST(Principals, EcdsaKeysCanonicalized) {
  EVP_PKEY* k = EVP_EC_gen("P-256");
  ASSERT_NE(k, nullptr);
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(k, &der);
  ASSERT_GT(n, 0);
  base::Bytes spki(der, der + n);
  OPENSSL_free(der);
  EVP_PKEY_free(k);
  std::string canon = ec_key_principal(base::view(spki));
  std::string upper = "ECDSA-HEX:" + base::to_hex(base::view(spki));
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(canonical_principal(upper), canon);
  std::string b64(4 * ((spki.size() + 2) / 3) + 1, '\0');
  b64.resize(static_cast<std::size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                                      spki.data(), static_cast<int>(spki.size()))));
  EXPECT_EQ(canonical_principal("ecdsa-base64:" + b64), canon);
  EXPECT_EQ(canonical_principal("ecdsa-hex:zz"), "ecdsa-hex:zz");
  // An RSA key spelled ecdsa-hex is not an EC principal.
  TestKey rsa = make_key();
  std::string as_ec = "ecdsa-hex:" + rsa.principal.substr(8);
  EXPECT_EQ(canonical_principal(as_ec), as_ec);
  EXPECT_EQ(canonical_principal("x509-base64:AAAA"), "x509-base64:AAAA");  // not a certificate
}

// Credentials of one exchange (Query::extra, KEYNOTE CERT payloads): they delegate for that
// query only; parse_credentials verifies each and caps the count.
TEST(Credentials, PerQueryCredentialsAndCap) {
  TestKey key = make_key();
  PolicySet set = test::policy_from("Authorizer: \"POLICY\"\nLicensees: \"" + key.principal +
                                    "\"\nConditions: app_domain == \"IPsec policy\" -> \"true\";\n");
  auto one = sign_assertion("Authorizer: \"" + key.principal +
                                "\"\nLicensees: \"DN:/O=x/CN=peer\"\nSignature:",
                            SigAlg::RsaSha256Hex, base::view(key.private_der));
  ASSERT_TRUE(one.has_value()) << one.error().detail;
  auto creds = parse_credentials(*one, 4);
  ASSERT_TRUE(creds.has_value()) << creds.error().detail;
  ASSERT_EQ(creds->size(), 1u);
  Query q;
  q.attributes = {{"app_domain", "IPsec policy"}};
  q.authorizers = {"DN:/O=x/CN=peer"};
  EXPECT_EQ(set.query(q)->value, "false");  // not in the set itself
  q.extra = *creds;
  EXPECT_EQ(set.query(q)->value, "true");
  q.attributes.clear();  // Conditions false ...
  EXPECT_EQ(set.query(q)->value, "false");
  q.licensees_only = true;  // ... but the phase-1 question is about Licensees only
  EXPECT_EQ(set.query(q)->value, "true");
  q.authorizers = {"DN:/O=x/CN=other"};
  EXPECT_EQ(set.query(q)->value, "false");
  // Two credentials, room for one; a forged one names its position.
  auto cap = parse_credentials(*one + "\n\n" + *one, 1);
  ASSERT_FALSE(cap.has_value());
  EXPECT_NE(cap.error().detail.find("2 credentials exceed the limit of 1"), std::string::npos)
      << cap.error().detail;
  std::string forged = *one;
  forged.replace(forged.find("CN=peer"), 7, "CN=evil");
  auto bad = parse_credentials(*one + "\n\n" + forged, 4);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().detail.find("credential 2"), std::string::npos) << bad.error().detail;
}

TEST(Signatures, UnsupportedAlgorithmAndBadEncoding) {
  EXPECT_FALSE(verify_signature("x", "sig-dsa-sha1-hex:00", key_a().principal).has_value());
  EXPECT_FALSE(verify_signature("x", "sig-rsa-sha1-hex:zz", key_a().principal).has_value());
  EXPECT_FALSE(verify_signature("x", "sig-rsa-sha1-hex:00", "passphrase:a").has_value());
  EXPECT_FALSE(sign_assertion("Authorizer: \"x\"\n", SigAlg::RsaSha1Hex,
                              base::view(key_a().private_der))
                   .has_value());
}

}  // namespace
}  // namespace ike::policy

namespace ike::policy {
namespace {

// A credential signed by the openssl command line (an independent signer), as recorded in the
// fuzz corpus: `openssl dgst -sha256 -sign` over the text through "Signature:" followed by
// "sig-rsa-sha256-hex:"; the key is the DER SubjectPublicKeyInfo of `openssl rsa -pubout`.
TEST(Signatures, CredentialSignedByOpensslCommandLine) {
  std::ifstream f(std::string(IKE_SOURCE_DIR) +
                  "/tests/fuzz/corpus/fuzz_keynote/signed_credential_openssl_cli.cred");
  std::stringstream ss;
  ss << f.rdbuf();
  std::string text = ss.str();
  ASSERT_FALSE(text.empty());
  auto a = parse_assertion(text);
  ASSERT_TRUE(a.has_value()) << a.error().detail;
  PolicySet s = test::policy_from("Authorizer: \"POLICY\"\nLicensees: \"" + a->authorizer + "\"\n");
  auto st = s.add_credential(text);
  ASSERT_TRUE(st.has_value()) << st.error().detail;
  EXPECT_EQ(test::decide(s, {{"app_domain", "IPsec policy"}}, {"passphrase:foobar"}), "true");
  std::string flipped = text;
  flipped[flipped.size() - 3] = flipped[flipped.size() - 3] == '0' ? '1' : '0';
  PolicySet t;
  EXPECT_FALSE(t.add_credential(flipped).has_value());
}

}  // namespace
}  // namespace ike::policy
