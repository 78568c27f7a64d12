// Connection bring-up and the watchdog (isakmpd connection.c connection_init/connection_checker),
// and the per-ISAKMP-SA Quick Mode queue (connection_manager.h).
#include "engine/connection_manager.h"

#include <algorithm>

#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/exchanges/aggressive_mode.h"
#include "engine/exchanges/common.h"
#include "engine/peer_config.h"

namespace ike::engine {

namespace {

base::Seconds check_interval(const EngineImpl& e) {
  int64_t v = e.conf().get_num_or("General", "Check-interval", kDefaultCheckInterval);
  return base::Seconds{v <= 0 ? kDefaultCheckInterval : v};
}

}  // namespace

void ConnectionManager::reload_list(EngineImpl& e) {
  m_active = active_connections(e.conf());
  m_active_set = std::unordered_set<std::string>(m_active.begin(), m_active.end());
  m_peer_use_generation.reset();
}

bool ConnectionManager::peer_used(const EngineImpl& e, const base::IpAddress& peer,
                                  const base::IpAddress& local) const {
  if (m_peer_use_generation != e.conf().generation()) {
    m_peer_use.clear();
    for (const auto& name : m_active) {
      auto conn = load_connection_config(e.conf(), name);
      if (!conn) continue;
      auto p = load_peer_config(e.conf(), conn->isakmp_peer);
      if (!p || !p->address) continue;
      m_peer_use[*p->address].push_back({name, p->local_address});
    }
    m_peer_use_generation = e.conf().generation();
  }
  auto it = m_peer_use.find(peer);
  if (it == m_peer_use.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(), [&](const PeerUse& u) {
    return !held(u.connection) && (!u.local || *u.local == local);
  });
}

void ConnectionManager::start(EngineImpl& e, base::TimePoint now) {
  m_started = true;
  reload_list(e);
  check_all(e, now);
  m_next_check = now + check_interval(e);
}

void ConnectionManager::check_all(EngineImpl& e, base::TimePoint now) {
  if (e.options().passive) return;
  // One walk of the exchanges for the whole list, not one per connection (issue #7).
  // (Running Quick Modes are counted by the exchange table: quick_mode_running.)
  std::unordered_set<std::string> pending = queued_on_main_modes(e);
  for (const auto& name : m_active) {
    if (held(name) || e.sas().ipsec_count_for(name) != 0 || m_waiting_names.count(name) != 0 ||
        e.exchanges().quick_mode_running(name) || pending.count(name) != 0) {
      continue;
    }
    connect(e, name, now);
    pending.insert(name);  // a name listed twice is brought up once
  }
}

bool hold_quick_mode(IsakmpSa& sa, const std::string& name) {
  if (!sa.phase2_hold) return false;
  auto& queued = sa.phase2_hold->queued;
  if (std::find(queued.begin(), queued.end(), name) == queued.end()) {
    queued.push_back(name);
    IKE_LOG_DEBUG(Exchange, 20, "connection {}: Quick Mode waits for {}", name,
                  sa.phase2_hold->until == Phase2Hold::Until::XauthDone
                      ? "XAUTH"
                      : "the mode-config REPLY");
  }
  return true;
}

std::size_t quick_modes_in_flight(const EngineImpl& e, const base::CookiePair& c) {
  return e.exchanges().quick_modes_in_flight(c);
}

void ConnectionManager::forget(const std::string& name) {
  std::erase(m_active, name);
  m_active_set.erase(name);
  m_peer_use_generation.reset();
  if (m_waiting_names.erase(name) != 0) {
    for (auto& [c, q] : m_waiting) std::erase(q, name);
  }
}

base::Status ConnectionManager::start_quick_mode(EngineImpl& e, IsakmpSa& sa,
                                                 const std::string& name, base::TimePoint now) {
  if (m_waiting_names.count(name) != 0) return base::ok();  // already waiting for a slot
  if (quick_modes_in_flight(e, sa.cookies) >= kQuickModeBurst) {
    IKE_LOG_DEBUG(Exchange, 20, "connection {}: {} Quick Modes in flight, queued", name,
                  kQuickModeBurst);
    m_waiting[sa.cookies].push_back(name);
    m_waiting_names.insert(name);
    if (!m_retry) m_retry = now + kQuickModeRetry;
    return base::ok();
  }
  return qm_initiate(e, sa, name, now);
}

void ConnectionManager::start_quick_modes(EngineImpl& e, const base::CookiePair& cookies,
                                          const std::vector<std::string>& names,
                                          base::TimePoint now) {
  for (const auto& name : names) {
    IsakmpSa* sa = e.sas().find_isakmp(cookies);
    if (sa == nullptr) break;
    // At most kQuickModeBurst in flight; the rest wait.
    if (auto st = start_quick_mode(e, *sa, name, now); !st) {
      IKE_LOG_WARN("connection {}: cannot start Quick Mode: {}", name, st.error().detail);
    }
  }
}

void ConnectionManager::start_waiting(EngineImpl& e, base::TimePoint now) {
  std::vector<std::string> orphans;  // their ISAKMP SA is gone: brought up afresh
  for (auto it = m_waiting.begin(); it != m_waiting.end();) {
    auto& [cookies, queue] = *it;
    IsakmpSa* sa = e.sas().find_isakmp(cookies);
    std::size_t n = sa != nullptr ? quick_modes_in_flight(e, cookies) : 0;
    while (!queue.empty() && (sa == nullptr || n < kQuickModeBurst)) {
      std::string name = std::move(queue.front());
      queue.pop_front();
      m_waiting_names.erase(name);
      if (sa == nullptr) {
        orphans.push_back(std::move(name));
        continue;
      }
      if (e.sas().ipsec_count_for(name) != 0) continue;  // came up meanwhile (peer's QM)
      if (auto st = qm_initiate(e, *sa, name, now); !st) {
        IKE_LOG_WARN("connection {}: cannot start Quick Mode: {}", name, st.error().detail);
      } else {
        ++n;
      }
    }
    it = queue.empty() ? m_waiting.erase(it) : std::next(it);
  }
  for (const auto& name : orphans) {
    if (!held(name)) (void)connect(e, name, now);
  }
  if (!m_waiting.empty() && !m_retry) m_retry = now + kQuickModeRetry;
}

void ConnectionManager::on_tick(EngineImpl& e, base::TimePoint now) {
  if (m_retry && now >= *m_retry) {
    m_retry.reset();
    start_waiting(e, now);
  }
  if (m_reinit && now >= *m_reinit) {
    m_reinit.reset();
    reload_list(e);
    check_all(e, now);
  }
  if (m_next_check && now >= *m_next_check) {
    check_all(e, now);
    m_next_check = now + check_interval(e);
  }
}

std::optional<base::TimePoint> ConnectionManager::next_deadline() const {
  std::optional<base::TimePoint> d = m_next_check;
  if (m_reinit && (!d || *m_reinit < *d)) d = m_reinit;
  if (m_retry && (!d || *m_retry < *d)) d = m_retry;
  return d;
}

std::unordered_set<std::string> ConnectionManager::queued_on_main_modes(const EngineImpl& e) {
  std::unordered_set<std::string> names;
  for (const auto& [k, x] : e.exchanges().all()) {
    if (!x.finished && x.mm) names.insert(x.mm->queued.begin(), x.mm->queued.end());
  }
  return names;
}

bool ConnectionManager::connect(EngineImpl& e, const std::string& name, base::TimePoint now) {
  m_held.erase(name);
  auto conn = load_connection_config(e.conf(), name);
  if (!conn) {
    IKE_LOG_WARN("connection {}: {}", name, conn.error().detail);
    return false;
  }
  if (conn->isakmp_peer.empty()) {
    IKE_LOG_WARN("connection {}: no ISAKMP-peer, cannot initiate", name);
    return false;
  }
  auto peer = load_peer_config(e.conf(), conn->isakmp_peer);
  if (!peer || !peer->address) {
    IKE_LOG_WARN("connection {}: peer {}: {}", name, conn->isakmp_peer,
                 peer ? "no Address" : peer.error().detail);
    return false;
  }
  // The peer's ISAKMP SA, or its Main Mode, from its Local-address when one is configured.
  const base::IpAddress* local = peer->local_address ? &*peer->local_address : nullptr;
  if (IsakmpSa* sa = e.sas().find_isakmp_by_peer(*peer->address, local)) {
    auto st = start_quick_mode(e, *sa, name, now);
    if (!st) IKE_LOG_WARN("connection {}: {}", name, st.error().detail);
    return st.has_value();
  }
  // A Main Mode to that peer is already running: wait for it.
  if (Exchange* x = e.exchanges().initiator_main_mode_to(*peer->address, local)) {
    if (std::find(x->mm->queued.begin(), x->mm->queued.end(), name) == x->mm->queued.end()) {
      x->mm->queued.push_back(name);
    }
    return true;
  }
  auto st = phase1_initiate(e, conn->isakmp_peer, {name}, now);
  if (!st) IKE_LOG_WARN("connection {}: {}", name, st.error().detail);
  return st.has_value();
}

}  // namespace ike::engine
