// RSA signature tests (rsa.h): IKEv1 PKCS#1 v1.5 without DigestInfo round trips, key loading
// policy, and forged signatures that lax decoders accept: a wrong padding byte, garbage after the
// hash, a DigestInfo, s >= n, short/long signatures, and a Bleichenbacher-2006-style cube-root
// forgery against an e=3 key.
#include "crypto/rsa.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <string>

namespace ike::crypto {
namespace {

std::string pem_of(EVP_PKEY* k, bool priv) {
  BIO* b = BIO_new(BIO_s_mem());
  if (priv) {
    PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PUBKEY(b, k);
  }
  char* d = nullptr;
  long n = BIO_get_mem_data(b, &d);
  std::string s(d, static_cast<std::size_t>(n));
  BIO_free(b);
  return s;
}

EVP_PKEY* keygen(unsigned bits, unsigned e) {
  EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* k = nullptr;
  BIGNUM* be = BN_new();
  BN_set_word(be, e);
  EVP_PKEY_keygen_init(c);
  EVP_PKEY_CTX_set_rsa_keygen_bits(c, static_cast<int>(bits));
  EVP_PKEY_CTX_set1_rsa_keygen_pubexp(c, be);
  EVP_PKEY_keygen(c, &k);
  BN_free(be);
  EVP_PKEY_CTX_free(c);
  return k;
}

base::ByteView bv(const std::string& s) {
  return base::ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

struct KeyPair {
  RsaPrivateKey priv;
  RsaPublicKey pub;
  std::string pub_pem;
};

KeyPair make_pair(unsigned bits, unsigned e) {
  EVP_PKEY* k = keygen(bits, e);
  KeyPair p;
  auto priv = rsa_private_key_from_pem(bv(pem_of(k, true)));
  EXPECT_TRUE(priv.has_value()) << priv.error().detail;
  p.priv = *priv;
  p.pub_pem = pem_of(k, false);
  auto pub = rsa_public_key_from_pem(bv(p.pub_pem));
  EXPECT_TRUE(pub.has_value()) << pub.error().detail;
  p.pub = *pub;
  EVP_PKEY_free(k);
  return p;
}

const KeyPair& key2048() {
  static KeyPair p = make_pair(2048, 65537);
  return p;
}

base::Bytes hash20() { return base::Bytes{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6,
                                         7, 8, 9, 10, 11, 12, 13, 14, 15, 16}; }

// EM = 00 01 FF.. 00 || T (T = `tail`), PS filling the block to k bytes.
base::Bytes pkcs1_block(std::size_t k, base::ByteView tail) {
  base::Bytes em(k, 0xff);
  em[0] = 0;
  em[1] = 1;
  em[k - tail.size() - 1] = 0;
  std::copy(tail.begin(), tail.end(), em.end() - static_cast<std::ptrdiff_t>(tail.size()));
  return em;
}

void expect_invalid_signature(const base::Status& s, const std::string& what) {
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, base::ErrorCode::Auth);
  EXPECT_EQ(s.error().notify, base::NotifyType::InvalidSignature);
  EXPECT_NE(s.error().detail.find(what), std::string::npos) << s.error().detail;
}

TEST(Rsa, SignVerifyRoundTripRawHashes) {
  const auto& kp = key2048();
  EXPECT_TRUE(kp.priv.public_key().same_key(kp.pub));
  EXPECT_EQ(kp.pub.bits(), 2048u);
  for (std::size_t len : {16u, 20u, 32u, 48u, 64u}) {
    base::Bytes h(len, static_cast<uint8_t>(len));
    auto sig = rsa_sign_ike(kp.priv, h);
    ASSERT_TRUE(sig.has_value()) << sig.error().detail;
    EXPECT_EQ(sig->size(), 256u);
    EXPECT_TRUE(rsa_verify_ike(kp.pub, h, *sig).has_value());
    // The signature is exactly EMSA-PKCS1-v1_5 without DigestInfo (RFC 2409 §5.1).
    auto em = rsa_public_raw(kp.pub, *sig);
    ASSERT_TRUE(em.has_value());
    EXPECT_EQ(*em, pkcs1_block(256, h));
    base::Bytes other = h;
    other.back() ^= 1;
    expect_invalid_signature(rsa_verify_ike(kp.pub, other, *sig), "does not verify");
  }
}

// RFC 8017 §5.2.2: a signature whose integer is not below n is out of range. It is refused
// before the public operation, as a signature that does not verify (the CertCacheAuth test
// that checks another host's signature met this about one run in eight: random moduli).
TEST(Rsa, SignatureAtOrAboveTheModulusDoesNotVerify) {
  const auto& kp = key2048();
  const base::Bytes h = hash20();
  const base::Bytes all_ones(256, 0xff);  // > n for any 2048-bit modulus
  expect_invalid_signature(rsa_verify_ike(kp.pub, h, all_ones), "does not verify");
  expect_invalid_signature(rsa_verify_ike(kp.pub, h, all_ones), "s >= n (2048-bit key)");
}

TEST(Rsa, PkcsOneRsaPublicKeyPemLoads) {
  const auto& kp = key2048();
  // PEM "RSA PUBLIC KEY" (PKCS#1), isakmpd's second accepted pubkey form.
  auto pub = rsa_public_key_from_pem(bv(kp.pub_pem));
  ASSERT_TRUE(pub.has_value());
  EVP_PKEY* k = nullptr;
  const unsigned char* p = pub->spki_der().data();
  k = d2i_PUBKEY(nullptr, &p, static_cast<long>(pub->spki_der().size()));
  OSSL_ENCODER_CTX* ectx =
      OSSL_ENCODER_CTX_new_for_pkey(k, EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", nullptr);
  unsigned char* d = nullptr;
  std::size_t n = 0;
  ASSERT_EQ(OSSL_ENCODER_to_data(ectx, &d, &n), 1);
  std::string pkcs1(reinterpret_cast<char*>(d), n);
  OPENSSL_free(d);
  OSSL_ENCODER_CTX_free(ectx);
  EVP_PKEY_free(k);
  ASSERT_NE(pkcs1.find("BEGIN RSA PUBLIC KEY"), std::string::npos);
  auto again = rsa_public_key_from_pem(bv(pkcs1));
  ASSERT_TRUE(again.has_value()) << again.error().detail;
  EXPECT_TRUE(again->same_key(kp.pub));
}

TEST(Rsa, GarbagePemRejected) {
  auto r =
      rsa_public_key_from_pem(bv("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, base::ErrorCode::BadValue);
  EXPECT_FALSE(rsa_private_key_from_pem(bv("not a key")).has_value());
  std::string huge(kMaxPemSize + 1, 'A');
  EXPECT_EQ(rsa_public_key_from_pem(bv(huge)).error().code, base::ErrorCode::TooMany);
}

TEST(Rsa, SmallModulusRejected) {
  EVP_PKEY* k = keygen(768, 65537);
  auto r = rsa_public_key_from_pem(bv(pem_of(k, false)));
  EVP_PKEY_free(k);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().detail.find("768 bits"), std::string::npos) << r.error().detail;
}

// A key with a chosen exponent on a real modulus (EVP_PKEY_fromdata).
base::Result<RsaPublicKey> with_exponent(unsigned long e) {
  BIGNUM* n = nullptr;
  EVP_PKEY* src = nullptr;
  const auto& spki = key2048().pub.spki_der();
  const unsigned char* p = spki.data();
  src = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  EVP_PKEY_get_bn_param(src, OSSL_PKEY_PARAM_RSA_N, &n);
  BIGNUM* be = BN_new();
  BN_set_word(be, e);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* k = nullptr;
  EVP_PKEY_fromdata_init(c);
  EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, params);
  std::string pem = pem_of(k, false);
  EVP_PKEY_free(k);
  EVP_PKEY_CTX_free(c);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(be);
  BN_free(n);
  EVP_PKEY_free(src);
  return rsa_public_key_from_pem(bv(pem));
}

TEST(Rsa, ExponentPolicy) {
  EXPECT_TRUE(with_exponent(65537).has_value());
  EXPECT_TRUE(with_exponent(3).has_value());
  for (unsigned long e : {1ul, 2ul, 65536ul}) {
    auto r = with_exponent(e);
    ASSERT_FALSE(r.has_value()) << "e=" << e;
    EXPECT_NE(r.error().detail.find("exponent"), std::string::npos) << r.error().detail;
  }
}

TEST(Rsa, ForgedBlocksRejected) {
  const auto& kp = key2048();
  base::Bytes h = hash20();
  auto sign_block = [&](const base::Bytes& em) {
    auto s = rsa_private_raw(kp.priv, em);
    EXPECT_TRUE(s.has_value());
    return *s;
  };
  // Sanity: the well-formed block verifies.
  EXPECT_TRUE(rsa_verify_ike(kp.pub, h, sign_block(pkcs1_block(256, h))).has_value());
  // A padding byte that is not 0xFF.
  base::Bytes bad_ps = pkcs1_block(256, h);
  bad_ps[10] = 0xfe;
  expect_invalid_signature(rsa_verify_ike(kp.pub, h, sign_block(bad_ps)), "does not verify");
  // Block type 2 instead of 1.
  base::Bytes bt2 = pkcs1_block(256, h);
  bt2[1] = 2;
  expect_invalid_signature(rsa_verify_ike(kp.pub, h, sign_block(bt2)), "does not verify");
  // Garbage after the hash (a parser that stops after len(hash) bytes accepts it).
  base::Bytes tail = h;
  tail.insert(tail.end(), {0xaa, 0xbb, 0xcc, 0xdd});
  expect_invalid_signature(rsa_verify_ike(kp.pub, h, sign_block(pkcs1_block(256, tail))),
                           "does not verify");
  // A DigestInfo (SHA-1) before the hash: RFC 8017 style, not IKEv1's raw form.
  base::Bytes di{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00,
                 0x04, 0x14};
  di.insert(di.end(), h.begin(), h.end());
  expect_invalid_signature(rsa_verify_ike(kp.pub, h, sign_block(pkcs1_block(256, di))),
                           "does not verify");
  // Too little padding: 00 01 00 || hash || FF.. (separator right after the block type).
  base::Bytes short_ps(256, 0xff);
  short_ps[0] = 0;
  short_ps[1] = 1;
  short_ps[2] = 0;
  std::copy(h.begin(), h.end(), short_ps.begin() + 3);
  expect_invalid_signature(rsa_verify_ike(kp.pub, h, sign_block(short_ps)), "does not verify");
}

TEST(Rsa, SignatureRepresentativeAndLengthChecks) {
  const auto& kp = key2048();
  base::Bytes h = hash20();
  auto sig = rsa_sign_ike(kp.priv, h);
  ASSERT_TRUE(sig.has_value());
  expect_invalid_signature(rsa_verify_ike(kp.pub, h, base::Bytes(256, 0xff)), "s >= n");
  base::Bytes shorter(sig->begin() + 1, sig->end());
  expect_invalid_signature(rsa_verify_ike(kp.pub, h, shorter), "signature of 255 bytes");
  base::Bytes longer = *sig;
  longer.insert(longer.begin(), 0);  // same integer, one leading zero: still refused
  expect_invalid_signature(rsa_verify_ike(kp.pub, h, longer), "signature of 257 bytes");
  expect_invalid_signature(rsa_verify_ike(kp.pub, h, base::Bytes{}), "signature of 0 bytes");
  // s = 0 and s = 1 are fixed points of x^e: they can never produce a type-1 block.
  expect_invalid_signature(rsa_verify_ike(kp.pub, h, base::Bytes(256, 0)), "does not verify");
  base::Bytes one(256, 0);
  one.back() = 1;
  expect_invalid_signature(rsa_verify_ike(kp.pub, h, one), "does not verify");
  expect_invalid_signature(rsa_verify_ike(kp.pub, base::Bytes(250, 1), *sig),
                           "does not fit");
}

// floor(cbrt(x)) by bisection.
BIGNUM* cube_root(const BIGNUM* x, BN_CTX* ctx) {
  BIGNUM* lo = BN_new();
  BIGNUM* hi = BN_new();
  BIGNUM* mid = BN_new();
  BIGNUM* cube = BN_new();
  BIGNUM* three = BN_new();
  BN_set_word(three, 3);
  BN_zero(lo);
  BN_one(hi);
  BN_lshift(hi, hi, BN_num_bits(x) / 3 + 2);
  while (BN_cmp(lo, hi) < 0) {
    BN_add(mid, lo, hi);
    BN_add_word(mid, 1);
    BN_rshift1(mid, mid);
    BN_exp(cube, mid, three, ctx);
    if (BN_cmp(cube, x) <= 0) {
      BN_copy(lo, mid);
    } else {
      BN_sub(hi, mid, BN_value_one());
    }
  }
  BN_free(hi);
  BN_free(mid);
  BN_free(cube);
  BN_free(three);
  return lo;
}

// Bleichenbacher (CRYPTO 2006): with e=3 and a verifier that checks 00 01 FF 00 || HASH and
// ignores what follows, the integer cube root of 00 01 FF 00 HASH FF..FF is a valid-looking
// signature that needs no private key.
TEST(Rsa, BleichenbacherCubeRootForgeryRejected) {
  static KeyPair e3 = make_pair(3072, 3);
  ASSERT_TRUE(e3.pub.valid());
  const std::size_t k = e3.pub.modulus_bytes();
  base::Bytes h = hash20();
  base::Bytes target(k, 0xff);
  target[0] = 0;
  target[1] = 1;
  target[2] = 0xff;
  target[3] = 0;
  std::copy(h.begin(), h.end(), target.begin() + 4);
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM* t = BN_bin2bn(target.data(), static_cast<int>(k), nullptr);
  BIGNUM* s = cube_root(t, ctx);
  base::Bytes forged(k);
  BN_bn2binpad(s, forged.data(), static_cast<int>(k));
  // The forgery is real: s^3 (no mod reduction needed) starts with 00 01 FF 00 || HASH.
  auto em = rsa_public_raw(e3.pub, forged);
  ASSERT_TRUE(em.has_value());
  EXPECT_TRUE(std::equal(target.begin(), target.begin() + 4 + 20, em->begin()));
  expect_invalid_signature(rsa_verify_ike(e3.pub, h, forged), "does not verify");
  // ... while a genuine signature with the same e=3 key verifies.
  auto sig = rsa_sign_ike(e3.priv, h);
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(rsa_verify_ike(e3.pub, h, *sig).has_value());
  BN_free(t);
  BN_free(s);
  BN_CTX_free(ctx);
}

}  // namespace
}  // namespace ike::crypto
