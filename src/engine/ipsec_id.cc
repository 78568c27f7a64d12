// Identities: Phase1-ID / IPsec-ID sections, ID payload <-> traffic selector, ID comparison and
// printing, phase-1 ID verification (RFC 2407 §4.6.2, RFC 2409 §5). See ipsec_id.h.
#include "engine/ipsec_id.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "base/hex.h"
#include "base/log.h"
#include "crypto/x509.h"
#include "wire/registry.h"

namespace ike::engine {

namespace {

using wire::IdType;

constexpr uint8_t kIpProtoUdp = 17;

template <class... Args>
base::Error config_error(fmt::format_string<Args...> f, Args&&... args) {
  return base::Error{base::ErrorCode::Config, base::NotifyType::None,
                     fmt::format(f, std::forward<Args>(args)...)};
}

template <class... Args>
base::Error id_error(base::ErrorCode code, fmt::format_string<Args...> f, Args&&... args) {
  return base::Error{code, base::NotifyType::InvalidIdInformation,
                     fmt::format(f, std::forward<Args>(args)...)};
}

base::Result<std::string> required_tag(const conf::ConfDb& conf, std::string_view section,
                                       std::string_view tag) {
  auto v = conf.get(section, tag);
  if (!v || v->empty()) return config_error("[{}]:{} missing", section, tag);
  return *v;
}

base::Result<base::IpAddress> address_tag(const conf::ConfDb& conf, std::string_view section,
                                          std::string_view tag, base::Family family) {
  IKE_TRY(std::string text, required_tag(conf, section, tag));
  auto a = base::IpAddress::parse(text);
  if (!a) {
    return config_error("[{}]:{} \"{}\" is not an IP address (interface names are not supported)",
                        section, tag, base::sanitize_for_log(text));
  }
  if (a->family() != family) {
    return config_error("[{}]:{} \"{}\" is not an IPv{} address", section, tag,
                        base::sanitize_for_log(text), family == base::Family::V4 ? 4 : 6);
  }
  return *a;
}

base::Result<uint8_t> id_type_tag(const conf::ConfDb& conf, std::string_view section) {
  if (!conf.has_section(section)) return config_error("no such ID section [{}]", section);
  IKE_TRY(std::string text, required_tag(conf, section, "ID-type"));
  auto v = wire::registry_value(wire::Registry::IdType, text);
  if (!v) {
    return config_error("[{}]:ID-type \"{}\" unknown", section, base::sanitize_for_log(text));
  }
  return static_cast<uint8_t>(*v);
}

bool is_v4_type(uint8_t t) {
  return t == static_cast<uint8_t>(IdType::Ipv4Addr) ||
         t == static_cast<uint8_t>(IdType::Ipv4AddrSubnet) ||
         t == static_cast<uint8_t>(IdType::Ipv4AddrRange);
}

// Big-endian address bytes of one family compare like the addresses.
bool addr_le(base::ByteView a, base::ByteView b) {
  return !std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end());
}

base::Family family_of(uint8_t t) { return is_v4_type(t) ? base::Family::V4 : base::Family::V6; }

// Network + Netmask of a subnet ID section; the mask must be contiguous.
base::Result<base::TrafficSelector> subnet_tags(const conf::ConfDb& conf,
                                                std::string_view section, base::Family f) {
  IKE_TRY(base::IpAddress net, address_tag(conf, section, "Network", f));
  IKE_TRY(base::IpAddress mask, address_tag(conf, section, "Netmask", f));
  auto prefix = mask.mask_prefix_length();
  if (!prefix) {
    return config_error("[{}]:Netmask {} is not contiguous", section, mask.to_string());
  }
  base::TrafficSelector ts;
  ts.network = net.masked(*prefix);
  ts.prefix = static_cast<uint8_t>(*prefix);
  return ts;
}

base::Bytes concat(base::ByteView a, base::ByteView b) {
  base::Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

unsigned family_bits(base::Family f) { return f == base::Family::V4 ? 32 : 128; }

bool printable(base::ByteView v) {
  for (uint8_t c : v) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return !v.empty();
}

}  // namespace

std::optional<uint8_t> parse_ip_protocol(std::string_view text) noexcept {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
    if (value > 255) return std::nullopt;
    return static_cast<uint8_t>(value);
  }
  struct Name {
    std::string_view name;
    uint8_t number;
  };
  // IANA protocol numbers (the /etc/protocols names isakmpd would resolve).
  static constexpr std::array kNames{
      Name{"icmp", 1},  Name{"igmp", 2},       Name{"ipip", 4},    Name{"ipencap", 4},
      Name{"tcp", 6},   Name{"udp", 17},       Name{"ipv6", 41},   Name{"gre", 47},
      Name{"esp", 50},  Name{"ah", 51},        Name{"ipv6-icmp", 58}, Name{"icmpv6", 58},
      Name{"sctp", 132},
  };
  for (const auto& n : kNames) {
    if (n.name.size() != text.size()) continue;
    bool eq = true;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != n.name[i]) eq = false;
    }
    if (eq) return n.number;
  }
  return std::nullopt;
}

