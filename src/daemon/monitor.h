// The privileged monitor of privilege separation (isakmpd(8): "On startup isakmpd forks into
// two processes ... The privileged process communicates with the child, reads configuration
// files and PKI information and binds to privileged ports on its behalf"). It serves the
// child's requests one at a time (monitor_protocol.h) under the PathPolicy allow-list
// (monitor_policy.h): files are opened by the monitor (O_NOFOLLOW; config and private keys
// secrecy-checked: owner root or the daemon user, mode & 077 == 0) and passed as descriptors;
// sockets are bound here and passed; kernel requests run on the real kernel::Backend, whose
// events are forwarded on the event socket. The client's Mode-config-script is run here, as
// root, on RunModeCfgScript: only the command configured at start-up, with the environment
// validated and re-printed by mode_cfg_script_env.h, bounded by kModeCfgScriptTimeout. Well-formed but forbidden requests are refused with
// an Error reply and a warning; a malformed, oversized or unknown message is fatal: the child is
// killed. The monitor also owns the pid file (its own pid: signals sent to it are forwarded to
// the child: HUP, USR1, TERM, INT) and the FIFO; when the child exits it flushes the kernel
// state the backend installed, removes the FIFO and the pid file and exits with the child's
// status.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "conf/conf_db.h"
#include "daemon/fifo_ui.h"
#include "daemon/monitor_policy.h"
#include "daemon/monitor_protocol.h"
#include "daemon/options.h"
#include "daemon/pidfile.h"
#include "daemon/xauth_backend.h"
#include "kernel/backend.h"

namespace ike::daemon {

class Monitor {
 public:
  // `sock`/`event_sock`: the monitor's ends of the socketpairs (owned). `daemon_uid`: secrets
  // may also be owned by this uid. The configuration is read once here to build the paths it
  // names; every ReadFile of the config re-reads it (SIGHUP reload).
  Monitor(const Options& opts, kernel::Backend& backend, int sock, int event_sock,
          uint32_t daemon_uid);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Reads one request and answers it. An error is fatal (protocol violation; NotFound: the
  // child closed its socket).
  [[nodiscard]] base::Status serve_one();

  // Serves until the child `child` exits; returns the exit status to use (the child's, or 1
  // after a protocol violation). `on_started` runs once the child reported Started.
  int run(pid_t child, std::function<void()> on_started = {});

  const PathPolicy& policy() const noexcept { return m_policy; }
  // Requests answered so far (monitor round trips; counted before the reply goes out, so a
  // child that got its reply sees its request counted).
  uint64_t requests_served() const noexcept { return m_requests_served.load(); }

 private:
  struct Outcome {
    privsep::Reply reply;
    int fd = -1;  // passed with an Fd reply, closed after sending
  };
  Outcome handle(const privsep::Request& req);
  Outcome read_file(const privsep::ReadFileReq& r);
  Outcome run_batch(const privsep::KernelBatchReq& batch);
  Outcome open_fifo(const privsep::OpenFifoReq& r);
  Outcome started();
  void reload_config_paths(int fd, bool startup = false);
  Outcome run_mode_cfg_script(const privsep::RunModeCfgScriptReq& r);
  void forward_events();
  void cleanup();

  Options m_opts;
  kernel::Backend& m_backend;
  int m_sock = -1;
  int m_event_sock = -1;
  uint32_t m_daemon_uid = 0;
  PathPolicy m_policy;
  std::optional<FifoChannel> m_fifo;
  PidFile m_pidfile;
  bool m_started = false;
  XauthBackendConfig m_xauth;  // [General]:XAuth-* of the monitor's config (XauthVerify)
  std::function<void()> m_on_started;
  // [General]:Mode-config-script as configured at start-up (a reload does not change it).
  std::optional<std::string> m_mode_cfg_script;
  std::atomic<uint64_t> m_requests_served{0};  // read by tests from the child's thread
};

}  // namespace ike::daemon
