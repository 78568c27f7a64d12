// Host specifications of ipsec.conf(5) (OpenBSD parse.y host(), host_v4(), host_v6(),
// host_if(), expand_any(), set_ipmask()) and address printing (ipsecctl_print_addr()). No DNS:
// a name that is neither a literal address nor a local interface is refused ("no IP address
// found for ..."), like OpenBSD when resolution fails. Interface names come from getifaddrs();
// OpenBSD's loopback name `lo0` is accepted for Linux `lo`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "rule.h"

namespace ike::ipsecctl {

// host(): a literal IPv4 ("1.2.3.4", "10.0.2/24"), IPv6 ("3ffe::1/64") or interface name.
// Returns an empty list when nothing matched (the caller prints the OpenBSD messages); an
// invalid "/len" is an Error with OpenBSD's text ("host: invalid netmask '/x'").
[[nodiscard]] base::Result<HostList> parse_host(std::string_view text);
// A single literal (for tests and -D values): IPv4 or IPv6 only.
std::optional<HostAddr> parse_literal(std::string_view text);

// "any": AF_UNSPEC placeholder, later expanded into 0.0.0.0/0 and ::/0.
HostAddr any_host();
void expand_any(HostList& list);

// inet_ntop text plus "/len" unless the mask covers the whole family.
std::string format_addr(const HostAddr& a);
// The mask as an address text ("255.255.255.0", "ffff:ff00::").
std::string format_mask(const HostAddr& a);
// inet_ntop of the address only.
std::string format_address_only(const HostAddr& a);

// validate_af(): true when the families of the two lists cannot be paired.
bool families_mismatch(const HostList& src, const HostList& dst);

}  // namespace ike::ipsecctl
