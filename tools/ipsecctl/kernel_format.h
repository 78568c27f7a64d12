// `ipsecctl -s flow|sa|all` output: formats a base::KernelState (what a kernel::Backend reads
// back from XFRM) in OpenBSD's formats (ipsecctl.c ipsecctl_show(), pfkdump.c):
//   flow esp in from 172.20.1.0/24 to 192.168.60.0/24 peer 200.69.110.71 type use
//   esp tunnel from 200.69.110.71 to 202.245.63.218 spi 0x2d2148ab auth hmac-sha2-256 enc aes
// -k adds the keys on continuation lines, -v the per-SA details (state, lifetimes, addresses,
// key sizes, selectors), -s all adds the FLOWS:/SAD: titles; -m events are one line each.
// Linux forward (fwd) policies have no OpenBSD counterpart and are not listed. SAs are sorted
// by SPI as OpenBSD's SADB dump is.
#pragma once

#include <string>

#include "base/ipsec_types.h"

namespace ike::ipsecctl {

struct ShowOptions {
  bool show_keys = false;  // -k
  bool verbose = false;    // -v
  bool collapse = false;   // -c: flows differing in one address merged into "{ a, b }" lists
};

std::string format_flows(const base::KernelState& state, const ShowOptions& opts);
std::string format_sas(const base::KernelState& state, const ShowOptions& opts);
// "FLOWS:\n...\n\nSAD:\n..." with "No flows" / "No entries" for empty tables.
std::string format_all(const base::KernelState& state, const ShowOptions& opts);

// `ipsecctl -m`: one line per kernel event, in ipsec.conf spelling:
//   acquire esp from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 192.0.2.2
//   expire soft esp from 192.0.2.2 to 192.0.2.1 spi 0x1000abcd   (or expire hard)
std::string format_event(const base::KernelEvent& ev);

// One SA's ipsecctl encryption name from RFC 2407 values ("aes", "aes-256", "3des-cbc").
std::string sa_enc_name(uint16_t esp_transform_id, uint16_t key_bits);

}  // namespace ike::ipsecctl
