// The daemon shell wiring (see daemon.h).
#include "daemon/daemon.h"

#include <signal.h>
#include <strings.h>

#include <fmt/core.h>

#include "base/log.h"
#include "conf/config_file.h"
#include "crypto/deterministic_random.h"
#include "crypto/openssl_provider.h"
#include "crypto/openssl_random.h"
#include "daemon/kernel_factory.h"
#include "daemon/mode_cfg_script.h"
#include "daemon/pki_loader.h"
#include "daemon/policy_loader.h"
#include "daemon/result_file.h"

namespace ike::daemon {

using base::ErrorCode;
using base::NotifyType;

namespace {

bool starts_with_no(const std::optional<std::string>& v) {
  return v && v->size() >= 2 && ::strncasecmp(v->c_str(), "no", 2) == 0;
}

const char* sa_event_name(engine::SaEvent::Kind k) {
  switch (k) {
    case engine::SaEvent::Kind::Phase1Established: return "phase 1 established";
    case engine::SaEvent::Kind::Phase2Established: return "phase 2 established";
    case engine::SaEvent::Kind::Phase1Deleted: return "phase 1 deleted";
    case engine::SaEvent::Kind::Phase2Deleted: return "phase 2 deleted";
    case engine::SaEvent::Kind::ExchangeFailed: return "exchange failed";
  }
  return "event";
}

}  // namespace

base::Result<std::unique_ptr<crypto::Provider>> make_crypto_provider() {
  auto provider = crypto::OpenSslProvider::create({/*enable_legacy=*/true});
  if (!provider) {
    IKE_LOG_WARN("OpenSSL legacy provider unavailable ({}); Blowfish and CAST are disabled",
                 provider.error().detail);
    provider = crypto::OpenSslProvider::create({/*enable_legacy=*/false});
    if (!provider) return std::move(provider).error().with_context("crypto");
  }
  return std::unique_ptr<crypto::Provider>(std::move(*provider));
}

base::Result<std::unique_ptr<Daemon>> Daemon::create(const Options& opts, DaemonEnv env) {
  std::unique_ptr<Daemon> d(new Daemon(opts));
  d->m_ops = env.ops ? std::move(env.ops) : std::make_unique<DirectPrivOps>();
  d->m_crypto = std::move(env.crypto);
  IKE_TRY_VOID(d->init());
  return d;
}

Daemon::~Daemon() {
  // Engine first: it holds references to the config, crypto and randomness.
  m_engine.reset();
  if (m_fifo) m_fifo->close_and_remove();
  m_pidfile.remove();
}

base::Status Daemon::init() {
  // Configuration: fail closed (a missing, too-open, symlinked or oversized file is refused
  // and m_conf is left untouched on any error); read through m_ops (the monitor with privsep).
  auto loaded = load_config(*m_ops, m_opts.config_file, m_conf);
  if (!loaded) return std::move(loaded).error().with_context("configuration");
  IKE_LOG_DEBUG(Misc, 10, "loaded {}: {} sections, {} tags", m_opts.config_file,
                loaded->sections, loaded->tags);
  apply_log_settings();

  // Randomness: -r seed -> deterministic DRBG (regression tests only).
  if (m_opts.seed) {
    IKE_LOG_WARN("-r {}: deterministic random numbers, for regression testing only",
                 *m_opts.seed);
    m_rng = std::make_unique<crypto::DeterministicRandom>(*m_opts.seed);
  } else {
    m_rng = std::make_unique<crypto::OpenSslRandom>();
  }
  if (!m_crypto) {
    IKE_TRY(m_crypto, make_crypto_provider());
  }

  kernel::Backend* remote = m_ops->kernel_backend();
  if (remote != nullptr && !m_opts.null_kernel) {
    // Privilege separation: the XFRM backend lives in the monitor (kernel requests need
    // CAP_NET_ADMIN at send time, so a netlink socket cannot be handed to the child).
    m_backend = remote;
    IKE_LOG_DEBUG(Misc, 10, "kernel requests are forwarded to the privileged monitor");
  } else {
    // Kernel backend: null with -n, XFRM otherwise (kernel_factory.h). With -n nothing is
    // privileged ("the kernel will not take part"), so even under privilege separation the
    // null backend runs here and kernel requests cost no monitor round trip (as OpenBSD
    // isakmpd -n never touches PF_KEY).
    IKE_TRY(m_kernel, make_kernel_backend(m_opts.null_kernel, *m_rng));
    m_backend = m_kernel.get();
  }

  TransportConfig tc;
  tc.inet4 = m_opts.use_inet4();
  tc.inet6 = m_opts.use_inet6();
  tc.port = m_opts.listen_port;
  tc.listen_on = m_conf.get_list("General", "Listen-on");
  std::optional<NatTConfig> natt;
  if (!m_opts.no_nat_traversal) {
    // A real kernel takes ESP-in-UDP off the NAT-T sockets (RFC 3948); not with -n.
    natt = NatTConfig{m_opts.natt_port.value_or(4500), !m_opts.null_kernel};
  }
  IKE_TRY(auto transport, UdpTransport::open(tc, natt, [this](const base::SockAddr& a, bool encap,
                                                               int* err) {
            return m_ops->bind_udp(a, encap, err);
          }));
  m_transport.emplace(std::move(transport));

  IKE_TRY(auto fifo, m_ops->open_fifo(m_opts.fifo_path));
  m_fifo.emplace(std::move(fifo));

  if (m_opts.keylog_file) {
    auto fd = m_ops->open_append(*m_opts.keylog_file);
    if (!fd) return std::move(fd).error().with_context("--keylog");
    m_keylog = KeyLog::adopt(*fd, *m_opts.keylog_file);
  }
  m_passive = m_opts.passive;
  m_packet_log_path = m_opts.packet_log_file;
  if (m_opts.packet_log) IKE_TRY_VOID(start_packet_log(m_packet_log_path));
  m_engine = std::make_unique<engine::Engine>(m_conf, *m_crypto, *m_rng, engine_options());
  m_engine->set_credentials(load_pki(m_conf, *m_ops));  // RSA_SIG keys and certificates
  // KeyNote (isakmpd.policy(5)): fail closed, an unreadable or invalid policy stops start-up.
  IKE_TRY(auto keynote, load_keynote_policy(m_conf, *m_ops, m_opts.ignore_keynote));
  m_engine->set_policy(std::move(keynote));
  return base::ok();
}

void Daemon::apply_log_settings() {
  auto& log = base::Logger::instance();
  for (const auto& item : m_conf.get_list("General", "Loglevel")) {
    auto dl = parse_debug_level(item);
    if (!dl) {
      IKE_LOG_WARN("[General]:Loglevel: {}", dl.error().detail);
      continue;
    }
    if (dl->cls < 0) {
      log.set_all_levels(dl->level);
    } else {
      log.set_level(static_cast<base::LogClass>(dl->cls), dl->level);
    }
  }
  for (const auto& dl : m_opts.debug_levels) {
    if (dl.cls < 0) {
      log.set_all_levels(dl.level);
    } else {
      log.set_level(static_cast<base::LogClass>(dl.cls), dl.level);
    }
  }
  log.set_verbose(m_opts.verbose || m_conf.get("General", "Logverbose").has_value());
  log.set_log_keys(false);
}

engine::EngineOptions Daemon::engine_options() const {
  engine::EngineOptions eo;
  eo.emit_key_material = m_keylog.enabled();
  eo.verbose = base::Logger::instance().verbose();
  eo.passive = m_opts.passive;
  eo.install_flows = !m_opts.no_flows && !m_conf.get("General", "Acquire-Only").has_value();
  eo.nat_traversal = !m_opts.no_nat_traversal;
  eo.listen_port = m_opts.listen_port;
  eo.packet_log = m_packet_log.enabled();
  if (m_transport && m_transport->nat_t_port() != 0) eo.nat_t_port = m_transport->nat_t_port();
  return eo;
}

bool Daemon::send_deletes_at_shutdown() const {
  return !m_opts.passive && !starts_with_no(m_conf.get("General", "Delete-SAs"));
}

// ------------------------------------------------------------------------- engine outputs

void Daemon::drain() {
  drain_outputs();
  arm_timer();
}

void Daemon::drain_outputs() {
  for (;;) {
    auto outputs = m_engine->take_outputs();
    if (outputs.empty()) break;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      auto& out = outputs[i];
      if (std::holds_alternative<engine::KernelRequest>(out)) {
        // A run of kernel requests from one engine event goes to the backend as one batch (one
        // monitor round trip); the replies are fed back in order afterwards.
        std::size_t end = i;
        while (end < outputs.size() && std::holds_alternative<engine::KernelRequest>(outputs[end])) {
          ++end;
        }
        run_kernel_requests(std::span(outputs).subspan(i, end - i), base::Clock::now());
        i = end - 1;
      } else if (auto* send = std::get_if<engine::SendDatagram>(&out)) {
        if (auto st = m_transport->send(send->local, send->peer, send->bytes, send->keepalive);
            !st) {
          IKE_LOG_WARN("{}", st.error().detail);
        }
      } else if (auto* ev = std::get_if<engine::SaEvent>(&out)) {
        log_sa_event(*ev);
      } else if (auto* km = std::get_if<engine::KeyMaterial>(&out)) {
        if (auto st = m_keylog.log_ike_sa(*km); !st) IKE_LOG_ERROR("{}", st.error().detail);
      } else if (auto* pl = std::get_if<engine::PacketLog>(&out)) {
        write_packet_log(*pl);
      } else if (auto* mc = std::get_if<engine::ModeCfgEvent>(&out)) {
        handle_mode_cfg_event(m_conf, *m_ops, *mc);
      } else if (auto* xv = std::get_if<engine::XauthVerify>(&out)) {
        // XAUTH server: the password file / PAM check runs with privileges (the monitor under
        // privilege separation); the answer goes back as an engine input.
        auto st = m_ops->verify_xauth(m_conf, xv->user, xv->password);
        engine::XauthVerdict v{xv->cookies, xv->request_id, st.has_value(),
                               st ? std::string() : st.error().detail};
        m_engine->on_xauth_verdict(v, base::Clock::now());
      } else if (auto* xe = std::get_if<engine::XauthEvent>(&out)) {
        IKE_LOG_DEBUG(Misc, 10, "XAUTH {} {}: {}", xe->name,
                      xe->kind == engine::XauthEvent::Kind::Succeeded ? "succeeded" : "failed",
                      xe->detail);
      }
    }
    m_engine->recycle_outputs(std::move(outputs));  // its capacity collects the next outputs
  }
}

