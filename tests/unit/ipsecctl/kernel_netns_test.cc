// ipsecctl against the real kernel (XFRM), root only. Each test forks a child that unshares a
// network namespace of its own (nothing outside it is touched, nothing survives it), runs
// ipsecctl there (in process through ipsecctl::run, or the ipsecctl binary for -m) and checks
// with `ip xfrm`: flow rules installed as out/in/fwd policies, `-s flow` in OpenBSD's format,
// `-d` removing them, `-F` flushing policies and SAs added with `ip xfrm`, `-s sa`/`-s all` on an
// empty SAD and with a larval SA, a manual esp SA installed and shown (or, on kernels without
// ESP, refused with a message naming the SA: the test is then skipped with the kernel's reason),
// tcpmd5 refused with nothing installed, and `-m` printing the ACQUIRE a real UDP packet causes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <sstream>

#include "support/udp_probe.h"
#include "run_helper.h"

namespace ike::ipsecctl::test {
namespace {

std::string sh(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return "popen failed";
  char buf[512];
  while (fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  pclose(p);
  return out;
}

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::sort(lines.begin(), lines.end());
  return lines;
}

bool contains(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

// Runs `body` in a forked child inside a fresh network namespace with lo up, XFRM enabled on lo
// and the test addresses. gtest assertions in the child print as usual; the child's exit code
// carries the verdict (0 pass, 1 failure, 77 skip with the reason sent back through a pipe).
void in_netns(const std::function<void(std::string& skip)>& body) {
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  std::fflush(stdout);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0) << std::strerror(errno);
  if (pid == 0) {
    close(pipefd[0]);
    std::string skip;
    if (unshare(CLONE_NEWNET) != 0) {
      skip = std::string("unshare(CLONE_NEWNET) failed: ") + std::strerror(errno) +
             " (needs root / CAP_SYS_ADMIN)";
    } else {
      const std::string setup =
          sh("ip link set lo up && sysctl -qw net.ipv4.conf.lo.disable_xfrm=0 && "
             "ip addr add 10.1.0.1/24 dev lo && ip addr add 192.0.2.1/24 dev lo && "
             "ip route add 10.2.0.0/24 dev lo src 10.1.0.1 && echo ok");
      EXPECT_EQ(setup, "ok\n");
      if (setup == "ok\n") body(skip);
    }
    std::fflush(stdout);
    if (!skip.empty()) {
      (void)!write(pipefd[1], skip.data(), skip.size());
      _exit(77);
    }
    _exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  close(pipefd[1]);
  std::string reason;
  char buf[256];
  for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) > 0;) {
    reason.append(buf, static_cast<std::size_t>(n));
  }
  close(pipefd[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child died, status " << status;
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << reason;
  EXPECT_EQ(WEXITSTATUS(status), 0) << "failures in the namespace child (see above)";
}

const std::string kFlows =
    "flow esp from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 192.0.2.2\n";

TEST(IpsecctlKernel, FlowsInstalledShownAndDeleted) {
  in_netns([](std::string&) {
    auto r = run_ipsecctl({"-f", "-"}, kFlows);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const std::string policies = sh("ip xfrm policy");
    for (const char* dir : {"out", "in", "fwd"}) {
      const std::string sel = std::string(dir) == "out" ? "src 10.1.0.0/24 dst 10.2.0.0/24 "
                                                        : "src 10.2.0.0/24 dst 10.1.0.0/24 ";
      EXPECT_TRUE(contains(policies, sel + "\n\tdir " + dir + " priority")) << dir << policies;
    }
    EXPECT_TRUE(contains(policies, "tmpl src 192.0.2.1 dst 192.0.2.2\n\t\tproto esp reqid 0 "
                                   "mode tunnel"))
        << policies;
    EXPECT_TRUE(contains(policies, "tmpl src 192.0.2.2 dst 192.0.2.1\n\t\tproto esp reqid 0 "
                                   "mode tunnel"))
        << policies;
    auto shown = run_ipsecctl({"-s", "flow"}, "");
    ASSERT_EQ(shown.status, 0) << shown.err;
    EXPECT_EQ(sorted_lines(shown.out),
              (std::vector<std::string>{
                  "flow esp in from 10.2.0.0/24 to 10.1.0.0/24 local 192.0.2.1 peer 192.0.2.2 "
                  "type require",
                  "flow esp out from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 192.0.2.2 "
                  "type require"}))
        << shown.out;
    auto del = run_ipsecctl({"-d", "-f", "-"}, kFlows);
    EXPECT_EQ(del.status, 0) << del.err;
    EXPECT_EQ(sh("ip xfrm policy"), "");
    // Deleting again: the kernel has nothing; each failure names the rule and the flow.
    del = run_ipsecctl({"-d", "-f", "-"}, kFlows);
    EXPECT_EQ(del.status, 1);
    EXPECT_TRUE(contains(del.err, "ipsecctl: failed to delete rule 0: xfrm: delete ")) << del.err;
  });
}

TEST(IpsecctlKernel, FlushRemovesWhatIpXfrmAdded) {
  in_netns([](std::string&) {
    ASSERT_EQ(sh("ip xfrm policy add src 10.5.0.0/24 dst 10.6.0.0/24 dir out tmpl src 192.0.2.1 "
                 "dst 192.0.2.9 proto esp mode tunnel && "
                 "ip xfrm policy add src 10.6.0.0/24 dst 10.5.0.0/24 dir in && "
                 "ip xfrm state allocspi src 192.0.2.9 dst 192.0.2.1 proto esp >/dev/null && "
                 "echo ok"),
              "ok\n");
    ASSERT_NE(sh("ip xfrm policy"), "");
    auto r = run_ipsecctl({"-F"}, "");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(sh("ip xfrm policy"), "");
    EXPECT_EQ(sh("ip xfrm state"), "");
    r = run_ipsecctl({"-s", "all"}, "");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "FLOWS:\nNo flows\n\nSAD:\nNo entries\n");
  });
}

TEST(IpsecctlKernel, ShowSaEmptyAndLarval) {
  in_netns([](std::string&) {
    auto r = run_ipsecctl({"-s", "sa"}, "");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
    const std::string spi = sh("ip xfrm state allocspi src 192.0.2.2 dst 192.0.2.1 proto esp "
                               "| sed -n 's/.*spi \\(0x[0-9a-f]*\\).*/\\1/p'");
    ASSERT_EQ(spi.size(), 11u) << spi;  // "0x" + 8 hex digits + '\n'
    r = run_ipsecctl({"-s", "sa"}, "");
    EXPECT_EQ(r.status, 0) << r.err;
    // A larval SA (Linux ALLOCSPI: transport mode, no algorithms) is listed without any.
    EXPECT_EQ(r.out, "esp transport from 192.0.2.2 to 192.0.2.1 spi " + spi) << r.out;
    r = run_ipsecctl({"-s", "sa", "-v"}, "");
    EXPECT_TRUE(contains(r.out, "\t\tstate larval replay ")) << r.out;
  });
}

TEST(IpsecctlKernel, ManualEspSaInstalledOrRefusedNamingTheSa) {
  in_netns([](std::string& skip) {
    const std::string conf =
        "esp from 192.0.2.1 to 192.0.2.2 spi 0x1000:0x1001 auth hmac-sha1 enc aes "
        "authkey 0x3333333333333333333333333333333333333333:"
        "0x4444444444444444444444444444444444444444 "
        "enckey 0x11111111111111111111111111111111:0x22222222222222222222222222222222\n";
    auto r = run_ipsecctl({"-f", "-"}, conf);
    if (r.status != 0) {
      // Both SAs are tried; each failure names the rule and the SA (protocol, SPI, endpoints).
      EXPECT_TRUE(contains(r.err, "ipsecctl: failed to add rule 0: xfrm: add esp SA spi "
                                  "0x00001000 192.0.2.1->192.0.2.2: "))
          << r.err;
      EXPECT_TRUE(contains(r.err, "ipsecctl: failed to add rule 1: xfrm: add esp SA spi "
                                  "0x00001001 192.0.2.2->192.0.2.1: "))
          << r.err;
      EXPECT_EQ(sh("ip xfrm state"), "");
      skip = "kernel refused the ESP SA: " + r.err;
      return;
    }
    auto shown = run_ipsecctl({"-s", "sa"}, "");
    EXPECT_EQ(shown.out,
              "esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x00001000 auth hmac-sha1 enc aes\n"
              "esp tunnel from 192.0.2.2 to 192.0.2.1 spi 0x00001001 auth hmac-sha1 enc aes\n");
    auto del = run_ipsecctl({"-d", "-f", "-"}, conf);
    EXPECT_EQ(del.status, 0) << del.err;
    EXPECT_EQ(sh("ip xfrm state"), "");
  });
}

TEST(IpsecctlKernel, Tcpmd5RefusedAndNothingInstalled) {
  in_netns([](std::string&) {
    auto r = run_ipsecctl({"-f", "-"}, kFlows +
                                           "tcpmd5 from 192.0.2.1 to 192.0.2.2 spi 0x1234 "
                                           "authkey 0x00112233445566778899aabbccddeeff\n");
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(contains(r.err, "ipsecctl: rule 2: tcpmd5 SA from 192.0.2.1 to 192.0.2.2 spi "
                                "0x00001234: tcpmd5 SAs cannot be installed on Linux"))
        << r.err;
    EXPECT_TRUE(contains(r.err, "TCP_MD5SIG")) << r.err;
    EXPECT_EQ(sh("ip xfrm policy"), "");  // parse, validate, then act: the flows stay out too
  });
}

#ifdef IPSECCTL_BINARY
TEST(IpsecctlKernel, MonitorPrintsAcquire) {
  in_netns([](std::string&) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    const pid_t mon = fork();
    ASSERT_GE(mon, 0);
    if (mon == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execl(IPSECCTL_BINARY, "ipsecctl", "-m", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    // The monitor subscribes at start-up; give it time before the policy and the packet.
    usleep(300 * 1000);
    auto r = run_ipsecctl({"-f", "-"}, "flow esp out from 10.1.0.0/24 to 10.2.0.0/24 "
                                       "local 192.0.2.1 peer 192.0.2.2\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(ike::test::send_udp_probe(0x0a010001, 0x0a020005));  // 10.1.0.1 -> 10.2.0.5
    std::string line;
    char c;
    pollfd pfd{out[0], POLLIN, 0};
    while (line.find('\n') == std::string::npos && poll(&pfd, 1, 3000) == 1 &&
           read(out[0], &c, 1) == 1) {
      line += c;
    }
    kill(mon, SIGTERM);  // the monitor we started, by pid
    int st = 0;
    waitpid(mon, &st, 0);
    close(out[0]);
    EXPECT_EQ(line, "acquire esp from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer "
                    "192.0.2.2\n");
  });
}
#endif

}  // namespace
}  // namespace ike::ipsecctl::test
