// Helpers shared by the end-to-end daemon tests: a child process started with posix_spawn
// (killed by pid if a test ends early), polling, per-side config/files for two daemons on
// loopback, and FIFO command writing.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

extern char** environ;

namespace ike_e2e {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <class Pred>
inline bool wait_for(Pred pred, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return pred();
}

// A child process we started (fork, optional uid change, exec; stdout and stderr to `log`,
// stdin from /dev/null); killed (by pid) if the test ends early.
class Child {
 public:
  Child(std::vector<std::string> args, const std::string& log, uid_t as_uid = 0) {
    m_pid = ::fork();
    if (m_pid == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      int null_fd = ::open("/dev/null", O_RDONLY);
      ::dup2(null_fd, STDIN_FILENO);
      if (as_uid != 0 && (::setgid(as_uid) != 0 || ::setuid(as_uid) != 0)) ::_exit(99);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(98);
    }
  }
  ~Child() {
    if (m_pid > 0 && !m_status) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
  }
  pid_t pid() const { return m_pid; }
  // Exit status once the process has ended, within `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    wait_for(
        [&] {
          int st = 0;
          if (!m_status && ::waitpid(m_pid, &st, WNOHANG) == m_pid) m_status = st;
          return m_status.has_value();
        },
        timeout);
    if (!m_status || !WIFEXITED(*m_status)) return std::nullopt;
    return WEXITSTATUS(*m_status);
  }

 private:
  pid_t m_pid = -1;
  std::optional<int> m_status;
};

// One daemon of an e2e test. It binds `port` and, for NAT-T, `port + 100` on `addr`; ctest runs
// the e2e binaries in parallel, so every test has its own ports and no test's port may be
// another's port + 100 (taken: 15001-15062 with 15111-15114 as -N ports, 15201-15252 (KeyNote),
// 15601-15632 (privsep process); a collision shows as a daemon that never starts).
struct Side {
  std::string addr, peer, dir;
  uint16_t port, peer_port;
  std::string local_net, remote_net;
  std::string file(const std::string& ext) const { return fmt::format("{}/{}.{}", dir, addr, ext); }
  bool v6() const { return addr.find(':') != std::string::npos; }
};

inline std::string config_for(const Side& s) {
  return fmt::format(
      "[General]\nListen-on={addr}\nRetransmits=3\nExchange-max-time=30\n\n"
      "[Phase 1]\n{peer}=peer-{peer}\n\n"
      "[Phase 2]\nPassive-connections=conn\n\n"
      "[peer-{peer}]\nPhase=1\nAddress={peer}\nPort={pport}\nLocal-address={addr}\n"
      "Authentication=e2e-pre-shared-key\nConfiguration=p1-conf\n\n"
      "[p1-conf]\nEXCHANGE_TYPE=ID_PROT\nTransforms=AES-128-SHA\n\n"
      "[conn]\nPhase=2\nISAKMP-peer=peer-{peer}\nConfiguration=p2-conf\n"
      "Local-ID=net-local\nRemote-ID=net-remote\n\n"
      "[p2-conf]\nEXCHANGE_TYPE=QUICK_MODE\nSuites=QM-ESP-AES-SHA-SUITE\n\n"
      "[net-local]\nID-type={ntype}\nNetwork={lnet}\nNetmask={mask}\n\n"
      "[net-remote]\nID-type={ntype}\nNetwork={rnet}\nNetmask={mask}\n",
      fmt::arg("ntype", s.v6() ? "IPV6_ADDR_SUBNET" : "IPV4_ADDR_SUBNET"),
      fmt::arg("mask", s.v6() ? "ffff:ffff:ffff:ffff::" : "255.255.255.0"),
      fmt::arg("addr", s.addr), fmt::arg("peer", s.peer), fmt::arg("pport", s.peer_port),
      fmt::arg("lnet", s.local_net), fmt::arg("rnet", s.remote_net));
}

inline void write_private(const std::string& path, const std::string& text, mode_t mode = 0600) {
  { std::ofstream(path) << text; }
  ::chmod(path.c_str(), mode);
}

inline std::vector<std::string> daemon_args(const Side& s,
                                            const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{ISAKMPD_BINARY, "-d", "-n", s.v6() ? "-6" : "-4", "-v", "-D", "A=30",
          "-p", std::to_string(s.port), "-N", std::to_string(s.port + 100),
          "-c", s.file("conf"), "-f", s.file("fifo"),
          "-i", s.file("pid"), "-R", s.file("report"), "--result-file", s.file("result"),
          "--keylog", s.file("keys")};
  args.insert(args.end(), extra.begin(), extra.end());
  // KeyNote on needs a policy file (policy_loader.h): a side whose configuration names none
  // runs with -K, as ipsecctl(8) setups do.
  bool has_k = std::find(extra.begin(), extra.end(), "-K") != extra.end();
  std::ifstream conf(s.file("conf"));
  std::string text((std::istreambuf_iterator<char>(conf)), std::istreambuf_iterator<char>());
  if (!has_k && text.find("Policy-file=") == std::string::npos) args.push_back("-K");
  return args;
}

inline bool send_command(const std::string& fifo, const std::string& line) {
  int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
  if (fd < 0) return false;
  std::string l = line + "\n";
  bool ok = ::write(fd, l.data(), l.size()) == static_cast<ssize_t>(l.size());
  ::close(fd);
  return ok;
}

// Sends `S` to every side until each one's result file shows the phase-2 SA "conn" (or
// `timeout` passes); `results` gets the last result file of each side, in order.
inline bool wait_phase2(const std::vector<const Side*>& sides, std::vector<std::string>& results,
                        std::chrono::milliseconds timeout = 20s) {
  results.assign(sides.size(), {});
  return wait_for(
      [&] {
        for (const Side* s : sides) send_command(s->file("fifo"), "S");
        std::this_thread::sleep_for(100ms);
        bool all = true;
        for (std::size_t i = 0; i < sides.size(); ++i) {
          results[i] = slurp(sides[i]->file("result"));
          all = all && results[i].find("SA name: conn (Phase 2)") != std::string::npos;
        }
        return all;
      },
      timeout);
}

// A test with its own temporary directory (removed afterwards unless E2E_KEEP is set); on
// failure the daemons' *.log files in it are printed.
class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/isakmpd_e2e.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = tmpl;
  }
  void TearDown() override {
    if (HasFailure()) {
      for (const auto& e : fs::recursive_directory_iterator(m_dir)) {
        if (e.path().extension() == ".log") {
          std::cerr << "==== " << e.path() << "\n" << slurp(e.path()) << "\n";
        }
      }
    }
    if (::getenv("E2E_KEEP") == nullptr) fs::remove_all(m_dir);
  }
  std::string m_dir;
};

}  // namespace ike_e2e
