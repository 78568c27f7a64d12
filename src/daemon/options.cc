// isakmpd command-line parsing (see options.h). getopt_long with a leading "+:" (stop at the
// first operand, report a missing argument as ':'), optind reset to 0 so the parser can run
// more than once per process (tests).
#include "daemon/options.h"

#include <getopt.h>

#include <charconv>
#include <cstring>

#include "base/log.h"

namespace ike::daemon {

using base::ErrorCode;
using base::NotifyType;

namespace {

enum LongOpt : int { kResultFile = 256, kKeylog, kHelp, kStatusJson, kMetricsFile };

constexpr const char* kShortOpts = "+:46ac:dD:f:i:KLl:nN:p:R:r:STv";

const struct option kLongOpts[] = {
    {"result-file", required_argument, nullptr, kResultFile},
    {"keylog", required_argument, nullptr, kKeylog},
    {"help", no_argument, nullptr, kHelp},
    {"status-json", required_argument, nullptr, kStatusJson},
    {"metrics-file", required_argument, nullptr, kMetricsFile},
    {nullptr, 0, nullptr, 0},
};

std::string option_name(int opt) {
  switch (opt) {
    case kResultFile: return "--result-file";
    case kKeylog: return "--keylog";
    case kHelp: return "--help";
    case kStatusJson: return "--status-json";
    case kMetricsFile: return "--metrics-file";
    default: return fmt::format("-{}", static_cast<char>(opt));
  }
}

template <class T>
std::optional<T> parse_unsigned(std::string_view s, T min, T max) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  if (v < static_cast<uint64_t>(min) || v > static_cast<uint64_t>(max)) return std::nullopt;
  return static_cast<T>(v);
}

base::Result<std::string> path_arg(int opt, const char* arg) {
  std::string_view s(arg);
  if (s.empty()) {
    return make_error(ErrorCode::Config, NotifyType::None, "option {}: empty file name",
                      option_name(opt));
  }
  if (s.size() > 4095) {
    return make_error(ErrorCode::Config, NotifyType::None,
                      "option {}: file name longer than 4095 characters", option_name(opt));
  }
  return std::string(s);
}

base::Result<uint16_t> port_arg(int opt, const char* arg) {
  auto p = parse_unsigned<uint16_t>(arg, 1, 65535);
  if (!p) {
    return make_error(ErrorCode::Config, NotifyType::None,
                      "option {}: invalid port \"{}\" (expected 1-65535)", option_name(opt),
                      base::sanitize_for_log(arg, 40));
  }
  return *p;
}

}  // namespace

base::Result<DebugLevel> parse_debug_level(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos) {
    return make_error(ErrorCode::Config, NotifyType::None,
                      "option -D: \"{}\" is not of the form class=level",
                      base::sanitize_for_log(text, 40));
  }
  std::string_view cls_text = text.substr(0, eq);
  std::string_view level_text = text.substr(eq + 1);
  auto cls = base::parse_log_class(cls_text);
  if (!cls) {
    return make_error(ErrorCode::Config, NotifyType::None,
                      "option -D: invalid debug class \"{}\" (expected 0-{} or A)",
                      base::sanitize_for_log(cls_text, 40), base::kLogClassCount - 1);
  }
  auto level = parse_unsigned<int>(level_text, 0, base::kLogMaxLevel);
  if (!level) {
    return make_error(ErrorCode::Config, NotifyType::None,
                      "option -D: invalid debug level \"{}\" for class {} (expected 0-{})",
                      base::sanitize_for_log(level_text, 40), base::sanitize_for_log(cls_text, 40),
                      base::kLogMaxLevel);
  }
  return DebugLevel{*cls, *level};
}