base::Result<wire::IdPayload> phase1_id_from_section(const conf::ConfDb& conf,
                                                     std::string_view section) {
  IKE_TRY(uint8_t type, id_type_tag(conf, section));
  wire::IdPayload id;
  id.id_type = type;
  switch (static_cast<IdType>(type)) {
    case IdType::Ipv4Addr:
    case IdType::Ipv6Addr: {
      IKE_TRY(base::IpAddress a, address_tag(conf, section, "Address", family_of(type)));
      id.data = base::to_bytes(a.bytes());
      return id;
    }
    case IdType::Fqdn:
    case IdType::UserFqdn:
    case IdType::KeyId: {
      IKE_TRY(std::string name, required_tag(conf, section, "Name"));
      id.data = base::to_bytes(base::view(name));
      return id;
    }
    case IdType::DerAsn1Dn: {
      // isakmpd: Name=/C=US/O=Example/CN=gw (x509_DN_string2asn); compared with certificate
      // subjects byte for byte (pki_store.h).
      IKE_TRY(std::string name, required_tag(conf, section, "Name"));
      auto der = crypto::dn_from_text(name);
      if (!der) return config_error("[{}]:Name: {}", section, der.error().detail);
      id.data = std::move(*der);
      return id;
    }
    case IdType::Ipv4AddrSubnet:
    case IdType::Ipv6AddrSubnet: {
      IKE_TRY(base::TrafficSelector ts, subnet_tags(conf, section, family_of(type)));
      id.data = concat(ts.network.bytes(),
                       base::IpAddress::netmask(ts.network.family(), ts.prefix).bytes());
      return id;
    }
    case IdType::Ipv4AddrRange:
    case IdType::Ipv6AddrRange: {
      // RFC 2407 §4.6.2.7/§4.6.2.8: start address then end address.
      IKE_TRY(base::IpAddress first, address_tag(conf, section, "Address", family_of(type)));
      IKE_TRY(base::IpAddress last, address_tag(conf, section, "End-address", family_of(type)));
      if (!addr_le(first.bytes(), last.bytes())) {
        return config_error("[{}]:End-address {} is below Address {}", section,
                            last.to_string(), first.to_string());
      }
      id.data = concat(first.bytes(), last.bytes());
      return id;
    }
    default:
      break;
  }
  return config_error("[{}]:ID-type {} cannot be used as a phase-1 ID", section,
                      wire::registry_name_or_number(wire::Registry::IdType, type));
}

wire::IdPayload address_id(const base::IpAddress& local) {
  wire::IdPayload id;
  id.id_type = static_cast<uint8_t>(local.is_v4() ? IdType::Ipv4Addr : IdType::Ipv6Addr);
  id.data = base::to_bytes(local.bytes());
  return id;
}

base::Result<wire::IdPayload> local_phase1_id(const conf::ConfDb& conf,
                                              std::string_view id_section,
                                              const base::IpAddress& local) {
  if (!id_section.empty()) return phase1_id_from_section(conf, id_section);
  if (auto def = conf.get("General", "Default-phase-1-ID"); def && !def->empty()) {
    return phase1_id_from_section(conf, *def);
  }
  return address_id(local);
}

bool phase1_id_matches(const wire::IdPayload& expected, const wire::IdPayload& received) {
  if (id_equal(expected, received)) return true;
  const auto et = static_cast<IdType>(expected.id_type);
  const auto rt = static_cast<IdType>(received.id_type);
  const bool v4 = rt == IdType::Ipv4Addr;
  if (!v4 && rt != IdType::Ipv6Addr) return false;
  const std::size_t n = v4 ? 4 : 16;
  if (received.data.size() != n || expected.data.size() != 2 * n) return false;
  base::ByteView addr = base::view(received.data);
  base::ByteView lo = base::view(expected.data).first(n);
  base::ByteView hi = base::view(expected.data).subspan(n);
  if (et == (v4 ? IdType::Ipv4AddrRange : IdType::Ipv6AddrRange)) {
    return addr_le(lo, addr) && addr_le(addr, hi);
  }
  if (et == (v4 ? IdType::Ipv4AddrSubnet : IdType::Ipv6AddrSubnet)) {
    for (std::size_t i = 0; i < n; ++i) {
      if ((addr[i] & hi[i]) != (lo[i] & hi[i])) return false;
    }
    return true;
  }
  return false;
}

