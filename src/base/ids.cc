// Hex rendering and hashing for the strong id types.
#include "base/ids.h"

#include "base/hex.h"
#include "base/keyed_hash.h"

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

// Keyed (keyed_hash.h): the initiator cookie is the peer's choice.
std::size_t std::hash<ike::base::Cookie>::operator()(const ike::base::Cookie& c) const noexcept {
  return ike::base::keyed_hash(c.order_value());
}

std::size_t std::hash<ike::base::CookiePair>::operator()(
    const ike::base::CookiePair& c) const noexcept {
  return ike::base::keyed_hash(c.initiator.order_value(), c.responder.order_value());
}
