// The RunModeCfgScript monitor request (monitor_protocol.h, Monitor::run_mode_cfg_script): the
// codec (exact bytes, round trip, caps: more than kMaxScriptVars variables or an oversized value
// is a protocol violation, fatal for the monitor), and a fake child asking a real Monitor: the
// start-up script runs with the validated environment and its exit status comes back; hostile
// requests are refused and run nothing (another path, a path changed by a reload, an unknown
// variable such as LD_PRELOAD, a bad address, shell metacharacters, an oversized environment,
// no script configured, a script writable by others).
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/deterministic_random.h"
#include "daemon/monitor.h"
#include "kernel/null_backend.h"

namespace ike::daemon {
namespace {

namespace fs = std::filesystem;
using namespace privsep;

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

RunModeCfgScriptReq request(const std::string& script) {
  return RunModeCfgScriptReq{script,
                             *base::IpAddress::parse("192.0.2.1"),
                             "peer-gw",
                             {{"ISAKMPD_MODECFG_IP4_ADDRESS", "10.1.0.5"},
                              {"ISAKMPD_MODECFG_IP4_DNS", "10.1.0.53 10.1.0.54"}}};
}

TEST(PrivsepScriptProtocol, BytesAndRoundTrip) {
  RunModeCfgScriptReq r{"/s", *base::IpAddress::parse("10.0.0.1"), "p", {{"A", "1"}}};
  auto b = encode_request(r);
  ASSERT_TRUE(b);
  const base::Bytes want{0x00, 0x20, 0, 0, 0, 0, 0, 0x1e,           // type 32, body 30
                         0, 0, 0, 2, '/', 's',                      // script
                         4, 10, 0, 0, 1,                            // peer
                         0, 0, 0, 1, 'p',                           // section
                         0, 0, 0, 1, 0, 0, 0, 1, 'A', 0, 0, 0, 1, '1'};  // 1 variable
  EXPECT_EQ(*b, want);
  auto d = decode_request(base::view(*b));
  ASSERT_TRUE(d) << d.error().detail;
  auto* got = std::get_if<RunModeCfgScriptReq>(&*d);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->script, "/s");
  EXPECT_EQ(got->peer, r.peer);
  EXPECT_EQ(got->vars, r.vars);
  auto rep = encode_reply(ScriptStatusReply{7});
  ASSERT_TRUE(rep);
  auto back = decode_reply(base::view(*rep));
  ASSERT_TRUE(back);
  ASSERT_TRUE(std::holds_alternative<ScriptStatusReply>(*back));
  EXPECT_EQ(std::get<ScriptStatusReply>(*back).exit_status, 7);
}

TEST(PrivsepScriptProtocol, CapsAreEnforcedBothWays) {
  RunModeCfgScriptReq r = request("/s");
  r.vars.assign(kMaxScriptVars + 1, {"ISAKMPD_MODECFG_IP4_DNS", "10.0.0.1"});
  EXPECT_FALSE(encode_request(r));
  r.vars = {{"ISAKMPD_MODECFG_APPLICATION_VERSION", std::string(kMaxScriptVarValue + 1, 'x')}};
  EXPECT_FALSE(encode_request(r));
  r.vars = {{std::string(kMaxScriptVarName + 1, 'X'), "1"}};
  EXPECT_FALSE(encode_request(r));
  // A lying variable count (33 with nothing behind it) does not decode.
  const base::Bytes lie{0x00, 0x20, 0, 0, 0, 0, 0, 0x13, 0, 0, 0, 2, '/', 's', 4, 10, 0, 0, 1,
                        0, 0, 0, 0, 0, 0, 0, 33};
  auto d = decode_request(base::view(lie));
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().detail.find("variable count"), std::string::npos) << d.error().detail;
}

