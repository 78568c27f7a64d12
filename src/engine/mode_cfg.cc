// Mode-config attributes (draft-dukes-ike-mode-cfg-02 §3.3): the attribute table, the semantic
// check of received ATTRIBUTE payloads, value/text conversion and the isakmpd configuration
// contract. See mode_cfg.h.
#include "engine/mode_cfg.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "base/address.h"
#include "base/log.h"
#include "engine/ipsec_id.h"

namespace ike::engine {

namespace {

using base::ErrorCode;
using base::NotifyType;
using wire::CfgAttr;
using K = CfgValueKind;

// draft-dukes-ike-mode-cfg-02 §3.3 (lengths: "0 or 4 octets", IP6 address "0 or 17 octets").
constexpr std::array kAttrs{
    CfgAttrInfo{CfgAttr::InternalIp4Address, "INTERNAL_IP4_ADDRESS", "ISAKMPD_MODECFG_IP4_ADDRESS", K::Ip4, false},
    CfgAttrInfo{CfgAttr::InternalIp4Netmask, "INTERNAL_IP4_NETMASK", "ISAKMPD_MODECFG_IP4_NETMASK", K::Ip4, false},
    CfgAttrInfo{CfgAttr::InternalIp4Dns, "INTERNAL_IP4_DNS", "ISAKMPD_MODECFG_IP4_DNS", K::Ip4, true},
    CfgAttrInfo{CfgAttr::InternalIp4Nbns, "INTERNAL_IP4_NBNS", "ISAKMPD_MODECFG_IP4_NBNS", K::Ip4, true},
    CfgAttrInfo{CfgAttr::InternalAddressExpiry, "INTERNAL_ADDRESS_EXPIRY", "ISAKMPD_MODECFG_ADDRESS_EXPIRY", K::Seconds, false},
    CfgAttrInfo{CfgAttr::InternalIp4Dhcp, "INTERNAL_IP4_DHCP", "ISAKMPD_MODECFG_IP4_DHCP", K::Ip4, true},
    CfgAttrInfo{CfgAttr::ApplicationVersion, "APPLICATION_VERSION", "ISAKMPD_MODECFG_APPLICATION_VERSION", K::Text, false},
    CfgAttrInfo{CfgAttr::InternalIp6Address, "INTERNAL_IP6_ADDRESS", "ISAKMPD_MODECFG_IP6_ADDRESS", K::Ip6Prefixed, false},
    CfgAttrInfo{CfgAttr::InternalIp6Netmask, "INTERNAL_IP6_NETMASK", "ISAKMPD_MODECFG_IP6_NETMASK", K::Ip6, false},
    CfgAttrInfo{CfgAttr::InternalIp6Dns, "INTERNAL_IP6_DNS", "ISAKMPD_MODECFG_IP6_DNS", K::Ip6, true},
    CfgAttrInfo{CfgAttr::InternalIp6Nbns, "INTERNAL_IP6_NBNS", "ISAKMPD_MODECFG_IP6_NBNS", K::Ip6, true},
    CfgAttrInfo{CfgAttr::InternalIp6Dhcp, "INTERNAL_IP6_DHCP", "ISAKMPD_MODECFG_IP6_DHCP", K::Ip6, true},
    CfgAttrInfo{CfgAttr::InternalIp4Subnet, "INTERNAL_IP4_SUBNET", "ISAKMPD_MODECFG_IP4_SUBNET", K::Ip4Subnet, true},
    CfgAttrInfo{CfgAttr::SupportedAttributes, "SUPPORTED_ATTRIBUTES", "ISAKMPD_MODECFG_SUPPORTED_ATTRIBUTES", K::AttrList, false},
    CfgAttrInfo{CfgAttr::InternalIp6Subnet, "INTERNAL_IP6_SUBNET", "ISAKMPD_MODECFG_IP6_SUBNET", K::Ip6Subnet, true},
};

constexpr std::size_t kMaxText = 255;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string type_name(uint16_t type) {
  return wire::registry_name_or_number(wire::Registry::CfgAttr, type);
}

// The octet counts a value of `kind` may have besides 0 (zero: requested / acknowledged).
std::string expected_lengths(CfgValueKind kind) {
  switch (kind) {
    case K::Ip4: return "0 or 4";
    case K::Ip6: return "0 or 16";
    case K::Ip6Prefixed: return "0, 16 or 17";
    case K::Ip4Subnet: return "0 or 8";
    case K::Ip6Subnet: return "0 or 17";
    case K::Seconds: return "0 or 4";
    case K::Text: return "0..255";
    case K::AttrList: return "a multiple of 2";
  }
  return "?";
}

bool length_ok(CfgValueKind kind, std::size_t n) {
  if (n == 0) return true;
  switch (kind) {
    case K::Ip4: return n == 4;
    case K::Ip6: return n == 16;
    case K::Ip6Prefixed: return n == 16 || n == 17;
    case K::Ip4Subnet: return n == 8;
    case K::Ip6Subnet: return n == 17;
    case K::Seconds: return n == 4;
    case K::Text: return n <= kMaxText;
    case K::AttrList: return n % 2 == 0;
  }
  return false;
}

// Wire value (length already checked, non-empty) -> text; semantic errors name the attribute.
base::Result<std::string> decode_value(const CfgAttrInfo& info, base::ByteView v,
                                       std::size_t index) {
  auto bad = [&](std::string_view what) {
    return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                            "mode-cfg attribute #{} {}: {}", index, info.name, what);
  };
  switch (info.kind) {
    case K::Ip4: {
      auto a = base::IpAddress::v4_bytes(v);
      if (info.type == CfgAttr::InternalIp4Netmask && !a.mask_prefix_length()) {
        return bad(fmt::format("{} is not a contiguous netmask", a.to_string()));
      }
      return a.to_string();
    }
    case K::Ip6: {
      auto a = base::IpAddress::v6(v);
      if (info.type == CfgAttr::InternalIp6Netmask && !a.mask_prefix_length()) {
        return bad(fmt::format("{} is not a contiguous netmask", a.to_string()));
      }
      return a.to_string();
    }
    case K::Ip6Prefixed:
    case K::Ip6Subnet: {
      auto a = base::IpAddress::v6(v.first(16));
      if (v.size() == 16) return a.to_string();
      if (v[16] > 128) return bad(fmt::format("prefix length {} (expected 0..128)", v[16]));
      return fmt::format("{}/{}", a.to_string(), v[16]);
    }
    case K::Ip4Subnet: {
      auto a = base::IpAddress::v4_bytes(v.first(4));
      auto m = base::IpAddress::v4_bytes(v.subspan(4));
      auto p = m.mask_prefix_length();
      if (!p) return bad(fmt::format("netmask {} is not contiguous", m.to_string()));
      return fmt::format("{}/{}", a.to_string(), *p);
    }
    case K::Seconds: {
      uint32_t s = (uint32_t{v[0]} << 24) | (uint32_t{v[1]} << 16) | (uint32_t{v[2]} << 8) | v[3];
      return std::to_string(s);
    }
    case K::Text:
      return base::sanitize_for_log(
          std::string_view(reinterpret_cast<const char*>(v.data()), v.size()), kMaxText);
    case K::AttrList: {
      std::string out;
      for (std::size_t i = 0; i + 1 < v.size(); i += 2) {
        if (!out.empty()) out += ',';
        const auto n = static_cast<uint16_t>(((v[i] << 8) | v[i + 1]) & 0x7fff);
        auto name = wire::registry_name(wire::Registry::CfgAttr, n);
        out += name ? std::string(*name) : std::to_string(n);
      }
      return out;
    }
  }
  return bad("unknown kind");
}

base::Result<uint16_t> parse_type_name(std::string_view name) {
  name = trim(name);
  if (const auto* info = find_mode_cfg_attribute(name)) return static_cast<uint16_t>(info->type);
  if (auto v = wire::registry_value(wire::Registry::CfgAttr, name)) {
    return static_cast<uint16_t>(*v);
  }
  unsigned n = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), n);
  if (ec == std::errc{} && p == name.data() + name.size() && n <= 0x7fff) {
    return static_cast<uint16_t>(n);
  }
  return base::make_error(ErrorCode::BadValue, NotifyType::None,
                          "unknown mode-cfg attribute \"{}\"", base::sanitize_for_log(name));
}

}  // namespace

