// Non-ESP marker framing (RFC 3948 §2.2 "Non-ESP Marker: 0x00000000", §2.3 keepalive 0xFF).
#include "daemon/nat_t_framing.h"

#include <algorithm>

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
  base::Bytes out(kNonEspMarkerSize, 0);
  out.insert(out.end(), ike.begin(), ike.end());
  return out;
}

}  // namespace ike::daemon
