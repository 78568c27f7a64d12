// The production base::Random: OpenSSL's RAND_bytes (a CTR-DRBG seeded from the kernel). Used
// for cookies, nonces, SPIs, message IDs and Diffie-Hellman private values.
#pragma once

#include "base/random.h"

namespace ike::crypto {

class OpenSslRandom final : public base::Random {
 public:
  // RAND_bytes failing means the DRBG cannot be seeded: continuing would produce predictable
  // keys, so this prints a message on stderr and aborts.
  void fill(std::span<uint8_t> out) override;
};

}  // namespace ike::crypto