void Daemon::run_kernel_requests(std::span<engine::Output> run, base::TimePoint now) {
  std::vector<base::KernelOp> ops;
  ops.reserve(run.size());
  for (auto& out : run) ops.push_back(std::move(std::get<engine::KernelRequest>(out).op));
  std::vector<base::KernelOpResult> results = m_backend->run_batch(ops);
  for (std::size_t i = 0; i < run.size(); ++i) {
    engine::KernelReply reply;
    reply.request_id = std::get<engine::KernelRequest>(run[i]).id;
    base::KernelOpResult& r = results[i];
    if (r.status) {
      reply.allocated_spi = r.spi;
      if (auto* add = std::get_if<base::KernelAddSa>(&ops[i])) {
        if (auto k = m_keylog.log_child_sa(add->sa); !k) IKE_LOG_ERROR("{}", k.error().detail);
      }
    } else {
      reply.ok = false;
      reply.error = r.status.error().detail;  // names the SA or flow (kernel/xfrm_message.h)
      IKE_LOG_WARN("kernel ({}): request {} ({}) failed: {}", m_backend->name(), reply.request_id,
                   base::kernel_op_name(ops[i]), reply.error);
    }
    m_engine->on_kernel_reply(reply, now);
  }
}

void Daemon::on_kernel_events() {
  auto events = m_backend->read_events();
  if (!events) {
    IKE_LOG_ERROR("kernel ({}): {}", m_backend->name(), events.error().detail);
    return;
  }
  for (const auto& ev : *events) {
    IKE_LOG_DEBUG(Sysdep, 10, "kernel event: {}", ev.to_string());
    m_engine->on_kernel_event(ev, base::Clock::now());
  }
  drain();
}