namespace {

// The form of a received phase-1 ID beyond the wire lengths (wire/payload_codec.cc checks
// those): RFC 2407 §4.6.2.7/§4.6.2.8 ranges must not run backwards, and a DER_ASN1_DN
// (§4.6.2.9) must parse as exactly one X.501 Name.
base::Status check_phase1_id_form(const wire::IdPayload& id) {
  const auto t = static_cast<IdType>(id.id_type);
  if (t == IdType::Ipv4AddrRange || t == IdType::Ipv6AddrRange) {
    const std::size_t half = id.data.size() / 2;
    base::ByteView d = base::view(id.data);
    if (half != 0 && std::lexicographical_compare(d.begin() + static_cast<std::ptrdiff_t>(half),
                                                  d.end(), d.begin(),
                                                  d.begin() + static_cast<std::ptrdiff_t>(half))) {
      return id_error(base::ErrorCode::BadValue, "peer phase-1 ID {}: range end below its start",
                      id_to_string(id));
    }
  }
  if (t == IdType::DerAsn1Dn && !crypto::dn_to_text(base::view(id.data))) {
    return id_error(base::ErrorCode::BadValue,
                    "peer phase-1 ID of type DER_ASN1_DN: {} bytes that are not a DER Name",
                    id.data.size());
  }
  return base::ok();
}

}  // namespace

base::Result<Phase1IdCheck> verify_peer_phase1_id(const conf::ConfDb& conf,
                                                  std::string_view remote_id_section,
                                                  const base::IpAddress& peer_address,
                                                  const wire::IdPayload& received) {
  // Reliability notes §A1.6 class 9 (CVE-2013-6075, CVE-2014-2891): an ID whose data cannot
  // be an identity is INVALID-ID-INFORMATION even when no Remote-ID restricts the peer;
  // otherwise a PSK peer under [Phase 1]:Default could authenticate as garbage.
  IKE_TRY_VOID(check_phase1_id_form(received));
  if (!remote_id_section.empty()) {
    IKE_TRY(wire::IdPayload expected, phase1_id_from_section(conf, remote_id_section));
    if (!phase1_id_matches(expected, received)) {
      return id_error(base::ErrorCode::Auth, "peer phase-1 ID {} does not match [{}] ({})",
                      id_to_string(received), remote_id_section, id_to_string(expected));
    }
  } else {
    const auto t = static_cast<IdType>(received.id_type);
    if (t == IdType::Ipv4Addr || t == IdType::Ipv6Addr) {
      wire::IdPayload expected = address_id(peer_address);
      if (!id_equal(expected, received)) {
        return id_error(base::ErrorCode::Auth,
                        "peer phase-1 ID {} does not match its address {} (no Remote-ID)",
                        id_to_string(received), peer_address.to_string());
      }
    }
  }
  Phase1IdCheck check;
  // isakmpd ike_phase_1_recv_ID: proto/port 0/0 or UDP/500 are expected; others are accepted
  // with a log line (its rejection is under #ifdef notyet).
  const bool ok_pp = (received.protocol == 0 && received.port == 0) ||
                     (received.protocol == kIpProtoUdp && received.port == 500);
  if (!ok_pp) {
    check.dubious = true;
    IKE_LOG_INFO("dubious ID information accepted: {} proto {} port {}", id_to_string(received),
                 received.protocol, received.port);
  }
  return check;
}

