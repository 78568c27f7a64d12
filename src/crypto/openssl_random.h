// The production base::Random: OpenSSL's RAND_bytes (a CTR-DRBG seeded from the kernel). Used
// for cookies, nonces, SPIs, message IDs, lifetime jitter and Diffie-Hellman private values.
//
// Small requests (cookies, SPIs, jitter, 16-byte nonces: about ten per handshake) are served
// from a 512-byte block drawn from RAND_bytes at once, as OpenBSD's arc4random does: each
// RAND_bytes call costs a DRBG generate with its fixed overhead (3.75 % of a responder's CPU per
// ECP256 handshake, issue #7). Bytes are wiped from the block as they are handed out, the block
// is wiped on destruction, and a fork (pthread_atfork) discards it so a parent and its child
// never hand out the same bytes. Requests of kDirectBytes or more go to RAND_bytes directly.
// One instance is not thread-safe (each engine owns its own).
#pragma once

#include <array>
#include <cstdint>

#include "base/random.h"

namespace ike::crypto {

class OpenSslRandom final : public base::Random {
 public:
  static constexpr std::size_t kBlockBytes = 512;
  static constexpr std::size_t kDirectBytes = 64;

  OpenSslRandom();
  ~OpenSslRandom() override;
  OpenSslRandom(const OpenSslRandom&) = delete;
  OpenSslRandom& operator=(const OpenSslRandom&) = delete;

  // RAND_bytes failing means the DRBG cannot be seeded: continuing would produce predictable
  // keys, so this prints a message on stderr and aborts.
  void fill(std::span<uint8_t> out) override;

  // RAND_bytes calls made by this instance (tests: small requests share one block).
  uint64_t drbg_calls() const noexcept { return m_drbg_calls; }

 private:
  void rand_bytes(std::span<uint8_t> out);
  void discard_block() noexcept;

  std::array<uint8_t, kBlockBytes> m_block{};
  std::size_t m_unread = 0;        // unread bytes at the end of m_block
  uint64_t m_fork_generation = 0;  // the process's fork generation when m_block was drawn
  uint64_t m_drbg_calls = 0;
};

}  // namespace ike::crypto