std::span<const CfgAttrInfo> mode_cfg_attributes() noexcept { return kAttrs; }

const CfgAttrInfo* find_mode_cfg_attribute(uint16_t type) noexcept {
  for (const auto& a : kAttrs) {
    if (static_cast<uint16_t>(a.type) == type) return &a;
  }
  return nullptr;
}

const CfgAttrInfo* find_mode_cfg_attribute(std::string_view name) noexcept {
  for (const auto& a : kAttrs) {
    if (iequals(a.name, name)) return &a;
  }
  return nullptr;
}

base::Result<CfgMessage> parse_mode_cfg(const wire::AttributePayload& p) {
  CfgMessage m;
  m.type = static_cast<wire::CfgType>(p.cfg_type);
  m.identifier = p.identifier;
  std::vector<std::size_t> first_seen(kAttrs.size(), 0);
  for (std::size_t i = 0; i < p.attributes.size(); ++i) {
    const wire::Attribute& a = p.attributes[i];
    const std::size_t index = i + 1;
    const CfgAttrInfo* info = find_mode_cfg_attribute(a.type);
    if (info == nullptr) {
      m.ignored.push_back(a.type);
      continue;
    }
    // draft-dukes §3.3: every attribute we know is variable length (AF=0).
    if (a.tv) {
      return base::make_error(ErrorCode::BadValue, NotifyType::AttributesNotSupported,
                              "mode-cfg attribute #{} {} in TV form (expected variable length)",
                              index, info->name);
    }
    if (!length_ok(info->kind, a.long_value.size())) {
      return base::make_error(ErrorCode::BadLength, NotifyType::PayloadMalformed,
                              "mode-cfg attribute #{} {}: length {} (expected {})", index,
                              info->name, a.long_value.size(), expected_lengths(info->kind));
    }
    const auto slot = static_cast<std::size_t>(info - kAttrs.data());
    if (!info->multi && first_seen[slot] != 0) {
      return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                              "mode-cfg attribute #{} {} duplicates #{}", index, info->name,
                              first_seen[slot]);
    }
    if (first_seen[slot] == 0) first_seen[slot] = index;
    CfgItem item{a.type, {}};
    if (!a.long_value.empty()) {
      IKE_TRY(item.value, decode_value(*info, base::view(a.long_value), index));
    }
    m.items.push_back(std::move(item));
  }
  return m;
}

