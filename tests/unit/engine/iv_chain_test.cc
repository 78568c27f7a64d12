// IV chain tests (RFC 2409 App. B): phase-1 chaining, per-message-id chains derived from the
// phase-1 IV at exchange start, the retransmit / failed-message rules and the exchange cap.
#include "engine/iv_chain.h"

#include <gtest/gtest.h>

#include "crypto/openssl_provider.h"
#include "engine/keymat.h"

namespace ike::engine {
namespace {

using base::Bytes;

Bytes block(uint8_t v) { return Bytes(16, v); }

class IvChainTest : public ::testing::Test {
 protected:
  crypto::OpenSslProvider m_p;
  const crypto::HashAlg m_h = crypto::HashAlg::Sha1;
};

TEST_F(IvChainTest, Phase1ChainFollowsLastCiphertextBlock) {
  IvChain c(block(1));
  EXPECT_TRUE(c.initialized());
  EXPECT_EQ(c.block_size(), 16u);
  EXPECT_EQ(c.phase1_iv(), block(1));
  // Main Mode message 5 sent: message 6 is decrypted with its last block.
  ASSERT_TRUE(c.advance_phase1(block(5)));
  EXPECT_EQ(c.phase1_iv(), block(5));
  ASSERT_TRUE(c.advance_phase1(block(6)));
  EXPECT_EQ(c.phase1_iv(), block(6));
  // A wrong-sized block is a caller bug and leaves the chain alone.
  auto bad = c.advance_phase1(Bytes(8, 9));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, base::ErrorCode::Internal);
  EXPECT_EQ(c.phase1_iv(), block(6));
}

TEST_F(IvChainTest, ExchangeIvDerivesFromPhase1IvAtStart) {
  IvChain c(block(6));
  const base::MessageId mid{0x11223344};
  auto iv = c.exchange_iv(m_p, m_h, mid);
  ASSERT_TRUE(iv) << iv.error().detail;
  // RFC 2409 App. B: hash(last phase-1 CBC block | M-ID) truncated to the block size.
  auto expect = phase2_iv(m_p, m_h, block(6), mid, 16);
  ASSERT_TRUE(expect);
  EXPECT_EQ(*iv, *expect);
  // Asking again returns the current state, not a fresh derivation.
  ASSERT_TRUE(c.advance_exchange(mid, block(0x42)));
  auto again = c.exchange_iv(m_p, m_h, mid);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, block(0x42));
  EXPECT_EQ(c.find_exchange_iv(mid), std::optional<Bytes>(block(0x42)));
  // Quick Mode traffic never touches the phase-1 chain.
  EXPECT_EQ(c.phase1_iv(), block(6));
}

TEST_F(IvChainTest, ExchangesAreIndependent) {
  IvChain c(block(7));
  auto a = c.exchange_iv(m_p, m_h, base::MessageId{1});
  auto b = c.exchange_iv(m_p, m_h, base::MessageId{2});
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  ASSERT_TRUE(c.advance_exchange(base::MessageId{1}, block(0xaa)));
  EXPECT_EQ(c.find_exchange_iv(base::MessageId{2}), std::optional<Bytes>(*b));
  EXPECT_EQ(c.exchange_count(), 2u);
  c.end_exchange(base::MessageId{1});
  c.end_exchange(base::MessageId{1});  // idempotent
  EXPECT_EQ(c.exchange_count(), 1u);
  EXPECT_FALSE(c.find_exchange_iv(base::MessageId{1}));
  // Advancing an unknown exchange is reported, not created.
  auto r = c.advance_exchange(base::MessageId{1}, block(1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, base::ErrorCode::NotFound);
}

TEST_F(IvChainTest, RetransmitDoesNotAdvance) {
  // The rule: advance once when a message is built or accepted; a retransmission resends the
  // cached bytes and leaves the chain as it is, so the peer and we stay in step.
  IvChain c(block(3));
  const base::MessageId mid{9};
  auto iv0 = c.exchange_iv(m_p, m_h, mid);
  ASSERT_TRUE(iv0);
  ASSERT_TRUE(c.advance_exchange(mid, block(0x31)));  // QM1 built and sent
  auto after_send = c.find_exchange_iv(mid);
  // ... QM1 retransmitted twice: no calls, state unchanged; a later exchange_iv() for the same
  // message id (e.g. processing the retransmitted reply path) does not re-derive.
  auto later = c.exchange_iv(m_p, m_h, mid);
  ASSERT_TRUE(later);
  EXPECT_EQ(*later, *after_send);
}

TEST_F(IvChainTest, UninitialisedAndCap) {
  IvChain none;
  EXPECT_FALSE(none.initialized());
  auto r = none.exchange_iv(m_p, m_h, base::MessageId{1});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, base::ErrorCode::Internal);

  IvChain c(block(1));
  for (uint32_t i = 0; i < IvChain::kMaxExchanges; ++i) {
    ASSERT_TRUE(c.exchange_iv(m_p, m_h, base::MessageId{i + 1}));
  }
  auto over = c.exchange_iv(m_p, m_h, base::MessageId{1000});
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, base::ErrorCode::TooMany);
  // Existing chains are still served at the cap.
  EXPECT_TRUE(c.exchange_iv(m_p, m_h, base::MessageId{1}));
}

}  // namespace
}  // namespace ike::engine
