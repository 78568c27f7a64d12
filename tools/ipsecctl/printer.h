// Rule printing exactly as OpenBSD's ipsecctl prints parsed rules with -v (ipsecctl.c
// ipsecctl_print_rule/_flow/_sa/_sabundle; ike.c ike_print_config): `flow esp out from A to B
// peer P type require`, `esp tunnel from A to B spi 0x... auth hmac-sha2-256 enc aes` (with -k
// the keys on continuation lines), `[bundle ...]`, and for ike rules the isakmpd FIFO lines.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "rule.h"

namespace ike::ipsecctl {

struct PrintOptions {
  bool verbose2 = false;  // -vv: "@<nr> " prefix
  bool show_keys = false; // -k
  bool del = false;       // -d: ike rules print the delete sequence
  std::string hostname;   // default srcid of dynamic ike rules
};

void print_rule(const Rule& r, const PrintOptions& opts, std::ostream& out, std::ostream& err);

// " port <name|number>" helper shared with the kernel state formatter.
std::string format_port(uint16_t port, uint8_t proto);
// " proto <name|number>".
std::string format_proto(uint8_t proto);
// Lower-case hex of a key.
std::string hex_key(const base::SecureBytes& key);

}  // namespace ike::ipsecctl
