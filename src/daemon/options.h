// The isakmpd command line (isakmpd(8), isakmpd-features.md §1.14):
//   isakmpd [-46adKLnSTv] [-c config-file] [-D class=level] [-f fifo] [-i pid-file]
//           [-l packetlog-file] [-N udpencap-port] [-p listen-port] [-R report-file] [-r seed]
//           [--result-file file] [--keylog file] [--status-json file] [--metrics-file file]
// parse_options() is a pure function over argv (getopt_long in POSIX mode, so parsing stops at
// the first operand as on OpenBSD); every error names the option and the offending value.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace ike::daemon {

inline constexpr const char* kDefaultConfigFile = "/etc/isakmpd/isakmpd.conf";
// Run-time files live in /run on Linux (FHS 3.0; on Debian /var/run is a symlink to /run, so
// the isakmpd paths /var/run/isakmpd.* given with -f/-i/-R/-l name the same files).
inline constexpr const char* kDefaultFifo = "/run/isakmpd.fifo";
inline constexpr const char* kDefaultPidFile = "/run/isakmpd.pid";
inline constexpr const char* kDefaultReportFile = "/run/isakmpd.report";
inline constexpr const char* kDefaultResultFile = "/run/isakmpd.result";
inline constexpr const char* kDefaultPacketLog = "/run/isakmpd.pcap";
inline constexpr uint16_t kDefaultListenPort = 500;

// One -D class=level: cls -1 means all classes (`A`).
struct DebugLevel {
  int cls = 0;
  int level = 0;
  bool operator==(const DebugLevel&) const = default;
};

struct Options {
  bool inet4 = false;  // -4 (with -6 too, or neither: both families)
  bool inet6 = false;  // -6
  bool no_flows = false;  // -a
  std::string config_file = kDefaultConfigFile;  // -c
  int debug = 0;  // number of -d: foreground + stderr; 2+: SIGINT keeps its default action
  std::vector<DebugLevel> debug_levels;  // -D, in command-line order
  std::string fifo_path = kDefaultFifo;  // -f ("-" = stdin)
  std::string pid_file = kDefaultPidFile;  // -i
  bool ignore_keynote = false;  // -K
  bool packet_log = false;  // -L or -l
  std::string packet_log_file = kDefaultPacketLog;  // -l
  std::optional<uint16_t> natt_port;  // -N
  bool null_kernel = false;  // -n
  uint16_t listen_port = kDefaultListenPort;  // -p
  std::string report_file = kDefaultReportFile;  // -R
  std::optional<uint32_t> seed;  // -r
  bool passive = false;  // -S
  bool no_nat_traversal = false;  // -T
  bool verbose = false;  // -v
  std::string result_file = kDefaultResultFile;  // --result-file
  std::optional<std::string> keylog_file;  // --keylog
  // --status-json: JSON status (docs/STATUS.md) written on `r`/SIGUSR1; without it the JSON
  // goes next to the report file as <report>.json.
  std::optional<std::string> status_json_file;
  // --metrics-file: Prometheus text format, rewritten every few seconds and on `r`/SIGUSR1.
  std::optional<std::string> metrics_file;
  bool help = false;  // --help

  bool use_inet4() const noexcept { return inet4 || !inet6; }
  bool use_inet6() const noexcept { return inet6 || !inet4; }
  bool fifo_is_stdin() const noexcept { return fifo_path == "-"; }
};

// argv[0] is the program name. Not thread-safe (getopt's globals), like getopt itself.
[[nodiscard]] base::Result<Options> parse_options(std::span<char* const> argv);
// -D value "class=level": class 0-10, a class name (log.h) or A; level 0-99.
[[nodiscard]] base::Result<DebugLevel> parse_debug_level(std::string_view text);
std::string usage(std::string_view program);

}  // namespace ike::daemon