class PrivsepScript : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "the monitor runs only root-owned scripts";
    char tmpl[] = "/tmp/privsep_script.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = fs::canonical(tmpl).string();
    m_script = m_dir + "/modecfg.sh";
    write(m_script,
          "#!/bin/sh\nenv | sort > " + m_dir + "/env.out\nid -u >> " + m_dir +
              "/env.out\n[ -n \"$ISAKMPD_MODECFG_IP4_NETMASK\" ] && exit 3\nexit 0\n",
          0755);
    start("[General]\nRetransmits=3\nMode-config-script=" + m_script + "\n");
  }
  void TearDown() override {
    m_monitor.reset();
    if (m_child >= 0) ::close(m_child);
    if (m_child_ev >= 0) ::close(m_child_ev);
    if (!m_dir.empty()) fs::remove_all(m_dir);
  }
  static void write(const std::string& path, const std::string& text, mode_t mode) {
    { std::ofstream(path) << text; }
    ::chmod(path.c_str(), mode);
  }
  void start(const std::string& conf) {
    m_monitor.reset();
    if (m_child >= 0) ::close(m_child);
    if (m_child_ev >= 0) ::close(m_child_ev);
    write(m_dir + "/isakmpd.conf", conf, 0600);
    m_opts.config_file = m_dir + "/isakmpd.conf";
    m_opts.pid_file = m_dir + "/pid";
    int sv[2], ev[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ev), 0);
    m_child = sv[1];
    m_child_ev = ev[1];
    m_monitor = std::make_unique<Monitor>(m_opts, m_backend, sv[0], ev[0], 4242);
  }
  Reply ask(const Request& req) {
    auto msg = encode_request(req);
    EXPECT_TRUE(msg);
    if (!msg) return Reply{OkReply{}};
    EXPECT_TRUE(send_message(m_child, *msg));
    auto served = m_monitor->serve_one();
    EXPECT_TRUE(served) << served.error().detail;
    base::Bytes in;
    int fd = -1;
    EXPECT_TRUE(receive_message(m_child, in, &fd));
    if (fd >= 0) ::close(fd);
    auto rep = decode_reply(base::view(in));
    EXPECT_TRUE(rep);
    return rep ? *rep : Reply{OkReply{}};
  }
  // The refusal text; the script must not have run.
  std::string refusal(const Request& req) {
    fs::remove(m_dir + "/env.out");
    auto rep = ask(req);
    EXPECT_FALSE(fs::exists(m_dir + "/env.out")) << "the script ran";
    auto* e = std::get_if<ErrorReply>(&rep);
    return e == nullptr ? "<not refused>" : e->detail;
  }

  std::string m_dir, m_script;
  Options m_opts;
  crypto::DeterministicRandom m_rng{41};
  kernel::NullBackend m_backend{m_rng};
  std::unique_ptr<Monitor> m_monitor;
  int m_child = -1, m_child_ev = -1;
};

TEST_F(PrivsepScript, RunsTheStartupScriptAsRootWithTheValidatedEnvironment) {
  auto rep = ask(request(m_script));
  ASSERT_TRUE(std::holds_alternative<ScriptStatusReply>(rep));
  EXPECT_EQ(std::get<ScriptStatusReply>(rep).exit_status, 0);
  std::string env = slurp(m_dir + "/env.out");
  EXPECT_NE(env.find("ISAKMPD_PEER=192.0.2.1\n"), std::string::npos) << env;
  EXPECT_NE(env.find("ISAKMPD_PEER_SECTION=peer-gw\n"), std::string::npos) << env;
  EXPECT_NE(env.find("ISAKMPD_MODECFG_IP4_ADDRESS=10.1.0.5\n"), std::string::npos) << env;
  EXPECT_NE(env.find("ISAKMPD_MODECFG_IP4_DNS=10.1.0.53 10.1.0.54\n"), std::string::npos) << env;
  EXPECT_NE(env.find("PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"), std::string::npos) << env;
  EXPECT_EQ(env.find("HOME="), std::string::npos) << env;  // nothing of the monitor's own
  EXPECT_TRUE(env.ends_with("\n0\n")) << env;              // id -u: root
  // The exit status comes back.
  auto r = request(m_script);
  r.vars.emplace_back("ISAKMPD_MODECFG_IP4_NETMASK", "255.255.255.0");
  rep = ask(r);
  ASSERT_TRUE(std::holds_alternative<ScriptStatusReply>(rep));
  EXPECT_EQ(std::get<ScriptStatusReply>(rep).exit_status, 3);
}