void Daemon::log_sa_event(const engine::SaEvent& ev) const {
  // Formatted only when it is logged: at debug level 0 an established SA costs nothing here
  // (issue #7: the text was 2.4 % of a handshake).
  const auto& logger = base::Logger::instance();
  const bool failed = ev.kind == engine::SaEvent::Kind::ExchangeFailed;
  if (!failed && !logger.verbose() && !logger.enabled(base::LogClass::Sa, 10)) return;
  std::string spis;
  for (const auto& s : ev.spis) spis += fmt::format(" 0x{:08x}", s.value);
  auto text = [&] {
    return fmt::format(
        "{}: {} {} -> {} cookies {} msgid {:08x}{}{}{}", sa_event_name(ev.kind),
        base::sanitize_for_log(ev.name.empty() ? "<unnamed>" : ev.name), ev.local.to_string(),
        ev.peer.to_string(), ev.cookies.hex(), ev.message_id.value, spis.empty() ? "" : " spis",
        spis, ev.detail.empty() ? "" : fmt::format(" ({})", base::sanitize_for_log(ev.detail)));
  };
  if (failed) {
    auto a = m_failed_log_limit.admit("exchange failed", base::Clock::now());
    if (!a.log) return;
    if (a.suppressed != 0) {
      IKE_LOG_WARN("{}", base::suppressed_summary("exchange failed", a.suppressed));
    }
    IKE_LOG_WARN("{}", text());
  } else if (logger.verbose()) {
    IKE_LOG_INFO("{}", text());
  } else {
    IKE_LOG_DEBUG(Sa, 10, "{}", text());
  }
}

