// sd_notify protocol client and periodic timerfd (see sd_notify.h).
#include "daemon/sd_notify.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <signal.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "base/log.h"

namespace ike::daemon {

using base::ErrorCode;
using base::NotifyType;

SdNotifier::SdNotifier(SdNotifier&& o) noexcept
    : m_fd(std::exchange(o.m_fd, -1)),
      m_address(std::move(o.m_address)),
      m_watchdog(o.m_watchdog) {}

SdNotifier& SdNotifier::operator=(SdNotifier&& o) noexcept {
  if (this != &o) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = std::exchange(o.m_fd, -1);
    m_address = std::move(o.m_address);
    m_watchdog = o.m_watchdog;
  }
  return *this;
}

SdNotifier::~SdNotifier() {
  if (m_fd >= 0) ::close(m_fd);
}

base::Result<SdNotifier> SdNotifier::for_socket(std::string_view socket,
                                                std::optional<std::chrono::microseconds> wd) {
  SdNotifier n;
  if (socket.empty()) return n;
  sockaddr_un sun{};
  if (socket[0] != '/' && socket[0] != '@') {
    return make_error(ErrorCode::Config, NotifyType::None,
                      "NOTIFY_SOCKET \"{}\" is neither an absolute path nor @abstract",
                      base::sanitize_for_log(socket, 80));
  }
  if (socket.size() >= sizeof(sun.sun_path)) {
    return make_error(ErrorCode::Config, NotifyType::None,
                      "NOTIFY_SOCKET is {} bytes long (at most {})", socket.size(),
                      sizeof(sun.sun_path) - 1);
  }
  n.m_address = std::string(socket);
  if (n.m_address[0] == '@') n.m_address[0] = '\0';
  n.m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (n.m_fd < 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "NOTIFY_SOCKET: socket: {}",
                      std::strerror(errno));
  }
  n.m_watchdog = wd;
  return n;
}

base::Result<SdNotifier> SdNotifier::from_environment() {
  const char* sock = ::getenv("NOTIFY_SOCKET");
  const char* usec = ::getenv("WATCHDOG_USEC");
  const char* wpid = ::getenv("WATCHDOG_PID");
  std::string socket = sock ? sock : "";
  std::optional<std::chrono::microseconds> wd;
  std::string usec_text = usec ? usec : "";
  bool for_us = true;
  if (wpid != nullptr) {
    long pid = 0;
    std::string_view p(wpid);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), pid);
    for_us = ec == std::errc{} && end == p.data() + p.size() && pid == ::getpid();
  }
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  if (!usec_text.empty() && for_us) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(usec_text.data(), usec_text.data() + usec_text.size(), v);
    if (ec != std::errc{} || end != usec_text.data() + usec_text.size() || v == 0) {
      return make_error(ErrorCode::Config, NotifyType::None,
                        "WATCHDOG_USEC \"{}\" is not a positive number",
                        base::sanitize_for_log(usec_text, 40));
    }
    wd = std::chrono::microseconds(static_cast<int64_t>(v));
  }
  return for_socket(socket, wd);
}

std::optional<std::chrono::microseconds> SdNotifier::watchdog_interval() const noexcept {
  if (!m_watchdog || m_fd < 0) return std::nullopt;
  return *m_watchdog / 2;
}

base::Status SdNotifier::notify(std::string_view state) const {
  if (m_fd < 0) return base::ok();
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, m_address.data(), m_address.size());
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + m_address.size() +
                                    (m_address[0] == '\0' ? 0 : 1));
  ssize_t n = ::sendto(m_fd, state.data(), state.size(), MSG_NOSIGNAL,
                       reinterpret_cast<const sockaddr*>(&sun), len);
  if (n < 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "sd_notify \"{}\": {}",
                      base::sanitize_for_log(state, 40), std::strerror(errno));
  }
  return base::ok();
}

base::Result<PeriodicTimer> PeriodicTimer::create(std::chrono::microseconds interval) {
  PeriodicTimer t;
  t.m_fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (t.m_fd < 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "timerfd_create: {}",
                      std::strerror(errno));
  }
  if (interval.count() <= 0) interval = std::chrono::microseconds(1);
  itimerspec its{};
  its.it_interval.tv_sec = static_cast<time_t>(interval.count() / 1000000);
  its.it_interval.tv_nsec = static_cast<long>((interval.count() % 1000000) * 1000);
  its.it_value = its.it_interval;
  if (::timerfd_settime(t.m_fd, 0, &its, nullptr) != 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "timerfd_settime: {}",
                      std::strerror(errno));
  }
  return t;
}

PeriodicTimer::PeriodicTimer(PeriodicTimer&& o) noexcept : m_fd(std::exchange(o.m_fd, -1)) {}
PeriodicTimer& PeriodicTimer::operator=(PeriodicTimer&& o) noexcept {
  if (this != &o) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = std::exchange(o.m_fd, -1);
  }
  return *this;
}
PeriodicTimer::~PeriodicTimer() {
  if (m_fd >= 0) ::close(m_fd);
}

uint64_t PeriodicTimer::consume() const noexcept {
  uint64_t n = 0;
  if (::read(m_fd, &n, sizeof n) != static_cast<ssize_t>(sizeof n)) return 0;
  return n;
}

MonitorSdNotify::MonitorSdNotify(SdNotifier notifier, pid_t child)
    : m_notifier(std::move(notifier)), m_child(child) {}

MonitorSdNotify::~MonitorSdNotify() { stop_watchdog(); }

void MonitorSdNotify::ready(uint16_t listen_port) {
  if (!m_notifier.enabled()) return;
  if (auto st = m_notifier.notify(fmt::format("READY=1\nMAINPID={}\nSTATUS=listening on port {}",
                                              ::getpid(), listen_port));
      !st) {
    IKE_LOG_WARN("{}", st.error().detail);
  }
  auto interval = m_notifier.watchdog_interval();
  if (!interval || m_watchdog.joinable()) return;
  m_watchdog = std::thread([this, period = *interval] {
    std::unique_lock lock(m_mutex);
    while (!m_wake.wait_for(lock, period, [this] { return m_stop; })) {
      if (::kill(m_child, 0) != 0) return;  // the engine is gone: let systemd notice
      if (auto st = m_notifier.notify("WATCHDOG=1"); !st) IKE_LOG_WARN("{}", st.error().detail);
    }
  });
}

void MonitorSdNotify::stopping() {
  stop_watchdog();
  if (auto st = m_notifier.notify("STOPPING=1"); !st) IKE_LOG_WARN("{}", st.error().detail);
}

void MonitorSdNotify::stop_watchdog() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  if (m_watchdog.joinable()) m_watchdog.join();
}

}  // namespace ike::daemon
