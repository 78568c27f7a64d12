// A reproducible base::Random for `isakmpd -r seed` ("deterministic random numbers for regression
// testing") and for tests: the same 32-bit seed always gives the same byte stream, on every
// host. NEVER for production keys: the whole stream follows from 32 bits.
//
// Stream definition (stable; transcripts depend on it): block i (i = 0, 1, ...) is
//   HMAC-SHA256(key = "isakmpd-linux deterministic random" || BE32(seed), BE64(i))
// and the output is block 0 || block 1 || ..., consumed in order across fill() calls.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "base/random.h"

namespace ike::crypto {

class DeterministicRandom final : public base::Random {
 public:
  explicit DeterministicRandom(uint32_t seed);
  ~DeterministicRandom() override;
  DeterministicRandom(const DeterministicRandom&) = delete;
  DeterministicRandom& operator=(const DeterministicRandom&) = delete;

  void fill(std::span<uint8_t> out) override;
  uint32_t seed() const noexcept { return m_seed; }

 private:
  void next_block();

  struct Impl;
  std::unique_ptr<Impl> m_impl;
  uint32_t m_seed;
  uint64_t m_counter = 0;
  std::array<uint8_t, 32> m_block{};
  std::size_t m_used = 32;  // bytes of m_block already handed out
};

}  // namespace ike::crypto