void Daemon::arm_timer() {
  if (!m_loop) return;
  if (auto st = m_loop->arm_timer(m_engine->next_deadline()); !st) {
    IKE_LOG_ERROR("{}", st.error().detail);
  }
}

// ------------------------------------------------------------------------- inputs

void Daemon::on_socket(int fd) {
  auto st = m_transport->receive(fd, [&](ReceivedDatagram&& d) {
    engine::Datagram dg{d.local, d.peer, std::move(d.bytes)};
    m_engine->on_datagram(dg, base::Clock::now());
    drain_outputs();
  });
  arm_timer();
  if (!st) IKE_LOG_ERROR("{}", st.error().detail);
}

void Daemon::on_fifo() {
  std::vector<LineReader::Event> events;
  auto st = m_fifo->read_available(events);
  for (const auto& ev : events) {
    if (m_shutdown_requested) break;  // lines after Q are not executed
    handle_ui_event(ev, *this);
  }
  if (!st) IKE_LOG_ERROR("{}", st.error().detail);
  if (m_fifo->eof() || !st) {
    IKE_LOG_INFO("ui: {} closed; FIFO commands are no longer read",
                 m_opts.fifo_is_stdin() ? "standard input" : m_opts.fifo_path);
    m_loop->remove_fd(m_fifo->fd());
  }
}

void Daemon::on_signal(int signo) {
  switch (signo) {
    case SIGHUP: reload("SIGHUP"); break;
    case SIGUSR1: write_report_file(); break;
    case SIGTERM: request_shutdown("SIGTERM"); break;
    case SIGINT: request_shutdown("SIGINT"); break;
    default: break;
  }
}

// ------------------------------------------------------------------------- UiHost

void Daemon::ui_engine(const engine::UiCommand& cmd) {
  m_engine->on_ui(cmd, base::Clock::now());
  drain();
}

void Daemon::ui_connections_changed() {
  m_engine->on_config_changed(base::Clock::now());
  drain();
}

void Daemon::ui_reinit() { reload("FIFO command R"); }

