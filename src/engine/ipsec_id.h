// Identities (RFC 2407 §4.6.2, RFC 2409 §5 and §5.5, isakmpd.conf(5) Phase1-ID and IPsec-ID
// sections): building ID payloads from the configuration, converting Quick Mode IDs to and from
// traffic selectors (with contiguous-netmask validation), comparing IDs, printing them for logs,
// and verifying the peer's phase-1 ID. Pure functions over a const ConfDb; no interface or DNS
// lookups (the engine is sans-I/O: interface names and "default" in Address/Network are not
// resolved here and are rejected with a Config error). Owns no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/address.h"
#include "base/ipsec_types.h"
#include "base/result.h"
#include "conf/conf_db.h"
#include "wire/payload.h"

namespace ike::engine {

// --- Phase 1 -------------------------------------------------------------------------------

// The ID payload a Phase1-ID section describes. Tags: ID-type (IPV4_ADDR, IPV6_ADDR, FQDN,
// USER_FQDN, KEY_ID, DER_ASN1_DN, IPV4_ADDR_SUBNET, IPV6_ADDR_SUBNET, IPV4_RANGE, IPV6_RANGE),
// Address (IPV4/6_ADDR; first address of a range), End-address (last address of a range),
// Name (FQDN, USER_FQDN, KEY_ID; DER_ASN1_DN in isakmpd's "/C=US/O=x/CN=y" form, encoded by
// crypto::dn_from_text), Network + Netmask (subnets). Protocol and port are 0.
// Errors (Config, notify NONE): missing section, missing/unknown ID-type, missing or unparsable
// tag -- the detail names "[section]:tag" and the offending text.
[[nodiscard]] base::Result<wire::IdPayload> phase1_id_from_section(const conf::ConfDb& conf,
                                                                   std::string_view section);

// Default phase-1 ID: IPV4_ADDR / IPV6_ADDR of `local`, protocol 0, port 0 (isakmpd).
wire::IdPayload address_id(const base::IpAddress& local);

// Our phase-1 ID for a peer: `id_section` ([peer]:ID) if non-empty, else [General]:
// Default-phase-1-ID if set, else address_id(local). Errors: those of phase1_id_from_section.
[[nodiscard]] base::Result<wire::IdPayload> local_phase1_id(const conf::ConfDb& conf,
                                                            std::string_view id_section,
                                                            const base::IpAddress& local);

// Verifies the peer's phase-1 ID (IDii/IDir) after authentication:
//  * with `remote_id_section` ([peer]:Remote-ID) non-empty: the received ID must match the one
//    configured there (phase1_id_matches; protocol/port ignored);
//  * otherwise, an address ID (IPV4_ADDR/IPV6_ADDR) must equal `peer_address`; non-address IDs
//    are accepted (the PSK/signature authenticated them; isakmpd parity);
//  * proto/port: 0/0 or UDP(17)/500 are expected; anything else is accepted with the isakmpd log
//    line "dubious ID information accepted" and `dubious` set.
// Errors: InvalidIdInformation-notify errors (code Auth) with "expected X, got Y"; Config
// errors from the Remote-ID section.
// A received phase-1 ID against the configured Remote-ID: equal (id_equal), or an IPV4_ADDR /
// IPV6_ADDR inside a configured subnet or range of the same family. DER_ASN1_DN and other
// types compare as bytes.
bool phase1_id_matches(const wire::IdPayload& expected, const wire::IdPayload& received);

struct Phase1IdCheck {
  bool dubious = false;
};
[[nodiscard]] base::Result<Phase1IdCheck> verify_peer_phase1_id(
    const conf::ConfDb& conf, std::string_view remote_id_section,
    const base::IpAddress& peer_address, const wire::IdPayload& received);

// --- Phase 2 (Quick Mode IDci / IDcr) ------------------------------------------------------

// An IPsec-ID section as a traffic selector. Tags: ID-type (IPV4_ADDR, IPV6_ADDR,
// IPV4_ADDR_SUBNET, IPV6_ADDR_SUBNET), Address (host types), Network + Netmask (subnets; the
// netmask must be contiguous), Protocol (number 0..255 or a name: icmp, igmp, ipip/ipencap,
// tcp, udp, gre, esp, ah, ipv6-icmp/icmpv6, sctp), Port (0..65535; requires a Protocol).
// Errors (Config): names "[section]:tag" and the text.
[[nodiscard]] base::Result<base::TrafficSelector> ipsec_id_selector(const conf::ConfDb& conf,
                                                                    std::string_view section);
// The same section as an ID payload (selector_to_id(ipsec_id_selector(...)) but keeping the
// configured ID-type, e.g. IPV4_ADDR_SUBNET with a /32 netmask stays a subnet).
[[nodiscard]] base::Result<wire::IdPayload> ipsec_id_from_section(const conf::ConfDb& conf,
                                                                  std::string_view section);

// A selector as an ID payload: /32 (/128) hosts become IPV4_ADDR (IPV6_ADDR), other prefixes
// IPV4_ADDR_SUBNET (IPV6_ADDR_SUBNET) with the network and the netmask.
wire::IdPayload selector_to_id(const base::TrafficSelector& ts);

// A Quick Mode ID payload as a selector: IPV4_ADDR / IPV6_ADDR (exactly 4 / 16 octets) and
// IPV4_ADDR_SUBNET / IPV6_ADDR_SUBNET (8 / 32 octets, contiguous netmask; host bits of the
// address are cleared).
// Errors (BadValue / Unsupported, notify INVALID_ID_INFORMATION): wrong data length, a
// non-contiguous mask ("netmask 255.0.255.0 is not contiguous"), other ID types (FQDN, ranges,
// DN: "ID type FQDN cannot describe traffic (RFC 2407 §4.6.2)").
[[nodiscard]] base::Result<base::TrafficSelector> id_to_selector(const wire::IdPayload& id);

// Exact equality of type and data (protocol and port ignored, as phase-1 ID checks need).
bool id_equal(const wire::IdPayload& a, const wire::IdPayload& b) noexcept;
// Equality as traffic descriptions: both convert to selectors and those are equal (so
// IPV4_ADDR 10.0.0.1 equals IPV4_ADDR_SUBNET 10.0.0.1/32), protocol and port included.
bool id_matches_selector(const wire::IdPayload& id, const base::TrafficSelector& ts);

// "ipv4/10.1.1.1", "ipv4/10.1.1.0/24", "ipv6/fd00::/64", "fqdn/host.example",
// "ufqdn/user@host.example", "keyid/6b6579" (hex unless printable), " proto 6 port 22" appended
// when set; hostile text is sanitised; malformed data prints as "ipv4/<bad length 3>".
std::string id_to_string(const wire::IdPayload& id);

// Protocol name or number -> IP protocol number (for IPsec-ID Protocol=). nullopt if unknown.
std::optional<uint8_t> parse_ip_protocol(std::string_view text) noexcept;

}  // namespace ike::engine
