// isakmpd: the IKEv1 key management daemon (isakmpd(8)). Parses the command line, then:
// started as root, forks for privilege separation (isakmpd(8): "On startup isakmpd forks into
// two processes for privilege separation"): the parent becomes the privileged monitor
// (monitor.h), the child jails itself (sandbox.h: chroot /var/empty, user _isakmpd, no
// capabilities, no_new_privs, seccomp) and runs the engine with every privileged operation
// asked of the monitor (monitor_client.h). Not root: one process (DirectPrivOps), saying why.
// Every start-up error is reported on stderr with a non-zero exit; without -d the process
// detaches only once the engine runs (the original process exits with the start-up status).
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <span>

#include "base/log.h"
#include "crypto/deterministic_random.h"
#include "crypto/openssl_random.h"
#include "daemon/daemon.h"
#include "daemon/monitor.h"
#include "daemon/monitor_client.h"
#include "daemon/options.h"
#include "daemon/result_file.h"
#include "daemon/sandbox.h"
#include "daemon/kernel_factory.h"
#include "daemon/sd_notify.h"

namespace {

using namespace ike;

// Before detaching (no -d), everything goes to syslog and warnings and errors also to stderr,
// so whoever started the daemon sees why it refused to start.
base::LogSink startup_sink(bool debug) {
  if (debug) return base::stderr_sink();
  auto to_stderr = base::stderr_sink();
  auto to_syslog = base::syslog_sink();
  return [to_stderr, to_syslog](const base::LogRecord& r) {
    if (r.severity == base::LogSeverity::Warning || r.severity == base::LogSeverity::Error) {
      to_stderr(r);
    }
    to_syslog(r);
  };
}

// Standard streams to /dev/null, logging to syslog only (what daemon(3) leaves us with).
void go_quiet(int devnull) {
  if (devnull < 0) return;
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) ::dup2(devnull, fd);
  if (devnull > STDERR_FILENO) ::close(devnull);
  base::Logger::instance().set_sink(base::syslog_sink());  // keeps the open syslog socket
}

int run_single_process(const daemon::Options& opts) {
  auto d = daemon::Daemon::create(opts);
  if (!d) {
    IKE_LOG_ERROR("{}", d.error().detail);
    return 1;
  }
  if (opts.debug == 0) {
    if (::daemon(0, 0) != 0) {
      IKE_LOG_ERROR("daemon(3) failed; exiting");
      return 1;
    }
    base::Logger::instance().set_sink(base::syslog_sink());
  }
  auto st = (*d)->run();
  if (!st) {
    IKE_LOG_ERROR("{}", st.error().detail);
    return 1;
  }
  return 0;
}

// The unprivileged child: everything that needs files outside the jail (OpenSSL's modules,
// the time zone, /dev/null) is prepared first, then the jail, then the daemon, then seccomp.
int run_engine_child(const daemon::Options& opts, const daemon::PrivsepUser& user, int sock,
                     int event_sock, pid_t monitor) {
  ::tzset();
  auto crypto = daemon::make_crypto_provider();
  if (!crypto) {
    IKE_LOG_ERROR("{}", crypto.error().detail);
    return 1;
  }
  {
    crypto::OpenSslRandom warm;  // seed OpenSSL's DRBG before /dev and the config are gone
    uint8_t b[16];
    warm.fill(b);
  }
  int devnull = opts.debug == 0 ? ::open("/dev/null", O_RDWR | O_CLOEXEC) : -1;
  if (auto st = daemon::enter_sandbox(user, daemon::kPrivsepDir, monitor); !st) {
    IKE_LOG_ERROR("{}", st.error().detail);
    return 1;
  }
  auto client = std::make_unique<daemon::MonitorClient>(sock, event_sock);
  daemon::MonitorClient* c = client.get();
  daemon::set_file_writer(
      [c](const std::string& path, std::string_view content) { return c->write_file(path, content); });
  auto d = daemon::Daemon::create(opts, {std::move(client), std::move(*crypto)});
  if (!d) {
    IKE_LOG_ERROR("{}", d.error().detail);
    return 1;
  }
  if (auto st = daemon::apply_seccomp(); !st) {
    IKE_LOG_ERROR("{}", st.error().detail);
    return 1;
  }
  go_quiet(devnull);
  auto st = (*d)->run();
  if (!st) {
    IKE_LOG_ERROR("{}", st.error().detail);
    return 1;
  }
  return 0;
}

