// The daemon's single-threaded event loop (design §3.8): one epoll set holding the UDP
// sockets, the FIFO, a timerfd for the engine's next deadline and a signalfd. The signals
// given to create() are blocked (so they are only ever seen through the signalfd, never as
// asynchronous handlers) and the previous mask is restored on destruction. Deadlines are
// base::TimePoint values (std::chrono::steady_clock == CLOCK_MONOTONIC on Linux) armed as
// absolute CLOCK_MONOTONIC timerfd expirations.
#pragma once

#include <signal.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>

#include "base/clock.h"
#include "base/result.h"

namespace ike::daemon {

class EventLoop {
 public:
  using Callback = std::function<void()>;
  using SignalCallback = std::function<void(int signo)>;

  [[nodiscard]] static base::Result<std::unique_ptr<EventLoop>> create(
      std::span<const int> signals);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Level-triggered readability callback. The callback may remove its own fd.
  [[nodiscard]] base::Status add_fd(int fd, Callback on_readable);
  void remove_fd(int fd);
  void on_timer(Callback cb) { m_timer_cb = std::move(cb); }
  void on_signal(SignalCallback cb) { m_signal_cb = std::move(cb); }
  // nullopt disarms. A deadline in the past fires on the next iteration. The same deadline as
  // the one armed is not set again (the daemon re-arms after every datagram and the earliest
  // deadline rarely moves: one timerfd_settime saved per datagram, issue #7).
  [[nodiscard]] base::Status arm_timer(std::optional<base::TimePoint> deadline);
  std::optional<base::TimePoint> armed_deadline() const noexcept { return m_deadline; }
  // timerfd_settime calls made (tests).
  uint64_t timer_settings() const noexcept { return m_timer_settings; }

  // One epoll_wait (at most `max_wait`; nullopt = until an event) and its dispatch.
  [[nodiscard]] base::Status run_once(std::optional<base::Duration> max_wait);
  // Iterates until stop() is called (from a callback).
  [[nodiscard]] base::Status run();
  void stop() noexcept { m_stop = true; }
  bool stopped() const noexcept { return m_stop; }

 private:
  EventLoop() = default;
  void dispatch_signals();
  void dispatch_timer();

  int m_epoll = -1;
  int m_timer = -1;
  int m_signal = -1;
  sigset_t m_old_mask{};
  bool m_mask_saved = false;
  bool m_stop = false;
  std::optional<base::TimePoint> m_deadline;  // armed and not yet fired (read)
  uint64_t m_timer_settings = 0;
  std::map<int, std::shared_ptr<Callback>> m_fds;
  Callback m_timer_cb;
  SignalCallback m_signal_cb;
};

}  // namespace ike::daemon
