// Randomness as an injected dependency (cookies, nonces, SPIs, message ids, DH private values).
// Production: crypto/openssl_random (RAND_bytes). Tests: a scripted pool. `isakmpd -r seed`:
// crypto's deterministic DRBG.
#pragma once

#include <cstdint>
#include <span>

namespace ike::base {

class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(std::span<uint8_t> out) = 0;

  uint32_t u32() {
    uint8_t b[4];
    fill(b);
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  }
};

}  // namespace ike::base
