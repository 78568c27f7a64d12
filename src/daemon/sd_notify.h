// systemd readiness and watchdog notifications without libsystemd (sd_notify(3) protocol):
// when $NOTIFY_SOCKET names a unix datagram socket (a path, or "@name" for the abstract
// namespace), state strings such as "READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=..." are
// sent to it as single datagrams. $WATCHDOG_USEC (and $WATCHDOG_PID, which must be ours when
// set) gives the watchdog period; we ping at half of it. Without $NOTIFY_SOCKET everything is
// a no-op, so the daemon runs the same with or without systemd. The environment variables
// are unset after reading (as sd_notify's unset_environment), so children do not inherit them.
// Also: PeriodicTimer, a CLOCK_MONOTONIC timerfd for the watchdog and the metrics file.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <sys/types.h>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace ike::daemon {

class SdNotifier {
 public:
  SdNotifier() = default;
  SdNotifier(SdNotifier&& o) noexcept;
  SdNotifier& operator=(SdNotifier&& o) noexcept;
  SdNotifier(const SdNotifier&) = delete;
  SdNotifier& operator=(const SdNotifier&) = delete;
  ~SdNotifier();

  // Reads (and unsets) NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID. Errors: a malformed
  // NOTIFY_SOCKET (relative path, too long) or WATCHDOG_USEC; the caller logs and continues.
  [[nodiscard]] static base::Result<SdNotifier> from_environment();
  // For tests: a notifier for an explicit socket path and watchdog period.
  [[nodiscard]] static base::Result<SdNotifier> for_socket(
      std::string_view socket, std::optional<std::chrono::microseconds> watchdog);

  bool enabled() const noexcept { return m_fd >= 0; }
  // The interval at which WATCHDOG=1 must be sent (half of WATCHDOG_USEC); nullopt: none.
  std::optional<std::chrono::microseconds> watchdog_interval() const noexcept;
  // Sends one state string; no-op when disabled.
  [[nodiscard]] base::Status notify(std::string_view state) const;

 private:
  int m_fd = -1;
  std::string m_address;  // sun_path bytes ('\0' first for the abstract namespace)
  std::optional<std::chrono::microseconds> m_watchdog;
};

class PeriodicTimer {
 public:
  [[nodiscard]] static base::Result<PeriodicTimer> create(std::chrono::microseconds interval);
  PeriodicTimer(PeriodicTimer&& o) noexcept;
  PeriodicTimer& operator=(PeriodicTimer&& o) noexcept;
  PeriodicTimer(const PeriodicTimer&) = delete;
  PeriodicTimer& operator=(const PeriodicTimer&) = delete;
  ~PeriodicTimer();
  int fd() const noexcept { return m_fd; }
  // Reads the expiration count (non-blocking); returns the number of expirations.
  uint64_t consume() const noexcept;

 private:
  PeriodicTimer() = default;
  int m_fd = -1;
};

// Under privilege separation the monitor speaks to systemd for the jailed child: READY=1 (with
// MAINPID = the monitor, which systemd tracks) once the child reports it started, WATCHDOG=1
// from a thread at the notifier's interval while the child is alive (kill(child, 0)), and
// STOPPING=1 when the monitor's loop ends. A disabled notifier makes every call a no-op.
class MonitorSdNotify {
 public:
  MonitorSdNotify(SdNotifier notifier, pid_t child);
  ~MonitorSdNotify();
  MonitorSdNotify(const MonitorSdNotify&) = delete;
  MonitorSdNotify& operator=(const MonitorSdNotify&) = delete;
  void ready(uint16_t listen_port);
  void stopping();

 private:
  void stop_watchdog();
  SdNotifier m_notifier;
  pid_t m_child;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::thread m_watchdog;
};

}  // namespace ike::daemon
