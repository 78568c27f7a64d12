// OpenSslProvider behaviour beyond the known answers: CBC round trips for every cipher and key
// length, length checks (misaligned input, wrong IV or key length), Blowfish/CAST only with the
// legacy provider, PRF/hash input splitting and the empty HMAC key, and create().
#include <gtest/gtest.h>

#include "crypto/deterministic_random.h"
#include "test_util.h"

namespace ike::crypto {
namespace {

using testing::hex;
using testing::legacy_provider;
using testing::provider;
using testing::hexstr;

struct CipherCase {
  CipherAlg alg;
  std::size_t key_len;
};

TEST(OpenSslProvider, CbcRoundTripsEveryCipherAndKeyLength) {
  DeterministicRandom rng(3602);
  const CipherCase cases[] = {{CipherAlg::Aes, 16},      {CipherAlg::Aes, 24},
                              {CipherAlg::Aes, 32},      {CipherAlg::TripleDes, 24},
                              {CipherAlg::Blowfish, 5},  {CipherAlg::Blowfish, 16},
                              {CipherAlg::Blowfish, 56}, {CipherAlg::Cast, 5},
                              {CipherAlg::Cast, 10},     {CipherAlg::Cast, 16}};
  for (CipherCase c : cases) {
    const std::size_t block = cipher_block_size(c.alg);
    for (std::size_t blocks : {0u, 1u, 2u, 7u, 64u}) {
      base::Bytes key(c.key_len), iv(block), pt(blocks * block);
      rng.fill(key);
      rng.fill(iv);
      rng.fill(pt);
      auto ct = legacy_provider().cbc_encrypt(c.alg, key, iv, pt);
      ASSERT_TRUE(ct.has_value()) << ct.error().detail;
      ASSERT_EQ(ct->size(), pt.size());
      if (!pt.empty()) {
        EXPECT_NE(hexstr(*ct), hexstr(pt));
      }
      auto back = legacy_provider().cbc_decrypt(c.alg, key, iv, *ct);
      ASSERT_TRUE(back.has_value()) << back.error().detail;
      EXPECT_EQ(hexstr(*back), hexstr(pt));
    }
  }
}

TEST(OpenSslProvider, CbcChainsAcrossCallsWithTheLastCiphertextBlockAsIv) {
  // RFC 2409 App. B: the IV of the next message is the last ciphertext block of the previous
  // one, so encrypting in two calls chained that way equals one call.
  base::Bytes key(16, 0x42), iv(16, 0x24), pt(64);
  for (std::size_t i = 0; i < pt.size(); ++i) pt[i] = static_cast<uint8_t>(i);
  auto whole = provider().cbc_encrypt(CipherAlg::Aes, key, iv, pt);
  auto first = provider().cbc_encrypt(CipherAlg::Aes, key, iv, base::ByteView(pt).first(32));
  ASSERT_TRUE(whole && first);
  auto second = provider().cbc_encrypt(CipherAlg::Aes, key, base::ByteView(*first).last(16),
                                       base::ByteView(pt).subspan(32));
  ASSERT_TRUE(second.has_value());
  base::Bytes joined = *first;
  joined.insert(joined.end(), second->begin(), second->end());
  EXPECT_EQ(hexstr(joined), hexstr(*whole));
}

TEST(OpenSslProvider, CbcRejectsMisalignedInputAndWrongLengths) {
  base::Bytes key16(16, 1), key24(24, 1), iv16(16, 2), iv8(8, 2);
  auto r = provider().cbc_encrypt(CipherAlg::Aes, key16, iv16, base::Bytes(17, 0));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, base::ErrorCode::BadLength);
  EXPECT_EQ(r.error().detail,
            "AES-CBC: plaintext has 17 bytes, not a multiple of the 16-byte block");
  r = provider().cbc_decrypt(CipherAlg::TripleDes, key24, iv8, base::Bytes(12, 0));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail,
            "3DES-CBC: ciphertext has 12 bytes, not a multiple of the 8-byte block");
  r = provider().cbc_decrypt(CipherAlg::Aes, key16, iv8, base::Bytes(16, 0));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail, "AES-CBC: IV has 8 bytes, expected 16");
  r = provider().cbc_encrypt(CipherAlg::Aes, base::Bytes(20, 1), iv16, base::Bytes(16, 0));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail, "AES-CBC: key has 20 bytes, expected 16, 24 or 32");
  r = provider().cbc_encrypt(CipherAlg::TripleDes, key16, iv8, base::Bytes(8, 0));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail, "3DES-CBC: key has 16 bytes, expected 24");
  r = legacy_provider().cbc_encrypt(CipherAlg::Blowfish, base::Bytes(4, 1), iv8, base::Bytes(8, 0));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail, "BLOWFISH-CBC: key has 4 bytes, expected 5..56");
  r = legacy_provider().cbc_encrypt(CipherAlg::Cast, base::Bytes(17, 1), iv8, base::Bytes(8, 0));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail, "CAST-CBC: key has 17 bytes, expected 5..16");
}

