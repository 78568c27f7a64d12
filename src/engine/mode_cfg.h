// ISAKMP mode-config attributes (draft-dukes-ike-mode-cfg-02 §3.3, the same numbering as
// draft-ietf-ipsec-isakmp-mode-cfg-05): the one constexpr table of the attributes we understand
// (wire type, isakmpd name, hook-script variable, value kind, whether it may repeat), the
// semantic check of a received ATTRIBUTE payload (every length against the kind, TV form and
// duplicates of single-valued attributes refused with a precise detail, unknown types ignored),
// value <-> text conversion, the isakmpd configuration contract (Flags=ikecfg on the phase-1
// peer, per-peer sections named after the phase-1 ID: Address, Netmask, Nameserver, WINS-server,
// DHCP-server, Lifetime, Subnet, Prefix, Mode, Attributes) and the environment handed to the
// client's Mode-config-script. Pure functions; the exchange lives in exchanges/transaction.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "conf/conf_db.h"
#include "wire/payload.h"
#include "wire/registry.h"

namespace ike::engine {

enum class CfgValueKind : uint8_t {
  Ip4,          // 4 octets
  Ip6,          // 16 octets
  Ip6Prefixed,  // 16 octets address + 1 octet prefix length (draft-dukes §3.3); 16 accepted
  Ip4Subnet,    // 4 octets address + 4 octets netmask
  Ip6Subnet,    // 16 octets address + 1 octet prefix length
  Seconds,      // 4 octets
  Text,         // 0..255 octets (APPLICATION_VERSION)
  AttrList,     // 2 octets per attribute type (SUPPORTED_ATTRIBUTES)
};

struct CfgAttrInfo {
  wire::CfgAttr type;
  std::string_view name;  // the registry spelling (wire::Registry::CfgAttr)
  std::string_view env;   // Mode-config-script variable
  CfgValueKind kind;
  bool multi;             // may appear more than once (servers, subnets)
};

// The attributes of this implementation (XAUTH is not among them: its types are ignored).
std::span<const CfgAttrInfo> mode_cfg_attributes() noexcept;
const CfgAttrInfo* find_mode_cfg_attribute(uint16_t type) noexcept;
const CfgAttrInfo* find_mode_cfg_attribute(std::string_view name) noexcept;  // case-insensitive

// One attribute as text: "10.1.0.5", "fd00::5/64", "10.2.0.0/16", "1200", names for
// SUPPORTED_ATTRIBUTES ("INTERNAL_IP4_ADDRESS,INTERNAL_IP4_DNS"). Empty value: a zero-length
// attribute (what a REQUEST asks for and an ACK acknowledges).
struct CfgItem {
  uint16_t type = 0;
  std::string value;
  bool operator==(const CfgItem&) const = default;
};

// A validated ATTRIBUTE payload.
struct CfgMessage {
  wire::CfgType type = wire::CfgType::Reserved;
  uint16_t identifier = 0;
  std::vector<CfgItem> items;     // known attributes, in wire order
  std::vector<uint16_t> ignored;  // unknown attribute types (logged, not acted on)
};

// Semantic check of a payload the wire layer parsed. Errors: BadValue/BadLength with
// PAYLOAD_MALFORMED (ATTRIBUTES_NOT_SUPPORTED for a TV-form attribute), the detail naming the
// attribute, its position and the expected vs received length.
[[nodiscard]] base::Result<CfgMessage> parse_mode_cfg(const wire::AttributePayload& p);

// Text -> wire value for one attribute (the configuration side); BadValue naming the tag.
[[nodiscard]] base::Result<base::Bytes> encode_cfg_value(const CfgAttrInfo& info,
                                                         std::string_view text);
[[nodiscard]] base::Result<wire::AttributePayload> build_mode_cfg(
    wire::CfgType type, uint16_t identifier, const std::vector<CfgItem>& items);

// --- isakmpd configuration contract ---------------------------------------------------------
// The section holding a peer's mode-config data: the phase-1 ID as id_to_string prints it
// ("ipv4/10.0.0.2", "fqdn/client.example.net", "ufqdn/user@example.net"); case-insensitive.
std::string mode_cfg_section(const wire::IdPayload& id);

struct ModeCfgRole {
  bool pull = false;                 // Mode other than SET: the client sends REQUEST
  std::vector<uint16_t> request;     // pull: the attributes asked for (Attributes=)
};
// Mode/Attributes from the ID section, then from the peer section. Unknown attribute names in
// Attributes= are refused; numbers are accepted as they are (an unknown number is sent).
[[nodiscard]] base::Result<ModeCfgRole> mode_cfg_role(const conf::ConfDb& conf,
                                                      std::string_view id_section,
                                                      std::string_view peer_section);

// The server's attributes for the peer of `id_section` (Address, Netmask, Nameserver,
// WINS-server, DHCP-server, Lifetime (default 1200 s when Address is set), Subnet, Prefix),
// each checked by encode_cfg_value. Missing section: no attributes.
[[nodiscard]] base::Result<std::vector<CfgItem>> mode_cfg_server_items(
    const conf::ConfDb& conf, std::string_view id_section);

// A REPLY: for every requested attribute the configured values (all of a multi-valued one);
// APPLICATION_VERSION and SUPPORTED_ATTRIBUTES are answered by the implementation; requested
// attributes without a value and unknown types are left out.
std::vector<CfgItem> mode_cfg_answer(const std::vector<CfgItem>& configured,
                                     const CfgMessage& request);

// ISAKMPD_MODECFG_* variables (multi-valued ones space separated) for the client's script.
std::vector<std::pair<std::string, std::string>> mode_cfg_environment(
    const std::vector<CfgItem>& items);

inline constexpr std::string_view kModeCfgApplicationVersion = "isakmpd for Linux";

// Per-exchange state of a Transaction we started (exchange.h Exchange::cfg).
struct TransactionData {
  wire::CfgType sent = wire::CfgType::Reserved;  // SET or REQUEST
  uint16_t identifier = 0;
  std::vector<CfgItem> items;                    // what we sent
  bool xauth = false;                            // an XAUTH REQUEST/SET (xauth_exchange.h)
};

}  // namespace ike::engine
