// ipsecctl front end; see ipsecctl.h.
#include "ipsecctl.h"

#include <iterator>
#include <map>
#include <memory>
#include <sstream>

#include "fifo_writer.h"
#include "ike_config.h"
#include "kernel_format.h"
#include "kernel_rules.h"
#include "kernel_state_source.h"

namespace ike::ipsecctl {
namespace {

constexpr std::size_t kMaxStdin = 64 << 20;  // as Lexer::kMaxFileSize

enum class Show { None, Flow, Sa, All };

struct Opts {
  bool collapse = false, del = false, flush = false, show_keys = false, monitor = false;
  bool noaction = false, quiet = false;
  int verbose = 0;
  std::string file;
  std::string fifo = kDefaultFifo;
  Show show = Show::None;
  std::map<std::string, std::string> macros;
};

void usage(std::ostream& err) {
  err << "usage: ipsecctl [-cdFkmnqv] [-D macro=value] [-f file] [-i fifo] [-s modifier]\n";
}

bool prefix_of(const std::string& word, const char* full) {
  return !word.empty() && std::string(full).compare(0, word.size(), word) == 0;
}

// getopt("cD:dFf:i:kmnqs:v") with bundled flags ("-nv", "-f-").
bool parse_args(const std::vector<std::string>& args, Opts& o, std::ostream& err) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (a.size() < 2 || a[0] != '-') {
      usage(err);
      return false;
    }
    for (std::size_t j = 1; j < a.size(); ++j) {
      const char c = a[j];
      auto optarg = [&](std::string& dst) {
        if (j + 1 < a.size()) {
          dst = a.substr(j + 1);
        } else if (i + 1 < args.size()) {
          dst = args[++i];
        } else {
          err << "ipsecctl: option requires an argument -- " << c << '\n';
          return false;
        }
        j = a.size();
        return true;
      };
      std::string v;
      switch (c) {
        case 'c': o.collapse = true; break;
        case 'd': o.del = true; break;
        case 'F': o.flush = true; break;
        case 'k': o.show_keys = true; break;
        case 'm': o.monitor = true; break;
        case 'n': o.noaction = true; break;
        case 'q': o.quiet = true; break;
        case 'v': ++o.verbose; break;
        case 'f': if (!optarg(o.file)) return false; break;
        case 'i': if (!optarg(o.fifo)) return false; break;
        case 'D': {
          if (!optarg(v)) return false;
          auto eq = v.find('=');
          if (eq == std::string::npos || eq == 0) {
            err << "ipsecctl: could not parse macro definition " << v << '\n';
            return false;
          }
          o.macros[v.substr(0, eq)] = v.substr(eq + 1);
          break;
        }
        case 's': {
          if (!optarg(v)) return false;
          if (prefix_of(v, "flow")) o.show = Show::Flow;
          else if (prefix_of(v, "sa")) o.show = Show::Sa;
          else if (prefix_of(v, "all")) o.show = Show::All;
          else {
            err << "ipsecctl: unknown show modifier '" << v << "'\n";
            usage(err);
            return false;
          }
          break;
        }
        default:
          err << "ipsecctl: unknown option -- " << c << '\n';
          usage(err);
          return false;
      }
    }
  }
  return true;
}

// The kernel backend, opened on first use (-F, -f with manual rules, -s, -m share it).
class KernelAccess {
 public:
  explicit KernelAccess(const Environment& env) : m_env(env) {}
  kernel::Backend* get() {
    if (m_kernel) return m_kernel.get();
    auto k = m_env.open_kernel ? m_env.open_kernel() : xfrm_kernel_opener()();
    if (!k) {
      *m_env.err << "ipsecctl: " << k.error().detail << '\n';
      return nullptr;
    }
    m_kernel = std::move(*k);
    return m_kernel.get();
  }

 private:
  const Environment& m_env;
  std::unique_ptr<kernel::Backend> m_kernel;
};