base::Result<Options> parse_options(std::span<char* const> argv) {
  Options o;
  if (argv.empty()) return o;
  int argc = static_cast<int>(argv.size());
  // getopt_long's prototype takes char* const*; with '+' it never permutes argv.
  char* const* av = argv.data();
  optind = 0;  // glibc: full re-initialisation
  opterr = 0;
  for (;;) {
    int opt = getopt_long(argc, av, kShortOpts, kLongOpts, nullptr);
    if (opt == -1) break;
    switch (opt) {
      case '4': o.inet4 = true; break;
      case '6': o.inet6 = true; break;
      case 'a': o.no_flows = true; break;
      case 'c': { IKE_TRY(o.config_file, path_arg(opt, optarg)); break; }
      case 'd': ++o.debug; break;
      case 'D': {
        IKE_TRY(auto dl, parse_debug_level(optarg));
        o.debug_levels.push_back(dl);
        break;
      }
      case 'f': { IKE_TRY(o.fifo_path, path_arg(opt, optarg)); break; }
      case 'i': { IKE_TRY(o.pid_file, path_arg(opt, optarg)); break; }
      case 'K': o.ignore_keynote = true; break;
      case 'L': o.packet_log = true; break;
      case 'l': {
        IKE_TRY(o.packet_log_file, path_arg(opt, optarg));
        o.packet_log = true;
        break;
      }
      case 'n': o.null_kernel = true; break;
      case 'N': { IKE_TRY(o.natt_port, port_arg(opt, optarg)); break; }
      case 'p': { IKE_TRY(o.listen_port, port_arg(opt, optarg)); break; }
      case 'R': { IKE_TRY(o.report_file, path_arg(opt, optarg)); break; }
      case 'r': {
        auto seed = parse_unsigned<uint32_t>(optarg, 0, UINT32_MAX);
        if (!seed) {
          return make_error(ErrorCode::Config, NotifyType::None,
                            "option -r: invalid seed \"{}\" (expected 0-4294967295)",
                            base::sanitize_for_log(optarg, 40));
        }
        o.seed = *seed;
        break;
      }
      case 'S': o.passive = true; break;
      case 'T': o.no_nat_traversal = true; break;
      case 'v': o.verbose = true; break;
      case kResultFile: { IKE_TRY(o.result_file, path_arg(opt, optarg)); break; }
      case kKeylog: { IKE_TRY(o.keylog_file, path_arg(opt, optarg)); break; }
      case kHelp: o.help = true; break;
      case kStatusJson: { IKE_TRY(o.status_json_file, path_arg(opt, optarg)); break; }
      case kMetricsFile: { IKE_TRY(o.metrics_file, path_arg(opt, optarg)); break; }
      case ':':
        return make_error(ErrorCode::Config, NotifyType::None, "option {} requires an argument",
                          optopt != 0 ? option_name(optopt)
                                      : base::sanitize_for_log(argv[static_cast<std::size_t>(
                                                                   optind - 1)], 40));
      default: {
        std::string what =
            optopt != 0 ? fmt::format("-{}", base::sanitize_for_log(
                                                 std::string(1, static_cast<char>(optopt)), 8))
                        : base::sanitize_for_log(argv[static_cast<std::size_t>(optind - 1)], 40);
        return make_error(ErrorCode::Config, NotifyType::None, "unknown option {}", what);
      }
    }
  }
  if (optind < argc) {
    return make_error(ErrorCode::Config, NotifyType::None, "unexpected argument \"{}\"",
                      base::sanitize_for_log(argv[static_cast<std::size_t>(optind)], 40));
  }
  return o;
}

std::string usage(std::string_view program) {
  return fmt::format(
      "usage: {} [-46adKLnSTv] [-c config-file] [-D class=level] [-f fifo]\n"
      "          [-i pid-file] [-l packetlog-file] [-N udpencap-port]\n"
      "          [-p listen-port] [-R report-file] [-r seed]\n"
      "          [--result-file file] [--keylog file]\n"
      "          [--status-json file] [--metrics-file file]\n",
      program);
}

}  // namespace ike::daemon