base::Result<base::Bytes> encode_cfg_value(const CfgAttrInfo& info, std::string_view text) {
  text = trim(text);
  auto bad = [&](std::string_view what) {
    return base::make_error(ErrorCode::BadValue, NotifyType::None, "{} \"{}\": {}", info.name,
                            base::sanitize_for_log(text), what);
  };
  if (text.empty()) return base::Bytes{};
  auto address = [&](std::string_view t, bool v4) -> base::Result<base::IpAddress> {
    auto a = base::IpAddress::parse(trim(t));
    if (!a || a->is_v4() != v4) {
      return base::make_error(ErrorCode::BadValue, NotifyType::None, "{} \"{}\": not an {} address",
                              info.name, base::sanitize_for_log(text), v4 ? "IPv4" : "IPv6");
    }
    return *a;
  };
  auto prefix = [&](std::string_view t, unsigned max) -> std::optional<unsigned> {
    unsigned n = 0;
    t = trim(t);
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec != std::errc{} || p != t.data() + t.size() || n > max) return std::nullopt;
    return n;
  };
  switch (info.kind) {
    case K::Ip4:
    case K::Ip6: {
      IKE_TRY(auto a, address(text, info.kind == K::Ip4));
      if ((info.type == CfgAttr::InternalIp4Netmask || info.type == CfgAttr::InternalIp6Netmask) &&
          !a.mask_prefix_length()) {
        return bad("not a contiguous netmask");
      }
      return base::to_bytes(a.bytes());
    }
    case K::Ip6Prefixed:
    case K::Ip4Subnet:
    case K::Ip6Subnet: {
      const auto slash = text.find('/');
      const bool v4 = info.kind == K::Ip4Subnet;
      if (slash == std::string_view::npos && info.kind != K::Ip6Prefixed) {
        return bad("expected address/prefix");
      }
      IKE_TRY(auto a, address(text.substr(0, slash), v4));
      base::Bytes out = base::to_bytes(a.bytes());
      if (slash == std::string_view::npos) return out;  // IP6 address without prefix (16 octets)
      std::string_view rest = text.substr(slash + 1);
      if (auto n = prefix(rest, v4 ? 32 : 128)) {
        if (v4) {
          auto m = base::IpAddress::netmask(base::Family::V4, *n);
          out.insert(out.end(), m.bytes().begin(), m.bytes().end());
        } else {
          out.push_back(static_cast<uint8_t>(*n));
        }
        return out;
      }
      if (v4) {
        auto m = base::IpAddress::parse(trim(rest));
        if (m && m->is_v4() && m->mask_prefix_length()) {
          out.insert(out.end(), m->bytes().begin(), m->bytes().end());
          return out;
        }
      }
      return bad("bad prefix length or netmask");
    }
    case K::Seconds: {
      uint32_t s = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), s);
      if (ec != std::errc{} || p != text.data() + text.size()) return bad("not a number of seconds");
      return base::Bytes{static_cast<uint8_t>(s >> 24), static_cast<uint8_t>(s >> 16),
                         static_cast<uint8_t>(s >> 8), static_cast<uint8_t>(s)};
    }
    case K::Text:
      if (text.size() > kMaxText) return bad("longer than 255 octets");
      return base::to_bytes(base::view(text));
    case K::AttrList: {
      base::Bytes out;
      std::size_t start = 0;
      while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) comma = text.size();
        IKE_TRY(uint16_t t, parse_type_name(text.substr(start, comma - start)));
        out.push_back(static_cast<uint8_t>(t >> 8));
        out.push_back(static_cast<uint8_t>(t));
        start = comma + 1;
      }
      return out;
    }
  }
  return bad("unknown kind");
}

