// The operator-facing parts of the daemon shell (isakmpd-features.md §1.17-1.19): the IKE
// packet capture (-L, -l, FIFO `p on[=file]`/`p off`), the report file with its JSON twin
// (`r`, SIGUSR1), the Prometheus metrics file (--metrics-file, every kMetricsInterval and on
// `r`), and the systemd notifications (READY=1 once the sockets, FIFO and pid file exist,
// WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1 at shutdown). Kept here so daemon.cc stays
// the wiring of inputs and outputs.
#include <unistd.h>

#include <chrono>

#include "base/log.h"
#include "daemon/daemon.h"
#include "daemon/result_file.h"

namespace ike::daemon {

namespace {

int64_t unix_usec_now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

base::Status Daemon::start_packet_log(const std::string& path) {
  uint16_t natt = m_transport ? m_transport->nat_t_port() : 0;
  // Through PrivOps: in the jailed child the monitor creates the file (empty, 0600, never via
  // a symlink, only at allowed paths) and hands over an append descriptor.
  IKE_TRY_VOID(m_ops->write_file(path, ""));
  IKE_TRY(int fd, m_ops->open_append(path));
  IKE_TRY(auto file, PacketLogFile::adopt(fd, path, natt));
  m_packet_log = std::move(file);
  m_packet_log_path = path;
  if (m_engine) m_engine->set_packet_log(true);
  IKE_LOG_INFO("packet capture to {} started", path);
  return base::ok();
}

void Daemon::write_packet_log(const engine::PacketLog& p) {
  if (auto st = m_packet_log.write(p.src, p.dst, base::view(p.cleartext), unix_usec_now()); !st) {
    IKE_LOG_ERROR("{}; packet capture stopped", st.error().detail);
    m_packet_log.close();
    m_engine->set_packet_log(false);
  }
}

void Daemon::ui_packet_log(bool on, const std::optional<std::string>& file) {
  if (!on) {
    if (m_packet_log.enabled()) {
      IKE_LOG_INFO("ui: packet capture to {} stopped ({} messages)", m_packet_log.path(),
                   m_packet_log.records());
    }
    m_packet_log.close();
    m_engine->set_packet_log(false);
    return;
  }
  // isakmpd log_packet_restart: `p on` reopens the current file, `p on=file` switches (only
  // to a file in /run or in the directory of the -l file, as isakmpd's monitor allows).
  std::string path = file ? *file : m_packet_log_path;
  if (file) {
    if (auto st = check_capture_path(path, {m_opts.packet_log_file}); !st) {
      IKE_LOG_ERROR("ui: p on: {}", st.error().detail);
      return;
    }
  }
  m_packet_log.close();
  if (auto st = start_packet_log(path); !st) {
    IKE_LOG_ERROR("ui: p on: {}", st.error().detail);
    m_engine->set_packet_log(false);
  }
}

namespace {
constexpr std::chrono::seconds kMetricsInterval{5};
}  // namespace

DaemonInfo Daemon::daemon_info() const {
  DaemonInfo info;
  // The pid an administrator signals (the pid file's): the monitor under privilege separation.
  info.pid = m_ops->kernel_backend() != nullptr ? ::getppid() : ::getpid();
  info.uptime_seconds = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now() - m_started_at)
                            .count();
  info.passive = m_passive;
  info.packet_capture = m_packet_log.enabled();
  info.packet_capture_file = m_packet_log.path();
  info.packet_capture_messages = m_packet_log.records();
  return info;
}

void Daemon::ui_report() { write_report_file(); }

// isakmpd: `r` and SIGUSR1 write the report file (-R); we also write the JSON status next to
// it (or to --status-json) and refresh the metrics file.
void Daemon::write_report_file() {
  auto when = std::chrono::system_clock::now();
  auto status = m_engine->status(base::Clock::now());
  std::string text = format_report_file(m_engine->report_lines(base::Clock::now()),
                                        transport_report_lines(m_transport->sockets(), status),
                                        conf_report_lines(m_conf), when);
  if (auto st = write_file_atomic(m_opts.report_file, text); !st) {
    IKE_LOG_ERROR("report: {}", st.error().detail);
  } else {
    IKE_LOG_INFO("report written to {}", m_opts.report_file);
  }
  std::string json_path =
      m_opts.status_json_file.value_or(default_status_json_path(m_opts.report_file));
  if (auto st = write_file_atomic(json_path, status_json(status, daemon_info(), when)); !st) {
    IKE_LOG_ERROR("status: {}", st.error().detail);
  }
  write_metrics_file();
}

void Daemon::write_metrics_file() {
  if (!m_opts.metrics_file) return;
  auto status = m_engine->status(base::Clock::now(), engine::Engine::StatusDetail::Summary);
  if (auto st = write_file_atomic(*m_opts.metrics_file, prometheus_metrics(status, daemon_info()));
      !st) {
    IKE_LOG_ERROR("metrics: {}", st.error().detail);
  }
}

void Daemon::start_ops() {
  if (m_opts.metrics_file) {
    write_metrics_file();
    if (auto t = PeriodicTimer::create(kMetricsInterval); t) {
      m_metrics_timer.emplace(std::move(*t));
      int fd = m_metrics_timer->fd();
      if (auto st = m_loop->add_fd(fd, [this] {
            m_metrics_timer->consume();
            write_metrics_file();
          });
          !st) {
        IKE_LOG_ERROR("metrics timer: {}", st.error().detail);
      }
    } else {
      IKE_LOG_ERROR("metrics timer: {}", t.error().detail);
    }
  }
  auto sd = SdNotifier::from_environment();
  if (!sd) {
    IKE_LOG_WARN("systemd notification disabled: {}", sd.error().detail);
    return;
  }
  m_sd = std::move(*sd);
  if (!m_sd.enabled()) return;
  if (auto st = m_sd.notify(fmt::format("READY=1\nMAINPID={}\nSTATUS=listening on port {}",
                                        ::getpid(), m_opts.listen_port));
      !st) {
    IKE_LOG_WARN("{}", st.error().detail);
  }
  if (auto wd = m_sd.watchdog_interval()) {
    auto t = PeriodicTimer::create(*wd);
    if (!t) {
      IKE_LOG_ERROR("watchdog timer: {}", t.error().detail);
      return;
    }
    m_watchdog_timer.emplace(std::move(*t));
    int fd = m_watchdog_timer->fd();
    if (auto st = m_loop->add_fd(fd, [this] {
          m_watchdog_timer->consume();
          if (auto s = m_sd.notify("WATCHDOG=1"); !s) IKE_LOG_WARN("{}", s.error().detail);
        });
        !st) {
      IKE_LOG_ERROR("watchdog timer: {}", st.error().detail);
    }
  }
}

void Daemon::stop_ops() {
  if (auto st = m_sd.notify("STOPPING=1"); !st) IKE_LOG_WARN("{}", st.error().detail);
  if (m_loop) {
    if (m_watchdog_timer) m_loop->remove_fd(m_watchdog_timer->fd());
    if (m_metrics_timer) m_loop->remove_fd(m_metrics_timer->fd());
  }
  m_watchdog_timer.reset();
  m_metrics_timer.reset();
  // A stale metrics file would report a stopped daemon as up.
  // In the jailed child the monitor removes it at exit (Monitor::cleanup).
  if (m_opts.metrics_file && m_ops->kernel_backend() == nullptr) {
    ::unlink(m_opts.metrics_file->c_str());
  }
}

}  // namespace ike::daemon
