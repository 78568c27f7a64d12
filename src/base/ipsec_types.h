// IPsec SA and flow descriptions shared by the engine (which produces them from a Quick Mode)
// and the kernel backends (which install them). Plain data; algorithm identifiers are the RFC
// 2407 wire values so no module needs a second mapping table.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "base/address.h"
#include "base/bytes.h"
#include "base/ids.h"
#include "base/result.h"

namespace ike::base {

// RFC 2407 §4.4.1 IPSEC protocol identifiers.
enum class IpsecProtocol : uint8_t { Ah = 2, Esp = 3, Ipcomp = 4 };
const char* ipsec_protocol_name(IpsecProtocol p) noexcept;  // "esp", "ah", "ipcomp"

enum class EncapMode : uint8_t { Tunnel = 1, Transport = 2 };
enum class Direction : uint8_t { In, Out, Fwd };
const char* direction_name(Direction d) noexcept;

// OpenBSD flow types (ipsec.conf(5) "type"): what the kernel does with matching traffic.
// XFRM: require/use map to a policy template with level required/use; deny = action block;
// bypass = allow without template; acquire/dontacq are OpenBSD-only variants of use/require.
enum class FlowType : uint8_t { Require, Use, Acquire, DontAcq, Bypass, Deny };
const char* flow_type_name(FlowType t) noexcept;  // "require", "use", ...

// A traffic selector: network/prefix, optional upper-layer protocol and port (0 = any).
struct TrafficSelector {
  IpAddress network;
  uint8_t prefix = 32;
  uint8_t ip_protocol = 0;
  uint16_t port = 0;
  std::string to_string() const;  // "10.1.1.0/24", "10.1.1.1/32 proto 6 port 22"
  void append_to(std::string& out) const;  // to_string() appended in place
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
  // isakmpd PF-Tag on Linux: packets leaving this SA get (mark & ~mask) | value in their skb
  // mark (XFRMA_SET_MARK / XFRMA_SET_MARK_MASK), for nftables/ip rule. mask 0 = none.
  uint32_t set_mark = 0;
  uint32_t set_mark_mask = 0;
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
  FlowType type = FlowType::Require;
  // An SA bundle negotiated in one Quick Mode (RFC 2408 §4.2, e.g. ESP+AH, ESP+IPCOMP): the
  // other protocols applied to the same traffic besides `protocol`; empty = `protocol` alone.
  // Kernels order the transforms themselves (XFRM: IPCOMP innermost, then ESP, AH outermost).
  std::vector<IpsecProtocol> bundle;
  std::string to_string() const;  // ipsecctl -s flow style (+ " bundle ah,ipcomp")
  // to_string() appended in place: `S` renders every flow into one string (issue #7).
  void append_to(std::string& out) const;
  auto operator<=>(const FlowInstall&) const = default;
};

// An SA as read back from the kernel (ipsecctl -s sa, the report): what was installed plus
// the kernel's counters.
struct KernelSaInfo {
  SaInstall sa;
  uint64_t cur_bytes = 0;
  uint64_t cur_packets = 0;
  uint64_t add_time = 0;  // seconds since the epoch, 0 = unknown
};

// The kernel's IPsec state (SAD + SPD) as a backend reads it back.
struct KernelState {
  std::vector<KernelSaInfo> sas;
  std::vector<FlowInstall> flows;
};

// The kernel requests the engine produces and a kernel::Backend carries out (engine/io.h wraps
// one in a KernelRequest with its id; kernel::Backend::run_batch takes several at once).
struct KernelGetSpi {
  IpsecProtocol protocol = IpsecProtocol::Esp;
  IpAddress src;  // the peer (SA source)
  IpAddress dst;  // us (SA destination)
};
struct KernelAddSa { SaInstall sa; };
struct KernelDeleteSa { SaRef ref; IpAddress src; };
struct KernelAddFlow { FlowInstall flow; };
struct KernelDeleteFlow { FlowInstall flow; };
using KernelOp = std::variant<KernelGetSpi, KernelAddSa, KernelDeleteSa, KernelAddFlow,
                              KernelDeleteFlow>;
const char* kernel_op_name(const KernelOp& op) noexcept;  // "get_spi", "add_sa", ...

// The outcome of one KernelOp: `status`, and for KernelGetSpi the SPI allocated.
struct KernelOpResult {
  Status status;
  Spi spi;
};

// Kernel-originated events (XFRM_MSG_ACQUIRE / XFRM_MSG_EXPIRE; SADB_ACQUIRE / SADB_EXPIRE),
// fed by the daemon to the engine (engine never reads the kernel itself).
struct KernelEvent {
  enum class Kind : uint8_t {
    Acquire,     // traffic hit a policy with no SA: negotiate for the matching connection
    SoftExpire,  // an SA reached its soft lifetime: rekey
    HardExpire,  // an SA reached its hard lifetime and is gone from the kernel
  };
  Kind kind = Kind::Acquire;
  // Acquire: the flow that wants an SA and the tunnel endpoints of its template.
  TrafficSelector src_ts;
  TrafficSelector dst_ts;
  IpAddress local;
  IpAddress peer;
  IpsecProtocol protocol = IpsecProtocol::Esp;
  // Soft/HardExpire: the SA concerned (ref.dst, ref.spi, ref.protocol) and its source.
  SaRef ref;
  IpAddress src;
  std::string to_string() const;  // for logs: "acquire esp 10.1.0.0/24 -> 10.2.0.0/24 ..."
};

}  // namespace ike::base
