// The real daemon with privilege separation (needs root and the _isakmpd user, created by
// scripts/install-user.sh): `isakmpd -d -n` on loopback forks; the engine child is inspected
// in /proc: uid/gid are _isakmpd's, no capability in any set (CapEff/CapPrm/CapBnd/CapAmb 0),
// NoNewPrivs 1, Seccomp 2 (filter), root /var/empty; the monitor (the process we started) holds
// the pid file, serves `S` through the FIFO and the SIGUSR1 report, forwards SIGTERM and exits 0
// removing the FIFO and the pid file. Started as another user the daemon runs as one process
// and says why privilege separation is off. A privilege-separated mode-config client runs its
// Mode-config-script through the monitor (RunModeCfgScript): as root, with the address and DNS
// server the (also privilege-separated) server pushed.
#include <gtest/gtest.h>

#include "e2e_support.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

using ike_e2e::slurp;
using ike_e2e::wait_for;
// A daemon we started (fork + optional uid change + exec), killed by pid if the test ends early.
using Daemon = ike_e2e::Child;

// /proc/<pid>/status as key -> value (whitespace-trimmed).
std::map<std::string, std::string> proc_status(pid_t pid) {
  std::map<std::string, std::string> out;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto v = line.substr(colon + 1);
    v.erase(0, v.find_first_not_of(" \t"));
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
    out[line.substr(0, colon)] = v;
  }
  return out;
}

// The children of `parent` (scan of /proc).
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto st = proc_status(std::stoi(name));
    if (st["PPid"] == std::to_string(parent)) out.push_back(std::stoi(name));
  }
  return out;
}

class PrivsepProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "privilege separation needs root";
    passwd* pw = ::getpwnam("_isakmpd");
    ASSERT_NE(pw, nullptr) << "user _isakmpd missing: run scripts/install-user.sh";
    m_uid = pw->pw_uid;
    m_gid = pw->pw_gid;
    char tmpl[] = "/tmp/isakmpd_privsep.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = tmpl;
    std::ofstream(file("conf")) << "[General]\nListen-on=127.0.0.1\nRetransmits=3\n";
    ::chmod(file("conf").c_str(), 0600);
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "==== log\n" << slurp(file("log")) << "\n";
    if (!m_dir.empty()) fs::remove_all(m_dir);
  }
  std::string file(const std::string& ext) const { return m_dir + "/isakmpd." + ext; }
  std::vector<std::string> args(uint16_t port) const {
    return {ISAKMPD_BINARY, "-d", "-n", "-4", "-p", std::to_string(port), "-N",
            std::to_string(port + 100), "-c", file("conf"), "-f", file("fifo"),
            "-i", file("pid"), "-R", file("report"), "--result-file", file("result"),
            "-K"};
  }
  std::string m_dir;
  uid_t m_uid = 0;
  gid_t m_gid = 0;
};

TEST_F(PrivsepProcess, EngineChildIsJailedAndUnprivileged) {
  Daemon d(args(15601), file("log"));
  ASSERT_TRUE(wait_for([&] { return fs::exists(file("pid")); }, 5s));
  // The pid file holds the monitor: the process we started.
  EXPECT_EQ(std::stoi(slurp(file("pid"))), d.pid());
  std::vector<pid_t> kids;
  ASSERT_TRUE(wait_for([&] { return (kids = children_of(d.pid())).size() == 1; }, 5s));
  pid_t child = kids[0];
  auto st = proc_status(child);
  std::string uid = std::to_string(m_uid), gid = std::to_string(m_gid);
  EXPECT_EQ(st["Uid"], uid + "\t" + uid + "\t" + uid + "\t" + uid);
  EXPECT_EQ(st["Gid"], gid + "\t" + gid + "\t" + gid + "\t" + gid);
  EXPECT_EQ(st["Groups"], gid);
  for (const char* cap : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
    EXPECT_EQ(st[cap], "0000000000000000") << cap;
  }
  EXPECT_EQ(st["NoNewPrivs"], "1");
  EXPECT_EQ(st["Seccomp"], "2");
  std::error_code ec;
  EXPECT_EQ(fs::read_symlink("/proc/" + std::to_string(child) + "/root", ec), "/var/empty");
  EXPECT_EQ(fs::read_symlink("/proc/" + std::to_string(child) + "/cwd", ec), "/var/empty");
  // The monitor stays root.
  EXPECT_EQ(proc_status(d.pid())["Uid"].substr(0, 1), "0");

  // The jailed engine still works through the monitor: FIFO `S`, SIGUSR1 report, SIGHUP reload.
  {
    int fd = ::open(file("fifo").c_str(), O_WRONLY | O_NONBLOCK);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "C get [General]:Retransmits\n", 28), 28);
    ::close(fd);
  }
  ASSERT_TRUE(wait_for([&] { return slurp(file("result")) == "3\n"; }, 5s));
  std::ofstream(file("conf")) << "[General]\nListen-on=127.0.0.1\nRetransmits=5\n";
  ASSERT_EQ(::kill(d.pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_for(
      [&] { return slurp(file("log")).find("configuration reloaded") != std::string::npos; }, 5s));
  {
    int fd = ::open(file("fifo").c_str(), O_WRONLY | O_NONBLOCK);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "C get [General]:Retransmits\n", 28), 28);
    ::close(fd);
  }
  ASSERT_TRUE(wait_for([&] { return slurp(file("result")) == "5\n"; }, 5s));
  ASSERT_EQ(::kill(d.pid(), SIGUSR1), 0);
  ASSERT_TRUE(wait_for([&] { return fs::exists(file("report")); }, 5s));
  EXPECT_NE(slurp(file("report")).find("udp_report: fd"), std::string::npos);

  ASSERT_EQ(::kill(d.pid(), SIGTERM), 0);
  EXPECT_EQ(d.wait_exit(10s), 0);
  EXPECT_FALSE(fs::exists(file("fifo")));
  EXPECT_FALSE(fs::exists(file("pid")));
  EXPECT_FALSE(fs::exists("/proc/" + std::to_string(child)));
}