void Daemon::reload(std::string_view why) {
  auto loaded = load_config(*m_ops, m_opts.config_file, m_conf);
  if (!loaded) {
    IKE_LOG_ERROR("{}: reload of {} failed, keeping the running configuration: {}", why,
                  m_opts.config_file, loaded.error().detail);
    return;
  }
  IKE_LOG_INFO("{}: configuration reloaded from {} (FIFO changes discarded)", why,
               m_opts.config_file);
  apply_log_settings();
  m_engine->set_credentials(load_pki(m_conf, *m_ops));
  if (auto keynote = load_keynote_policy(m_conf, *m_ops, m_opts.ignore_keynote)) {
    m_engine->set_policy(std::move(*keynote));
  } else {
    IKE_LOG_ERROR("{}: KeyNote policy not reloaded, keeping the running one: {}", why,
                  keynote.error().detail);
  }
  m_engine->on_config_reloaded(base::Clock::now());
  drain();
}

std::string Daemon::ui_status() {
  std::string out = m_engine->sa_status_report(base::Clock::now());
  if (auto st = m_backend->append_state_text(out); !st) {
    IKE_LOG_WARN("S: kernel state: {}", st.error().detail);
  }
  return out;
}

void Daemon::ui_set_passive(bool passive) {
  if (passive != m_passive) {
    IKE_LOG_DEBUG(Ui, 20, "ui: setting {} mode", passive ? "passive" : "active");
  }
  m_passive = passive;
  m_engine->set_passive(passive);
  drain();
}

void Daemon::request_shutdown(std::string_view why) {
  if (m_shutdown_requested) return;
  IKE_LOG_INFO("{}: shutting down", why);
  m_shutdown_requested = true;
  if (m_loop) m_loop->stop();
}

// ------------------------------------------------------------------------- run

base::Status Daemon::run() {
  std::vector<int> signals = {SIGHUP, SIGUSR1, SIGTERM};
  // isakmpd: SIGINT shuts down cleanly except with -dd, where it keeps its default action.
  if (m_opts.debug < 2) signals.push_back(SIGINT);
  IKE_TRY(m_loop, EventLoop::create(signals));
  m_loop->on_signal([this](int s) { on_signal(s); });
  m_loop->on_timer([this] {
    m_engine->on_tick(base::Clock::now());
    drain();
  });
  for (const auto& s : m_transport->sockets()) {
    int fd = s.fd;
    IKE_TRY_VOID(m_loop->add_fd(fd, [this, fd] { on_socket(fd); }));
  }
  IKE_TRY_VOID(m_loop->add_fd(m_fifo->fd(), [this] { on_fifo(); }));
  if (int kfd = m_backend->event_fd(); kfd >= 0) {  // ACQUIRE / EXPIRE
    IKE_TRY_VOID(m_loop->add_fd(kfd, [this] { on_kernel_events(); }));
  }

  IKE_TRY(m_pidfile, m_ops->create_pid_file(m_opts.pid_file));
  IKE_LOG_INFO("isakmpd started: port {}, FIFO {}, pid file {}", m_opts.listen_port,
               m_opts.fifo_path, m_opts.pid_file);

  m_engine->start(base::Clock::now());
  drain();
  start_ops();  // sd_notify READY=1, watchdog, metrics timer (daemon_ops.cc)
  base::Status loop_status = m_loop->run();
  if (!loop_status) IKE_LOG_ERROR("{}", loop_status.error().detail);
  stop_ops();  // STOPPING=1

  bool deletes = send_deletes_at_shutdown();
  m_engine->shutdown(base::Clock::now(), deletes);
  drain();  // sends the DELETE datagrams
  if (auto st = m_backend->flush(); !st) {  // nothing we installed is left behind
    IKE_LOG_ERROR("kernel ({}): {}", m_backend->name(), st.error().detail);
  }
  if (deletes) {
    IKE_LOG_INFO("shut down");
  } else {
    IKE_LOG_INFO("shut down without sending DELETEs (-S or [General]:Delete-SAs=no)");
  }
  m_loop.reset();
  if (m_fifo) m_fifo->close_and_remove();
  m_pidfile.remove();
  return loop_status;
}

}  // namespace ike::daemon
