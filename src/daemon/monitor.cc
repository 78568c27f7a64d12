// The privileged monitor (monitor.h).
#include "daemon/monitor.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "conf/config_file.h"
#include "conf/conf_parser.h"
#include "daemon/event_loop.h"
#include "daemon/mode_cfg_script_env.h"
#include "daemon/priv_ops.h"
#include "daemon/result_file.h"
#include "daemon/udp_transport.h"

namespace ike::daemon {

using base::ErrorCode;
using base::NotifyType;
using namespace privsep;

namespace {

ErrorReply to_reply(const base::Error& e, int sys_errno = 0) {
  return ErrorReply{e.code, sys_errno, e.detail};
}

}  // namespace

Monitor::Monitor(const Options& opts, kernel::Backend& backend, int sock, int event_sock,
                 uint32_t daemon_uid)
    : m_opts(opts),
      m_backend(backend),
      m_sock(sock),
      m_event_sock(event_sock),
      m_daemon_uid(daemon_uid),
      m_policy(PathPolicy::from_options(opts)) {
  auto fd = open_for_reading(opts.config_file, FileKind::Config, daemon_uid);
  if (fd) {
    reload_config_paths(*fd, true);
    ::close(*fd);
  }
}

Monitor::~Monitor() {
  if (m_sock >= 0) ::close(m_sock);
  if (m_event_sock >= 0) ::close(m_event_sock);
}

// The monitor parses the (root-owned, mode-checked) configuration only to learn the PKI paths
// it names; a config that does not parse leaves the previous paths (the child refuses it too).
void Monitor::reload_config_paths(int fd, bool startup) {
  int copy = ::dup(fd);
  if (copy < 0) return;
  auto text = read_fd(copy, m_opts.config_file, conf::kMaxConfigFileSize);
  ::lseek(fd, 0, SEEK_SET);  // the descriptor (shared offset) is passed on to the child
  if (!text) return;
  // Parsed without the warnings (the child reports them) and without defaults (the policy
  // falls back to the built-in paths itself), keeping only the sections read here (issue #7:
  // with 100 000 peers, storing all of them doubled the CPU of a start or a reload).
  conf::ConfDb db;
  auto monitor_sections = [](std::string_view s) {
    return conf::CaseEqual{}(s, "General") || conf::CaseEqual{}(s, "X509-certificates") ||
           conf::CaseEqual{}(s, "KeyNote");
  };
  auto parsed = conf::parse_config(base::as_chars(base::view(*text)), m_opts.config_file, db,
                                   {}, monitor_sections);
  if (!parsed) return;
  if (auto committed = db.commit(parsed->tx); !committed) return;
  m_policy.set_config_paths(db);
  if (startup) m_mode_cfg_script = db.get("General", "Mode-config-script");
  if (auto x = xauth_backend_config(db)) {
    m_xauth = std::move(*x);
  } else {
    IKE_LOG_WARN("monitor: {}", x.error().detail);
  }
}

// The child names the script it means only so that a mismatch (a reload that changed it, a
// confused or compromised child) is refused; the command run is always the start-up one.
Monitor::Outcome Monitor::run_mode_cfg_script(const RunModeCfgScriptReq& r) {
  auto refuse = [](std::string_view why) -> Outcome {
    return {ErrorReply{ErrorCode::Unsupported, 0,
                       fmt::format("privsep: refusing RunModeCfgScript: {}", why)}};
  };
  if (!m_mode_cfg_script || m_mode_cfg_script->empty()) {
    return refuse("no [General]:Mode-config-script was configured at start-up");
  }
  if (r.script != *m_mode_cfg_script) {
    return refuse(fmt::format("'{}' is not the Mode-config-script configured at start-up "
                              "(a change needs a restart)",
                              base::sanitize_for_log(r.script)));
  }
  auto env = mode_cfg_script_env(r.peer, r.section, r.vars);
  if (!env) return refuse(env.error().detail);
  if (auto st = check_script_program(*m_mode_cfg_script); !st) return refuse(st.error().detail);
  auto status = run_script_bounded(*m_mode_cfg_script, *env, kModeCfgScriptTimeout);
  if (!status) return {to_reply(status.error())};
  return {ScriptStatusReply{*status}};
}

Monitor::Outcome Monitor::read_file(const ReadFileReq& r) {
  Access a = r.kind == FileKind::Config   ? Access::ReadConfig
             : r.kind == FileKind::Secret ? Access::ReadSecret
                                          : Access::ReadPublic;
  auto path = m_policy.check(r.path, a);
  if (!path) return {to_reply(path.error())};
  auto fd = open_for_reading(*path, r.kind, m_daemon_uid);
  if (!fd) return {to_reply(fd.error())};
  if (r.kind == FileKind::Config) reload_config_paths(*fd);
  return {FdReply{}, *fd};
}

Monitor::Outcome Monitor::open_fifo(const OpenFifoReq& r) {
  if (m_fifo) {
    return {ErrorReply{ErrorCode::State, 0, "privsep: the FIFO was already created"}};
  }
  auto path = m_policy.check(r.path, Access::Fifo);
  if (!path) return {to_reply(path.error())};
  auto ch = FifoChannel::open(r.path);
  if (!ch) return {to_reply(ch.error())};
  int fd = ::dup(ch->fd());
  m_fifo.emplace(std::move(*ch));
  if (fd < 0) return {ErrorReply{ErrorCode::Io, errno, "privsep: dup of the FIFO failed"}};
  return {FdReply{}, fd};
}

Monitor::Outcome Monitor::started() {
  if (m_started) return {ErrorReply{ErrorCode::State, 0, "privsep: Started twice"}};
  auto pf = PidFile::create(m_opts.pid_file);
  if (!pf) return {to_reply(pf.error())};
  m_pidfile = std::move(*pf);
  m_started = true;
  if (m_on_started) m_on_started();
  return {OkReply{}};
}

// Each entry runs as the single request it stands for, in order; a failed entry does not stop
// the later ones (the child asked for all of them in one engine event).
Monitor::Outcome Monitor::run_batch(const KernelBatchReq& batch) {
  BatchReply out;
  out.replies.reserve(batch.ops.size());
  for (const auto& op : batch.ops) {
    Outcome one = handle(std::visit([](const auto& o) { return Request(o); }, op));
    std::visit(
        [&](auto&& r) {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_constructible_v<KernelOpReply, T>) {
            out.replies.emplace_back(std::forward<decltype(r)>(r));
          } else {  // a kernel request only answers Ok, Error or Spi
            out.replies.emplace_back(
                ErrorReply{ErrorCode::Internal, 0, "privsep: unexpected reply in a batch"});
          }
        },
        std::move(one.reply));
    if (one.fd >= 0) ::close(one.fd);
  }
  return {std::move(out)};
}