base::Result<wire::AttributePayload> build_mode_cfg(wire::CfgType type, uint16_t identifier,
                                                    const std::vector<CfgItem>& items) {
  wire::AttributePayload p;
  p.cfg_type = static_cast<uint8_t>(type);
  p.identifier = identifier;
  for (const auto& item : items) {
    wire::Attribute a;
    a.type = static_cast<uint16_t>(item.type & 0x7fff);
    a.tv = false;
    if (const CfgAttrInfo* info = find_mode_cfg_attribute(item.type)) {
      IKE_TRY(a.long_value, encode_cfg_value(*info, item.value));
    } else if (!item.value.empty()) {
      return base::make_error(ErrorCode::BadValue, NotifyType::None,
                              "no encoding for a value of mode-cfg attribute {}",
                              type_name(item.type));
    }
    p.attributes.push_back(std::move(a));
  }
  return p;
}

std::string mode_cfg_section(const wire::IdPayload& id) { return id_to_string(id); }

base::Result<ModeCfgRole> mode_cfg_role(const conf::ConfDb& conf, std::string_view id_section,
                                        std::string_view peer_section) {
  ModeCfgRole r;
  std::string_view from = id_section;
  auto mode = conf.get(id_section, "Mode");
  if (!mode) {
    mode = conf.get(peer_section, "Mode");
    from = peer_section;
  }
  // isakmpd isakmp_cfg.c: Mode unset or "SET" pushes, anything else pulls.
  r.pull = mode && !iequals(trim(*mode), "SET");
  if (!r.pull) return r;
  auto names = conf.get_list(from, "Attributes");
  if (names.empty()) {
    r.request = {static_cast<uint16_t>(CfgAttr::InternalIp4Address),
                 static_cast<uint16_t>(CfgAttr::InternalIp4Netmask),
                 static_cast<uint16_t>(CfgAttr::InternalIp4Dns),
                 static_cast<uint16_t>(CfgAttr::InternalIp4Nbns),
                 static_cast<uint16_t>(CfgAttr::InternalAddressExpiry)};
    return r;
  }
  for (const auto& n : names) {
    auto t = parse_type_name(n);
    if (!t) {
      return base::make_error(ErrorCode::BadValue, NotifyType::None, "[{}]:Attributes: {}", from,
                              t.error().detail);
    }
    r.request.push_back(*t);
  }
  return r;
}

