// RFC 3948 §2.2/§2.3 framing on the NAT-T port (4500 or -N): IKE datagrams carry a 4-byte zero
// non-ESP marker before the ISAKMP header; a datagram whose first four octets are not zero is
// ESP in UDP (the kernel's, never ours: dropped here); one 0xFF octet is a NAT-keepalive.
// Pure functions over bytes, used by the UDP transport.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace ike::daemon {

inline constexpr std::size_t kNonEspMarkerSize = 4;

enum class NatTFrame : uint8_t {
  Ike,        // the ISAKMP message follows the marker
  Keepalive,  // 0xFF
  Esp,        // a non-zero SPI: ESP in UDP
  Short,      // neither: too short to hold a marker
};

// Classifies a datagram received on the NAT-T port; for Ike, `ike` is the message after the
// marker (a view into `datagram`).
NatTFrame classify_nat_t(base::ByteView datagram, base::ByteView* ike) noexcept;
// Prefixes the non-ESP marker.
base::Bytes add_non_esp_marker(base::ByteView ike);

}  // namespace ike::daemon