Monitor::Outcome Monitor::handle(const Request& req) {
  return std::visit(
      [&](const auto& m) -> Outcome {
        using T = std::decay_t<decltype(m)>;
        auto status_reply = [](const base::Status& st) -> Outcome {
          if (!st) return {to_reply(st.error())};
          return {OkReply{}};
        };
        if constexpr (std::is_same_v<T, ReadFileReq>) {
          return read_file(m);
        } else if constexpr (std::is_same_v<T, ListDirReq>) {
          auto dir = m_policy.check(m.path, Access::ListDir);
          if (!dir) return {to_reply(dir.error())};
          auto names = list_regular_files(*dir);
          if (!names) return {to_reply(names.error())};
          return {NamesReply{std::move(*names)}};
        } else if constexpr (std::is_same_v<T, ListIdentityDirsReq>) {
          auto dir = m_policy.check(m.path, Access::ListIdentityDirs);
          if (!dir) return {to_reply(dir.error())};
          auto names = list_identity_subdirs(*dir, m_daemon_uid);
          if (!names) return {to_reply(names.error())};
          return {NamesReply{std::move(*names)}};
        } else if constexpr (std::is_same_v<T, WriteFileReq>) {
          auto path = m_policy.check(m.path, Access::Write);
          if (!path) return {to_reply(path.error())};
          return status_reply(write_file_locally(*path, m.content));
        } else if constexpr (std::is_same_v<T, OpenAppendReq>) {
          auto path = m_policy.check(m.path, Access::Append);
          if (!path) return {to_reply(path.error())};
          auto fd = open_private_append(*path);
          if (!fd) return {to_reply(fd.error())};
          return {FdReply{}, *fd};
        } else if constexpr (std::is_same_v<T, BindUdpReq>) {
          uint16_t natt = m_opts.natt_port.value_or(4500);
          if (auto st = check_bind_port(m.addr.port, natt); !st) return {to_reply(st.error())};
          int err = 0;
          auto fd = open_udp_socket(m.addr, m.udp_encap, &err);
          if (!fd) return {to_reply(fd.error(), err)};
          return {FdReply{}, *fd};
        } else if constexpr (std::is_same_v<T, OpenFifoReq>) {
          return open_fifo(m);
        } else if constexpr (std::is_same_v<T, StartedReq>) {
          return started();
        } else if constexpr (std::is_same_v<T, GetSpiReq>) {
          auto spi = m_backend.get_spi(m.protocol, m.src, m.dst);
          if (!spi) return {to_reply(spi.error())};
          return {SpiReply{*spi}};
        } else if constexpr (std::is_same_v<T, AddSaReq>) {
          return status_reply(m_backend.add_sa(m.sa));
        } else if constexpr (std::is_same_v<T, DeleteSaReq>) {
          return status_reply(m_backend.delete_sa(m.ref, m.src));
        } else if constexpr (std::is_same_v<T, AddFlowReq>) {
          return status_reply(m_backend.add_flow(m.flow));
        } else if constexpr (std::is_same_v<T, DeleteFlowReq>) {
          return status_reply(m_backend.delete_flow(m.flow));
        } else if constexpr (std::is_same_v<T, FlushReq>) {
          return status_reply(m_backend.flush());
        } else if constexpr (std::is_same_v<T, RunModeCfgScriptReq>) {
          return run_mode_cfg_script(m);
        } else if constexpr (std::is_same_v<T, KernelBatchReq>) {
          return run_batch(m);
        } else if constexpr (std::is_same_v<T, XauthVerifyReq>) {
          // The backend comes from the monitor's own reading of the config, never the child.
          return status_reply(xauth_verify(m_xauth, m.user, m.password, m_daemon_uid));
        } else {
          static_assert(std::is_same_v<T, ReadStateReq>);
          auto st = m_backend.read_state();
          if (!st) return {to_reply(st.error())};
          return {StateReply{std::move(*st)}};
        }
      },
      req);
}

