// Seal/open tests (RFC 2408 §3.1, RFC 2409 App. B): zero padding to the block, CBC round trips
// for each cipher, the returned chain block, and the alignment errors on hostile ciphertext.
#include "engine/message_crypto.h"

#include <gtest/gtest.h>

#include "crypto/openssl_provider.h"

namespace ike::engine {
namespace {

using base::Bytes;

Bytes pattern(std::size_t n, uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 13);
  return b;
}

class MessageCryptoTest : public ::testing::Test {
 protected:
  crypto::OpenSslProvider m_p;
};

TEST_F(MessageCryptoTest, AesRoundTripPadsWithZeros) {
  const Bytes key = pattern(32, 1);
  const Bytes iv = pattern(16, 2);
  const Bytes pt = pattern(37, 3);
  auto s = seal(m_p, crypto::CipherAlg::Aes, key, iv, pt);
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(s->ciphertext.size(), 48u);
  EXPECT_EQ(s->last_block, Bytes(s->ciphertext.end() - 16, s->ciphertext.end()));
  auto o = open(m_p, crypto::CipherAlg::Aes, key, iv, s->ciphertext);
  ASSERT_TRUE(o) << o.error().detail;
  ASSERT_EQ(o->plaintext.size(), 48u);
  EXPECT_EQ(Bytes(o->plaintext.begin(), o->plaintext.begin() + 37), pt);
  EXPECT_EQ(Bytes(o->plaintext.begin() + 37, o->plaintext.end()), Bytes(11, 0));
  EXPECT_EQ(o->last_block, s->last_block);
}

TEST_F(MessageCryptoTest, AlignedPlaintextGetsNoPadding) {
  const Bytes key = pattern(24, 4);
  const Bytes iv = pattern(8, 5);
  const Bytes pt = pattern(32, 6);
  auto s = seal(m_p, crypto::CipherAlg::TripleDes, key, iv, pt);
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(s->ciphertext.size(), 32u);
  EXPECT_EQ(s->last_block.size(), 8u);
  auto o = open(m_p, crypto::CipherAlg::TripleDes, key, iv, s->ciphertext);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->plaintext, pt);
}

TEST_F(MessageCryptoTest, ChainedMessagesDecryptWithPreviousLastBlock) {
  // RFC 2409 App. B: the next message's IV is the last ciphertext block of the previous one.
  const Bytes key = pattern(16, 7);
  auto m1 = seal(m_p, crypto::CipherAlg::Aes, key, pattern(16, 8), pattern(20, 9));
  ASSERT_TRUE(m1);
  auto m2 = seal(m_p, crypto::CipherAlg::Aes, key, m1->last_block, pattern(40, 10));
  ASSERT_TRUE(m2);
  auto o2 = open(m_p, crypto::CipherAlg::Aes, key, m1->last_block, m2->ciphertext);
  ASSERT_TRUE(o2);
  EXPECT_EQ(Bytes(o2->plaintext.begin(), o2->plaintext.begin() + 40), pattern(40, 10));
  // With the wrong IV only the first block is garbled (CBC), so the parser, not us, rejects it.
  auto wrong = open(m_p, crypto::CipherAlg::Aes, key, pattern(16, 8), m2->ciphertext);
  ASSERT_TRUE(wrong);
  EXPECT_NE(Bytes(wrong->plaintext.begin(), wrong->plaintext.begin() + 16),
            Bytes(o2->plaintext.begin(), o2->plaintext.begin() + 16));
}

TEST_F(MessageCryptoTest, EmptyPlaintextSealsOneBlock) {
  auto s = seal(m_p, crypto::CipherAlg::Aes, pattern(16, 1), pattern(16, 2), {});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->ciphertext.size(), 16u);
}

TEST_F(MessageCryptoTest, OpenRejectsEmptyAndMisalignedBodies) {
  const Bytes key = pattern(16, 1);
  const Bytes iv = pattern(16, 2);
  auto empty = open(m_p, crypto::CipherAlg::Aes, key, iv, {});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().notify, base::NotifyType::PayloadMalformed);
  EXPECT_EQ(empty.error().detail, "encrypted body is empty");
  auto odd = open(m_p, crypto::CipherAlg::Aes, key, iv, pattern(37, 3));
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().notify, base::NotifyType::PayloadMalformed);
  EXPECT_EQ(odd.error().code, base::ErrorCode::BadLength);
  EXPECT_EQ(odd.error().detail,
            "encrypted body of 37 bytes is not a multiple of the 16-byte AES_CBC block");
  auto des = open(m_p, crypto::CipherAlg::TripleDes, pattern(24, 1), pattern(8, 2), pattern(12, 3));
  ASSERT_FALSE(des);
  EXPECT_NE(des.error().detail.find("12 bytes"), std::string::npos);
  EXPECT_NE(des.error().detail.find("8-byte 3DES_CBC"), std::string::npos);
}

TEST_F(MessageCryptoTest, WrongIvSizeIsACallerBug) {
  auto s = seal(m_p, crypto::CipherAlg::Aes, pattern(16, 1), pattern(8, 2), pattern(16, 3));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, base::ErrorCode::Internal);
  auto o = open(m_p, crypto::CipherAlg::Aes, pattern(16, 1), pattern(8, 2), pattern(16, 3));
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code, base::ErrorCode::Internal);
}

}  // namespace
}  // namespace ike::engine
