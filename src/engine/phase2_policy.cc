// Phase-2 proposal policy (RFC 2409 §5.5, RFC 2408 §4.2, RFC 2407 §4.4-4.5): protocols needing
// SPIs, the initiator's offer, the responder's selection enforcing the local suites, the reply,
// and the initiator's reply check; also the Phase2Suite helpers of negotiated.h. See
// phase2_policy.h.
#include "engine/phase2_policy.h"

#include <algorithm>
#include <iterator>
#include <fmt/core.h>

#include "base/log.h"
#include "engine/esp_keys.h"
#include "engine/phase1_policy.h"
#include "wire/message.h"

namespace ike::engine {

using policy_detail::ConfValue;
using policy_detail::LocalLifetimes;

// ------------------------------------------------------------------ negotiated.h helpers
namespace {

std::string reg_name(wire::Registry r, uint64_t v) {
  return wire::registry_name_or_number(r, static_cast<uint32_t>(v));
}

std::string proto_name(uint8_t p) {
  switch (static_cast<wire::ProtocolId>(p)) {
    case wire::ProtocolId::IpsecEsp: return "ESP";
    case wire::ProtocolId::IpsecAh: return "AH";
    case wire::ProtocolId::Ipcomp: return "IPCOMP";
    default: return reg_name(wire::Registry::ProtocolId, p);
  }
}

void append_life_text(std::string& out, uint64_t seconds, uint64_t kbytes) {
  if (seconds != 0) fmt::format_to(std::back_inserter(out), " life {}s", seconds);
  if (kbytes != 0) {
    fmt::format_to(std::back_inserter(out), "{} {}KB", seconds != 0 ? "" : " life", kbytes);
  }
}

void append_transform_name(std::string& out, wire::ProtocolId protocol, uint8_t transform_id) {
  switch (protocol) {
    case wire::ProtocolId::IpsecEsp:
      return wire::append_registry_name(out, wire::Registry::EspTransformId, transform_id);
    case wire::ProtocolId::IpsecAh:
      return wire::append_registry_name(out, wire::Registry::AhTransformId, transform_id);
    case wire::ProtocolId::Ipcomp:
      return wire::append_registry_name(out, wire::Registry::IpcompTransformId, transform_id);
    case wire::ProtocolId::Isakmp:
      break;
  }
  fmt::format_to(std::back_inserter(out), "transform {}", transform_id);
}

// "ESP AES_CBC-128/HMAC_SHA TUNNEL": built in place, it describes every installed SA (issue #7).
void append_protocol_text(std::string& out, uint8_t protocol, uint8_t id, uint64_t key_bits,
                          uint64_t auth, uint64_t encap) {
  out += proto_name(protocol);
  out += ' ';
  append_transform_name(out, static_cast<wire::ProtocolId>(protocol), id);
  if (key_bits != 0) fmt::format_to(std::back_inserter(out), "-{}", key_bits);
  if (auth != 0) {
    out += '/';
    wire::append_registry_name(out, wire::Registry::IpsecAuthAlg, static_cast<uint32_t>(auth));
  }
  out += ' ';
  wire::append_registry_name(out, wire::Registry::EncapsulationMode, static_cast<uint32_t>(encap));
}

}  // namespace

std::string phase2_transform_name(wire::ProtocolId protocol, uint8_t transform_id) {
  std::string out;
  append_transform_name(out, protocol, transform_id);
  return out;
}

void Phase2Protocol::append_to(std::string& out) const {
  append_protocol_text(out, static_cast<uint8_t>(protocol), transform_id, key_length_bits,
                       auth_algorithm, static_cast<uint64_t>(encapsulation));
  append_life_text(out, life_seconds, life_kbytes);
  fmt::format_to(std::back_inserter(out), " spi in {:#010x} out {:#010x}", our_spi.value,
                 peer_spi.value);
}

std::string Phase2Protocol::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

const Phase2Protocol* Phase2Suite::find(wire::ProtocolId p) const {
  for (const auto& proto : protocols) {
    if (proto.protocol == p) return &proto;
  }
  return nullptr;
}

std::string Phase2Suite::to_string() const {
  std::string out;
  out.reserve(128);
  fmt::format_to(std::back_inserter(out), "#{}", proposal_number);
  for (std::size_t i = 0; i < protocols.size(); ++i) {
    out += i == 0 ? " " : " + ";
    protocols[i].append_to(out);
  }
  if (pfs_group != 0) {
    out += " PFS ";
    wire::append_registry_name(out, wire::Registry::DhGroup, pfs_group);
  } else {
    out += " no PFS";
  }
  return out;
}

wire::EncapsulationMode apply_udp_encap(wire::EncapsulationMode configured, UdpEncap e) noexcept {
  using M = wire::EncapsulationMode;
  const bool tunnel = configured == M::Tunnel || configured == M::UdpEncapTunnel ||
                      configured == M::UdpEncapTunnelDraft;
  switch (e) {
    case UdpEncap::None: return tunnel ? M::Tunnel : M::Transport;
    case UdpEncap::Rfc: return tunnel ? M::UdpEncapTunnel : M::UdpEncapTransport;
    case UdpEncap::Draft: return tunnel ? M::UdpEncapTunnelDraft : M::UdpEncapTransportDraft;
  }
  return configured;
}

std::vector<wire::ProtocolId> Phase2Choice::protocols_needing_spi() const {
  std::vector<wire::ProtocolId> out;
  for (const auto& p : suite.protocols) out.push_back(p.protocol);
  return out;
}

// ------------------------------------------------------------------ configuration
namespace {

using policy_detail::conf_lifetimes;
using policy_detail::conf_range;
using policy_detail::conf_value;
using policy_detail::range_text;

base::Error config_error(std::string detail) {
  return base::Error{base::ErrorCode::Config, base::NotifyType::None, std::move(detail)};
}

base::Error bad_syntax(std::string detail) {
  return base::Error{base::ErrorCode::BadValue, base::NotifyType::BadProposalSyntax,
                     std::move(detail)};
}

wire::Registry transform_registry(wire::ProtocolId p) {
  switch (p) {
    case wire::ProtocolId::IpsecAh: return wire::Registry::AhTransformId;
    case wire::ProtocolId::Ipcomp: return wire::Registry::IpcompTransformId;
    default: return wire::Registry::EspTransformId;
  }
}

struct LocalTransform {
  std::string section;
  ConfValue transform_id, encap, auth, group;
  std::optional<conf::OfferRange> key_length;
  LocalLifetimes lives;
};

struct LocalProtocol {
  std::string section;
  wire::ProtocolId protocol = wire::ProtocolId::IpsecEsp;
  uint8_t replay_window = 16;
  std::vector<LocalTransform> transforms;
};

struct LocalSuite {
  std::string section;
  std::vector<LocalProtocol> protocols;
};

base::Result<std::string> section_list_owner(const conf::ConfDb& conf, std::string_view section,
                                             std::string_view tag) {
  auto v = conf.get(section, tag);
  if (!v || v->empty()) return config_error(fmt::format("[{}]:{} missing", section, tag));
  if (!conf.has_section(*v)) {
    return config_error(fmt::format("[{}]:{} refers to missing section [{}]", section, tag,
                                    base::sanitize_for_log(*v)));
  }
  return *v;
}

base::Result<std::vector<std::string>> section_list(const conf::ConfDb& conf,
                                                    std::string_view section,
                                                    std::string_view tag, std::size_t cap) {
  auto list = conf.get_list(section, tag);
  if (list.empty()) return config_error(fmt::format("[{}]:{} missing or empty", section, tag));
  if (list.size() > cap) {
    return base::make_error(base::ErrorCode::TooMany, base::NotifyType::None,
                            "[{}]:{} lists {} entries, at most {}", section, tag, list.size(), cap);
  }
  for (const auto& s : list) {
    if (!conf.has_section(s)) {
      return config_error(fmt::format("[{}]:{} refers to missing section [{}]", section, tag,
                                      base::sanitize_for_log(s)));
    }
  }
  return list;
}

base::Result<LocalTransform> load_transform(const conf::ConfDb& conf, const std::string& section,
                                            wire::ProtocolId proto, bool allow_any) {
  LocalTransform t;
  t.section = section;
  IKE_TRY(t.transform_id,
          conf_value(conf, section, "TRANSFORM_ID", transform_registry(proto), allow_any));
  if (!t.transform_id.present) return config_error(fmt::format("[{}]:TRANSFORM_ID missing", section));
  IKE_TRY(t.encap, conf_value(conf, section, "ENCAPSULATION_MODE",
                              wire::Registry::EncapsulationMode, allow_any));
  IKE_TRY(t.auth, conf_value(conf, section, "AUTHENTICATION_ALGORITHM",
                             wire::Registry::IpsecAuthAlg, allow_any));
  IKE_TRY(t.group, conf_value(conf, section, "GROUP_DESCRIPTION", wire::Registry::DhGroup,
                              allow_any));
  IKE_TRY(t.key_length, conf_range(conf, section, "KEY_LENGTH", allow_any));
  IKE_TRY(t.lives, conf_lifetimes(conf, section, allow_any));
  for (const char* tag : {"KEY_ROUNDS", "COMPRESS_DICTIONARY_SIZE", "COMPRESS_PRIVATE_ALGORITHM",
                          "ECN_TUNNEL"}) {
    if (conf.get(section, tag)) {
      return config_error(fmt::format("[{}]:{} not supported", section, tag));
    }
  }
  return t;
}

base::Result<std::vector<LocalSuite>> load_suites(const conf::ConfDb& conf,
                                                  std::string_view connection, bool allow_any,
                                                  std::string* configuration) {
  if (!conf.has_section(connection)) {
    return config_error(fmt::format("no such IPsec-connection section [{}]", connection));
  }
  IKE_TRY(*configuration, section_list_owner(conf, connection, "Configuration"));
  IKE_TRY(auto suites, section_list(conf, *configuration, "Suites", wire::kMaxProposals));
  std::vector<LocalSuite> out;
  for (const auto& s : suites) {
    LocalSuite suite;
    suite.section = s;
    IKE_TRY(auto protos, section_list(conf, s, "Protocols", 4));
    for (const auto& p : protos) {
      LocalProtocol lp;
      lp.section = p;
      auto id_text = conf.get(p, "PROTOCOL_ID");
      auto id = id_text ? wire::registry_value(wire::Registry::ProtocolId, *id_text) : std::nullopt;
      if (!id || *id < 2 || *id > 4) {
        return config_error(fmt::format("[{}]:PROTOCOL_ID \"{}\" is not IPSEC_AH, IPSEC_ESP or "
                                        "IPCOMP",
                                        p, base::sanitize_for_log(id_text.value_or(""))));
      }
      lp.protocol = static_cast<wire::ProtocolId>(*id);
      IKE_TRY(auto rw, conf.get_num_checked(p, "ReplayWindow"));
      if (rw) {
        if (*rw < 0 || *rw > 255) {
          return config_error(fmt::format("[{}]:ReplayWindow {} not in 0..255", p, *rw));
        }
        lp.replay_window = static_cast<uint8_t>(*rw);
      }
      IKE_TRY(auto xfs, section_list(conf, p, "Transforms", wire::kMaxTransforms));
      for (const auto& x : xfs) {
        IKE_TRY(auto t, load_transform(conf, x, lp.protocol, allow_any));
        lp.transforms.push_back(std::move(t));
      }
      suite.protocols.push_back(std::move(lp));
    }
    out.push_back(std::move(suite));
  }
  return out;
}

std::string value_text(const ConfValue& v, wire::Registry r, const char* absent) {
  if (!v.present) return absent;
  if (v.any) return "ANY";
  return reg_name(r, v.value);
}

std::string describe_local_suite(const LocalSuite& s) {
  std::string out = s.section + " (";
  bool first_p = true;
  for (const auto& p : s.protocols) {
    if (!first_p) out += " + ";
    first_p = false;
    out += proto_name(static_cast<uint8_t>(p.protocol));
    for (const auto& t : p.transforms) {
      out += " " + value_text(t.transform_id, transform_registry(p.protocol), "?");
      if (t.key_length) out += "-" + range_text(*t.key_length);
      if (t.auth.present) out += "/" + value_text(t.auth, wire::Registry::IpsecAuthAlg, "");
      if (t.group.present) out += " PFS " + value_text(t.group, wire::Registry::DhGroup, "");
    }
  }
  return out + ")";
}

// ------------------------------------------------------------------ peer transforms
struct Mismatch {
  int depth = 0;
  std::string text;
};

uint64_t default_key_bits(const Phase2Protocol& p) {
  if (p.protocol != wire::ProtocolId::IpsecEsp) return 0;
  auto k = esp_cipher_key_sizes(p.transform_id, 0);
  return k ? k->enc_bytes * 8 : 0;
}

std::optional<Mismatch> match_transform(const LocalTransform& l, const Phase2Protocol& p,
                                        uint16_t group, const crypto::Provider& crypto,
                                        const Phase2Options& options) {
  const auto treg = transform_registry(p.protocol);
  auto miss = [&](int depth, std::string what) {
    return Mismatch{depth, fmt::format("{} in {})", what, l.section)};
  };
  if (!l.transform_id.any && l.transform_id.value != p.transform_id) {
    return miss(0, fmt::format("TRANSFORM_ID {} not accepted (local: {}",
                               reg_name(treg, p.transform_id), reg_name(treg, l.transform_id.value)));
  }
  if (l.key_length && !l.key_length->any) {
    const uint64_t bits = p.key_length_bits != 0 ? p.key_length_bits : default_key_bits(p);
    if (!l.key_length->accepts(bits)) {
      return miss(1, fmt::format("KEY_LENGTH {} not accepted (local: {}", bits,
                                 range_text(*l.key_length)));
    }
  }
  if (!l.auth.any) {
    const uint64_t want = l.auth.present ? l.auth.value : 0;
    if (want != p.auth_algorithm) {
      auto name = [](uint64_t v) {
        return v == 0 ? std::string("none") : reg_name(wire::Registry::IpsecAuthAlg, v);
      };
      return miss(2, fmt::format("AUTHENTICATION_ALGORITHM {} not accepted (local: {}",
                                 name(p.auth_algorithm), name(want)));
    }
  }
  if (!l.encap.any) {
    const auto configured = l.encap.present ? static_cast<wire::EncapsulationMode>(l.encap.value)
                                            : wire::EncapsulationMode::Tunnel;
    const auto want = apply_udp_encap(configured, options.udp_encap);
    if (want != p.encapsulation) {
      return miss(3, fmt::format("ENCAPSULATION_MODE {} not accepted (local: {}",
                                 reg_name(wire::Registry::EncapsulationMode,
                                          static_cast<uint64_t>(p.encapsulation)),
                                 reg_name(wire::Registry::EncapsulationMode,
                                          static_cast<uint64_t>(want))));
    }
  }
  if (!l.group.any) {
    const uint64_t want = l.group.present ? l.group.value : 0;
    if (want != group) {
      auto name = [](uint64_t v) {
        return v == 0 ? std::string("none") : dh_group_name(static_cast<uint16_t>(v));
      };
      return miss(4, fmt::format("GROUP_DESCRIPTION {} not accepted (local: {}", name(group),
                                 name(want)));
    }
  }
  // RFC 2407 §4.5: no SA life offered = 28800 seconds.
  const uint64_t secs = p.life_seconds != 0 ? p.life_seconds : kDefaultPhase2LifeSeconds;
  if (auto m = policy_detail::lifetime_mismatch(l.lives, secs, p.life_kbytes)) {
    return Mismatch{5, *m + " for " + l.section};
  }
  if (auto k = protocol_key_sizes(p); !k) return Mismatch{6, k.error().detail};
  if (group != 0 && !crypto.dh_group_supported(group)) {
    return Mismatch{6, fmt::format("GROUP_DESCRIPTION {} not supported", dh_group_name(group))};
  }
  return std::nullopt;
}

base::Result<base::Spi> spi_from_bytes(wire::ProtocolId proto, const base::Bytes& spi) {
  const bool ok = spi.size() == 4 || (proto == wire::ProtocolId::Ipcomp && spi.size() == 2);
  if (!ok) {
    return base::make_error(base::ErrorCode::BadValue, base::NotifyType::InvalidSpi,
                            "{} SPI of {} bytes (expected {})",
                            proto_name(static_cast<uint8_t>(proto)), spi.size(),
                            proto == wire::ProtocolId::Ipcomp ? "2 or 4" : "4");
  }
  uint32_t v = 0;
  for (uint8_t b : spi) v = (v << 8) | b;
  // RFC 3173 §4.1: the 16-bit CPI travels in a 2-octet SPI field or in the least significant
  // two octets of a 4-octet one; anything in the upper two octets is not a CPI.
  if (proto == wire::ProtocolId::Ipcomp && v > 0xffffu) {
    return base::make_error(base::ErrorCode::BadValue, base::NotifyType::InvalidSpi,
                            "IPCOMP CPI field 0x{:08x} has bits above the 16-bit CPI", v);
  }
  return base::Spi{v};
}

}  // namespace

// ------------------------------------------------------------------ decoding
base::Result<DecodedPhase2Transform> decode_phase2_transform(wire::ProtocolId protocol,
                                                             const wire::Transform& t) {
  using wire::IpsecAttr;
  auto unsupported = [](std::string d) {
    return base::Error{base::ErrorCode::Unsupported, base::NotifyType::AttributesNotSupported,
                       std::move(d)};
  };
  DecodedPhase2Transform out;
  Phase2Protocol& p = out.protocol;
  p.protocol = protocol;
  p.transform_id = t.transform_id;
  p.transform_number = t.number;
  p.transform = t;
  uint32_t seen = 0;
  uint16_t pending_life = 0;  // a LIFE_TYPE awaiting its duration; 0 = none
  // (a plain value: GCC 12 -O3 reports a false -Wmaybe-uninitialized on optional<uint16_t>)
  bool seen_seconds = false, seen_kbytes = false;
  for (const auto& a : t.attributes) {
    // Named only on the error paths: building the name costs an allocation per attribute.
    auto name = [&a] { return reg_name(wire::Registry::IpsecAttr, a.type); };
    auto n = a.as_number();
    if (!n) return bad_syntax(fmt::format("{} has a {}-byte value", name(), a.long_value.size()));
    if (pending_life != 0 && a.type != static_cast<uint16_t>(IpsecAttr::SaLifeDuration)) {
      return bad_syntax("SA_LIFE_TYPE not followed by SA_LIFE_DURATION");
    }
    const bool is_life = a.type == static_cast<uint16_t>(IpsecAttr::SaLifeType) ||
                         a.type == static_cast<uint16_t>(IpsecAttr::SaLifeDuration);
    if (!is_life && a.type < 32) {
      const uint32_t bit = 1u << a.type;
      if (seen & bit) return bad_syntax(fmt::format("duplicate {}", name()));
      seen |= bit;
    }
    switch (static_cast<IpsecAttr>(a.type)) {
      case IpsecAttr::SaLifeType:
        if (*n != 1 && *n != 2) return unsupported(fmt::format("SA_LIFE_TYPE {} not supported", *n));
        pending_life = static_cast<uint16_t>(*n);
        break;
      case IpsecAttr::SaLifeDuration: {
        if (pending_life == 0) return bad_syntax("SA_LIFE_DURATION without a preceding SA_LIFE_TYPE");
        if (*n == 0) return unsupported("SA_LIFE_DURATION 0");
        const bool secs = pending_life == 1;
        bool& seen_type = secs ? seen_seconds : seen_kbytes;
        if (seen_type) return bad_syntax("duplicate SA_LIFE_TYPE");
        seen_type = true;
        (secs ? p.life_seconds : p.life_kbytes) = *n;
        pending_life = 0;
        break;
      }
      case IpsecAttr::GroupDescription:
        if (*n == 0 || *n > 0xffff) return unsupported(fmt::format("GROUP_DESCRIPTION {}", *n));
        out.pfs_group = static_cast<uint16_t>(*n);
        break;
      case IpsecAttr::EncapsulationMode:
        if (!wire::registry_name(wire::Registry::EncapsulationMode, static_cast<uint32_t>(*n))) {
          return unsupported(fmt::format("ENCAPSULATION_MODE {} not supported", *n));
        }
        p.encapsulation = static_cast<wire::EncapsulationMode>(*n);
        break;
      case IpsecAttr::AuthenticationAlgorithm:
        if (*n == 0 || *n > 0xffff) {
          return unsupported(fmt::format("AUTHENTICATION_ALGORITHM {}", *n));
        }
        p.auth_algorithm = static_cast<uint16_t>(*n);
        break;
      case IpsecAttr::KeyLength:
        if (*n == 0 || *n > 0xffff) return unsupported(fmt::format("KEY_LENGTH {}", *n));
        p.key_length_bits = static_cast<uint16_t>(*n);
        break;
      default:
        // KEY_ROUNDS, COMPRESS_*, ECN_TUNNEL, EXTENDED_SEQUENCE_NUMBER and unknown classes
        // (isakmpd rejects them as incompatible too).
        return unsupported(fmt::format("attribute {} not supported", name()));
    }
  }
  if (pending_life != 0) return bad_syntax("SA_LIFE_TYPE not followed by SA_LIFE_DURATION");
  return out;
}

std::string describe_phase2_transform(uint8_t protocol, const wire::Transform& t) {
  uint64_t key = 0, auth = 0, group = 0, encap = 1, secs = 0, kb = 0;
  std::optional<uint64_t> life_type;
  for (const auto& a : t.attributes) {
    auto n = a.as_number();
    if (!n) continue;
    switch (static_cast<wire::IpsecAttr>(a.type)) {
      case wire::IpsecAttr::KeyLength: key = *n; break;
      case wire::IpsecAttr::AuthenticationAlgorithm: auth = *n; break;
      case wire::IpsecAttr::GroupDescription: group = *n; break;
      case wire::IpsecAttr::EncapsulationMode: encap = *n; break;
      case wire::IpsecAttr::SaLifeType: life_type = *n; break;
      case wire::IpsecAttr::SaLifeDuration:
        if (life_type == 1) secs = *n;
        if (life_type == 2) kb = *n;
        break;
      default: break;
    }
  }
  std::string out;
  append_protocol_text(out, protocol, t.transform_id, key, auth, encap);
  if (group != 0) out += " PFS " + dh_group_name(static_cast<uint16_t>(group));
  append_life_text(out, secs, kb);
  return out;
}

// ------------------------------------------------------------------ initiator
base::Result<std::vector<wire::ProtocolId>> phase2_protocols_needed(
    const conf::ConfDb& conf, std::string_view connection) {
  std::string configuration;
  IKE_TRY(auto suites, load_suites(conf, connection, false, &configuration));
  std::vector<wire::ProtocolId> out;
  for (const auto& s : suites) {
    for (const auto& p : s.protocols) {
      bool have = false;
      for (auto q : out) have = have || q == p.protocol;
      if (!have) out.push_back(p.protocol);
    }
  }
  return out;
}

base::Result<Phase2Offer> build_phase2_offer(const conf::ConfDb& conf, std::string_view connection,
                                             std::span<const ProtocolSpi> spis,
                                             const crypto::Provider& crypto,
                                             const Phase2Options& options) {
  Phase2Offer offer;
  offer.connection = std::string(connection);
  offer.spis.assign(spis.begin(), spis.end());
  IKE_TRY(auto suites, load_suites(conf, connection, false, &offer.configuration));
  std::optional<std::pair<uint16_t, std::string>> pfs;  // group, transform section
  uint8_t number = 0;
  for (const auto& s : suites) {
    ++number;
    offer.suite_sections.push_back(s.section);
    offer.replay_windows.emplace_back();
    for (const auto& lp : s.protocols) {
      const ProtocolSpi* spi = nullptr;
      for (const auto& x : spis) {
        if (x.protocol == lp.protocol) spi = &x;
      }
      if (spi == nullptr) {
        return base::make_error(base::ErrorCode::Internal, base::NotifyType::None,
                                "build_phase2_offer: no SPI for {} of [{}]",
                                proto_name(static_cast<uint8_t>(lp.protocol)), s.section);
      }
      wire::Proposal prop;
      prop.number = number;
      prop.protocol_id = static_cast<uint8_t>(lp.protocol);
      prop.spi = spi_bytes(lp.protocol, spi->spi);
      uint8_t tnum = 0;
      for (const auto& lt : lp.transforms) {
        ++tnum;
        const uint16_t group = lt.group.present ? static_cast<uint16_t>(lt.group.value) : 0;
        if (!pfs) {
          pfs = std::make_pair(group, lt.section);
        } else if (pfs->first != group) {
          auto name = [](uint16_t g) { return g == 0 ? std::string("none") : dh_group_name(g); };
          return config_error(fmt::format("PFS group mismatch: [{}]:GROUP_DESCRIPTION {} vs [{}] "
                                          "{} (all suites of a connection must agree)",
                                          pfs->second, name(pfs->first), lt.section, name(group)));
        }
        if (group != 0 && !crypto.dh_group_supported(group)) {
          return config_error(fmt::format("[{}]:GROUP_DESCRIPTION {} not supported", lt.section,
                                          dh_group_name(group)));
        }
        Phase2Protocol check;
        check.protocol = lp.protocol;
        check.transform_id = static_cast<uint8_t>(lt.transform_id.value);
        check.auth_algorithm = lt.auth.present ? static_cast<uint16_t>(lt.auth.value) : 0;
        check.key_length_bits = lt.key_length ? static_cast<uint16_t>(lt.key_length->offer) : 0;
        if (auto k = protocol_key_sizes(check); !k) {
          return config_error(fmt::format("[{}]: {}", lt.section, k.error().detail));
        }
        wire::Transform t;
        t.number = tnum;
        t.transform_id = static_cast<uint8_t>(lt.transform_id.value);
        auto attr = [&](wire::IpsecAttr a, uint64_t v) {
          t.attributes.push_back(wire::Attribute::number(static_cast<uint16_t>(a), v));
        };
        for (const auto& life : lt.lives.lives) {
          attr(wire::IpsecAttr::SaLifeType, life.type);
          attr(wire::IpsecAttr::SaLifeDuration, life.duration.offer);
        }
        if (group != 0) attr(wire::IpsecAttr::GroupDescription, group);
        const auto mode = lt.encap.present ? static_cast<wire::EncapsulationMode>(lt.encap.value)
                                           : wire::EncapsulationMode::Tunnel;
        attr(wire::IpsecAttr::EncapsulationMode,
             static_cast<uint64_t>(apply_udp_encap(mode, options.udp_encap)));
        if (check.auth_algorithm != 0) attr(wire::IpsecAttr::AuthenticationAlgorithm, check.auth_algorithm);
        if (lt.key_length) attr(wire::IpsecAttr::KeyLength, lt.key_length->offer);
        prop.transforms.push_back(std::move(t));
      }
      offer.sa.proposals.push_back(std::move(prop));
      offer.replay_windows.back().push_back(lp.replay_window);
    }
  }
  offer.pfs_group = pfs ? pfs->first : 0;
  offer.sa.doi = wire::kDoiIpsec;
  offer.sa.situation = wire::kSituationIdentityOnly;
  return offer;
}

// ------------------------------------------------------------------ responder
namespace {

// The connection's Configuration name and its suites (ANY allowed), or why they do not load:
// what select_phase2 needs from the configuration, memoized per generation by the engine.
struct LocalPhase2 {
  std::string configuration;
  std::vector<LocalSuite> suites;
};

base::Result<LocalPhase2> load_local_phase2(const conf::ConfDb& conf,
                                            std::string_view connection) {
  LocalPhase2 out;
  IKE_TRY(out.suites, load_suites(conf, connection, true, &out.configuration));
  return out;
}

}  // namespace

base::Result<Phase2Choice> select_phase2(const conf::ConfDb& conf, std::string_view connection,
                                         const wire::SaPayload& offer,
                                         const crypto::Provider& crypto,
                                         const Phase2Options& options) {
  IKE_TRY_VOID(policy_detail::check_doi_situation(offer));
  if (offer.proposals.empty()) return bad_syntax("phase-2 SA without proposals");
  std::optional<base::Result<LocalPhase2>> unmemoized;
  const auto& loaded = conf::memoized(options.memo, conf, connection, unmemoized,
                                      [&] { return load_local_phase2(conf, connection); });
  if (!loaded) return loaded.error();
  const std::string& configuration = loaded->configuration;
  const std::vector<LocalSuite>& suites = loaded->suites;

  // Group the proposal payloads by number, in order of appearance (RFC 2408 §4.2).
  std::vector<std::vector<const wire::Proposal*>> bundles;
  for (const auto& p : offer.proposals) {
    if (!bundles.empty() && bundles.back().front()->number == p.number) {
      bundles.back().push_back(&p);
    } else {
      bundles.push_back({&p});
    }
  }

  std::vector<std::string> reasons;
  for (const auto& bundle : bundles) {
    const uint8_t pnum = bundle.front()->number;
    std::optional<Mismatch> best;
    auto note = [&](Mismatch m) {
      if (!best || m.depth > best->depth) best = std::move(m);
    };
    for (const auto& suite : suites) {
      if (suite.protocols.size() != bundle.size()) {
        note({-1, fmt::format("{} protocols, local [{}] has {}", bundle.size(), suite.section,
                              suite.protocols.size())});
        continue;
      }
      Phase2Choice choice;
      choice.suite_section = suite.section;
      choice.suite.proposal_number = pnum;
      std::optional<uint16_t> group;
      bool ok = true;
      std::vector<bool> used(suite.protocols.size(), false);
      for (const auto* prop : bundle) {
        // Pair this payload with an unused local protocol of the same id.
        const LocalProtocol* lp = nullptr;
        for (std::size_t i = 0; i < suite.protocols.size() && lp == nullptr; ++i) {
          if (!used[i] && static_cast<uint8_t>(suite.protocols[i].protocol) == prop->protocol_id) {
            used[i] = true;
            lp = &suite.protocols[i];
          }
        }
        if (lp == nullptr) {
          note({-1, fmt::format("protocol {} not in local [{}]", proto_name(prop->protocol_id),
                                suite.section)});
          ok = false;
          break;
        }
        auto spi = spi_from_bytes(lp->protocol, prop->spi);
        if (!spi) {
          note({-1, spi.error().detail});
          ok = false;
          break;
        }
        std::optional<DecodedPhase2Transform> chosen;
        for (const auto& t : prop->transforms) {
          auto d = decode_phase2_transform(lp->protocol, t);
          if (!d) {
            note({-1, fmt::format("transform #{}: {}", t.number, d.error().detail)});
            continue;
          }
          // Within one proposal all protocols share the PFS group.
          if (group && *group != d->pfs_group) {
            note({4, fmt::format("transform #{}: GROUP_DESCRIPTION differs between protocols",
                                 t.number)});
            continue;
          }
          for (const auto& lt : lp->transforms) {
            auto m = match_transform(lt, d->protocol, d->pfs_group, crypto, options);
            if (!m) {
              chosen = std::move(*d);
              break;
            }
            note(std::move(*m));
          }
          if (chosen) break;
        }
        if (!chosen) {
          ok = false;
          break;
        }
        group = chosen->pfs_group;
        chosen->protocol.peer_spi = *spi;
        chosen->protocol.replay_window = lp->replay_window;
        if (chosen->protocol.life_seconds == 0) {
          chosen->protocol.life_seconds = kDefaultPhase2LifeSeconds;
        }
        wire::Proposal rp;
        rp.number = prop->number;
        rp.protocol_id = prop->protocol_id;
        rp.spi = prop->spi;
        rp.transforms.push_back(chosen->protocol.transform);
        choice.proposals.push_back(std::move(rp));
        choice.suite.protocols.push_back(std::move(chosen->protocol));
      }
      if (ok) {
        choice.suite.pfs_group = group.value_or(0);
        if (options.policy_check) {
          if (auto st = options.policy_check(choice.suite); !st) {
            note({100, st.error().detail});
            continue;
          }
        }
        IKE_LOG_DEBUG(Policy, 20, "select_phase2: [{}] accepts peer proposal {}", suite.section,
                      choice.suite.to_string());
        return choice;
      }
    }
    // The proposal's description is built only for the error (issue #7: it was formatted for
    // every proposal of every Quick Mode, accepted or not).
    std::string desc;
    for (const auto* p : bundle) {
      if (!desc.empty()) desc += " + ";
      desc += p->transforms.empty() ? proto_name(p->protocol_id)
                                    : describe_phase2_transform(p->protocol_id, p->transforms.front());
      if (p->transforms.size() > 1) desc += fmt::format(" (+{} more)", p->transforms.size() - 1);
    }
    reasons.push_back(fmt::format("peer proposal #{} {}: {}", pnum, desc,
                                  best ? best->text : std::string("no local suite")));
  }
  std::string detail, local;
  for (const auto& r : reasons) detail += (detail.empty() ? "" : "; ") + r;
  for (const auto& s : suites) local += (local.empty() ? "" : ", ") + describe_local_suite(s);
  return base::make_error(base::ErrorCode::NoProposal, base::NotifyType::NoProposalChosen,
                          "no acceptable phase-2 proposal for [{}] ([{}]): {}; local suites: {}",
                          connection, configuration, detail, local);
}

base::Result<Phase2Reply> make_phase2_reply(const Phase2Choice& choice,
                                            std::span<const ProtocolSpi> our_spis) {
  Phase2Reply reply;
  reply.sa.doi = wire::kDoiIpsec;
  reply.sa.situation = wire::kSituationIdentityOnly;
  reply.suite = choice.suite;
  for (std::size_t i = 0; i < choice.proposals.size(); ++i) {
    wire::Proposal p = choice.proposals[i];
    const auto proto = static_cast<wire::ProtocolId>(p.protocol_id);
    const ProtocolSpi* spi = nullptr;
    for (const auto& s : our_spis) {
      if (s.protocol == proto) spi = &s;
    }
    if (spi == nullptr) {
      return base::make_error(base::ErrorCode::Internal, base::NotifyType::None,
                              "make_phase2_reply: no SPI for {}", proto_name(p.protocol_id));
    }
    p.spi = spi_bytes(proto, spi->spi);
    reply.suite.protocols[i].our_spi = spi->spi;
    reply.sa.proposals.push_back(std::move(p));
  }
  return reply;
}

namespace {
// strongSwan 5.9 (IKEv1, ESP+IPCOMP) copies its SA life attributes onto the IPCOMP transform of
// its reply although our IPCOMP transform carried none (RFC 2409 §5.5 wants the offered
// transform back). Accepted for IPCOMP only: the reply equals our transform plus SA Life
// Type/Duration attributes, and ours had none of them.
bool same_but_added_life(const wire::Transform& offered, const wire::Transform& reply) {
  auto is_life = [](const wire::Attribute& a) {
    return a.type == static_cast<uint16_t>(wire::IpsecAttr::SaLifeType) ||
           a.type == static_cast<uint16_t>(wire::IpsecAttr::SaLifeDuration);
  };
  if (std::any_of(offered.attributes.begin(), offered.attributes.end(), is_life)) return false;
  std::vector<wire::Attribute> rest;
  for (const auto& a : reply.attributes) {
    if (!is_life(a)) rest.push_back(a);
  }
  return rest.size() != reply.attributes.size() &&
         policy_detail::same_attributes(offered.attributes, rest);
}
}  // namespace

base::Result<Phase2Suite> accept_phase2_reply(const Phase2Offer& offer,
                                              const wire::SaPayload& reply) {
  if (reply.doi != offer.sa.doi || reply.situation != offer.sa.situation) {
    return bad_syntax(fmt::format("reply SA DOI {} situation {:#x}, offered DOI {} situation {:#x}",
                                  reply.doi, reply.situation, offer.sa.doi, offer.sa.situation));
  }
  if (reply.proposals.empty()) return bad_syntax("reply SA without proposals");
  const uint8_t pnum = reply.proposals.front().number;
  std::vector<const wire::Proposal*> ours;
  for (const auto& p : offer.sa.proposals) {
    if (p.number == pnum) ours.push_back(&p);
  }
  auto not_offered = [&](std::string what) {
    return base::make_error(base::ErrorCode::NoProposal, base::NotifyType::NoProposalChosen,
                            "responder returned {} that we did not offer", what);
  };
  if (ours.empty()) return not_offered(fmt::format("proposal #{}", pnum));
  // The chosen proposal is the leading run of substructures numbered `pnum` (RFC 2408 §4.2:
  // one proposal, its protocols sharing the number). strongSwan 5.9 (IKEv1 with IPComp) appends
  // to its reply the IPComp-less alternative of the same proposal under the next number
  // (ESP #1, IPCOMP #1, ESP #2): what follows the chosen run is ignored, but a number that
  // comes back after another one is malformed.
  std::size_t chosen = 0;
  while (chosen < reply.proposals.size() && reply.proposals[chosen].number == pnum) ++chosen;
  for (std::size_t i = chosen; i < reply.proposals.size(); ++i) {
    if (reply.proposals[i].number == pnum) {
      return bad_syntax(fmt::format("reply proposal #{} interleaved with proposal #{}", pnum,
                                    reply.proposals[chosen].number));
    }
  }
  if (chosen != ours.size()) {
    return bad_syntax(fmt::format("reply proposal #{} has {} protocols, we offered {}", pnum,
                                  chosen, ours.size()));
  }
  Phase2Suite suite;
  suite.proposal_number = pnum;
  std::optional<uint16_t> group;
  for (std::size_t i = 0; i < chosen; ++i) {
    const wire::Proposal& rp = reply.proposals[i];
    if (rp.protocol_id != ours[i]->protocol_id) {
      return not_offered(fmt::format("protocol {} in position {}", proto_name(rp.protocol_id), i + 1));
    }
    if (rp.transforms.size() != 1) {
      return bad_syntax(fmt::format("reply {} proposal carries {} transforms, exactly one required",
                                    proto_name(rp.protocol_id), rp.transforms.size()));
    }
    const auto proto = static_cast<wire::ProtocolId>(rp.protocol_id);
    IKE_TRY(base::Spi peer_spi, spi_from_bytes(proto, rp.spi));
    const wire::Transform& t = rp.transforms.front();
    const wire::Transform* match = nullptr;
    for (const auto& o : ours[i]->transforms) {
      if (o.number == t.number && o.transform_id == t.transform_id &&
          (policy_detail::same_attributes(o.attributes, t.attributes) ||
           (proto == wire::ProtocolId::Ipcomp && same_but_added_life(o, t)))) {
        match = &o;
      }
    }
    if (match == nullptr) {
      return not_offered(fmt::format("transform #{} {}", t.number,
                                     describe_phase2_transform(rp.protocol_id, t)));
    }
    // With added lifetimes the reply's transform is the one in force (its life, our rest).
    IKE_TRY(auto d, decode_phase2_transform(proto, match->attributes.size() == t.attributes.size()
                                                       ? *match
                                                       : t));
    if (group && *group != d.pfs_group) return bad_syntax("reply protocols disagree on PFS group");
    group = d.pfs_group;
    d.protocol.peer_spi = peer_spi;
    for (const auto& s : offer.spis) {
      if (s.protocol == proto) d.protocol.our_spi = s.spi;
    }
    if (pnum >= 1 && pnum <= offer.replay_windows.size() &&
        i < offer.replay_windows[pnum - 1u].size()) {
      d.protocol.replay_window = offer.replay_windows[pnum - 1u][i];
    }
    if (d.protocol.life_seconds == 0) d.protocol.life_seconds = kDefaultPhase2LifeSeconds;
    suite.protocols.push_back(std::move(d.protocol));
  }
  suite.pfs_group = group.value_or(0);
  return suite;
}

}  // namespace ike::engine