base::Status Monitor::serve_one() {
  base::Bytes in;
  int passed = -1;
  IKE_TRY_VOID(receive_message(m_sock, in, &passed));
  if (passed >= 0) {
    ::close(passed);
    return base::make_error(ErrorCode::BadValue, NotifyType::None,
                            "privsep: the child passed a descriptor with a request");
  }
  auto req = decode_request(base::view(in));
  uint16_t type = in.size() >= 2 ? static_cast<uint16_t>(in[0] << 8 | in[1]) : 0;
  if (!in.empty()) base::secure_wipe(in.data(), in.size());
  if (!req) return std::move(req).error();
  Outcome out = handle(*req);
  if (auto* e = std::get_if<ErrorReply>(&out.reply)) {
    if (e->detail.starts_with("privsep: refusing")) {  // the allow-list or the port rule
      IKE_LOG_WARN("monitor: {} refused: {}", msg_type_name(type), e->detail);
    } else {
      IKE_LOG_DEBUG(Misc, 30, "monitor: {} failed: {}", msg_type_name(type), e->detail);
    }
  }
  ++m_requests_served;
  auto msg = encode_reply(out.reply);
  if (!msg) {
    // A reply over the caps (a huge kernel state): refuse instead.
    if (out.fd >= 0) ::close(out.fd);
    out.fd = -1;
    msg = encode_reply(to_reply(msg.error()));
    if (!msg) return std::move(msg).error();
  }
  auto st = send_message(m_sock, *msg, out.fd);
  if (out.fd >= 0) ::close(out.fd);
  return st;
}

