// OpenSslRandom (see openssl_random.h).
#include "crypto/openssl_random.h"

#include <openssl/rand.h>

#include <climits>

#include "crypto/evp.h"

namespace ike::crypto {

void OpenSslRandom::fill(std::span<uint8_t> out) {
  while (!out.empty()) {
    const std::size_t n = out.size() < static_cast<std::size_t>(INT_MAX)
                              ? out.size()
                              : static_cast<std::size_t>(INT_MAX);
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
      evp::fatal("RAND_bytes failed: no random numbers, refusing to continue");
    }
    out = out.subspan(n);
  }
}

}  // namespace ike::crypto
