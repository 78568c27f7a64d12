// The mode-config script's validated environment and bounded run (mode_cfg_script_env.h).
#include "daemon/mode_cfg_script_env.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <thread>

#include <fmt/format.h>

namespace ike::daemon {

namespace {

using base::ErrorCode;
using base::NotifyType;
using base::make_error;

enum class Kind : uint8_t { Ip4, Ip6, Ip4Prefixed, Ip6Prefixed, Seconds, Text, AttrList };

struct Var {
  std::string_view name;
  Kind kind;
  bool multi;
};

// The ISAKMPD_MODECFG_* variables of engine/mode_cfg.cc (kAttrs), with the text form of each
// value there (cfg value text: "10.1.0.5", "fd00::5/64", "10.2.0.0/16", "1200", names).
constexpr std::array kVars{
    Var{"ISAKMPD_MODECFG_IP4_ADDRESS", Kind::Ip4, false},
    Var{"ISAKMPD_MODECFG_IP4_NETMASK", Kind::Ip4, false},
    Var{"ISAKMPD_MODECFG_IP4_DNS", Kind::Ip4, true},
    Var{"ISAKMPD_MODECFG_IP4_NBNS", Kind::Ip4, true},
    Var{"ISAKMPD_MODECFG_ADDRESS_EXPIRY", Kind::Seconds, false},
    Var{"ISAKMPD_MODECFG_IP4_DHCP", Kind::Ip4, true},
    Var{"ISAKMPD_MODECFG_APPLICATION_VERSION", Kind::Text, false},
    Var{"ISAKMPD_MODECFG_IP6_ADDRESS", Kind::Ip6Prefixed, false},
    Var{"ISAKMPD_MODECFG_IP6_NETMASK", Kind::Ip6, false},
    Var{"ISAKMPD_MODECFG_IP6_DNS", Kind::Ip6, true},
    Var{"ISAKMPD_MODECFG_IP6_NBNS", Kind::Ip6, true},
    Var{"ISAKMPD_MODECFG_IP6_DHCP", Kind::Ip6, true},
    Var{"ISAKMPD_MODECFG_IP4_SUBNET", Kind::Ip4Prefixed, true},
    Var{"ISAKMPD_MODECFG_SUPPORTED_ATTRIBUTES", Kind::AttrList, false},
    Var{"ISAKMPD_MODECFG_IP6_SUBNET", Kind::Ip6Prefixed, true},
};

constexpr std::size_t kMaxText = 255;     // APPLICATION_VERSION (draft-dukes §3.3: 0..255)
constexpr std::size_t kMaxAttrNames = 64;  // SUPPORTED_ATTRIBUTES entries

const Var* find_var(std::string_view name) {
  auto it = std::find_if(kVars.begin(), kVars.end(), [&](const Var& v) { return v.name == name; });
  return it == kVars.end() ? nullptr : &*it;
}

// Characters that mean nothing to a shell, even unquoted (no $ ` \ ; & | < > ( ) * ? [ ] ' " ~
// # ! { } or whitespace other than the space of a text).
bool safe_char(char c, bool allow_space) {
  const auto u = static_cast<unsigned char>(c);
  if (std::isalnum(u) != 0) return true;
  if (c == ' ') return allow_space;
  return std::string_view("._:@+-,/=").find(c) != std::string_view::npos;
}

std::string reduce(std::string_view v, bool allow_space, std::size_t cap) {
  std::string out;
  for (char c : v.substr(0, cap)) out += safe_char(c, allow_space) ? c : '_';
  return out;
}

base::Error bad(std::string_view var, std::string_view value, std::string_view why) {
  return make_error(ErrorCode::BadValue, NotifyType::None, "Mode-config-script variable {}: '{}' {}",
                    var, reduce(value, true, 64), why);
}

base::Result<unsigned> decimal(std::string_view var, std::string_view text, unsigned max) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || text.size() > 10 || ec != std::errc{} || p != text.data() + text.size() ||
      v > max) {
    return bad(var, text, fmt::format("is not a decimal number up to {}", max));
  }
  return v;
}

// One value of `kind`, parsed and printed again.
base::Result<std::string> canonical(std::string_view var, Kind kind, std::string_view text) {
  switch (kind) {
    case Kind::Ip4:
    case Kind::Ip6: {
      auto a = base::IpAddress::parse(text);
      if (!a || a->is_v4() != (kind == Kind::Ip4)) {
        return bad(var, text, kind == Kind::Ip4 ? "is not an IPv4 address" : "is not an IPv6 address");
      }
      return a->to_string();
    }
    case Kind::Ip4Prefixed:
    case Kind::Ip6Prefixed: {
      const bool v4 = kind == Kind::Ip4Prefixed;
      auto slash = text.find('/');
      auto a = base::IpAddress::parse(text.substr(0, slash));
      if (!a || a->is_v4() != v4) {
        return bad(var, text, v4 ? "is not an IPv4 address/prefix" : "is not an IPv6 address/prefix");
      }
      if (slash == std::string_view::npos) return a->to_string();
      IKE_TRY(unsigned p, decimal(var, text.substr(slash + 1), v4 ? 32 : 128));
      return fmt::format("{}/{}", a->to_string(), p);
    }
    case Kind::Seconds: {
      IKE_TRY(unsigned s, decimal(var, text, 0xffffffffu));
      return std::to_string(s);
    }
    case Kind::Text: return reduce(text, true, kMaxText);
    case Kind::AttrList: {
      std::string out;
      std::size_t n = 0, pos = 0;
      while (pos <= text.size()) {
        auto comma = std::min(text.find(',', pos), text.size());
        auto name = text.substr(pos, comma - pos);
        if (name.empty() || name.size() > 64 || ++n > kMaxAttrNames ||
            !std::all_of(name.begin(), name.end(), [](char c) {
              return std::isupper(static_cast<unsigned char>(c)) != 0 ||
                     std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '_';
            })) {
          return bad(var, text, "is not a list of attribute names");
        }
        out += (out.empty() ? "" : ",") + std::string(name);
        pos = comma + 1;
      }
      return out;
    }
  }
  return bad(var, text, "has an unknown kind");
}

}  // namespace