void Monitor::forward_events() {
  auto events = m_backend.read_events();
  if (!events) {
    IKE_LOG_ERROR("monitor: kernel events: {}", events.error().detail);
    return;
  }
  for (const auto& ev : *events) {
    auto msg = encode_event(EventMsg{ev});
    if (!msg) continue;
    if (auto st = send_message(m_event_sock, *msg); !st) {
      IKE_LOG_WARN("monitor: kernel event dropped: {}", st.error().detail);
    }
  }
}

void Monitor::cleanup() {
  if (auto st = m_backend.flush(); !st) {
    IKE_LOG_ERROR("monitor: flushing the kernel state: {}", st.error().detail);
  }
  if (m_fifo) m_fifo->close_and_remove();
  m_pidfile.remove();
  // A stale metrics file would report a stopped daemon as up (the child cannot unlink).
  if (m_opts.metrics_file) ::unlink(m_opts.metrics_file->c_str());
}

int Monitor::run(pid_t child, std::function<void()> on_started) {
  m_on_started = std::move(on_started);
  std::optional<int> status;
  auto reap = [&](int options) {
    int st = 0;
    pid_t r;
    do {
      r = ::waitpid(child, &st, options);
    } while (r < 0 && errno == EINTR);
    if (r == child) {
      status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      if (WIFSIGNALED(st)) {
        IKE_LOG_WARN("monitor: the engine process was killed by signal {}", WTERMSIG(st));
      }
    }
  };
  const int signals[] = {SIGHUP, SIGUSR1, SIGTERM, SIGINT, SIGCHLD};
  auto loop = EventLoop::create(signals);
  if (!loop) {
    IKE_LOG_ERROR("monitor: {}", loop.error().detail);
    ::kill(child, SIGKILL);
    reap(0);
    cleanup();
    return 1;
  }
  (*loop)->on_signal([&](int s) {
    if (s == SIGCHLD) {
      reap(WNOHANG);
      if (status) (*loop)->stop();
    } else {
      ::kill(child, s);  // the engine handles HUP/USR1/TERM/INT
    }
  });
  bool violation = false;
  auto added = (*loop)->add_fd(m_sock, [&] {
    auto st = serve_one();
    if (st) return;
    if (st.error().code == ErrorCode::NotFound) {  // the child closed its end: it is exiting
      (*loop)->remove_fd(m_sock);
      reap(0);
    } else {
      IKE_LOG_ERROR("monitor: fatal protocol violation by the engine process: {}; killing it",
                    st.error().detail);
      violation = true;
      ::kill(child, SIGKILL);
      reap(0);
    }
    (*loop)->stop();
  });
  if (added && m_backend.event_fd() >= 0) {
    added = (*loop)->add_fd(m_backend.event_fd(), [&] { forward_events(); });
  }
  if (!added) {
    IKE_LOG_ERROR("monitor: {}", added.error().detail);
    ::kill(child, SIGKILL);
  }
  while (!status) {
    if (auto st = (*loop)->run(); !st) {
      IKE_LOG_ERROR("monitor: {}", st.error().detail);
      ::kill(child, SIGKILL);
      reap(0);
    }
    if (!status) reap(WNOHANG);
  }
  loop->reset();
  cleanup();
  return violation ? 1 : *status;
}

}  // namespace ike::daemon
