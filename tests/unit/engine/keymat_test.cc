// Known-answer tests of the IKEv1 key schedule (RFC 2409 §5, §5.5, §5.7, App. B). There are no
// RFC test vectors for SKEYID/KEYMAT, so every expected value is recomputed here by a second,
// independent implementation written directly against OpenSSL's one-shot HMAC() and EVP_Digest()
// (not through crypto::Provider), from the formulas quoted above each check.
#include "engine/keymat.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/hex.h"
#include "crypto/openssl_provider.h"

namespace ike::engine {
namespace {

using base::Bytes;

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const EVP_MD* md_of(crypto::HashAlg h) {
  switch (h) {
    case crypto::HashAlg::Md5: return EVP_md5();
    case crypto::HashAlg::Sha1: return EVP_sha1();
    case crypto::HashAlg::Sha256: return EVP_sha256();
    case crypto::HashAlg::Sha384: return EVP_sha384();
    case crypto::HashAlg::Sha512: return EVP_sha512();
  }
  return nullptr;
}

// Reference prf: HMAC straight from OpenSSL.
Bytes ref_prf(crypto::HashAlg h, const Bytes& key, const Bytes& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md_of(h), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out, &len);
  return Bytes(out, out + len);
}

Bytes ref_hash(crypto::HashAlg h, const Bytes& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md_of(h), nullptr);
  return Bytes(out, out + len);
}

Bytes pattern(std::size_t n, uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}

Bytes plain(const base::SecureBytes& s) { return Bytes(s.begin(), s.end()); }

class KeymatTest : public ::testing::Test {
 protected:
  crypto::OpenSslProvider m_p;
  Bytes m_ni = pattern(16, 0x11);
  Bytes m_nr = pattern(20, 0x22);
  Bytes m_gxy = pattern(256, 0x33);
  Bytes m_gxi = pattern(256, 0x44);
  Bytes m_gxr = pattern(256, 0x55);
  base::CookiePair m_cookies{{{1, 2, 3, 4, 5, 6, 7, 8}}, {{9, 10, 11, 12, 13, 14, 15, 16}}};
  Bytes cky_i() const { return Bytes(m_cookies.initiator.bytes.begin(), m_cookies.initiator.bytes.end()); }
  Bytes cky_r() const { return Bytes(m_cookies.responder.bytes.begin(), m_cookies.responder.bytes.end()); }
};

TEST_F(KeymatTest, SkeyidPskIsPrfOfKeyOverNonces) {
  const Bytes psk = {'s', 'e', 'c', 'r', 'e', 't'};
  for (auto h : {crypto::HashAlg::Md5, crypto::HashAlg::Sha1, crypto::HashAlg::Sha256,
                 crypto::HashAlg::Sha384, crypto::HashAlg::Sha512}) {
    // RFC 2409 §5: SKEYID = prf(pre-shared-key, Ni_b | Nr_b)
    EXPECT_EQ(plain(skeyid_psk(m_p, h, psk, m_ni, m_nr)), ref_prf(h, psk, cat({m_ni, m_nr})))
        << static_cast<int>(h);
  }
}

TEST_F(KeymatTest, SkeyidSigKeysWithTheNonces) {
  // RFC 2409 §5: SKEYID = prf(Ni_b | Nr_b, g^xy)
  EXPECT_EQ(plain(skeyid_sig(m_p, crypto::HashAlg::Sha256, m_ni, m_nr, m_gxy)),
            ref_prf(crypto::HashAlg::Sha256, cat({m_ni, m_nr}), m_gxy));
}

TEST_F(KeymatTest, Phase1KeysSha256Aes128UseSkeyidEPrefix) {
  const auto h = crypto::HashAlg::Sha256;
  const Bytes skeyid = ref_prf(h, Bytes{'k'}, cat({m_ni, m_nr}));
  Phase1KeyInputs in;
  in.hash = h;
  in.enc_key_bytes = 16;
  in.block_size = 16;
  in.skeyid = skeyid;
  in.g_xy = m_gxy;
  in.g_xi = m_gxi;
  in.g_xr = m_gxr;
  in.cookies = m_cookies;
  auto k = derive_phase1_keys(m_p, in);
  ASSERT_TRUE(k) << k.error().detail;

  // RFC 2409 §5: SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
  const Bytes d = ref_prf(h, skeyid, cat({m_gxy, cky_i(), cky_r(), {0}}));
  // RFC 2409 §5: SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
  const Bytes a = ref_prf(h, skeyid, cat({d, m_gxy, cky_i(), cky_r(), {1}}));
  // RFC 2409 §5: SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
  const Bytes e = ref_prf(h, skeyid, cat({a, m_gxy, cky_i(), cky_r(), {2}}));
  EXPECT_EQ(plain(k->skeyid), skeyid);
  EXPECT_EQ(plain(k->skeyid_d), d);
  EXPECT_EQ(plain(k->skeyid_a), a);
  EXPECT_EQ(plain(k->skeyid_e), e);
  // RFC 2409 App. B: SKEYID_e (32 bytes) is long enough: the key is its first 16 bytes.
  EXPECT_EQ(plain(k->enc_key), Bytes(e.begin(), e.begin() + 16));
  // RFC 2409 App. B: IV = hash(g^xi | g^xr) truncated to the block size.
  const Bytes iv = ref_hash(h, cat({m_gxi, m_gxr}));
  EXPECT_EQ(k->iv, Bytes(iv.begin(), iv.begin() + 16));
}

