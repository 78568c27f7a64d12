// Typed views of ISAKMP-peer and IPsec-connection sections, [Phase 1]/[Phase 2] lookups and the
// responder's connection match (isakmpd.conf(5)). See peer_config.h.
#include "engine/peer_config.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "base/hex.h"
#include "base/log.h"
#include "engine/ipsec_id.h"

namespace ike::engine {

namespace {

template <class... Args>
base::Error config_error(fmt::format_string<Args...> f, Args&&... args) {
  return base::Error{base::ErrorCode::Config, base::NotifyType::None,
                     fmt::format(f, std::forward<Args>(args)...)};
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool list_has(const std::vector<std::string>& list, std::string_view v) noexcept {
  for (const auto& s : list) {
    if (iequals(s, v)) return true;
  }
  return false;
}

base::Result<std::optional<base::IpAddress>> optional_address(const conf::ConfDb& conf,
                                                              std::string_view section,
                                                              std::string_view tag) {
  auto v = conf.get(section, tag);
  if (!v || v->empty()) return std::optional<base::IpAddress>{};
  auto a = base::IpAddress::parse(*v);
  if (!a) {
    return config_error("[{}]:{} \"{}\" is not an IP address", section, tag,
                        base::sanitize_for_log(*v));
  }
  return std::optional<base::IpAddress>{*a};
}

base::Status check_phase(const conf::ConfDb& conf, std::string_view section, int64_t want) {
  auto v = conf.get(section, "Phase");
  if (!v) return base::ok();
  auto n = conf.get_num(section, "Phase");
  if (!n || *n != want) {
    return config_error("[{}]:Phase \"{}\" should be {}", section, base::sanitize_for_log(*v),
                        want);
  }
  return base::ok();
}

base::Status check_reference(const conf::ConfDb& conf, std::string_view section,
                             std::string_view tag, const std::string& target) {
  if (!target.empty() && !conf.has_section(target)) {
    return config_error("[{}]:{} refers to missing section [{}]", section, tag,
                        base::sanitize_for_log(target));
  }
  return base::ok();
}

}  // namespace

base::TrafficSelector phase1_host_selector(const base::IpAddress& a) {
  base::TrafficSelector ts;
  ts.network = a;
  ts.prefix = static_cast<uint8_t>(a.is_v4() ? 32 : 128);
  return ts;
}

bool PeerConfig::has_flag(std::string_view flag) const noexcept { return list_has(flags, flag); }
bool ConnectionConfig::has_flag(std::string_view flag) const noexcept {
  return list_has(flags, flag);
}

base::Result<base::SecureBytes> decode_psk(std::string_view section, std::string_view value) {
  if (value.size() >= 2 && value[0] == '0' && (value[1] == 'x' || value[1] == 'X')) {
    auto raw = base::from_hex(value);
    if (!raw) {
      // Never echo the value: it is the secret.
      return config_error("[{}]:Authentication: malformed 0x hex key", section);
    }
    base::SecureBytes out = base::to_secure(base::view(*raw));
    base::secure_wipe(raw->data(), raw->size());
    if (out.empty()) return config_error("[{}]:Authentication: empty 0x hex key", section);
    return out;
  }
  return base::to_secure(base::view(value));
}

base::Result<PeerConfig> load_peer_config(const conf::ConfDb& conf, std::string_view section) {
  if (!conf.has_section(section)) return config_error("no such ISAKMP-peer section [{}]", section);
  IKE_TRY_VOID(check_phase(conf, section, 1));
  PeerConfig pc;
  pc.section = std::string(section);
  IKE_TRY(pc.address, optional_address(conf, section, "Address"));
  IKE_TRY(pc.local_address, optional_address(conf, section, "Local-address"));
  if (auto port = conf.get(section, "Port"); port && !port->empty()) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), v);
    if (ec != std::errc() || end != port->data() + port->size() || v == 0 || v > 65535) {
      return config_error("[{}]:Port \"{}\" is not a port number 1..65535", section,
                          base::sanitize_for_log(*port));
    }
    pc.port = static_cast<uint16_t>(v);
  }
  if (auto psk = conf.get(section, "Authentication"); psk && !psk->empty()) {
    IKE_TRY(pc.psk, decode_psk(section, *psk));
    pc.has_psk = true;
  }
  if (auto c = conf.get(section, "Configuration"); c && !c->empty()) pc.configuration = *c;
  if (!conf.has_section(pc.configuration)) {
    return config_error("[{}]:Configuration refers to missing section [{}]", section,
                        base::sanitize_for_log(pc.configuration));
  }
  if (auto ex = conf.get(pc.configuration, "EXCHANGE_TYPE"); ex && !ex->empty()) {
    auto v = wire::registry_value(wire::Registry::ExchangeType, *ex);
    if (!v || (*v != static_cast<uint32_t>(wire::ExchangeType::IdProt) &&
               *v != static_cast<uint32_t>(wire::ExchangeType::Aggressive))) {
      return config_error("[{}]:EXCHANGE_TYPE \"{}\" is not ID_PROT or AGGRESSIVE",
                          pc.configuration, base::sanitize_for_log(*ex));
    }
    pc.exchange_type = static_cast<wire::ExchangeType>(*v);
  }
  pc.id_section = conf.get(section, "ID").value_or("");
  pc.remote_id_section = conf.get(section, "Remote-ID").value_or("");
  IKE_TRY_VOID(check_reference(conf, section, "ID", pc.id_section));
  IKE_TRY_VOID(check_reference(conf, section, "Remote-ID", pc.remote_id_section));
  pc.flags = conf.get_list(section, "Flags");
  IKE_TRY(pc.fragmentation, fragmentation_mode(conf, section));
  return pc;
}