TEST_F(PrivsepProcess, ModeConfigScriptRunsInTheMonitorAsRoot) {
  using ike_e2e::Side;
  Side srv{"127.0.0.1", "127.0.0.2", m_dir, 15631, 15632, "10.1.1.0", "10.1.2.0"};
  Side cli{"127.0.0.2", "127.0.0.1", m_dir, 15632, 15631, "10.1.2.0", "10.1.1.0"};
  auto with_ikecfg = [](std::string conf) {
    auto at = conf.find("Configuration=p1-conf\n");
    conf.insert(at, "Flags=ikecfg\n");
    return conf;
  };
  const std::string out = m_dir + "/modecfg.env";
  const std::string script = m_dir + "/modecfg.sh";
  ike_e2e::write_private(script, "#!/bin/sh\n{ env | sort; echo uid=$(id -u); } > " + out + "\n",
                         0755);
  ike_e2e::write_private(srv.file("conf"),
                         with_ikecfg(ike_e2e::config_for(srv)) +
                             "\n[ipv4/127.0.0.2]\nAddress=10.99.20.77\nNetmask=255.255.255.0\n"
                             "Nameserver=10.99.20.53\n");
  std::string cconf = with_ikecfg(ike_e2e::config_for(cli));
  cconf.insert(cconf.find("\n") + 1, "Mode-config-script=" + script + "\n");
  ike_e2e::write_private(cli.file("conf"), cconf);
  Daemon s(ike_e2e::daemon_args(srv), srv.file("log"));
  Daemon c(ike_e2e::daemon_args(cli), cli.file("log"));
  ASSERT_TRUE(wait_for([&] { return fs::exists(srv.file("pid")) && fs::exists(cli.file("pid")); },
                       5s));
  ASSERT_TRUE(ike_e2e::send_command(cli.file("fifo"), "c conn"));
  ASSERT_TRUE(wait_for([&] { return slurp(out).find("uid=") != std::string::npos; }, 15s))
      << slurp(cli.file("log"));
  const std::string env = slurp(out);
  EXPECT_NE(env.find("ISAKMPD_MODECFG_IP4_ADDRESS=10.99.20.77\n"), std::string::npos) << env;
  EXPECT_NE(env.find("ISAKMPD_MODECFG_IP4_NETMASK=255.255.255.0\n"), std::string::npos) << env;
  EXPECT_NE(env.find("ISAKMPD_MODECFG_IP4_DNS=10.99.20.53\n"), std::string::npos) << env;
  EXPECT_NE(env.find("ISAKMPD_PEER=127.0.0.1\n"), std::string::npos) << env;
  EXPECT_NE(env.find("ISAKMPD_PEER_SECTION=peer-127.0.0.1\n"), std::string::npos) << env;
  EXPECT_NE(env.find("uid=0\n"), std::string::npos) << env;  // the monitor, not the jailed child
  ASSERT_TRUE(wait_for(
      [&] { return slurp(cli.file("log")).find("Mode-config-script for") != std::string::npos; },
      5s));
  EXPECT_NE(slurp(cli.file("log")).find("ran (exit status 0)"), std::string::npos);
  // Both really are privilege separated.
  EXPECT_EQ(children_of(c.pid()).size(), 1u);
  EXPECT_EQ(children_of(s.pid()).size(), 1u);
  ASSERT_EQ(::kill(c.pid(), SIGTERM), 0);
  ASSERT_EQ(::kill(s.pid(), SIGTERM), 0);
  EXPECT_EQ(c.wait_exit(10s), 0);
  EXPECT_EQ(s.wait_exit(10s), 0);
}

TEST_F(PrivsepProcess, NotRootMeansOneProcessAndSaysWhy) {
  passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  ::chmod(m_dir.c_str(), 0755);
  ASSERT_EQ(::chown(m_dir.c_str(), nobody->pw_uid, nobody->pw_gid), 0);
  ASSERT_EQ(::chown(file("conf").c_str(), nobody->pw_uid, nobody->pw_gid), 0);
  Daemon d(args(15611), file("log"), nobody->pw_uid);
  ASSERT_TRUE(wait_for([&] { return fs::exists(file("pid")); }, 5s));
  EXPECT_NE(slurp(file("log")).find("privilege separation is off: not started as root"),
            std::string::npos);
  EXPECT_TRUE(children_of(d.pid()).empty());
  ASSERT_EQ(::kill(d.pid(), SIGTERM), 0);
  EXPECT_EQ(d.wait_exit(10s), 0);
}

}  // namespace
