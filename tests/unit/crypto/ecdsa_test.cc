// Tests for IKEv1 ECDSA (crypto/ecdsa.h, RFC 4754) on keys generated per test with OpenSSL:
// for each of methods 9/10/11 a signature is r || s of 2 x 32/48/66 octets that verifies, and
// that OpenSSL's pre-hashed EVP_PKEY_verify accepts over HASH_I itself (no second hash, as
// strongSwan's IKEv1 SIGN_ECDSA_WITH_NULL; HASH_I is computed with the method's HMAC-SHA2);
// tampered data, a tampered signature, another key, a method of another curve, r or s = 0 or
// >= n and wrong lengths are refused with INVALID_SIGNATURE and a detail; DER <-> r || s; key
// loading (PEM, SPKI) and the curve policy (RSA and P-224 keys refused).
#include <gtest/gtest.h>

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

#include "crypto/ecdsa.h"

namespace ike::crypto {
namespace {

std::string pem_of(EVP_PKEY* k, bool priv) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (priv) {
    PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PUBKEY(bio, k);
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string s(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return s;
}

base::ByteView bv(const std::string& s) {
  return base::ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

struct KeyPair {
  EcdsaPrivateKey priv;
  EcdsaPublicKey pub;
  std::string pub_pem;
};

KeyPair generate(const char* curve) {
  EVP_PKEY* k = EVP_EC_gen(curve);
  EXPECT_NE(k, nullptr);
  KeyPair kp;
  kp.priv = ecdsa_private_key_from_pem(bv(pem_of(k, true))).value();
  kp.pub_pem = pem_of(k, false);
  kp.pub = ecdsa_public_key_from_pem(bv(kp.pub_pem)).value();
  EVP_PKEY_free(k);
  return kp;
}

struct Case {
  const char* curve;
  uint16_t method;
  std::size_t width;
  const EVP_MD* (*md)();
};
const Case kCases[] = {{"P-256", 9, 32, EVP_sha256},
                       {"P-384", 10, 48, EVP_sha384},
                       {"P-521", 11, 66, EVP_sha512}};

const base::Bytes kHashI(32, 0x5a);  // a HASH_I: signed as the ECDSA digest, not hashed again

bool low_level_verify(const std::string& pub_pem, const EVP_MD* md, base::ByteView raw,
                      std::size_t width) {
  BIO* bio = BIO_new_mem_buf(pub_pem.data(), static_cast<int>(pub_pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  (void)md;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), static_cast<int>(width), nullptr),
                 BN_bin2bn(raw.data() + width, static_cast<int>(width), nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  // Pre-hashed verification (no digest in the context): OpenSSL checks ECDSA over HASH_I.
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pkey, nullptr);
  const int ok = EVP_PKEY_verify_init(ctx) == 1
                     ? EVP_PKEY_verify(ctx, der, static_cast<std::size_t>(der_len), kHashI.data(),
                                       kHashI.size())
                     : 0;
  EVP_PKEY_CTX_free(ctx);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  EVP_PKEY_free(pkey);
  return ok == 1;
}

void expect_refused(const base::Status& st, const std::string& needle) {
  ASSERT_FALSE(st.has_value()) << needle;
  EXPECT_EQ(st.error().notify, base::NotifyType::InvalidSignature);
  EXPECT_NE(st.error().detail.find(needle), std::string::npos) << st.error().detail;
}

TEST(Ecdsa, EachMethodSignsRsFixedWidthAndVerifies) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.curve);
    KeyPair kp = generate(c.curve);
    EXPECT_EQ(ecdsa_curve_for_method(c.method), kp.priv.curve());
    auto sig = ecdsa_sign_ike(kp.priv, c.method, base::view(kHashI));
    ASSERT_TRUE(sig.has_value()) << sig.error().detail;
    EXPECT_EQ(sig->size(), 2 * c.width);
    EXPECT_TRUE(ecdsa_verify_ike(kp.pub, c.method, base::view(kHashI), base::view(*sig)));
    EXPECT_TRUE(low_level_verify(kp.pub_pem, c.md(), base::view(*sig), c.width));
    // The same key from its SubjectPublicKeyInfo.
    auto again = ecdsa_public_key_from_spki(base::view(kp.pub.spki_der()));
    ASSERT_TRUE(again.has_value()) << again.error().detail;
    EXPECT_TRUE(again->same_key(kp.pub));
  }
}

TEST(Ecdsa, TamperedDataSignatureOrKeyIsRefused) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.curve);
    KeyPair kp = generate(c.curve);
    KeyPair other = generate(c.curve);
    base::Bytes sig = ecdsa_sign_ike(kp.priv, c.method, base::view(kHashI)).value();
    base::Bytes data = kHashI;
    data[0] ^= 1;
    expect_refused(ecdsa_verify_ike(kp.pub, c.method, base::view(data), base::view(sig)),
                   "does not verify");
    base::Bytes bad = sig;
    bad[bad.size() - 1] ^= 1;
    expect_refused(ecdsa_verify_ike(kp.pub, c.method, base::view(kHashI), base::view(bad)),
                   "does not verify");
    expect_refused(ecdsa_verify_ike(other.pub, c.method, base::view(kHashI), base::view(sig)),
                   "does not verify");
  }
}