base::Result<std::vector<CfgItem>> mode_cfg_server_items(const conf::ConfDb& conf,
                                                         std::string_view id_section) {
  std::vector<CfgItem> out;
  auto add = [&](CfgAttr type, const std::string& text, std::string_view tag) -> base::Status {
    const CfgAttrInfo* info = find_mode_cfg_attribute(static_cast<uint16_t>(type));
    auto enc = encode_cfg_value(*info, text);
    if (!enc) {
      return base::make_error(ErrorCode::BadValue, NotifyType::None, "[{}]:{}: {}", id_section,
                              tag, enc.error().detail);
    }
    out.push_back(CfgItem{static_cast<uint16_t>(type), std::string(trim(text))});
    return base::ok();
  };
  auto family_of = [](const std::string& text) {
    auto a = base::IpAddress::parse(trim(std::string_view(text).substr(0, text.find('/'))));
    return a && !a->is_v4();
  };
  bool v6 = false;
  if (auto addr = conf.get(id_section, "Address")) {
    v6 = family_of(*addr);
    std::string text = *addr;
    if (v6 && text.find('/') == std::string::npos) {
      if (auto pfx = conf.get(id_section, "Prefix")) text += "/" + *pfx;
    }
    IKE_TRY_VOID(add(v6 ? CfgAttr::InternalIp6Address : CfgAttr::InternalIp4Address, text,
                     "Address"));
    IKE_TRY_VOID(add(CfgAttr::InternalAddressExpiry,
                     conf.get(id_section, "Lifetime").value_or("1200"), "Lifetime"));
  }
  if (auto mask = conf.get(id_section, "Netmask")) {
    IKE_TRY_VOID(add(v6 ? CfgAttr::InternalIp6Netmask : CfgAttr::InternalIp4Netmask, *mask,
                     "Netmask"));
  }
  struct Multi {
    std::string_view tag;
    CfgAttr v4, v6;
  };
  constexpr std::array kMulti{Multi{"Nameserver", CfgAttr::InternalIp4Dns, CfgAttr::InternalIp6Dns},
                              Multi{"WINS-server", CfgAttr::InternalIp4Nbns, CfgAttr::InternalIp6Nbns},
                              Multi{"DHCP-server", CfgAttr::InternalIp4Dhcp, CfgAttr::InternalIp6Dhcp},
                              Multi{"Subnet", CfgAttr::InternalIp4Subnet, CfgAttr::InternalIp6Subnet}};
  for (const auto& m : kMulti) {
    for (const auto& v : conf.get_list(id_section, m.tag)) {
      IKE_TRY_VOID(add(family_of(v) ? m.v6 : m.v4, v, m.tag));
    }
  }
  return out;
}

std::vector<CfgItem> mode_cfg_answer(const std::vector<CfgItem>& configured,
                                     const CfgMessage& request) {
  std::vector<CfgItem> out;
  std::vector<uint16_t> done;
  for (const auto& want : request.items) {
    if (std::find(done.begin(), done.end(), want.type) != done.end()) continue;
    done.push_back(want.type);
    if (want.type == static_cast<uint16_t>(CfgAttr::ApplicationVersion)) {
      out.push_back({want.type, std::string(kModeCfgApplicationVersion)});
      continue;
    }
    if (want.type == static_cast<uint16_t>(CfgAttr::SupportedAttributes)) {
      std::string all;
      for (const auto& a : kAttrs) all += (all.empty() ? "" : ",") + std::string(a.name);
      out.push_back({want.type, std::move(all)});
      continue;
    }
    for (const auto& have : configured) {
      if (have.type == want.type) out.push_back(have);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> mode_cfg_environment(
    const std::vector<CfgItem>& items) {
  std::vector<std::pair<std::string, std::string>> env;
  for (const auto& item : items) {
    const CfgAttrInfo* info = find_mode_cfg_attribute(item.type);
    if (info == nullptr || item.value.empty()) continue;
    auto it = std::find_if(env.begin(), env.end(),
                           [&](const auto& kv) { return kv.first == info->env; });
    if (it == env.end()) {
      env.emplace_back(std::string(info->env), item.value);
    } else {
      it->second += ' ' + item.value;
    }
  }
  return env;
}

}  // namespace ike::engine
