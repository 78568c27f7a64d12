// Algorithm facts of provider.h: hash lengths, supported hash values, cipher block sizes and the
// KEY_LENGTH rules of RFC 2409 App. A / RFC 3602 (accepted lengths, defaults, rejections).
#include <gtest/gtest.h>

#include "crypto/provider.h"

namespace ike::crypto {
namespace {

TEST(Algorithms, HashLengths) {
  EXPECT_EQ(hash_length(HashAlg::Md5), 16u);
  EXPECT_EQ(hash_length(HashAlg::Sha1), 20u);
  EXPECT_EQ(hash_length(HashAlg::Sha256), 32u);
  EXPECT_EQ(hash_length(HashAlg::Sha384), 48u);
  EXPECT_EQ(hash_length(HashAlg::Sha512), 64u);
  EXPECT_EQ(hash_length(static_cast<HashAlg>(3)), 0u);
}

TEST(Algorithms, HashSupportedByWireValue) {
  for (uint16_t v : std::initializer_list<uint16_t>{1, 2, 4, 5, 6}) EXPECT_TRUE(hash_supported(v)) << v;
  for (uint16_t v : std::initializer_list<uint16_t>{0, 3, 7, 8, 65535}) EXPECT_FALSE(hash_supported(v)) << v;
}

TEST(Algorithms, BlockSizes) {
  EXPECT_EQ(cipher_block_size(CipherAlg::Aes), 16u);
  EXPECT_EQ(cipher_block_size(CipherAlg::TripleDes), 8u);
  EXPECT_EQ(cipher_block_size(CipherAlg::Blowfish), 8u);
  EXPECT_EQ(cipher_block_size(CipherAlg::Cast), 8u);
  EXPECT_EQ(cipher_block_size(static_cast<CipherAlg>(1)), 0u);
}

TEST(Algorithms, KeyLengthDefaultsAndAllowedValues) {
  EXPECT_EQ(cipher_key_bytes(CipherAlg::Aes, 0).value(), 16u);
  EXPECT_EQ(cipher_key_bytes(CipherAlg::Aes, 128).value(), 16u);
  EXPECT_EQ(cipher_key_bytes(CipherAlg::Aes, 192).value(), 24u);
  EXPECT_EQ(cipher_key_bytes(CipherAlg::Aes, 256).value(), 32u);
  EXPECT_EQ(cipher_key_bytes(CipherAlg::TripleDes, 0).value(), 24u);
  EXPECT_EQ(cipher_key_bytes(CipherAlg::TripleDes, 192).value(), 24u);
  EXPECT_EQ(cipher_key_bytes(CipherAlg::Blowfish, 0).value(), 16u);
  EXPECT_EQ(cipher_key_bytes(CipherAlg::Blowfish, 40).value(), 5u);
  EXPECT_EQ(cipher_key_bytes(CipherAlg::Blowfish, 448).value(), 56u);
  EXPECT_EQ(cipher_key_bytes(CipherAlg::Cast, 0).value(), 16u);
  EXPECT_EQ(cipher_key_bytes(CipherAlg::Cast, 40).value(), 5u);
  EXPECT_EQ(cipher_key_bytes(CipherAlg::Cast, 128).value(), 16u);
}

TEST(Algorithms, KeyLengthRejections) {
  struct Case {
    CipherAlg c;
    uint16_t bits;
  };
  for (Case k : {Case{CipherAlg::Aes, 64}, Case{CipherAlg::Aes, 136}, Case{CipherAlg::Aes, 512},
                 Case{CipherAlg::TripleDes, 128}, Case{CipherAlg::TripleDes, 168},
                 Case{CipherAlg::Blowfish, 32}, Case{CipherAlg::Blowfish, 456},
                 Case{CipherAlg::Blowfish, 44}, Case{CipherAlg::Cast, 136},
                 Case{CipherAlg::Cast, 32}, Case{CipherAlg::Cast, 41}}) {
    auto r = cipher_key_bytes(k.c, k.bits);
    ASSERT_FALSE(r.has_value()) << static_cast<int>(k.c) << "/" << k.bits;
    EXPECT_EQ(r.error().code, base::ErrorCode::BadValue);
    EXPECT_NE(r.error().detail.find(std::to_string(k.bits)), std::string::npos)
        << r.error().detail;
  }
  auto r = cipher_key_bytes(static_cast<CipherAlg>(8), 128);  // CAMELLIA_CBC
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, base::ErrorCode::Unsupported);
}

}  // namespace
}  // namespace ike::crypto