// Sends the parsed rules: manual flows and SAs to the kernel, ike rules to isakmpd. Everything is
// converted first; a rule the kernel cannot take (tcpmd5, ipip, ...) stops the whole load.
int commit(const std::vector<Rule>& rules, const Opts& o, const Environment& env,
           KernelAccess& access) {
  KernelPlan plan = plan_kernel_rules(rules);
  if (!o.quiet) {
    for (const auto& w : plan.warnings) *env.err << "ipsecctl: " << w << '\n';
  }
  if (!plan.errors.empty()) {
    for (const auto& e : plan.errors) *env.err << "ipsecctl: " << e << '\n';
    *env.err << "ipsecctl: ipsec rules not loaded\n";
    return 1;
  }
  std::vector<std::string> lines;
  for (const Rule& r : rules) {
    if (r.type != RuleType::Ike) continue;
    auto l = ike_config_lines(r, o.del ? IkeAction::Delete : IkeAction::Add, env.hostname);
    if (!l) {
      *env.err << "ipsecctl: " << l.error().detail << '\n';
      return 1;
    }
    lines.insert(lines.end(), l->begin(), l->end());
  }
  int status = 0;
  if (!plan.empty()) {
    kernel::Backend* k = access.get();
    if (k == nullptr) return 1;
    if (!apply_kernel_plan(*k, plan, o.del,
                           [&](const std::string& m) { *env.err << "ipsecctl: " << m << '\n'; })) {
      status = 1;
    }
  }
  if (lines.empty()) return status;
  if (auto s = write_fifo_lines(o.fifo, lines); !s) {
    *env.err << "ipsecctl: " << s.error().detail << '\n';
    return 1;
  }
  return status;
}

}  // namespace

int run(const std::vector<std::string>& args, Environment& env) {
  Opts o;
  std::ostream& err = *env.err;
  std::ostream& out = *env.out;
  if (!parse_args(args, o, err)) return 1;
  if (args.size() <= 1) {
    usage(err);
    return 1;
  }
  int status = 0;
  KernelAccess access(env);
  if (o.flush && !o.noaction) {
    kernel::Backend* k = access.get();
    if (k == nullptr) return 1;
    if (auto s = flush_kernel_state(*k); !s) {
      err << "ipsecctl: " << s.error().detail << '\n';
      status = 1;
    }
  }
  if (!o.file.empty()) {
    std::string name = o.file;
    std::string contents;
    if (o.file == "-") {
      name = "stdin";
      std::ostringstream buf;
      buf << env.in->rdbuf();
      contents = buf.str();
      if (contents.size() > kMaxStdin) {
        err << "ipsecctl: stdin: input larger than " << kMaxStdin << " bytes\n";
        return 1;
      }
    } else {
      auto data = env.loader(o.file, true);
      if (!data) {
        err << "ipsecctl: " << data.error().detail << '\n';
        return 1;
      }
      contents = std::move(*data);
    }
    ParseOptions popts;
    popts.verbose = o.verbose > 0 && !o.quiet;
    popts.verbose2 = o.verbose > 1;
    popts.print.verbose2 = o.verbose > 1;
    popts.print.show_keys = o.show_keys;
    popts.print.del = o.del;
    popts.print.hostname = env.hostname;
    ParseOutcome parsed =
        parse_rules(name, std::move(contents), o.macros, popts, env.loader, out, err);
    if (parsed.status == ParseStatus::Fatal) return 1;
    if (parsed.status == ParseStatus::Errors) {
      err << "ipsecctl: Syntax error in config file: ipsec rules not loaded\n";
      return 1;
    }
    if (!o.noaction && commit(parsed.rules, o, env, access) != 0) status = 1;
  }
  if (o.show != Show::None) {
    kernel::Backend* k = access.get();
    if (k == nullptr) return 1;
    auto state = read_kernel_state(*k);
    if (!state) {
      err << "ipsecctl: " << state.error().detail << '\n';
      return 1;
    }
    ShowOptions so{o.show_keys, o.verbose > 0, o.collapse};
    switch (o.show) {
      case Show::Flow: out << format_flows(*state, so); break;
      case Show::Sa: out << format_sas(*state, so); break;
      default: out << format_all(*state, so); break;
    }
  }
  if (o.monitor) {
    kernel::Backend* k = access.get();
    if (k == nullptr) return 1;
    auto s = monitor_kernel_events(*k, [&](const base::KernelEvent& ev) {
      out << format_event(ev);
      out.flush();
      return true;
    });
    if (!s) {
      err << "ipsecctl: " << s.error().detail << '\n';
      return 1;
    }
  }
  return status;
}

}  // namespace ike::ipsecctl