TEST(Ecdsa, MethodOfAnotherCurveIsRefused) {
  KeyPair p256 = generate("P-256");
  auto sig = ecdsa_sign_ike(p256.priv, 10, base::view(kHashI));
  ASSERT_FALSE(sig.has_value());
  EXPECT_NE(sig.error().detail.find("method 10"), std::string::npos) << sig.error().detail;
  base::Bytes good = ecdsa_sign_ike(p256.priv, 9, base::view(kHashI)).value();
  expect_refused(ecdsa_verify_ike(p256.pub, 10, base::view(kHashI), base::view(good)),
                 "needs secp384r1, the peer's key is on prime256v1");
  expect_refused(ecdsa_verify_ike(p256.pub, 3, base::view(kHashI), base::view(good)),
                 "method 3 is not ECDSA");
}

TEST(Ecdsa, LengthAndRangeOfRAndSAreChecked) {
  KeyPair kp = generate("P-256");
  base::Bytes sig = ecdsa_sign_ike(kp.priv, 9, base::view(kHashI)).value();
  base::Bytes shorter(sig.begin(), sig.end() - 1);
  expect_refused(ecdsa_verify_ike(kp.pub, 9, base::view(kHashI), base::view(shorter)),
                 "63 bytes (RFC 4754 r || s: expected 64)");
  base::Bytes zero_r = sig;
  std::fill(zero_r.begin(), zero_r.begin() + 32, 0);
  expect_refused(ecdsa_verify_ike(kp.pub, 9, base::view(kHashI), base::view(zero_r)),
                 "r outside [1, n-1]");
  base::Bytes big_s = sig;
  std::fill(big_s.begin() + 32, big_s.end(), 0xff);  // > n
  expect_refused(ecdsa_verify_ike(kp.pub, 9, base::view(kHashI), base::view(big_s)),
                 "s outside [1, n-1]");
  // The DER form is not accepted in the SIG payload.
  base::Bytes der = ecdsa_raw_to_der(base::view(sig), 32).value();
  EXPECT_FALSE(ecdsa_verify_ike(kp.pub, 9, base::view(kHashI), base::view(der)).has_value());
}

TEST(Ecdsa, DerAndRawConvertBothWays) {
  base::Bytes raw(64);
  raw[31] = 1;     // r = 1
  raw[32] = 0x80;  // s with the top bit set: DER needs a leading zero
  base::Bytes der = ecdsa_raw_to_der(base::view(raw), 32).value();
  EXPECT_EQ(der[0], 0x30);
  EXPECT_EQ(der.size(), 2u + 3u + 2u + 33u);  // SEQ { INT 1, INT 00 80 .. }
  EXPECT_EQ(ecdsa_der_to_raw(base::view(der), 32).value(), raw);
  base::Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_FALSE(ecdsa_der_to_raw(base::view(trailing), 32).has_value());
  EXPECT_FALSE(ecdsa_der_to_raw(base::view(der), 16).has_value());  // s wider than 16
  EXPECT_FALSE(ecdsa_raw_to_der(base::view(raw), 33).has_value());
}

TEST(Ecdsa, KeysOutsideThePolicyAreRefused) {
  EVP_PKEY* rsa = EVP_RSA_gen(2048);
  auto r = ecdsa_private_key_from_pem(bv(pem_of(rsa, true)));
  EVP_PKEY_free(rsa);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().detail.find("not EC"), std::string::npos) << r.error().detail;
  EVP_PKEY* p224 = EVP_EC_gen("P-224");
  auto q = ecdsa_public_key_from_pem(bv(pem_of(p224, false)));
  EVP_PKEY_free(p224);
  ASSERT_FALSE(q.has_value());
  EXPECT_NE(q.error().detail.find("secp224r1"), std::string::npos) << q.error().detail;
  EXPECT_FALSE(ecdsa_public_key_from_pem(bv("not a key")).has_value());
  EXPECT_FALSE(ecdsa_curve_for_method(8).has_value());
}

}  // namespace
}  // namespace ike::crypto
