// Dead Peer Detection (RFC 3706 §5; isakmpd dpd.c semantics, see dpd.h):
//
//   (idle for DPD-check-interval)
//   HDR*, HASH(1), N(R-U-THERE, SPI = CKY-I | CKY-R, seq)      -->
//                   <--  HDR*, HASH(1), N(R-U-THERE-ACK, SPI = CKY-I | CKY-R, seq)
//   (no answer: the same with seq + 1 every 5 s; after 5 probes: dead -> DPD-action)
//
// RFC 3706 §5.5: "the sequence number ... SHOULD be initialized to a random value" and each
// R-U-THERE carries the next one. Any authenticated message from the peer ends an episode.
#include "engine/dpd.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/exchanges/common.h"
#include "engine/peer_config.h"

namespace ike::engine {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return out;
}

int64_t interval_from(const conf::ConfDb& conf, std::string_view section) {
  if (!conf.get(section, "DPD-check-interval")) return -1;
  int64_t v = conf.get_num_or(section, "DPD-check-interval", -1);
  if (v < 0) {
    IKE_LOG_WARN("[{}]:DPD-check-interval must be a number of seconds >= 0; ignored", section);
  }
  return v;
}

std::optional<DpdAction> action_from(const conf::ConfDb& conf, std::string_view section) {
  auto text = conf.get(section, "DPD-action");
  if (!text) return std::nullopt;
  auto a = parse_dpd_action(*text);
  if (!a) {
    IKE_LOG_WARN("[{}]:DPD-action: {}; ignored", section, a.error().detail);
    return std::nullopt;
  }
  return *a;
}

}  // namespace

const char* dpd_action_name(DpdAction a) noexcept {
  switch (a) {
    case DpdAction::Clear: return "clear";
    case DpdAction::Hold: return "hold";
    case DpdAction::Restart: return "restart";
  }
  return "clear";
}

base::Result<DpdAction> parse_dpd_action(std::string_view text) {
  std::string t = lower(text);
  if (t == "clear") return DpdAction::Clear;
  if (t == "hold") return DpdAction::Hold;
  if (t == "restart") return DpdAction::Restart;
  return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                          "unknown DPD action \"{}\" (expected clear, hold or restart)",
                          base::sanitize_for_log(text));
}

DpdSettings dpd_settings(const conf::ConfDb& conf, std::string_view peer_section) {
  DpdSettings s;
  int64_t v = interval_from(conf, peer_section);
  if (v < 0) v = interval_from(conf, "General");
  s.interval = base::Seconds{v < 0 ? 0 : v};
  auto a = action_from(conf, peer_section);
  if (!a) a = action_from(conf, "General");
  s.action = a.value_or(DpdAction::Clear);
  return s;
}

void DeadPeerDetector::heard(const base::CookiePair& c, base::TimePoint now) {
  auto it = m_probes.try_emplace(c).first;  // pruned with the SA (refresh)
  if (it->second.sent > 0) {
    IKE_LOG_DEBUG(Exchange, 20, "DPD: peer of {} answered after {} probe(s)", c.hex(),
                  it->second.sent);
  }
  const bool episode = it->second.sent > 0;
  it->second.last_heard = std::max(it->second.last_heard, now);
  it->second.sent = 0;
  // Ending an episode can bring the deadline before the pending retry: re-arm. Otherwise the
  // deadline only moved later and the heap entry (a lower bound) stays.
  if (episode && it->second.interval.count() > 0) {
    m_timers.arm(c, it->second.last_heard + it->second.interval);
  }
}

std::optional<uint32_t> DeadPeerDetector::next_seq(const base::CookiePair& c) const {
  auto it = m_probes.find(c);
  return it == m_probes.end() ? std::nullopt : it->second.next_seq;
}

DeadPeerDetector::Probe& DeadPeerDetector::state_for(const EngineImpl& e,
                                                     const base::CookiePair& c) {
  auto [it, inserted] = m_probes.try_emplace(c);
  if (inserted) it->second.last_heard = e.sas().find_isakmp(c)->established;
  return it->second;
}

std::optional<DpdSettings> DeadPeerDetector::probing(const EngineImpl& e,
                                                     const base::CookiePair& c) const {
  const IsakmpSa* sa = e.sas().find_isakmp(c);
  if (sa == nullptr || !sa->peer_dpd) return std::nullopt;
  auto it = m_settings.find(sa->name);
  if (it == m_settings.end()) {
    it = m_settings.emplace(sa->name, dpd_settings(e.conf(), sa->name)).first;
  }
  if (it->second.interval.count() == 0) return std::nullopt;
  const IsakmpSa* newest = e.sas().find_isakmp_by_peer(sa->peer.address);
  if (newest != nullptr && newest->established > sa->established) return std::nullopt;
  return it->second;
}