TEST(OpenSslProvider, LegacyCiphersOnlyWhenConfigured) {
  EXPECT_FALSE(provider().legacy_enabled());
  EXPECT_TRUE(provider().cipher_supported(CipherAlg::Aes));
  EXPECT_TRUE(provider().cipher_supported(CipherAlg::TripleDes));
  EXPECT_FALSE(provider().cipher_supported(CipherAlg::Blowfish));
  EXPECT_FALSE(provider().cipher_supported(CipherAlg::Cast));
  EXPECT_FALSE(provider().cipher_supported(static_cast<CipherAlg>(1)));  // DES_CBC
  EXPECT_FALSE(provider().cipher_supported(static_cast<CipherAlg>(8)));  // CAMELLIA_CBC
  auto r = provider().cbc_encrypt(CipherAlg::Blowfish, base::Bytes(16, 1), base::Bytes(8, 0),
                                  base::Bytes(8, 0));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, base::ErrorCode::Unsupported);
  EXPECT_EQ(r.error().detail, "BLOWFISH-CBC not available (OpenSSL legacy provider not enabled)");
  r = provider().cbc_decrypt(static_cast<CipherAlg>(8), base::Bytes(16, 1), base::Bytes(16, 0),
                             base::Bytes(16, 0));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, base::ErrorCode::Unsupported);

  EXPECT_TRUE(legacy_provider().legacy_enabled());
  EXPECT_TRUE(legacy_provider().cipher_supported(CipherAlg::Blowfish));
  EXPECT_TRUE(legacy_provider().cipher_supported(CipherAlg::Cast));
}

TEST(OpenSslProvider, CreateReturnsAProvider) {
  auto p = OpenSslProvider::create({.enable_legacy = true});
  ASSERT_TRUE(p.has_value()) << p.error().detail;
  EXPECT_TRUE((*p)->legacy_enabled());
  auto q = OpenSslProvider::create({});
  ASSERT_TRUE(q.has_value());
  EXPECT_FALSE((*q)->legacy_enabled());
  EXPECT_EQ(hexstr((*q)->hash(HashAlg::Sha1, {base::view("abc")})),
            "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(OpenSslProvider, PrfWithEmptyKeyAndEmptyMessage) {
  // HMAC-SHA256("", "") and HMAC-MD5("", "") as computed by Python 3.11's hmac module.
  EXPECT_EQ(hexstr(provider().prf(HashAlg::Sha256, base::ByteView{}, {})),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  EXPECT_EQ(hexstr(provider().prf(HashAlg::Md5, base::ByteView{}, {base::ByteView{}})),
            "74e6f7298a9c2d168935f58c001bad88");
}

TEST(OpenSslProvider, PrfKeysAreIndependentAcrossCalls) {
  // The cached HMAC templates must never carry a key from one call into the next.
  base::Bytes msg = hex("4869205468657265");
  SecureBytes a = provider().prf(HashAlg::Sha1, hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), {msg});
  SecureBytes other = provider().prf(HashAlg::Sha1, hex("4a656665"), {msg});
  SecureBytes again = provider().prf(HashAlg::Sha1, hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), {msg});
  EXPECT_EQ(hexstr(a), "b617318655057264e28bc0b6fb378c8ef146be00");  // RFC 2202 §3 case 1
  EXPECT_EQ(hexstr(again), hexstr(a));
  EXPECT_NE(hexstr(other), hexstr(a));
}

}  // namespace
}  // namespace ike::crypto
