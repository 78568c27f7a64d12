// The daemon shell (design §3.8): owns the configuration database, the injected crypto and
// randomness, the kernel backend, the UDP transport, the FIFO, the key log, the pid file, the
// event loop and the engine, and wires them: inputs (datagrams, FIFO commands, timer ticks,
// signals, kernel replies) are fed to the engine with `now`; after every engine call all
// outputs are drained (datagrams sent, kernel requests run on the backend and answered at
// once, SA events logged, key material written to the key log) and the timer is re-armed at
// engine.next_deadline(). Signals (isakmpd-features.md §1.16): SIGHUP reloads the config file
// (FIFO changes are lost; a failed reload keeps the old config), SIGUSR1 writes the report to
// the -R file, SIGTERM/SIGINT shut down cleanly (DELETEs unless -S or Delete-SAs=no...).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "base/clock.h"
#include "base/random.h"
#include "base/rate_limit.h"
#include "conf/conf_db.h"
#include "crypto/provider.h"
#include "daemon/event_loop.h"
#include "daemon/fifo_ui.h"
#include "daemon/keylog.h"
#include "daemon/options.h"
#include "daemon/packet_log.h"
#include "daemon/sd_notify.h"
#include "daemon/status_files.h"
#include "daemon/pidfile.h"
#include "daemon/priv_ops.h"
#include "daemon/udp_transport.h"
#include "daemon/ui_commands.h"
#include "engine/engine.h"
#include "kernel/null_backend.h"

namespace ike::daemon {

// What the daemon runs on (privilege separation, priv_ops.h): null members are built by init().
struct DaemonEnv {
  std::unique_ptr<PrivOps> ops;              // nullptr: DirectPrivOps (single process)
  std::unique_ptr<crypto::Provider> crypto;  // made before a chroot (OpenSSL loads modules)
};

// OpenSSL with the legacy provider (Blowfish, CAST) when available.
[[nodiscard]] base::Result<std::unique_ptr<crypto::Provider>> make_crypto_provider();

class Daemon final : public UiHost {
 public:
  // Loads the configuration (fail closed: a missing or too-open file is an error), applies
  // log settings, binds the sockets, creates the FIFO, opens the key log and builds the engine.
  // Everything that can fail because of the command line or the config fails here, before the
  // daemon detaches from the terminal.
  [[nodiscard]] static base::Result<std::unique_ptr<Daemon>> create(const Options& opts,
                                                                      DaemonEnv env = {});
  ~Daemon() override;

  // Writes the pid file, starts the engine and runs the event loop until a shutdown request;
  // then shuts the engine down (sending DELETEs), removes the FIFO and the pid file.
  [[nodiscard]] base::Status run();

  // UiHost
  conf::ConfDb& conf() override { return m_conf; }
  const std::string& result_file() const override { return m_opts.result_file; }
  void ui_engine(const engine::UiCommand& cmd) override;
  void ui_connections_changed() override;
  void ui_reinit() override;
  void ui_shutdown() override { request_shutdown("FIFO command Q"); }
  void ui_report() override;
  std::string ui_status() override;
  void ui_set_passive(bool passive) override;
  void ui_packet_log(bool on, const std::optional<std::string>& file) override;

 private:
  explicit Daemon(Options opts) : m_opts(std::move(opts)) {}
  [[nodiscard]] base::Status init();
  // [General]:Loglevel / Logverbose then -D / -v (the command line wins).
  void apply_log_settings();
  engine::EngineOptions engine_options() const;
  bool send_deletes_at_shutdown() const;

  // Acts on the engine's outputs, then arms the timer for its next deadline.
  void drain();
  // The same without arming the timer: per datagram of a receive batch, whose caller arms once
  // at its end (the engine's next deadline and timerfd_settime once per batch; issue #7).
  void drain_outputs();
  // A run of consecutive KernelRequest outputs (each replaced by a moved-from husk): one
  // Backend::run_batch, then one engine KernelReply per request, in order.
  void run_kernel_requests(std::span<engine::Output> run, base::TimePoint now);
  void on_kernel_events();  // the backend's event_fd() is readable
  void log_sa_event(const engine::SaEvent& ev) const;
  void arm_timer();
  void on_socket(int fd);
  void on_fifo();
  void on_signal(int signo);
  void reload(std::string_view why);
  void write_report_file();
  void request_shutdown(std::string_view why);
  // daemon_ops.cc: packet capture, report/JSON/metrics files, sd_notify.
  [[nodiscard]] base::Status start_packet_log(const std::string& path);
  void write_packet_log(const engine::PacketLog& p);
  DaemonInfo daemon_info() const;
  void write_metrics_file();
  void start_ops();
  void stop_ops();

  Options m_opts;
  std::unique_ptr<PrivOps> m_ops;
  conf::ConfDb m_conf;
  std::unique_ptr<crypto::Provider> m_crypto;
  std::unique_ptr<base::Random> m_rng;
  std::unique_ptr<kernel::Backend> m_kernel;  // kernel_factory.h
  kernel::Backend* m_backend = nullptr;
  std::optional<UdpTransport> m_transport;
  std::optional<FifoChannel> m_fifo;
  KeyLog m_keylog;
  PacketLogFile m_packet_log;
  std::string m_packet_log_path;
  std::chrono::steady_clock::time_point m_started_at = std::chrono::steady_clock::now();
  SdNotifier m_sd;
  std::optional<PeriodicTimer> m_watchdog_timer;
  std::optional<PeriodicTimer> m_metrics_timer;
  PidFile m_pidfile;
  std::unique_ptr<EventLoop> m_loop;
  std::unique_ptr<engine::Engine> m_engine;
  bool m_passive = false;
  bool m_shutdown_requested = false;
  // "exchange failed" lines: a flood of evicted/timed-out half-open exchanges (engine
  // half_open.h) must not flood the log; the engine's counters still count every one.
  mutable base::LogRateLimiter m_failed_log_limit;
};

}  // namespace ike::daemon
