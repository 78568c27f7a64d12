// Persistent connections (isakmpd connection.c): the [Phase 2]:Connections list started at
// start(), kept up by the watchdog every [General]:Check-interval seconds (default 60), re-read
// 5 seconds after a configuration change, and `c <name>`. Bringing a connection up means a Quick
// Mode over an ISAKMP SA to its peer, running Main Mode first when none exists (the connection is
// queued on the Main Mode exchange). Owns the connection list and its two timers.
//
// Quick Modes are started through start_quick_mode, which keeps at most kQuickModeBurst of them
// in flight per ISAKMP SA (issue #7: one ISAKMP SA tracks at most IvChain::kMaxExchanges = 32
// message-id IV chains; beyond it a Quick Mode fails). The others wait in a FIFO per ISAKMP SA
// and are retried every kQuickModeRetry, like rekey_tick spreads a rekey storm, so starting
// 10 000 connections over one new ISAKMP SA brings them all up instead of failing all but 32.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/address.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/result.h"
#include "engine/half_open.h"
#include "engine/iv_chain.h"

namespace ike::engine {

class EngineImpl;
struct IsakmpSa;

inline constexpr int kDefaultCheckInterval = 60;  // seconds
inline constexpr int kConfigReinitDelay = 5;      // seconds (isakmpd ui.c / conf.c)
inline constexpr std::size_t kQuickModeBurst = IvChain::kMaxExchanges / 2;  // per ISAKMP SA
inline constexpr base::Duration kQuickModeRetry{100};                       // ms

// qm_initiate(): true when `sa` holds our phase 2 (IsakmpSa::phase2_hold: XAUTH pending, a
// mode-config pull waiting for its REPLY); connection `name` is then queued in the hold (once).
bool hold_quick_mode(IsakmpSa& sa, const std::string& name);

// Unfinished Quick Modes over ISAKMP SA `c`, either role (a contiguous exchange-table range).
std::size_t quick_modes_in_flight(const EngineImpl& e, const base::CookiePair& c);

class ConnectionManager {
 public:
  // Reads [Phase 2]:Connections, starts each one (unless passive) and arms the watchdog.
  void start(EngineImpl& e, base::TimePoint now);
  // Schedules the re-read of the connection list 5 s from now.
  void config_changed(base::TimePoint now) { m_reinit = now + base::Seconds{kConfigReinitDelay}; }
  // Runs the watchdog / re-init when due.
  void on_tick(EngineImpl& e, base::TimePoint now);
  std::optional<base::TimePoint> next_deadline() const;

  // Brings connection `name` up now (the `c` command, the watchdog and start()). Returns false
  // (logged) when the configuration does not allow it.
  bool connect(EngineImpl& e, const std::string& name, base::TimePoint now);
  // A Quick Mode for connection `name` over `sa` (the connection bring-up, and the connections
  // queued on a Main Mode once it completes): started now when fewer than kQuickModeBurst are
  // in flight over `sa`, otherwise queued (ok) and started by on_tick as slots free up.
  // Errors: qm_initiate's (connection sections missing or invalid).
  [[nodiscard]] base::Status start_quick_mode(EngineImpl& e, IsakmpSa& sa,
                                              const std::string& name, base::TimePoint now);
  // start_quick_mode for each of `names` over ISAKMP SA `cookies` (the connections queued on
  // a phase 1, XAUTH or mode-config pull that just finished); failures are logged.
  void start_quick_modes(EngineImpl& e, const base::CookiePair& cookies,
                         const std::vector<std::string>& names, base::TimePoint now);
  // Connections waiting for a Quick Mode slot (all ISAKMP SAs).
  std::size_t waiting() const noexcept { return m_waiting_names.size(); }

  // Connections queued on a running Main Mode (brought up when it completes).
  static std::unordered_set<std::string> queued_on_main_modes(const EngineImpl& e);

  // `t <name>`: stops keeping the connection up (isakmpd connection_teardown).
  void forget(const std::string& name);

  // DPD-action=hold (dpd.h): the watchdog leaves the connection down until `c <name>`.
  void hold(const std::string& name) { m_held.insert(name); }
  bool held(const std::string& name) const { return m_held.count(name) != 0; }

  const std::vector<std::string>& active() const noexcept { return m_active; }
  // Listed in [Phase 2]:Connections (or passive-added) and not held: O(1) (rekey storms).
  bool is_active(const std::string& name) const {
    return m_active_set.count(name) != 0 && !held(name);
  }
  std::optional<base::TimePoint> next_check() const noexcept { return m_next_check; }

  // A connection that is active and not held goes to `peer` (from `local`, when its peer
  // section has a Local-address): the ISAKMP SA with that peer is worth a new Main Mode at its
  // soft lifetime. The active connections are indexed by their peer's address once per
  // configuration generation and list change (issue #7: a walk of every connection per
  // ISAKMP SA made a phase-1 rekey storm O(connections x peers)).
  bool peer_used(const EngineImpl& e, const base::IpAddress& peer,
                 const base::IpAddress& local) const;

 private:
  void reload_list(EngineImpl& e);
  void check_all(EngineImpl& e, base::TimePoint now);
  void start_waiting(EngineImpl& e, base::TimePoint now);

  struct PeerUse {
    std::string connection;
    std::optional<base::IpAddress> local;  // the peer section's Local-address
  };
  std::vector<std::string> m_active;
  mutable std::optional<uint64_t> m_peer_use_generation;  // nullopt: the list changed
  mutable std::unordered_map<base::IpAddress, std::vector<PeerUse>, IpAddressHash> m_peer_use;
  std::unordered_set<std::string> m_active_set;  // the same names, for is_active()
  std::set<std::string> m_held;
  std::optional<base::TimePoint> m_next_check;
  std::optional<base::TimePoint> m_reinit;
  bool m_started = false;
  // Quick Modes waiting for a slot, FIFO per ISAKMP SA, and the retry timer.
  std::map<base::CookiePair, std::deque<std::string>> m_waiting;
  std::set<std::string> m_waiting_names;
  std::optional<base::TimePoint> m_retry;
};

}  // namespace ike::engine
