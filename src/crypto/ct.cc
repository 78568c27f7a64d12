// Constant-time byte comparison for MACs and HASH payloads (design §3.5; house rule 4) via
// OpenSSL's CRYPTO_memcmp, whose running time depends only on the length.
#include <openssl/crypto.h>

#include "crypto/provider.h"

namespace ike::crypto {

bool constant_time_equal(ByteView a, ByteView b) noexcept {
  // The lengths of MACs are public; only the contents are compared in constant time.
  if (a.size() != b.size()) {
    return false;
  }
  if (a.empty()) {
    return true;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ike::crypto
