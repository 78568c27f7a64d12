// CBC IV state of one ISAKMP SA (RFC 2409 Appendix B, RFC 2408 §3.1): the phase-1 IV chain
// (initial IV = hash(g^xi | g^xr); afterwards the last ciphertext block of the previous encrypted
// phase-1 message, sent or received) and one independent chain per Quick Mode / Informational
// message id, seeded with hash(phase-1 IV | M-ID) when the exchange starts. Owned by the ISAKMP
// SA record; holds IVs only (IVs are not secret), never keys.
//
// Update discipline (what callers MUST do):
//  * Encrypting: take the current IV (phase1_iv() or exchange_iv()), seal(), then advance with
//    the returned last ciphertext block -- once, when the message is first built.
//  * Decrypting: open() with the current IV, then advance ONLY after the message has been
//    accepted (parsed and its HASH verified). A message that fails must leave the chain intact,
//    otherwise a single forged datagram would desynchronise the SA.
//  * Retransmits: a retransmitted message is the cached datagram sent again; it MUST NOT advance
//    anything (it was counted when first built). A received duplicate of the peer's previous
//    message is recognised before decryption (byte comparison with the last accepted datagram)
//    and answered from the cache without decrypting it again, so the chain is not advanced
//    twice either (reliability.md: "retransmit replies from the cache only").
//  * Phase 2 IVs derive from the phase-1 IV as it stands when the exchange is started (sender)
//    or when its first message is received (receiver): at that point both sides hold the last
//    block of the final Main Mode message. Quick Mode / Informational traffic never changes the
//    phase-1 chain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

#include "base/bytes.h"
#include "base/ids.h"
#include "base/result.h"
#include "crypto/provider.h"

namespace ike::engine {

class IvChain {
 public:
  // Cap on concurrently tracked message-id chains per ISAKMP SA, so a peer cannot grow the
  // table without bound by starting exchanges (reliability.md A1.6 #18).
  static constexpr std::size_t kMaxExchanges = 32;

  IvChain() = default;
  // Phase-1 chain, initialised from keymat's phase1_initial_iv(). `block_size` = iv.size().
  explicit IvChain(base::Bytes initial_iv) : m_phase1(std::move(initial_iv)) {}

  bool initialized() const noexcept { return !m_phase1.empty(); }
  std::size_t block_size() const noexcept { return m_phase1.size(); }
  const base::Bytes& phase1_iv() const noexcept { return m_phase1; }
  // Sets the phase-1 IV to the last ciphertext block of an accepted/sent phase-1 message.
  // Errors: Internal if `last_block` is not one block (caller bug).
  [[nodiscard]] base::Status advance_phase1(base::ByteView last_block);

  // The chain of message id `mid`, created on first use as
  //   RFC 2409 App. B: IV = hash(last phase-1 CBC block | M-ID), truncated to the block size
  // Returns the CURRENT IV of that exchange (unchanged if it already exists).
  // Errors: Internal if the phase-1 chain is not initialised; TooMany (notify NONE: drop) when
  // kMaxExchanges chains exist; Crypto from the derivation.
  [[nodiscard]] base::Result<base::Bytes> exchange_iv(const crypto::Provider& p,
                                                      crypto::HashAlg h, base::MessageId mid);
  // The current IV of an existing exchange chain, or nullopt.
  std::optional<base::Bytes> find_exchange_iv(base::MessageId mid) const;
  // Sets exchange `mid`'s IV to the last ciphertext block of an accepted/sent message.
  // Errors: NotFound if the chain does not exist; Internal if `last_block` is not one block.
  [[nodiscard]] base::Status advance_exchange(base::MessageId mid, base::ByteView last_block);
  // Forgets the chain when the exchange finishes or is abandoned (idempotent). Informational
  // exchanges are one message: derive with exchange_iv(), use, then end_exchange().
  void end_exchange(base::MessageId mid) noexcept;
  std::size_t exchange_count() const noexcept { return m_exchanges.size(); }

 private:
  base::Bytes m_phase1;
  std::map<uint32_t, base::Bytes> m_exchanges;
};

}  // namespace ike::engine
