// Non-ESP marker framing (RFC 3948 §2.2 "Non-ESP Marker: 0x00000000", §2.3 keepalive 0xFF).
#include "daemon/nat_t_framing.h"

#include <algorithm>
#include <cstring>

namespace ike::daemon {

NatTFrame classify_nat_t(base::ByteView datagram, base::ByteView* ike) noexcept {
  if (datagram.size() == 1 && datagram[0] == 0xff) return NatTFrame::Keepalive;
  if (datagram.size() < kNonEspMarkerSize) return NatTFrame::Short;
  auto marker = datagram.first(kNonEspMarkerSize);
  if (!std::all_of(marker.begin(), marker.end(), [](uint8_t b) { return b == 0; })) {
    return NatTFrame::Esp;
  }
  if (ike != nullptr) *ike = datagram.subspan(kNonEspMarkerSize);
  return NatTFrame::Ike;
}

base::Bytes add_non_esp_marker(base::ByteView ike) {
  // Sized once and copied into (not insert()): GCC 12 -O3 reports a false -Warray-bounds on
  // vector::insert after a fixed-size construction.
  base::Bytes out(kNonEspMarkerSize + ike.size(), 0);
  if (!ike.empty()) std::memcpy(out.data() + kNonEspMarkerSize, ike.data(), ike.size());
  return out;
}

}  // namespace ike::daemon