std::optional<base::TimePoint> DeadPeerDetector::deadline_of(const EngineImpl& e,
                                                             const base::CookiePair& c) const {
  auto s = probing(e, c);
  if (!s) return std::nullopt;
  auto it = m_probes.find(c);
  if (it == m_probes.end()) return e.sas().find_isakmp(c)->established + s->interval;
  return it->second.sent > 0 ? it->second.next_at : it->second.last_heard + s->interval;
}

void DeadPeerDetector::refresh(const EngineImpl& e) const {
  std::vector<base::CookiePair> changed = e.sas().take_isakmp_changes();
  if (m_generation != e.conf().generation()) {
    // New configuration: intervals may have shortened; re-arm every ISAKMP SA once.
    m_generation = e.conf().generation();
    m_settings.clear();
    m_timers.clear();
    changed.clear();
    for (const auto& [c, sa] : e.sas().isakmp_sas()) changed.push_back(c);
  }
  for (const auto& c : changed) {
    if (e.sas().find_isakmp(c) == nullptr) {
      m_probes.erase(c);  // the SA went: its probe state too
      m_timers.forget(c);
    } else if (auto d = deadline_of(e, c)) {
      m_timers.arm(c, *d);
    }
  }
}

std::optional<base::TimePoint> DeadPeerDetector::next_deadline(const EngineImpl& e) const {
  refresh(e);
  return m_timers.next([&](const base::CookiePair& c) { return deadline_of(e, c); });
}

void DeadPeerDetector::on_tick(EngineImpl& e, base::TimePoint now) {
  refresh(e);
  std::vector<base::CookiePair> due =
      m_timers.due(now, [&](const base::CookiePair& c) { return deadline_of(e, c); });
  for (const auto& c : due) {
    IsakmpSa* sa = e.sas().find_isakmp(c);
    if (sa == nullptr) continue;  // removed by an earlier peer's action
    auto s = probing(e, c);
    if (!s) continue;
    Probe& p = state_for(e, c);
    p.interval = s->interval;
    if (p.sent == 0 && now < p.last_heard + s->interval) continue;
    if (p.sent > 0 && now < p.next_at) continue;
    if (p.sent >= kDpdRetransMax) {
      peer_dead(e, c, s->action, now);
      continue;
    }
    if (!p.next_seq) p.next_seq = e.rng().u32();  // RFC 3706 §5.5: random start, 32 bits
    uint32_t seq = (*p.next_seq)++;
    ++p.sent;
    p.next_at = now + base::Seconds{kDpdRetransWait};
    IKE_LOG_DEBUG(Exchange, 10, "DPD: R-U-THERE seq {} to {} (probe {} of {})", seq,
                  sa->peer.to_string(), p.sent, kDpdRetransMax);
    // RFC 3706 §5: notify SPI = CKY-I | CKY-R, data = the 32-bit sequence number.
    base::Bytes data{static_cast<uint8_t>(seq >> 24), static_cast<uint8_t>(seq >> 16),
                     static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq)};
    send_notify_protected(e, *sa, base::NotifyType::RUThere,
                          static_cast<uint8_t>(wire::ProtocolId::Isakmp), cookie_spi(c),
                          std::move(data));
  }
}

void DeadPeerDetector::peer_dead(EngineImpl& e, const base::CookiePair& c, DpdAction action,
                                 base::TimePoint now) {
  IsakmpSa* sa = e.sas().find_isakmp(c);
  base::IpAddress peer = sa->peer.address;
  std::string section = sa->name;
  IKE_LOG_WARN("DPD: peer {} ({}) is dead: no answer to {} R-U-THERE; action {}",
               peer.to_string(), section, kDpdRetransMax, dpd_action_name(action));
  std::set<std::string> names;
  std::vector<base::Spi> p2;
  for (auto spi : std::as_const(e.sas()).ipsec_with_peer(peer)) {
    IpsecSa* ipsec = e.sas().find_ipsec_by_in_spi(spi);
    names.insert(ipsec->name);
    if (action == DpdAction::Hold) ipsec->flow_dirs = 0;  // keep them in the kernel
    p2.push_back(spi);
  }
  for (const auto& name : e.connections().active()) {
    auto conn = load_connection_config(e.conf(), name);
    if (conn && lower(conn->isakmp_peer) == lower(section)) names.insert(name);
  }
  // The peer is gone: no DELETE (it could not be answered and would only be retransmitted).
  for (auto spi : p2) delete_ipsec_sa(e, spi, false, "DPD: peer dead");
  for (const auto& cc : std::as_const(e.sas()).isakmp_with_peer(peer)) {
    delete_isakmp_sa(e, cc, false, "DPD: peer dead");
    m_probes.erase(cc);
  }
  const auto& active = e.connections().active();
  for (const auto& name : names) {
    bool is_active = std::find(active.begin(), active.end(), name) != active.end();
    if (action == DpdAction::Hold) {
      e.connections().hold(name);
    } else if (action == DpdAction::Restart && is_active && !e.options().passive) {
      IKE_LOG_INFO("DPD: restarting connection {}", name);
      e.connections().connect(e, name, now);
    }
  }
}

}  // namespace ike::engine
