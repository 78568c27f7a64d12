// Tests of the client's Mode-config-script (daemon/mode_cfg_script.h, mode_cfg_script_env.h):
// the environment it gets (allow-listed names, values re-printed, shell metacharacters
// replaced), that it really runs through /bin/sh with those variables (values never
// interpolated into the command), that a Served event does not run it, and the bounded run the
// monitor uses (exit status, exactly the given environment, no inherited descriptor, timeout
// killing the process group, the program's ownership check).
#include "daemon/mode_cfg_script.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "conf/conf_parser.h"
#include "daemon/mode_cfg_script_env.h"
#include "engine/mode_cfg.h"

namespace ike::daemon {
namespace {

engine::ModeCfgEvent applied() {
  engine::ModeCfgEvent ev;
  ev.kind = engine::ModeCfgEvent::Kind::Applied;
  ev.name = "peer-gw";
  ev.peer.address = base::IpAddress::parse("192.0.2.1").value();
  ev.environment = {{"ISAKMPD_MODECFG_IP4_ADDRESS", "10.1.0.5"},
                    {"ISAKMPD_MODECFG_IP4_DNS", "10.1.0.53 10.1.0.54"},
                    {"ISAKMPD_MODECFG_APPLICATION_VERSION", "$(id)\n;x"}};
  return ev;
}

std::string wait_for_file(const std::string& path) {
  for (int i = 0; i < 200; ++i) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    if (ss.str().find("END") != std::string::npos) return ss.str();
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return {};
}

TEST(ModeCfgScript, Environment) {
  auto got = mode_cfg_script_environment(applied());
  ASSERT_TRUE(got) << got.error().detail;
  auto& env = *got;
  ASSERT_EQ(env.size(), 6u);
  EXPECT_EQ(env[0], "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
  EXPECT_EQ(env[1], "ISAKMPD_PEER=192.0.2.1");
  EXPECT_EQ(env[2], "ISAKMPD_PEER_SECTION=peer-gw");
  EXPECT_EQ(env[3], "ISAKMPD_MODECFG_IP4_ADDRESS=10.1.0.5");
  EXPECT_EQ(env[4], "ISAKMPD_MODECFG_IP4_DNS=10.1.0.53 10.1.0.54");
  EXPECT_EQ(env[5], "ISAKMPD_MODECFG_APPLICATION_VERSION=__id___x");  // no $ ( ) ; newline
}

// Every variable the engine hands over is allow-listed here (the monitor has no engine).
TEST(ModeCfgScript, AllowListCoversTheEngineTable) {
  for (const auto& a : engine::mode_cfg_attributes()) {
    EXPECT_TRUE(is_mode_cfg_script_variable(a.env)) << a.env;
  }
  EXPECT_FALSE(is_mode_cfg_script_variable("LD_PRELOAD"));
  EXPECT_FALSE(is_mode_cfg_script_variable("PATH"));
}

TEST(ModeCfgScript, ValuesAreReparsedAndReprinted) {
  auto peer = base::IpAddress::parse("fd00::1").value();
  auto env = mode_cfg_script_env(
      peer, "peer gw;rm",
      {{"ISAKMPD_MODECFG_IP6_ADDRESS", "FD00:0:0::5/64"},
       {"ISAKMPD_MODECFG_IP4_SUBNET", "10.2.0.0/16 10.3.0.0/24"},
       {"ISAKMPD_MODECFG_ADDRESS_EXPIRY", "01200"},
       {"ISAKMPD_MODECFG_SUPPORTED_ATTRIBUTES", "INTERNAL_IP4_ADDRESS,APPLICATION_VERSION"}});
  ASSERT_TRUE(env) << env.error().detail;
  ASSERT_EQ(env->size(), 7u);
  EXPECT_EQ((*env)[1], "ISAKMPD_PEER=fd00::1");
  EXPECT_EQ((*env)[2], "ISAKMPD_PEER_SECTION=peer_gw_rm");
  EXPECT_EQ((*env)[3], "ISAKMPD_MODECFG_IP6_ADDRESS=fd00::5/64");
  EXPECT_EQ((*env)[4], "ISAKMPD_MODECFG_IP4_SUBNET=10.2.0.0/16 10.3.0.0/24");
  EXPECT_EQ((*env)[5], "ISAKMPD_MODECFG_ADDRESS_EXPIRY=1200");
  EXPECT_EQ((*env)[6],
            "ISAKMPD_MODECFG_SUPPORTED_ATTRIBUTES=INTERNAL_IP4_ADDRESS,APPLICATION_VERSION");
}

TEST(ModeCfgScript, HostileValuesAreRefused) {
  auto peer = base::IpAddress::parse("192.0.2.1").value();
  auto refused = [&](std::vector<std::pair<std::string, std::string>> vars) {
    auto env = mode_cfg_script_env(peer, "gw", vars);
    return env ? std::string("<accepted>") : env.error().detail;
  };
  EXPECT_NE(refused({{"LD_PRELOAD", "/tmp/x.so"}}).find("not an ISAKMPD_MODECFG_"),
            std::string::npos);
  EXPECT_NE(refused({{"ISAKMPD_MODECFG_IP4_ADDRESS", "10.0.0.1;reboot"}}).find("not an IPv4"),
            std::string::npos);
  EXPECT_NE(refused({{"ISAKMPD_MODECFG_IP4_DNS", "$(reboot)"}}).find("not an IPv4"),
            std::string::npos);
  EXPECT_NE(refused({{"ISAKMPD_MODECFG_IP4_ADDRESS", "fd00::1"}}).find("not an IPv4"),
            std::string::npos);
  EXPECT_NE(refused({{"ISAKMPD_MODECFG_IP4_ADDRESS", "10.0.0.1 10.0.0.2"}}).find("more than 1"),
            std::string::npos);
  EXPECT_NE(refused({{"ISAKMPD_MODECFG_IP4_DNS", "10.0.0.1  10.0.0.2"}}).find("not an IPv4"),
            std::string::npos);
  EXPECT_NE(refused({{"ISAKMPD_MODECFG_IP4_SUBNET", "10.0.0.0/33"}}).find("decimal"),
            std::string::npos);
  EXPECT_NE(refused({{"ISAKMPD_MODECFG_ADDRESS_EXPIRY", "-1"}}).find("decimal"),
            std::string::npos);
  EXPECT_NE(refused({{"ISAKMPD_MODECFG_SUPPORTED_ATTRIBUTES", "A,`id`"}}).find("attribute names"),
            std::string::npos);
  EXPECT_NE(refused({{"ISAKMPD_MODECFG_IP4_ADDRESS", "10.0.0.1"},
                     {"ISAKMPD_MODECFG_IP4_ADDRESS", "10.0.0.2"}})
                .find("repeats"),
            std::string::npos);
  std::string many;
  for (int i = 0; i < 17; ++i) many += (many.empty() ? "" : " ") + fmt::format("10.0.0.{}", i);
  EXPECT_NE(refused({{"ISAKMPD_MODECFG_IP4_DNS", many}}).find("more than 16"), std::string::npos);
  std::vector<std::pair<std::string, std::string>> big;
  for (const char* n : {"ISAKMPD_MODECFG_APPLICATION_VERSION", "ISAKMPD_MODECFG_IP4_DNS"}) {
    big.emplace_back(n, std::string(5000, '1'));
  }
  EXPECT_NE(refused(big).find("over 8192 bytes"), std::string::npos);
}

TEST(ModeCfgScript, BoundedRunReportsStatusWithExactlyTheEnvironment) {
  const std::string out = fmt::format("/tmp/ike_modecfg_bounded_{}.out", ::getpid());
  const int leak = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC: must still not reach it
  ASSERT_GE(leak, 0);
  auto st = run_script_bounded(
      "{ env | sort; ls /proc/self/fd | wc -l; read x || echo eof; } > " + out + "; exit 7",
      {"PATH=/usr/bin:/bin", "A=1"}, std::chrono::milliseconds(5000));
  ASSERT_TRUE(st) << st.error().detail;
  EXPECT_EQ(*st, 7);
  std::ifstream f(out);
  std::stringstream ss;
  ss << f.rdbuf();
  // sh adds PWD (and maybe SHLVL, _) itself; nothing of ours beyond A and PATH.
  EXPECT_NE(ss.str().find("A=1\n"), std::string::npos);
  EXPECT_EQ(ss.str().find("HOME="), std::string::npos);
  // ls sees 0-2 and its own directory descriptor only; stdin is /dev/null.
  EXPECT_NE(ss.str().find("\n4\neof\n"), std::string::npos) << ss.str();
  ::close(leak);
  std::remove(out.c_str());
}

TEST(ModeCfgScript, BoundedRunKillsTheGroupAtTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  auto st = run_script_bounded("sleep 30 & sleep 30", {"PATH=/usr/bin:/bin"},
                               std::chrono::milliseconds(200));
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().detail.find("still running after 200 ms"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(ModeCfgScript, ProgramMustBeRootOwnedAndNotWritableByOthers) {
  const std::string prog = fmt::format("/tmp/ike_modecfg_prog_{}.sh", ::getpid());
  { std::ofstream(prog) << "#!/bin/sh\n"; }
  ::chmod(prog.c_str(), 0755);
  if (::geteuid() == 0) {
    EXPECT_TRUE(check_script_program(prog + " up"));
    ::chmod(prog.c_str(), 0757);
    auto st = check_script_program(prog);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().detail.find("writable only by root"), std::string::npos);
  }
  EXPECT_FALSE(check_script_program("/nonexistent/script"));
  EXPECT_FALSE(check_script_program("   "));
  EXPECT_TRUE(check_script_program("logger -t isakmpd"));  // resolved through PATH
  std::remove(prog.c_str());
}

TEST(ModeCfgScript, RunsWithVariables) {
  const std::string out = fmt::format("/tmp/ike_modecfg_script_{}.out", ::getpid());
  std::remove(out.c_str());
  const std::string script = "printf '%s|%s|%s|%s END' \"$ISAKMPD_PEER\" "
                             "\"$ISAKMPD_MODECFG_IP4_ADDRESS\" \"$ISAKMPD_MODECFG_IP4_DNS\" "
                             "\"$ISAKMPD_MODECFG_APPLICATION_VERSION\" > " + out;
  ASSERT_TRUE(run_mode_cfg_script(script, applied()));
  EXPECT_EQ(wait_for_file(out), "192.0.2.1|10.1.0.5|10.1.0.53 10.1.0.54|__id___x END");
  std::remove(out.c_str());
}

TEST(ModeCfgScript, HandleRunsAppliedOnly) {
  const std::string out = fmt::format("/tmp/ike_modecfg_handle_{}.out", ::getpid());
  std::remove(out.c_str());
  conf::ConfDb db;
  auto parsed = conf::parse_config(
      "[General]\nMode-config-script=echo \"$ISAKMPD_MODECFG_IP4_ADDRESS END\" >> " + out + "\n",
      "t.conf", db);
  ASSERT_TRUE(parsed);
  ASSERT_TRUE(db.commit(parsed->tx));
  engine::ModeCfgEvent served = applied();
  served.kind = engine::ModeCfgEvent::Kind::Served;
  DirectPrivOps ops;
  handle_mode_cfg_event(db, ops, served);  // server side: nothing to apply
  engine::ModeCfgEvent hostile = applied();
  hostile.environment.emplace_back("ISAKMPD_MODECFG_IP4_NETMASK", "255.0.0.0;x");
  handle_mode_cfg_event(db, ops, hostile);  // refused (warning), not run
  handle_mode_cfg_event(db, ops, applied());
  EXPECT_EQ(wait_for_file(out), "10.1.0.5 END\n");  // exactly one run
  std::remove(out.c_str());
}

}  // namespace
}  // namespace ike::daemon
