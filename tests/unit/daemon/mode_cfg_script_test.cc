// Tests of the client's Mode-config-script (daemon/mode_cfg_script.h): the environment it gets,
// that it really runs through /bin/sh with those variables (values never interpolated into the
// command), and that privilege separation or an Served event does not run it.
#include "daemon/mode_cfg_script.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "conf/conf_parser.h"

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
  auto env = mode_cfg_script_environment(applied());
  ASSERT_EQ(env.size(), 6u);
  EXPECT_EQ(env[0], "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
  EXPECT_EQ(env[1], "ISAKMPD_PEER=192.0.2.1");
  EXPECT_EQ(env[2], "ISAKMPD_PEER_SECTION=peer-gw");
  EXPECT_EQ(env[3], "ISAKMPD_MODECFG_IP4_ADDRESS=10.1.0.5");
  EXPECT_EQ(env[4], "ISAKMPD_MODECFG_IP4_DNS=10.1.0.53 10.1.0.54");
  EXPECT_EQ(env[5], "ISAKMPD_MODECFG_APPLICATION_VERSION=$(id)?;x");  // no newline
}

TEST(ModeCfgScript, RunsWithVariables) {
  const std::string out = fmt::format("/tmp/ike_modecfg_script_{}.out", ::getpid());
  std::remove(out.c_str());
  const std::string script = "printf '%s|%s|%s|%s END' \"$ISAKMPD_PEER\" "
                             "\"$ISAKMPD_MODECFG_IP4_ADDRESS\" \"$ISAKMPD_MODECFG_IP4_DNS\" "
                             "\"$ISAKMPD_MODECFG_APPLICATION_VERSION\" > " + out;
  ASSERT_TRUE(run_mode_cfg_script(script, applied()));
  EXPECT_EQ(wait_for_file(out), "192.0.2.1|10.1.0.5|10.1.0.53 10.1.0.54|$(id)?;x END");
  std::remove(out.c_str());
}

TEST(ModeCfgScript, HandleRespectsKindAndPrivsep) {
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
  handle_mode_cfg_event(db, false, served);  // server side: nothing to apply
  handle_mode_cfg_event(db, true, applied());  // privsep: refused (warning)
  handle_mode_cfg_event(db, false, applied());
  EXPECT_EQ(wait_for_file(out), "10.1.0.5 END\n");  // exactly one run
  std::remove(out.c_str());
}

}  // namespace
}  // namespace ike::daemon