bool is_mode_cfg_script_variable(std::string_view name) noexcept { return find_var(name) != nullptr; }

base::Result<std::vector<std::string>> mode_cfg_script_env(
    const base::IpAddress& peer, std::string_view section,
    const std::vector<std::pair<std::string, std::string>>& vars) {
  std::vector<std::string> env{kScriptPath, "ISAKMPD_PEER=" + peer.to_string(),
                               "ISAKMPD_PEER_SECTION=" + reduce(section, false, 255)};
  // The size first, before any value is looked at.
  std::size_t total = 0;
  for (const auto& [name, value] : vars) total += name.size() + value.size() + 1;
  if (total > kMaxScriptEnvBytes) {
    return make_error(ErrorCode::TooMany, NotifyType::None,
                      "Mode-config-script environment over {} bytes ({} in {} variables)",
                      kMaxScriptEnvBytes, total, vars.size());
  }
  std::vector<std::string_view> seen;
  for (const auto& [name, value] : vars) {
    const Var* v = find_var(name);
    if (v == nullptr) {
      return make_error(ErrorCode::Unsupported, NotifyType::None,
                        "Mode-config-script variable '{}' is not an ISAKMPD_MODECFG_* variable",
                        reduce(name, false, 64));
    }
    if (std::find(seen.begin(), seen.end(), v->name) != seen.end()) {
      return bad(v->name, value, "repeats the variable");
    }
    seen.push_back(v->name);
    std::string out;
    if (v->kind == Kind::Text) {
      out = reduce(value, true, kMaxText);
    } else {
      std::size_t count = 0, pos = 0;
      while (pos <= value.size()) {
        auto space = std::min(value.find(' ', pos), value.size());
        if (++count > (v->multi ? kMaxScriptValues : 1)) {
          return bad(v->name, value, fmt::format("has more than {} value(s)",
                                                 v->multi ? kMaxScriptValues : 1));
        }
        IKE_TRY(auto one, canonical(v->name, v->kind,
                                    std::string_view(value).substr(pos, space - pos)));
        out += (out.empty() ? "" : " ") + one;
        pos = space + 1;
      }
    }
    env.push_back(std::string(v->name) + "=" + out);
  }
  return env;
}

base::Status check_script_program(const std::string& command) {
  std::string_view cmd(command);
  auto start = cmd.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    return make_error(ErrorCode::Config, NotifyType::None, "Mode-config-script is empty");
  }
  cmd.remove_prefix(start);
  if (cmd.front() != '/') return base::ok();  // a shell command: resolved through PATH
  std::string program(cmd.substr(0, cmd.find_first_of(" \t")));
  struct stat st {};
  if (::stat(program.c_str(), &st) != 0) {
    return make_error(ErrorCode::NotFound, NotifyType::None, "Mode-config-script {}: {}", program,
                      std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) != 0) {
    return make_error(ErrorCode::Config, NotifyType::None,
                      "Mode-config-script {}: not a regular file owned by root and writable only "
                      "by root (owner {}, mode {:o})",
                      program, st.st_uid, st.st_mode & 07777);
  }
  return base::ok();
}

base::Result<uint8_t> run_script_bounded(const std::string& command,
                                         const std::vector<std::string>& env,
                                         std::chrono::milliseconds timeout) {
  // Everything exec needs is built before fork (nothing allocates in the child).
  std::vector<std::string> env_copy = env;
  std::vector<char*> envp;
  for (auto& e : env_copy) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  const pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    if (devnull >= 0) ::close(devnull);
    return make_error(ErrorCode::Io, NotifyType::None, "Mode-config-script: fork: {}",
                      std::strerror(err));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the monitor blocks signals for its signalfd
    ::signal(SIGPIPE, SIG_DFL);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::close_range(3, ~0U, 0);
    ::execve(argv[0], argv, envp.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here: no window in which a timeout would miss the group
  if (devnull >= 0) ::close(devnull);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      return make_error(ErrorCode::Io, NotifyType::None, "Mode-config-script: waitpid: {}",
                        std::strerror(errno));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return make_error(ErrorCode::Io, NotifyType::None,
                        "Mode-config-script: still running after {} ms: killed", timeout.count());
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  if (WIFSIGNALED(status)) {
    return make_error(ErrorCode::Io, NotifyType::None, "Mode-config-script: killed by signal {}",
                      WTERMSIG(status));
  }
  return static_cast<uint8_t>(WEXITSTATUS(status));
}

}  // namespace ike::daemon