base::Result<base::TrafficSelector> ipsec_id_selector(const conf::ConfDb& conf,
                                                      std::string_view section) {
  IKE_TRY(uint8_t type, id_type_tag(conf, section));
  base::TrafficSelector ts;
  switch (static_cast<IdType>(type)) {
    case IdType::Ipv4Addr:
    case IdType::Ipv6Addr: {
      IKE_TRY(ts.network, address_tag(conf, section, "Address", family_of(type)));
      ts.prefix = static_cast<uint8_t>(family_bits(family_of(type)));
      break;
    }
    case IdType::Ipv4AddrSubnet:
    case IdType::Ipv6AddrSubnet: {
      IKE_TRY(ts, subnet_tags(conf, section, family_of(type)));
      break;
    }
    default:
      return config_error("[{}]:ID-type {} cannot be used as an IPsec ID (addresses and subnets "
                          "only)",
                          section, wire::registry_name_or_number(wire::Registry::IdType, type));
  }
  if (auto proto = conf.get(section, "Protocol"); proto && !proto->empty()) {
    auto n = parse_ip_protocol(*proto);
    if (!n) {
      return config_error("[{}]:Protocol \"{}\" unknown", section, base::sanitize_for_log(*proto));
    }
    ts.ip_protocol = *n;
  }
  if (auto port = conf.get(section, "Port"); port && !port->empty()) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), v);
    if (ec != std::errc() || end != port->data() + port->size() || v > 65535) {
      return config_error("[{}]:Port \"{}\" is not a port number", section,
                          base::sanitize_for_log(*port));
    }
    if (v != 0 && ts.ip_protocol == 0) {
      return config_error("[{}]:Port {} needs a Protocol", section, v);
    }
    ts.port = static_cast<uint16_t>(v);
  }
  return ts;
}

base::Result<wire::IdPayload> ipsec_id_from_section(const conf::ConfDb& conf,
                                                    std::string_view section) {
  IKE_TRY(uint8_t type, id_type_tag(conf, section));
  IKE_TRY(base::TrafficSelector ts, ipsec_id_selector(conf, section));
  wire::IdPayload id;
  id.id_type = type;
  id.protocol = ts.ip_protocol;
  id.port = ts.port;
  if (type == static_cast<uint8_t>(IdType::Ipv4Addr) ||
      type == static_cast<uint8_t>(IdType::Ipv6Addr)) {
    id.data = base::to_bytes(ts.network.bytes());
  } else {
    id.data = concat(ts.network.bytes(),
                     base::IpAddress::netmask(ts.network.family(), ts.prefix).bytes());
  }
  return id;
}

wire::IdPayload selector_to_id(const base::TrafficSelector& ts) {
  wire::IdPayload id;
  const base::Family f = ts.network.family();
  id.protocol = ts.ip_protocol;
  id.port = ts.port;
  if (ts.prefix >= family_bits(f)) {
    id.id_type = static_cast<uint8_t>(f == base::Family::V4 ? IdType::Ipv4Addr : IdType::Ipv6Addr);
    id.data = base::to_bytes(ts.network.bytes());
  } else {
    id.id_type = static_cast<uint8_t>(f == base::Family::V4 ? IdType::Ipv4AddrSubnet
                                                            : IdType::Ipv6AddrSubnet);
    id.data = concat(ts.network.bytes(), base::IpAddress::netmask(f, ts.prefix).bytes());
  }
  return id;
}

base::Result<base::TrafficSelector> id_to_selector(const wire::IdPayload& id) {
  base::TrafficSelector ts;
  ts.ip_protocol = id.protocol;
  ts.port = id.port;
  const auto t = static_cast<IdType>(id.id_type);
  const base::ByteView d = base::view(id.data);
  switch (t) {
    case IdType::Ipv4Addr:
    case IdType::Ipv6Addr: {
      const std::size_t want = t == IdType::Ipv4Addr ? 4 : 16;
      if (d.size() != want) {
        return id_error(base::ErrorCode::BadValue, "ID {}: {} data bytes, expected {}",
                        wire::registry_name_or_number(wire::Registry::IdType, id.id_type),
                        d.size(), want);
      }
      ts.network = want == 4 ? base::IpAddress::v4_bytes(d) : base::IpAddress::v6(d);
      ts.prefix = static_cast<uint8_t>(want * 8);
      return ts;
    }
    case IdType::Ipv4AddrSubnet:
    case IdType::Ipv6AddrSubnet: {
      const std::size_t half = t == IdType::Ipv4AddrSubnet ? 4 : 16;
      if (d.size() != 2 * half) {
        return id_error(base::ErrorCode::BadValue, "ID {}: {} data bytes, expected {}",
                        wire::registry_name_or_number(wire::Registry::IdType, id.id_type),
                        d.size(), 2 * half);
      }
      auto make = [half](base::ByteView b) {
        return half == 4 ? base::IpAddress::v4_bytes(b) : base::IpAddress::v6(b);
      };
      const base::IpAddress addr = make(d.first(half));
      const base::IpAddress mask = make(d.subspan(half));
      auto prefix = mask.mask_prefix_length();
      if (!prefix) {
        return id_error(base::ErrorCode::BadValue, "ID {}: netmask {} is not contiguous",
                        wire::registry_name_or_number(wire::Registry::IdType, id.id_type),
                        mask.to_string());
      }
      ts.network = addr.masked(*prefix);
      ts.prefix = static_cast<uint8_t>(*prefix);
      return ts;
    }
    default:
      break;
  }
  return id_error(base::ErrorCode::Unsupported,
                  "ID type {} cannot describe traffic (RFC 2407 §4.6.2: Quick Mode IDs are "
                  "addresses or subnets here)",
                  wire::registry_name_or_number(wire::Registry::IdType, id.id_type));
}

