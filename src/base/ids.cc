// Hex rendering and hashing for the strong id types.
#include "base/ids.h"

#include <cstring>

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

std::size_t std::hash<ike::base::Cookie>::operator()(const ike::base::Cookie& c) const noexcept {
  uint64_t v = 0;
  std::memcpy(&v, c.bytes.data(), sizeof v);
  return std::hash<uint64_t>{}(v);
}

std::size_t std::hash<ike::base::CookiePair>::operator()(
    const ike::base::CookiePair& c) const noexcept {
  std::size_t a = std::hash<ike::base::Cookie>{}(c.initiator);
  std::size_t b = std::hash<ike::base::Cookie>{}(c.responder);
  return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
}
