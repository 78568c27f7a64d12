// isakmpd: the IKEv1 key management daemon (isakmpd(8)). Parses the command line, builds the
// daemon (config, sockets, FIFO: every start-up error is reported on stderr with a non-zero
// exit), detaches unless -d was given, and runs the event loop until SIGTERM, SIGINT or `Q`.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <span>

#include "base/log.h"
#include "daemon/daemon.h"
#include "daemon/options.h"

namespace {

// Before detaching (no -d), everything goes to syslog and warnings and errors also to stderr,
// so whoever started the daemon sees why it refused to start.
ike::base::LogSink startup_sink(bool debug) {
  if (debug) return ike::base::stderr_sink();
  auto to_stderr = ike::base::stderr_sink();
  auto to_syslog = ike::base::syslog_sink();
  return [to_stderr, to_syslog](const ike::base::LogRecord& r) {
    if (r.severity == ike::base::LogSeverity::Warning ||
        r.severity == ike::base::LogSeverity::Error) {
      to_stderr(r);
    }
    to_syslog(r);
  };
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ike;
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

  auto& log = base::Logger::instance();
  log.set_sink(startup_sink(opts->debug > 0));

  auto d = daemon::Daemon::create(*opts);
  if (!d) {
    IKE_LOG_ERROR("{}", d.error().detail);
    return 1;
  }
  if (opts->debug == 0) {
    if (::daemon(0, 0) != 0) {
      IKE_LOG_ERROR("daemon(3) failed; exiting");
      return 1;
    }
    log.set_sink(base::syslog_sink());
  }
  auto st = (*d)->run();
  if (!st) {
    IKE_LOG_ERROR("{}", st.error().detail);
    return 1;
  }
  return 0;
}
