// Hex rendering for the strong id types (their hashes are inline in ids.h).
#include "base/ids.h"

#include "base/hex.h"

namespace ike::base {

bool Cookie::is_zero() const noexcept {
  for (uint8_t b : bytes) {
    if (b != 0) {
      return false;
    }
  }
  return true;
}

std::string Cookie::hex() const { return to_hex(ByteView(bytes.data(), bytes.size())); }
std::string CookiePair::hex() const { return initiator.hex() + responder.hex(); }

}  // namespace ike::base
