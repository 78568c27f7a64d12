// Symbolic dumper of ISAKMP messages (see dump.h). Attribute classes are named per proposal
// protocol (RFC 2409 App. A for PROTO_ISAKMP, RFC 2407 §4.5 for AH/ESP/IPCOMP), attribute
// values through the registry of their class, IDs as addresses or sanitized names (RFC 2407
// §4.6.2), well-known vendor IDs by name. Never indexes tables by wire values.
#include "wire/dump.h"

#include <fmt/core.h>

#include <array>

#include "base/address.h"
#include "base/hex.h"
#include "base/log.h"

namespace ike::wire {
namespace {

constexpr std::size_t kMaxStringShown = 128;

struct KnownVendor {
  std::string_view hex_prefix;
  std::string_view name;
};
// Well-known vendor IDs (matched as prefixes of the VID, which may carry version bytes).
constexpr std::array kKnownVendors{
    KnownVendor{"4a131c81070358455c5728f20e95452f", "RFC 3947 NAT-T"},
    KnownVendor{"90cb80913ebb696e086381b5ec427b1f", "draft-ietf-ipsec-nat-t-ike-02\\n"},
    KnownVendor{"cd60464335df21f87cfdb2fc68b6a448", "draft-ietf-ipsec-nat-t-ike-02"},
    KnownVendor{"7d9419a65310ca6f2c179d9215529d56", "draft-ietf-ipsec-nat-t-ike-03"},
    KnownVendor{"4485152d18b6bbcd0be8a8469579ddcc", "draft-ietf-ipsec-nat-t-ike-00"},
    KnownVendor{"afcad71368a1f1c96b8696fc7757", "RFC 3706 DPD"},
    KnownVendor{"09002689dfd6b712", "XAUTH"},
    KnownVendor{"12f5f28c457168a9702d9fe274cc", "Cisco Unity"},
    KnownVendor{"4048b7d56ebce88525e7de7f00d6c2d3", "IKE fragmentation"},
};

std::string opaque(ByteView v) {
  if (v.empty()) return "0 bytes";
  return fmt::format("{} bytes {}", v.size(), hex_preview(v));
}

std::string sanitized(ByteView v) {
  return fmt::format("\"{}\"", base::sanitize_for_log(base::as_chars(v), kMaxStringShown));
}

std::string name_of(Registry r, uint32_t v) { return registry_name_or_number(r, v); }

std::string address(ByteView v) {
  if (v.size() == 4) return base::IpAddress::v4_bytes(v).to_string();
  if (v.size() == 16) return base::IpAddress::v6(v).to_string();
  return hex_preview(v);
}

// "addr/prefix" when the mask is contiguous, "addr/mask" otherwise.
std::string subnet(ByteView v, std::size_t width) {
  if (v.size() != 2 * width) return hex_preview(v);
  const auto addr_bytes = v.first(width);
  const auto mask_bytes = v.subspan(width);
  auto mask = width == 4 ? base::IpAddress::v4_bytes(mask_bytes) : base::IpAddress::v6(mask_bytes);
  if (auto prefix = mask.mask_prefix_length()) {
    return fmt::format("{}/{}", address(addr_bytes), *prefix);
  }
  return fmt::format("{}/{}", address(addr_bytes), mask.to_string());
}

std::string range(ByteView v, std::size_t width) {
  if (v.size() != 2 * width) return hex_preview(v);
  return fmt::format("{}-{}", address(v.first(width)), address(v.subspan(width)));
}

std::string id_value(uint8_t type, ByteView data) {
  switch (static_cast<IdType>(type)) {
    case IdType::Ipv4Addr:
    case IdType::Ipv6Addr: return address(data);
    case IdType::Ipv4AddrSubnet: return subnet(data, 4);
    case IdType::Ipv6AddrSubnet: return subnet(data, 16);
    case IdType::Ipv4AddrRange: return range(data, 4);
    case IdType::Ipv6AddrRange: return range(data, 16);
    case IdType::Fqdn:
    case IdType::UserFqdn: return sanitized(data);
    case IdType::DerAsn1Dn:
    case IdType::DerAsn1Gn:
    case IdType::KeyId: break;
  }
  return opaque(data);
}

// The registry naming the values of an attribute class, if its values are enumerated.
std::optional<Registry> value_registry(bool phase1, uint16_t type) {
  if (phase1) {
    switch (static_cast<IkeAttr>(type)) {
      case IkeAttr::EncryptionAlgorithm: return Registry::IkeEncryption;
      case IkeAttr::HashAlgorithm: return Registry::IkeHash;
      case IkeAttr::AuthenticationMethod: return Registry::IkeAuthMethod;
      case IkeAttr::GroupDescription: return Registry::DhGroup;
      case IkeAttr::GroupType: return Registry::GroupType;
      case IkeAttr::LifeType: return Registry::LifeType;
      default: return std::nullopt;
    }
  }
  switch (static_cast<IpsecAttr>(type)) {
    case IpsecAttr::SaLifeType: return Registry::LifeType;
    case IpsecAttr::GroupDescription: return Registry::DhGroup;
    case IpsecAttr::EncapsulationMode: return Registry::EncapsulationMode;
    case IpsecAttr::AuthenticationAlgorithm: return Registry::IpsecAuthAlg;
    default: return std::nullopt;
  }
}

std::string attribute_value(const Attribute& a, std::optional<Registry> values) {
  auto n = a.as_number();
  if (!n) return fmt::format("{} (TLV)", opaque(a.long_value));
  std::string text = values && *n <= 0xffffffffu ? name_of(*values, static_cast<uint32_t>(*n))
                                                  : fmt::format("{}", *n);
  if (!a.tv) text += fmt::format(" (TLV {})", a.long_value.size());
  return text;
}

void dump_sa_attributes(std::string& out, const std::vector<Attribute>& attrs, bool phase1) {
  const Registry names = phase1 ? Registry::IkeAttr : Registry::IpsecAttr;
  for (const auto& a : attrs) {
    out += fmt::format("      {}={}\n", name_of(names, a.type),
                       attribute_value(a, value_registry(phase1, a.type)));
  }
}

std::string transform_name(uint8_t protocol, uint8_t id) {
  switch (static_cast<ProtocolId>(protocol)) {
    case ProtocolId::Isakmp:
      return id == static_cast<uint8_t>(IsakmpTransformId::KeyIke)
                 ? std::string("KEY_IKE")
                 : fmt::format("unknown ({})", id);
    case ProtocolId::IpsecAh: return name_of(Registry::AhTransformId, id);
    case ProtocolId::IpsecEsp: return name_of(Registry::EspTransformId, id);
    case ProtocolId::Ipcomp: return name_of(Registry::IpcompTransformId, id);
  }
  return fmt::format("unknown ({})", id);
}

void dump_sa(std::string& out, const SaPayload& sa) {
  out += fmt::format("SA doi={} situation=0x{:08x}\n", sa.doi, sa.situation);
  for (const auto& p : sa.proposals) {
    out += fmt::format("  PROPOSAL #{} protocol={} spi={} transforms={}\n", p.number,
                       name_of(Registry::ProtocolId, p.protocol_id),
                       p.spi.empty() ? std::string("none") : base::to_hex(p.spi),
                       p.transforms.size());
    const bool phase1 = p.protocol_id == static_cast<uint8_t>(ProtocolId::Isakmp);
    for (const auto& t : p.transforms) {
      out += fmt::format("    TRANSFORM #{} id={}\n", t.number,
                         transform_name(p.protocol_id, t.transform_id));
      dump_sa_attributes(out, t.attributes, phase1);
    }
  }
}

std::string cfg_value(const Attribute& a) {
  if (a.tv) return fmt::format("{}", a.short_value);
  if (a.long_value.empty()) return "<empty>";
  switch (static_cast<CfgAttr>(a.type)) {
    case CfgAttr::InternalIp4Address:
    case CfgAttr::InternalIp4Netmask:
    case CfgAttr::InternalIp4Dns:
    case CfgAttr::InternalIp4Nbns:
    case CfgAttr::InternalIp4Dhcp:
      return a.long_value.size() == 4 ? address(a.long_value) : opaque(a.long_value);
    case CfgAttr::InternalIp4Subnet: return subnet(a.long_value, 4);
    case CfgAttr::ApplicationVersion:
    case CfgAttr::XauthUserName:
    case CfgAttr::XauthMessage:
    case CfgAttr::XauthDomain: return sanitized(a.long_value);
    case CfgAttr::XauthUserPassword:
    case CfgAttr::XauthPasscode:
    case CfgAttr::XauthNextPin:
    case CfgAttr::XauthAnswer:
      return fmt::format("<{} bytes hidden>", a.long_value.size());  // secrets are not dumped
    default: break;
  }
  if (auto n = a.as_number(); n && a.long_value.size() <= 4) return fmt::format("{}", *n);
  return opaque(a.long_value);
}

std::string vendor_name(ByteView v) {
  const std::string hex = base::to_hex(v);
  for (const auto& k : kKnownVendors) {
    if (hex.size() >= k.hex_prefix.size() && hex.compare(0, k.hex_prefix.size(), k.hex_prefix) == 0) {
      return fmt::format(" ({})", k.name);
    }
  }
  return {};
}

std::string notify_data(const NotifyPayload& n) {
  if ((n.type == static_cast<uint16_t>(NotifyType::RUThere) ||
       n.type == static_cast<uint16_t>(NotifyType::RUThereAck)) &&
      n.data.size() == 4) {
    // RFC 3706 §5: the notification data is a 32-bit sequence number.
    uint32_t seq = (uint32_t{n.data[0]} << 24) | (uint32_t{n.data[1]} << 16) |
                   (uint32_t{n.data[2]} << 8) | uint32_t{n.data[3]};
    return fmt::format(" seq={}", seq);
  }
  if (n.data.empty()) return {};
  return fmt::format(" data={}", opaque(n.data));
}

struct LineVisitor {
  std::string& out;
  void operator()(const SaPayload& v) const { dump_sa(out, v); }
  void operator()(const KePayload& v) const { out += fmt::format("KEY_EXCH {}\n", opaque(v.data)); }
  void operator()(const IdPayload& v) const {
    out += fmt::format("ID type={} protocol={} port={} {}\n", name_of(Registry::IdType, v.id_type),
                       v.protocol, v.port, id_value(v.id_type, v.data));
  }
  void operator()(const CertPayload& v) const {
    out += fmt::format("CERT encoding={} {}\n", name_of(Registry::CertEncoding, v.encoding),
                       opaque(v.data));
  }
  void operator()(const CertReqPayload& v) const {
    out += fmt::format("CERT_REQ type={} authority={}\n",
                       name_of(Registry::CertEncoding, v.encoding),
                       v.authority.empty() ? std::string("any") : opaque(v.authority));
  }
  void operator()(const HashPayload& v) const { out += fmt::format("HASH {}\n", opaque(v.data)); }
  void operator()(const SigPayload& v) const { out += fmt::format("SIG {}\n", opaque(v.data)); }
  void operator()(const NoncePayload& v) const { out += fmt::format("NONCE {}\n", opaque(v.data)); }
  void operator()(const NotifyPayload& v) const {
    out += fmt::format("NOTIFY doi={} protocol={} type={} spi={}{}\n", v.doi,
                       name_of(Registry::ProtocolId, v.protocol_id),
                       name_of(Registry::NotifyType, v.type),
                       v.spi.empty() ? std::string("none") : base::to_hex(v.spi),
                       notify_data(v));
  }
  void operator()(const DeletePayload& v) const {
    out += fmt::format("DELETE doi={} protocol={} spi_size={} spis={}", v.doi,
                       name_of(Registry::ProtocolId, v.protocol_id), v.spi_size, v.spis.size());
    constexpr std::size_t kMaxShown = 8;
    for (std::size_t i = 0; i < v.spis.size() && i < kMaxShown; ++i) {
      out += (i == 0 ? " " : ",") + base::to_hex(v.spis[i]);
    }
    if (v.spis.size() > kMaxShown) out += ",...";
    out += '\n';
  }
  void operator()(const VendorPayload& v) const {
    out += fmt::format("VENDOR {}{}\n", opaque(v.data), vendor_name(v.data));
  }
  void operator()(const NatDPayload& v) const {
    out += fmt::format("{} {}\n", v.draft ? "NAT_D_DRAFT" : "NAT_D", opaque(v.hash));
  }
  void operator()(const NatOaPayload& v) const {
    out += fmt::format("{} type={} {}\n", v.draft ? "NAT_OA_DRAFT" : "NAT_OA",
                       name_of(Registry::IdType, v.id_type), address(v.address));
  }
  void operator()(const AttributePayload& v) const {
    out += fmt::format("ATTRIBUTE type={} id={}\n", name_of(Registry::CfgType, v.cfg_type),
                       v.identifier);
    for (const auto& a : v.attributes) {
      out += fmt::format("  {}={}\n", name_of(Registry::CfgAttr, a.type), cfg_value(a));
    }
  }
  void operator()(const UnknownPayload& v) const {
    out += fmt::format("{} {}\n", to_string(static_cast<PayloadType>(v.type)), opaque(v.body));
  }
};

std::string flag_names(uint8_t flags) {
  std::string s;
  if ((flags & kFlagEncryption) != 0) s += 'E';
  if ((flags & kFlagCommit) != 0) s += 'C';
  if ((flags & kFlagAuthOnly) != 0) s += 'A';
  return s.empty() ? std::string() : "<" + s + ">";
}

}  // namespace

std::string hex_preview(ByteView v, std::size_t max) {
  if (v.size() <= max) return base::to_hex(v);
  return base::to_hex(v.first(max)) + "...";
}

std::string dump_header(const Header& h) {
  return fmt::format(
      "HDR cookies={}/{} next={} version={}.{} exchange={} flags=0x{:02x}{} msgid=0x{:08x} "
      "length={}",
      h.cookies.initiator.hex(), h.cookies.responder.hex(), to_string(h.next_payload),
      h.major_version, h.minor_version, to_string(h.exchange), h.flags, flag_names(h.flags),
      h.message_id.value, h.length);
}

std::string dump_payload(const Payload& p) {
  std::string out;
  std::visit(LineVisitor{out}, p);
  return out;
}

std::string dump_payloads(std::span<const PayloadEntry> payloads) {
  std::string out;
  for (const auto& e : payloads) std::visit(LineVisitor{out}, e.value);
  return out;
}

std::string dump_message(const Message& m) {
  std::string out = dump_header(m.header) + "\n";
  if ((m.header.flags & kFlagEncryption) != 0 && m.payloads.empty()) {
    out += fmt::format("  <encrypted {} bytes>\n", m.encrypted_body.size());
    return out;
  }
  out += dump_payloads(m.payloads);
  return out;
}

}  // namespace ike::wire
