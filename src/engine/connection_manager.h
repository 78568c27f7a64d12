// Persistent connections (isakmpd connection.c): the [Phase 2]:Connections list started at
// start(), kept up by the watchdog every [General]:Check-interval seconds (default 60), re-read
// 5 seconds after a configuration change, and `c <name>`. Bringing a connection up means a Quick
// Mode over an ISAKMP SA to its peer, running Main Mode first when none exists (the connection is
// queued on the Main Mode exchange). Owns the connection list and its two timers.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"

namespace ike::engine {

class EngineImpl;

inline constexpr int kDefaultCheckInterval = 60;  // seconds
inline constexpr int kConfigReinitDelay = 5;      // seconds (isakmpd ui.c / conf.c)

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
  // True when an SA or a negotiation exists for the connection.
  bool is_up_or_pending(const EngineImpl& e, const std::string& name) const;

  // `t <name>`: stops keeping the connection up (isakmpd connection_teardown).
  void forget(const std::string& name) { std::erase(m_active, name); }

  // DPD-action=hold (dpd.h): the watchdog leaves the connection down until `c <name>`.
  void hold(const std::string& name) { m_held.insert(name); }
  bool held(const std::string& name) const { return m_held.count(name) != 0; }

  const std::vector<std::string>& active() const noexcept { return m_active; }
  std::optional<base::TimePoint> next_check() const noexcept { return m_next_check; }

 private:
  void reload_list(EngineImpl& e);
  void check_all(EngineImpl& e, base::TimePoint now);

  std::vector<std::string> m_active;
  std::set<std::string> m_held;
  std::optional<base::TimePoint> m_next_check;
  std::optional<base::TimePoint> m_reinit;
  bool m_started = false;
};

}  // namespace ike::engine
