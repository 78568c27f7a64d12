// epoll + timerfd + signalfd event loop (see event_loop.h).
#include "daemon/event_loop.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/log.h"

namespace ike::daemon {

using base::ErrorCode;
using base::NotifyType;

namespace {

base::Error sys_error(std::string_view what) {
  return make_error(ErrorCode::Io, NotifyType::None, "event loop: {}: {}", what,
                    std::strerror(errno));
}

}  // namespace

base::Result<std::unique_ptr<EventLoop>> EventLoop::create(std::span<const int> signals) {
  std::unique_ptr<EventLoop> loop(new EventLoop());
  loop->m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
  if (loop->m_epoll < 0) return sys_error("epoll_create1");
  loop->m_timer = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (loop->m_timer < 0) return sys_error("timerfd_create");
  sigset_t mask;
  sigemptyset(&mask);
  for (int s : signals) sigaddset(&mask, s);
  if (::sigprocmask(SIG_BLOCK, &mask, &loop->m_old_mask) != 0) return sys_error("sigprocmask");
  loop->m_mask_saved = true;
  loop->m_signal = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (loop->m_signal < 0) return sys_error("signalfd");
  for (int fd : {loop->m_timer, loop->m_signal}) {
    struct epoll_event ev {};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(loop->m_epoll, EPOLL_CTL_ADD, fd, &ev) != 0) return sys_error("epoll_ctl");
  }
  return loop;
}

EventLoop::~EventLoop() {
  for (int fd : {m_signal, m_timer, m_epoll}) {
    if (fd >= 0) ::close(fd);
  }
  if (m_mask_saved) {
    // Drop signals that arrived while blocked but were never read, then restore the mask.
    ::sigprocmask(SIG_SETMASK, &m_old_mask, nullptr);
  }
}

base::Status EventLoop::add_fd(int fd, Callback on_readable) {
  struct epoll_event ev {};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "event loop: epoll_ctl(ADD, fd {}): {}",
                      fd, std::strerror(errno));
  }
  m_fds[fd] = std::make_shared<Callback>(std::move(on_readable));
  return base::ok();
}

void EventLoop::remove_fd(int fd) {
  if (m_fds.erase(fd) != 0) ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
}

base::Status EventLoop::arm_timer(std::optional<base::TimePoint> deadline) {
  // Still armed at that deadline (or expired and not yet dispatched: it fires all the same).
  if (deadline == m_deadline) return base::ok();
  struct itimerspec its {};
  if (deadline) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  deadline->time_since_epoch())
                  .count();
    if (ns <= 0) ns = 1;  // an all-zero it_value would disarm
    its.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
    its.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
  }
  ++m_timer_settings;
  if (::timerfd_settime(m_timer, TFD_TIMER_ABSTIME, &its, nullptr) != 0) {
    m_deadline.reset();  // unknown: the next arm_timer sets it whatever it is
    return sys_error("timerfd_settime");
  }
  m_deadline = deadline;
  return base::ok();
}

void EventLoop::dispatch_timer() {
  uint64_t expirations = 0;
  ssize_t n = ::read(m_timer, &expirations, sizeof expirations);
  if (n != static_cast<ssize_t>(sizeof expirations)) return;  // EAGAIN: re-armed meanwhile
  m_deadline.reset();
  if (m_timer_cb) m_timer_cb();
}

void EventLoop::dispatch_signals() {
  for (;;) {
    struct signalfd_siginfo si {};
    ssize_t n = ::read(m_signal, &si, sizeof si);
    if (n != static_cast<ssize_t>(sizeof si)) return;
    IKE_LOG_DEBUG(Misc, 10, "event loop: signal {} ({})", si.ssi_signo,
                  ::strsignal(static_cast<int>(si.ssi_signo)));
    if (m_signal_cb) m_signal_cb(static_cast<int>(si.ssi_signo));
  }
}

base::Status EventLoop::run_once(std::optional<base::Duration> max_wait) {
  constexpr int kMaxEvents = 32;
  struct epoll_event events[kMaxEvents];
  int timeout = -1;
  if (max_wait) {
    auto ms = max_wait->count();
    timeout = ms < 0 ? 0 : (ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms));
  }
  int n = ::epoll_wait(m_epoll, events, kMaxEvents, timeout);
  if (n < 0) {
    if (errno == EINTR) return base::ok();
    return sys_error("epoll_wait");
  }
  for (int i = 0; i < n && !m_stop; ++i) {
    int fd = events[i].data.fd;
    if (fd == m_signal) {
      dispatch_signals();
    } else if (fd == m_timer) {
      dispatch_timer();
    } else {
      auto it = m_fds.find(fd);
      if (it == m_fds.end()) continue;  // removed by an earlier callback of this batch
      auto cb = it->second;             // keep alive even if the callback removes the fd
      (*cb)();
    }
  }
  return base::ok();
}

base::Status EventLoop::run() {
  while (!m_stop) {
    IKE_TRY_VOID(run_once(std::nullopt));
  }
  return base::ok();
}

}  // namespace ike::daemon