TEST_F(PrivsepScript, HostileRequestsAreRefusedAndRunNothing) {
  EXPECT_NE(refusal(request("/bin/sh")).find("not the Mode-config-script configured at start-up"),
            std::string::npos);
  EXPECT_NE(refusal(request(m_script + "; reboot")).find("not the Mode-config-script"),
            std::string::npos);
  auto r = request(m_script);
  r.vars.emplace_back("LD_PRELOAD", "/tmp/evil.so");
  EXPECT_NE(refusal(r).find("'LD_PRELOAD' is not an ISAKMPD_MODECFG_* variable"),
            std::string::npos);
  r = request(m_script);
  r.vars[0].second = "10.1.0.5$(reboot)";
  EXPECT_NE(refusal(r).find("is not an IPv4 address"), std::string::npos);
  r = request(m_script);
  r.vars[1].second = "10.1.0.300";
  EXPECT_NE(refusal(r).find("is not an IPv4 address"), std::string::npos);
  r = request(m_script);
  for (const char* n : {"ISAKMPD_MODECFG_APPLICATION_VERSION", "ISAKMPD_MODECFG_IP6_DNS",
                        "ISAKMPD_MODECFG_IP4_NBNS", "ISAKMPD_MODECFG_IP4_DHCP",
                        "ISAKMPD_MODECFG_IP6_NBNS"}) {
    r.vars.emplace_back(n, std::string(kMaxScriptVarValue, 'a'));
  }
  EXPECT_NE(refusal(r).find("environment over 8192 bytes"), std::string::npos);
  // Refusals are answers, not violations: the monitor still serves the honest request.
  EXPECT_TRUE(std::holds_alternative<ScriptStatusReply>(ask(request(m_script))));
}

TEST_F(PrivsepScript, TheScriptIsFixedAtStartUp) {
  // The child re-reads a config naming another script (SIGHUP): the monitor keeps its own.
  write(m_dir + "/isakmpd.conf", "[General]\nMode-config-script=/bin/true\n", 0600);
  auto fd = ask(ReadFileReq{FileKind::Config, m_opts.config_file});
  ASSERT_TRUE(std::holds_alternative<FdReply>(fd));
  EXPECT_NE(refusal(request("/bin/true")).find("a change needs a restart"), std::string::npos);
  EXPECT_TRUE(std::holds_alternative<ScriptStatusReply>(ask(request(m_script))));
}

TEST_F(PrivsepScript, NoScriptOrAnUnsafeOneIsRefused) {
  ::chmod(m_script.c_str(), 0777);
  EXPECT_NE(refusal(request(m_script)).find("writable only by root"), std::string::npos);
  ::chmod(m_script.c_str(), 0755);
  start("[General]\nRetransmits=3\n");
  EXPECT_NE(refusal(request(m_script)).find("no [General]:Mode-config-script was configured"),
            std::string::npos);
}

TEST_F(PrivsepScript, OversizedRequestIsAFatalViolation) {
  // A value over the cap, forged past the encoder: the monitor treats it as a violation.
  base::Bytes b{0x00, 0x20, 0, 0};
  base::Bytes body{0, 0, 0, 2, '/', 's', 4, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
                   0, 0, 0, 1, 'A'};
  const uint32_t n = kMaxScriptVarValue + 1;
  for (int s : {24, 16, 8, 0}) body.push_back(static_cast<uint8_t>(n >> s));
  body.insert(body.end(), n, 'x');
  for (int s : {24, 16, 8, 0}) b.push_back(static_cast<uint8_t>(body.size() >> s));
  b.insert(b.end(), body.begin(), body.end());
  EXPECT_TRUE(send_message(m_child, b));
  auto served = m_monitor->serve_one();
  ASSERT_FALSE(served);
  EXPECT_NE(served.error().detail.find("variable value"), std::string::npos)
      << served.error().detail;
}

}  // namespace
}  // namespace ike::daemon