bool id_equal(const wire::IdPayload& a, const wire::IdPayload& b) noexcept {
  return a.id_type == b.id_type && a.data == b.data;
}

bool id_matches_selector(const wire::IdPayload& id, const base::TrafficSelector& ts) {
  auto s = id_to_selector(id);
  return s && *s == ts;
}

std::string id_to_string(const wire::IdPayload& id) {
  const base::ByteView d = base::view(id.data);
  std::string out;
  auto bad = [&](const char* prefix) {
    return fmt::format("{}/<bad length {}>", prefix, d.size());
  };
  switch (static_cast<IdType>(id.id_type)) {
    case IdType::Ipv4Addr:
      out = d.size() == 4 ? "ipv4/" + base::IpAddress::v4_bytes(d).to_string() : bad("ipv4");
      break;
    case IdType::Ipv6Addr:
      out = d.size() == 16 ? "ipv6/" + base::IpAddress::v6(d).to_string() : bad("ipv6");
      break;
    case IdType::Ipv4AddrSubnet:
    case IdType::Ipv6AddrSubnet: {
      const bool v4 = id.id_type == static_cast<uint8_t>(IdType::Ipv4AddrSubnet);
      const std::size_t half = v4 ? 4 : 16;
      const char* prefix = v4 ? "ipv4" : "ipv6";
      if (d.size() != 2 * half) {
        out = bad(prefix);
        break;
      }
      auto addr = v4 ? base::IpAddress::v4_bytes(d.first(4)) : base::IpAddress::v6(d.first(16));
      auto mask = v4 ? base::IpAddress::v4_bytes(d.subspan(4)) : base::IpAddress::v6(d.subspan(16));
      if (auto p = mask.mask_prefix_length()) {
        out = fmt::format("{}/{}/{}", prefix, addr.to_string(), *p);
      } else {
        out = fmt::format("{}/{}/{}", prefix, addr.to_string(), mask.to_string());
      }
      break;
    }
    case IdType::Ipv4AddrRange:
    case IdType::Ipv6AddrRange: {
      const bool v4 = id.id_type == static_cast<uint8_t>(IdType::Ipv4AddrRange);
      const std::size_t half = v4 ? 4 : 16;
      const char* prefix = v4 ? "ipv4_range" : "ipv6_range";
      if (d.size() != 2 * half) {
        out = bad(prefix);
        break;
      }
      auto lo = v4 ? base::IpAddress::v4_bytes(d.first(4)) : base::IpAddress::v6(d.first(16));
      auto hi = v4 ? base::IpAddress::v4_bytes(d.subspan(4)) : base::IpAddress::v6(d.subspan(16));
      out = fmt::format("{}/{}-{}", prefix, lo.to_string(), hi.to_string());
      break;
    }
    case IdType::Fqdn:
      out = "fqdn/" + base::sanitize_for_log(base::as_chars(d));
      break;
    case IdType::UserFqdn:
      out = "ufqdn/" + base::sanitize_for_log(base::as_chars(d));
      break;
    case IdType::KeyId:
      out = printable(d) ? "keyid/" + base::sanitize_for_log(base::as_chars(d))
                         : "keyid/" + base::to_hex(d.first(std::min<std::size_t>(d.size(), 64)));
      break;
    case IdType::DerAsn1Dn:
      if (auto text = crypto::dn_to_text(d)) {
        out = "asn1_dn/" + base::sanitize_for_log(*text);
      } else {
        out = fmt::format("asn1_dn/<{} bytes>", d.size());
      }
      break;
    default:
      out = fmt::format("{}/<{} bytes>",
                        wire::registry_name_or_number(wire::Registry::IdType, id.id_type),
                        d.size());
      break;
  }
  if (id.protocol != 0) out += fmt::format(" proto {}", id.protocol);
  if (id.port != 0) out += fmt::format(" port {}", id.port);
  return out;
}

}  // namespace ike::engine
