// The null backend's in-memory SAD/SPD records (see null_backend.h). Issue #7 wants 100 000 SA
// pairs in a few KB each, and the null kernel held every SA and flow twice over: the full
// SaInstall/FlowInstall (two key vectors that stay empty, a bundle vector) as a map value plus a
// copy of its key. A record here is its own key (the sets' comparators are transparent, so a
// lookup takes the SaRef / the FlowInstall itself) and drops what a null kernel never needs:
//   SA:   SaInstall (216 B) + SaRef key (24 B) + seq (8 B) -> SaRecord 160 B: 288 -> 208 B malloc
//         chunk per set node (x86-64 glibc: 32 B tree node header, 8 B chunk header, 16 B steps);
//   flow: FlowInstall (112 B) + selector key (48 B) + seq -> FlowRecord 88 B: 208 -> 128 B.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include "base/ipsec_types.h"
#include "base/result.h"

namespace ike::kernel::null_records {

// An installed SA without its keys (NullBackend keeps those aside, only with keep_keys). The
// members have SaInstall's names so the ipsecctl line renders from either.
struct SaRecord {
  base::SaRef ref;
  base::IpAddress src;
  base::EncapMode mode = base::EncapMode::Tunnel;
  bool inbound = false;
  uint8_t replay_window = 16;
  uint16_t enc_transform_id = 0;
  uint16_t enc_key_bits = 0;
  uint16_t auth_algorithm = 0;
  uint16_t ah_transform_id = 0;
  uint16_t udp_encap_src_port = 0;
  uint16_t udp_encap_dst_port = 0;
  base::TrafficSelector src_ts;
  base::TrafficSelector dst_ts;
  uint32_t set_mark = 0;
  uint32_t set_mark_mask = 0;
  // Installation order. Not part of the set's ordering, hence mutable: renumbering (see
  // NullBackend::take_seq) rewrites it in place. 32 bits: 64 would cost a flow record 16 B.
  mutable uint32_t seq = 0;
  uint64_t life_seconds = 0;
  uint64_t life_kbytes = 0;
  std::string name;
};

// A flow with its SA bundle packed into one byte: a valid bundle (XFRM refuses others, see
// check_bundle) holds at most the two IPsec protocols besides the flow's own, 4 bits each in
// order, 0 = none.
struct FlowRecord {
  base::Direction direction = base::Direction::Out;
  base::IpsecProtocol protocol = base::IpsecProtocol::Esp;
  base::TrafficSelector src_ts;
  base::TrafficSelector dst_ts;
  base::IpAddress local;
  base::IpAddress peer;
  base::EncapMode mode = base::EncapMode::Tunnel;
  base::FlowType type = base::FlowType::Require;
  uint8_t bundle = 0;
  mutable uint32_t seq = 0;  // as SaRecord::seq
};

// SAD key: the SaRef (RFC 4301), looked up as an SaRef or a record.
struct SaOrder {
  using is_transparent = void;
  static const base::SaRef& key(const SaRecord& r) noexcept { return r.ref; }
  static const base::SaRef& key(const base::SaRef& r) noexcept { return r; }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const noexcept {
    return key(a) < key(b);
  }
};

// SPD key: direction and selectors (adding a flow with the same ones replaces it), looked up as
// a FlowInstall or a record.
struct FlowOrder {
  using is_transparent = void;
  template <class F>
  static auto key(const F& f) noexcept {
    return std::tie(f.direction, f.src_ts, f.dst_ts);
  }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const noexcept {
    return key(a) < key(b);
  }
};

SaRecord to_record(const base::SaInstall& sa, uint32_t seq);
base::SaInstall to_install(const SaRecord& r);  // keys empty

// What XFRM's template_order accepts: at most the two other protocols, each once, all known.
[[nodiscard]] base::Status check_bundle(const base::FlowInstall& flow);
FlowRecord to_record(const base::FlowInstall& flow, uint32_t seq);  // after check_bundle
base::FlowInstall to_install(const FlowRecord& r);

}  // namespace ike::kernel::null_records