base::Result<FragmentationMode> fragmentation_mode(const conf::ConfDb& conf,
                                                   std::string_view section) {
  auto v = conf.get(section, "Fragmentation");
  if (!v || v->empty()) return FragmentationMode::Yes;
  auto is = [&](std::string_view word) {
    return v->size() == word.size() &&
           std::equal(v->begin(), v->end(), word.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  if (is("no")) return FragmentationMode::No;
  if (is("yes")) return FragmentationMode::Yes;
  if (is("force")) return FragmentationMode::Force;
  return config_error("[{}]:Fragmentation \"{}\" is not no, yes or force", section,
                      base::sanitize_for_log(*v));
}

base::Result<std::string> find_phase1_peer_for_address(const conf::ConfDb& conf,
                                                      const base::IpAddress& peer) {
  // isakmpd: [Phase 1]:<address> names the peer section; [Phase 1]:Default otherwise.
  if (auto exact = conf.get("Phase 1", peer.to_string()); exact && !exact->empty()) {
    return *exact;
  }
  // The tag may spell the address differently (e.g. uncompressed IPv6): compare parsed values.
  for (const auto& tag : conf.tags("Phase 1")) {
    auto a = base::IpAddress::parse(tag);
    if (a && *a == peer) {
      if (auto v = conf.get("Phase 1", tag); v && !v->empty()) return *v;
    }
  }
  if (auto def = conf.get("Phase 1", "Default"); def && !def->empty()) return *def;
  return base::make_error(base::ErrorCode::NotFound, base::NotifyType::None,
                          "no [Phase 1] entry for {} and no [Phase 1]:Default", peer.to_string());
}

base::Result<ConnectionConfig> load_connection_config(const conf::ConfDb& conf,
                                                      std::string_view section) {
  if (!conf.has_section(section)) {
    return config_error("no such IPsec-connection section [{}]", section);
  }
  IKE_TRY_VOID(check_phase(conf, section, 2));
  ConnectionConfig c;
  c.section = std::string(section);
  c.isakmp_peer = conf.get(section, "ISAKMP-peer").value_or("");
  c.configuration = conf.get(section, "Configuration").value_or("");
  if (c.configuration.empty()) return config_error("[{}]:Configuration missing", section);
  c.local_id = conf.get(section, "Local-ID").value_or("");
  c.remote_id = conf.get(section, "Remote-ID").value_or("");
  IKE_TRY_VOID(check_reference(conf, section, "ISAKMP-peer", c.isakmp_peer));
  IKE_TRY_VOID(check_reference(conf, section, "Configuration", c.configuration));
  IKE_TRY_VOID(check_reference(conf, section, "Local-ID", c.local_id));
  IKE_TRY_VOID(check_reference(conf, section, "Remote-ID", c.remote_id));
  c.flags = conf.get_list(section, "Flags");
  c.active_only = c.has_flag("Active-only");
  return c;
}

std::vector<std::string> active_connections(const conf::ConfDb& conf) {
  return conf.get_list("Phase 2", "Connections");
}

std::vector<std::string> passive_connections(const conf::ConfDb& conf) {
  return conf.get_list("Phase 2", "Passive-connections");
}

base::Result<ConnectionSelectors> connection_selectors(const conf::ConfDb& conf,
                                                       const ConnectionConfig& c,
                                                       const base::IpAddress& local_address,
                                                       const base::IpAddress& peer_address) {
  ConnectionSelectors s;
  if (c.local_id.empty()) {
    s.local = phase1_host_selector(local_address);
  } else {
    IKE_TRY(s.local, ipsec_id_selector(conf, c.local_id));
  }
  if (c.remote_id.empty()) {
    s.remote = phase1_host_selector(peer_address);
  } else {
    IKE_TRY(s.remote, ipsec_id_selector(conf, c.remote_id));
  }
  return s;
}

std::vector<std::string> responder_candidates(const conf::ConfDb& conf) {
  std::vector<std::string> candidates;
  std::set<std::string> seen;  // lower-cased: section names compare case-insensitively
  auto add = [&](const std::string& name) {
    std::string key = name;
    for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (seen.insert(std::move(key)).second) candidates.push_back(name);
  };
  for (const auto& name : active_connections(conf)) {
    if (!list_has(conf.get_list(name, "Flags"), "Active-only")) add(name);
  }
  for (const auto& name : passive_connections(conf)) add(name);
  return candidates;
}

base::Result<ConnectionSelectors> responder_wanted_selectors(const base::IpAddress& local_address,
                                                             const base::IpAddress& peer_address,
                                                             const wire::IdPayload* idci,
                                                             const wire::IdPayload* idcr) {
  if ((idci == nullptr) != (idcr == nullptr)) {
    return base::make_error(base::ErrorCode::BadValue, base::NotifyType::InvalidIdInformation,
                            "Quick Mode carries {} without {} (RFC 2409 §5.5: both or none)",
                            idci ? "IDci" : "IDcr", idci ? "IDcr" : "IDci");
  }
  // Without IDs the phase-1 addresses are the traffic (host-to-host).
  ConnectionSelectors want{phase1_host_selector(local_address), phase1_host_selector(peer_address)};
  if (idci != nullptr) {
    IKE_TRY(want.remote, id_to_selector(*idci));
    IKE_TRY(want.local, id_to_selector(*idcr));
  }
  return want;
}

base::Error no_responder_connection(const ConnectionSelectors& want, std::string_view phase1_peer,
                                    std::size_t candidates) {
  return base::Error{base::ErrorCode::NotFound, base::NotifyType::InvalidIdInformation,
                     fmt::format("no connection for {} <-> {} from [{}] ({} candidates)",
                                 want.local.to_string(), want.remote.to_string(), phase1_peer,
                                 candidates)};
}

base::Result<ResponderMatch> find_responder_connection(const conf::ConfDb& conf,
                                                       std::string_view phase1_peer,
                                                       const base::IpAddress& local_address,
                                                       const base::IpAddress& peer_address,
                                                       const wire::IdPayload* idci,
                                                       const wire::IdPayload* idcr) {
  IKE_TRY(ConnectionSelectors want,
          responder_wanted_selectors(local_address, peer_address, idci, idcr));
  const std::vector<std::string> candidates = responder_candidates(conf);
  for (const auto& name : candidates) {
    auto c = load_connection_config(conf, name);
    if (!c) {
      IKE_LOG_DEBUG(Policy, 10, "find_responder_connection: skipping [{}]: {}", name,
                    c.error().detail);
      continue;
    }
    if (!c->isakmp_peer.empty() && !iequals(c->isakmp_peer, phase1_peer)) continue;
    auto sel = connection_selectors(conf, *c, local_address, peer_address);
    if (!sel) {
      IKE_LOG_DEBUG(Policy, 10, "find_responder_connection: skipping [{}]: {}", name,
                    sel.error().detail);
      continue;
    }
    if (sel->local == want.local && sel->remote == want.remote) {
      IKE_LOG_DEBUG(Policy, 30, "find_responder_connection: [{}] matches {} <-> {}", name,
                    want.local.to_string(), want.remote.to_string());
      return ResponderMatch{std::move(*c), *sel};
    }
  }
  return no_responder_connection(want, phase1_peer, candidates.size());
}

namespace {

std::optional<uint32_t> parse_u32(std::string_view t) {
  int base = 10;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    t.remove_prefix(2);
    base = 16;
  }
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v, base);
  if (t.empty() || ec != std::errc{} || end != t.data() + t.size()) return std::nullopt;
  return v;
}

}  // namespace

base::Result<PacketMark> parse_pf_tag(std::string_view text) {
  PacketMark m;
  auto slash = text.find('/');
  auto value = parse_u32(text.substr(0, slash));
  std::optional<uint32_t> mask = m.mask;
  if (slash != std::string_view::npos) mask = parse_u32(text.substr(slash + 1));
  if (!value || !mask || *mask == 0) {
    return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                            "PF-Tag \"{}\": Linux has no pf tags; use a packet mark "
                            "\"value[/mask]\" (32-bit, decimal or 0x hex, mask not 0)",
                            base::sanitize_for_log(text, 64));
  }
  m.value = *value;
  m.mask = *mask;
  return m;
}

}  // namespace ike::engine
