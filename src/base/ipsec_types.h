// IPsec SA and flow descriptions shared by the engine (which produces them from a Quick Mode)
// and the kernel backends (which install them). Plain data; algorithm identifiers are the RFC
// 2407 wire values so no module needs a second mapping table.
#pragma once

#include <cstdint>
#include <string>

#include "base/address.h"
#include "base/bytes.h"
#include "base/ids.h"

namespace ike::base {

// RFC 2407 §4.4.1 IPSEC protocol identifiers.
enum class IpsecProtocol : uint8_t { Ah = 2, Esp = 3, Ipcomp = 4 };
const char* ipsec_protocol_name(IpsecProtocol p) noexcept;  // "esp", "ah", "ipcomp"

enum class EncapMode : uint8_t { Tunnel = 1, Transport = 2 };
enum class Direction : uint8_t { In, Out, Fwd };
const char* direction_name(Direction d) noexcept;

// A traffic selector: network/prefix, optional upper-layer protocol and port (0 = any).
struct TrafficSelector {
  IpAddress network;
  uint8_t prefix = 32;
  uint8_t ip_protocol = 0;
  uint16_t port = 0;
  std::string to_string() const;  // "10.1.1.0/24", "10.1.1.1/32 proto 6 port 22"
  auto operator<=>(const TrafficSelector&) const = default;
};

// Identifies an installed SA in the kernel (RFC 4301 SAD key).
struct SaRef {
  IpsecProtocol protocol = IpsecProtocol::Esp;
  IpAddress dst;
  Spi spi;
  auto operator<=>(const SaRef&) const = default;
};

// One unidirectional IPsec SA, fully keyed.
struct SaInstall {
  SaRef ref;
  IpAddress src;                    // outer source (tunnel) / host (transport)
  EncapMode mode = EncapMode::Tunnel;
  bool inbound = false;             // true: the SPI we allocated (peer -> us)
  uint16_t enc_transform_id = 0;    // RFC 2407 §4.4.4 ESP transform id (0 for AH)
  uint16_t enc_key_bits = 0;        // key length without salt
  uint16_t auth_algorithm = 0;      // RFC 2407 §4.5 AUTHENTICATION_ALGORITHM (0 = none)
  uint16_t ah_transform_id = 0;     // RFC 2407 §4.4.3 AH transform id (AH only)
  SecureBytes enc_key;              // includes salt for CTR/GCM/GMAC
  SecureBytes auth_key;
  uint64_t life_seconds = 0;        // hard; 0 = none
  uint64_t life_kbytes = 0;
  uint8_t replay_window = 16;
  uint16_t udp_encap_src_port = 0;  // non-zero: ESP-in-UDP (RFC 3948)
  uint16_t udp_encap_dst_port = 0;
  TrafficSelector src_ts;           // selectors this SA protects (source side)
  TrafficSelector dst_ts;
  std::string name;                 // connection name, for reports
};

// One policy (SPD entry) binding traffic to an SA template.
struct FlowInstall {
  Direction direction = Direction::Out;
  TrafficSelector src_ts;
  TrafficSelector dst_ts;
  IpsecProtocol protocol = IpsecProtocol::Esp;
  EncapMode mode = EncapMode::Tunnel;
  IpAddress local;   // tunnel endpoints
  IpAddress peer;
  std::string to_string() const;  // ipsecctl -s flow style
  auto operator<=>(const FlowInstall&) const = default;
};

}  // namespace ike::base