// Without -d: fork now; the original process waits for one status byte (0: started) on a pipe
// and exits with it, so start-up failures still give a non-zero exit. Returns the write end.
int detach_with_status_pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid > 0) {
    ::close(p[1]);
    char c = 1;
    ssize_t n;
    do {
      n = ::read(p[0], &c, 1);
    } while (n < 0 && errno == EINTR);
    ::_exit(n == 1 && c == 0 ? 0 : 1);
  }
  ::close(p[0]);
  ::setsid();
  return p[1];
}

int run_privilege_separated(const daemon::Options& opts) {
  auto user = daemon::lookup_privsep_user();
  if (!user) {
    IKE_LOG_ERROR("{}", user.error().detail);
    return 1;
  }
  if (auto st = daemon::check_privsep_dir(); !st) {
    IKE_LOG_ERROR("{}", st.error().detail);
    return 1;
  }
  int ready = opts.debug == 0 ? detach_with_status_pipe() : -1;
  // systemd notifications come from the monitor (the jailed child cannot reach
  // $NOTIFY_SOCKET); reading the environment unsets it, so the child does not try.
  auto sd_env = daemon::SdNotifier::from_environment();
  if (!sd_env) {
    IKE_LOG_WARN("systemd notification disabled: {}", sd_env.error().detail);
    sd_env = daemon::SdNotifier{};
  }
  int req[2], ev[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, req) != 0 ||
      ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ev) != 0) {
    IKE_LOG_ERROR("privilege separation: socketpair: {}", std::strerror(errno));
    return 1;
  }
  // Room for the largest message (a 1 MiB file write, the kernel state) in one datagram.
  int buf = static_cast<int>(2 * daemon::privsep::kMaxMessage);
  for (int fd : {req[0], req[1], ev[0], ev[1]}) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
  }
  ::fcntl(ev[0], F_SETFL, O_NONBLOCK);  // a stuck child never blocks the monitor
  pid_t monitor = ::getpid();
  pid_t child = ::fork();
  if (child < 0) {
    IKE_LOG_ERROR("privilege separation: fork: {}", std::strerror(errno));
    return 1;
  }
  if (child == 0) {
    ::close(req[0]);
    ::close(ev[0]);
    if (ready >= 0) ::close(ready);
    ::_exit(run_engine_child(opts, *user, req[1], ev[1], monitor));
  }
  ::close(req[1]);
  ::close(ev[1]);
  IKE_LOG_INFO("privilege separation: monitor pid {}, engine pid {} as {} (uid {}) in {}", monitor,
               child, user->name, user->uid, daemon::kPrivsepDir);

  // The XFRM backend lives here: the child only sends requests. With -n the child runs its own
  // null backend (Daemon::create) and this one stays unused.
  std::unique_ptr<base::Random> rng;
  if (opts.seed) {
    rng = std::make_unique<crypto::DeterministicRandom>(*opts.seed);
  } else {
    rng = std::make_unique<crypto::OpenSslRandom>();
  }
  auto backend = daemon::make_kernel_backend(opts.null_kernel, *rng);
  if (!backend) {
    IKE_LOG_ERROR("{}", backend.error().detail);
    ::kill(child, SIGKILL);
    return 1;
  }
  daemon::MonitorSdNotify sd(std::move(*sd_env), child);
  daemon::Monitor m(opts, **backend, req[0], ev[0], user->uid);
  int status = m.run(child, [&] {
    sd.ready(opts.listen_port);
    if (ready < 0) return;
    char ok = 0;
    (void)!::write(ready, &ok, 1);
    ::close(ready);
    ready = -1;
    go_quiet(::open("/dev/null", O_RDWR | O_CLOEXEC));
  });
  sd.stopping();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  std::span<char* const> args(argv, static_cast<std::size_t>(argc));
  auto opts = daemon::parse_options(args);
  if (!opts) {
    std::fprintf(stderr, "isakmpd: %s\n%s", opts.error().detail.c_str(),
                 daemon::usage("isakmpd").c_str());
    return 1;
  }
  if (opts->help) {
    std::fputs(daemon::usage("isakmpd").c_str(), stdout);
    return 0;
  }
  // A vanished FIFO writer or peer must never kill the daemon.
  ::signal(SIGPIPE, SIG_IGN);
  base::Logger::instance().set_sink(startup_sink(opts->debug > 0));

  if (::geteuid() != 0) {
    IKE_LOG_INFO("privilege separation is off: not started as root (euid {}); running as one "
                 "process",
                 ::geteuid());
    return run_single_process(*opts);
  }
  return run_privilege_separated(*opts);
}