TEST_F(KeymatTest, AppendixBExpansionSha1Aes256) {
  const auto h = crypto::HashAlg::Sha1;
  const Bytes skeyid = ref_prf(h, Bytes{'p', 's', 'k'}, cat({m_ni, m_nr}));
  Phase1KeyInputs in{h, 32, 16, skeyid, m_gxy, m_gxi, m_gxr, m_cookies};
  auto k = derive_phase1_keys(m_p, in);
  ASSERT_TRUE(k) << k.error().detail;
  const Bytes e = plain(k->skeyid_e);
  ASSERT_EQ(e.size(), 20u);  // SHA-1: shorter than the 32-byte AES-256 key
  // RFC 2409 App. B: Ka = K1 | K2, K1 = prf(SKEYID_e, 0), K2 = prf(SKEYID_e, K1)
  const Bytes k1 = ref_prf(h, e, Bytes{0});
  const Bytes k2 = ref_prf(h, e, k1);
  const Bytes ka = cat({k1, k2});
  EXPECT_EQ(plain(k->enc_key), Bytes(ka.begin(), ka.begin() + 32));
  EXPECT_NE(Bytes(e.begin(), e.begin() + 20), Bytes(ka.begin(), ka.begin() + 20));
}

TEST_F(KeymatTest, AppendixBExpansionMd5TripleDesNeedsThreeBlocks) {
  const auto h = crypto::HashAlg::Md5;
  const Bytes e = pattern(16, 0x77);
  // RFC 2409 App. B: 24 bytes from a 16-byte prf: K1 | K2 (32 bytes), truncated.
  const Bytes k1 = ref_prf(h, e, Bytes{0});
  const Bytes k2 = ref_prf(h, e, k1);
  const Bytes ka = cat({k1, k2});
  EXPECT_EQ(plain(phase1_encryption_key(m_p, h, e, 24)), Bytes(ka.begin(), ka.begin() + 24));
  // 40 bytes need K3 = prf(SKEYID_e, K2).
  const Bytes k3 = ref_prf(h, e, k2);
  const Bytes kb = cat({k1, k2, k3});
  EXPECT_EQ(plain(phase1_encryption_key(m_p, h, e, 40)), Bytes(kb.begin(), kb.begin() + 40));
}

TEST_F(KeymatTest, DerivePhase1KeysRejectsCallerBugs) {
  Phase1KeyInputs in{crypto::HashAlg::Sha1, 0, 16, m_ni, m_gxy, m_gxi, m_gxr, m_cookies};
  auto k = derive_phase1_keys(m_p, in);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code, base::ErrorCode::Internal);
  // A 16-byte block from a 16-byte MD5 IV works; a 32-byte "block" cannot be filled.
  auto iv = phase1_initial_iv(m_p, crypto::HashAlg::Md5, m_gxi, m_gxr, 32);
  ASSERT_FALSE(iv);
  EXPECT_EQ(iv.error().code, base::ErrorCode::Crypto);
}

TEST_F(KeymatTest, HashIAndHashRSwapTheirInputs) {
  const auto h = crypto::HashAlg::Sha256;
  const Bytes skeyid = pattern(32, 0x01);
  const Bytes sai = pattern(48, 0x02);
  const Bytes idii = {1, 0, 0, 0, 10, 0, 0, 1};
  const Bytes idir = {1, 0, 0, 0, 10, 0, 0, 2};
  // RFC 2409 §5: HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
  EXPECT_EQ(hash_i(m_p, h, skeyid, m_gxi, m_gxr, m_cookies, sai, idii),
            ref_prf(h, skeyid, cat({m_gxi, m_gxr, cky_i(), cky_r(), sai, idii})));
  // RFC 2409 §5: HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
  EXPECT_EQ(hash_r(m_p, h, skeyid, m_gxi, m_gxr, m_cookies, sai, idir),
            ref_prf(h, skeyid, cat({m_gxr, m_gxi, cky_r(), cky_i(), sai, idir})));
}

TEST_F(KeymatTest, QuickModeAndInformationalHashes) {
  const auto h = crypto::HashAlg::Sha1;
  const Bytes a = pattern(20, 0x09);
  const base::MessageId mid{0xdeadbeef};
  const Bytes m = {0xde, 0xad, 0xbe, 0xef};
  const Bytes rest = pattern(100, 0x0a);
  // RFC 2409 §5.5: HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ])
  EXPECT_EQ(qm_hash1(m_p, h, a, mid, rest), ref_prf(h, a, cat({m, rest})));
  // RFC 2409 §5.5: HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr ])
  EXPECT_EQ(qm_hash2(m_p, h, a, mid, m_ni, rest), ref_prf(h, a, cat({m, m_ni, rest})));
  // RFC 2409 §5.5: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
  EXPECT_EQ(qm_hash3(m_p, h, a, mid, m_ni, m_nr), ref_prf(h, a, cat({{0}, m, m_ni, m_nr})));
  // RFC 2409 §5.7: HASH(1) = prf(SKEYID_a, M-ID | N/D)
  EXPECT_EQ(informational_hash(m_p, h, a, mid, rest), ref_prf(h, a, cat({m, rest})));
  EXPECT_EQ(message_id_bytes(mid), (std::array<uint8_t, 4>{0xde, 0xad, 0xbe, 0xef}));
}

TEST_F(KeymatTest, KeymatWithoutPfsExpandsK1K2K3) {
  const auto h = crypto::HashAlg::Sha1;
  const Bytes d = pattern(20, 0x0d);
  const Bytes spi = {0x12, 0x34, 0x56, 0x78};
  const Bytes tail = cat({{3}, spi, m_ni, m_nr});
  // RFC 2409 §5.5: K1 = prf(SKEYID_d, protocol | SPI | Ni_b | Nr_b),
  //                K2 = prf(SKEYID_d, K1 | protocol | SPI | Ni_b | Nr_b), ...
  const Bytes k1 = ref_prf(h, d, tail);
  const Bytes k2 = ref_prf(h, d, cat({k1, tail}));
  const Bytes k3 = ref_prf(h, d, cat({k2, tail}));
  const Bytes all = cat({k1, k2, k3});
  // AES-256 + HMAC-SHA1: 32 + 20 = 52 bytes, three SHA-1 blocks.
  auto km = derive_keymat(m_p, h, d, {}, 3, spi, m_ni, m_nr, 52);
  EXPECT_EQ(plain(km), Bytes(all.begin(), all.begin() + 52));
  // Exactly one block when that suffices.
  EXPECT_EQ(plain(derive_keymat(m_p, h, d, {}, 3, spi, m_ni, m_nr, 16)),
            Bytes(k1.begin(), k1.begin() + 16));
}

TEST_F(KeymatTest, KeymatWithPfsPrependsTheQuickModeSecret) {
  const auto h = crypto::HashAlg::Sha256;
  const Bytes d = pattern(32, 0x0e);
  const Bytes gqm = pattern(128, 0x0f);
  const Bytes spi = {0xc0, 0xff, 0xee, 0x01};
  // RFC 2409 §5.5: KEYMAT = prf(SKEYID_d, g(qm)^xy | protocol | SPI | Ni_b | Nr_b)
  const Bytes tail = cat({gqm, {2}, spi, m_ni, m_nr});
  const Bytes k1 = ref_prf(h, d, tail);
  const Bytes k2 = ref_prf(h, d, cat({k1, tail}));
  const Bytes all = cat({k1, k2});
  EXPECT_EQ(plain(derive_keymat(m_p, h, d, gqm, 2, spi, m_ni, m_nr, 48)),
            Bytes(all.begin(), all.begin() + 48));
}

TEST_F(KeymatTest, Phase2IvHashesLastPhase1BlockAndMessageId) {
  const Bytes last = pattern(16, 0x10);
  const base::MessageId mid{0x01020304};
  // RFC 2409 App. B: IV = hash(last phase-1 CBC block | M-ID), truncated to the block size.
  const Bytes full = ref_hash(crypto::HashAlg::Sha1, cat({last, {1, 2, 3, 4}}));
  auto iv = phase2_iv(m_p, crypto::HashAlg::Sha1, last, mid, 16);
  ASSERT_TRUE(iv);
  EXPECT_EQ(*iv, Bytes(full.begin(), full.begin() + 16));
  auto iv8 = phase2_iv(m_p, crypto::HashAlg::Sha1, Bytes(last.begin(), last.begin() + 8), mid, 8);
  ASSERT_TRUE(iv8);
  EXPECT_EQ(iv8->size(), 8u);
}

}  // namespace
}  // namespace ike::engine
