// isakmpd command line: every flag, defaults, and the error message of each bad value.
#include "daemon/options.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace ike::daemon {
namespace {

// Owns argv storage for parse_options.
struct Argv {
  explicit Argv(std::initializer_list<const char*> args) {
    storage.emplace_back("isakmpd");
    for (const char* a : args) storage.emplace_back(a);
    for (auto& s : storage) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  std::span<char* const> span() const { return {ptrs.data(), ptrs.size() - 1}; }
  std::vector<std::string> storage;
  std::vector<char*> ptrs;
};

base::Result<Options> parse(std::initializer_list<const char*> args) {
  Argv a(args);
  return parse_options(a.span());
}

std::string error_of(std::initializer_list<const char*> args) {
  auto r = parse(args);
  EXPECT_FALSE(r);
  return r ? std::string() : r.error().detail;
}

TEST(Options, Defaults) {
  auto o = parse({});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->config_file, "/etc/isakmpd/isakmpd.conf");
  EXPECT_EQ(o->fifo_path, "/run/isakmpd.fifo");
  EXPECT_EQ(o->pid_file, "/run/isakmpd.pid");
  EXPECT_EQ(o->report_file, "/run/isakmpd.report");
  EXPECT_EQ(o->result_file, "/run/isakmpd.result");
  EXPECT_EQ(o->listen_port, 500);
  EXPECT_EQ(o->debug, 0);
  EXPECT_TRUE(o->use_inet4());
  EXPECT_TRUE(o->use_inet6());
  EXPECT_FALSE(o->null_kernel);
  EXPECT_FALSE(o->seed.has_value());
  EXPECT_FALSE(o->keylog_file.has_value());
  EXPECT_FALSE(o->packet_log);
}

TEST(Options, EveryFlag) {
  auto o = parse({"-4", "-a", "-dd", "-K", "-n", "-S", "-T", "-v", "-c", "/tmp/x.conf", "-D",
                  "7=50", "-D", "A=10", "-f", "/tmp/fifo", "-i", "/tmp/pid", "-p", "15001",
                  "-R", "/tmp/report", "-r", "4711", "--result-file", "/tmp/result",
                  "--keylog", "/tmp/keys"});
  ASSERT_TRUE(o) << o.error().detail;
  EXPECT_TRUE(o->use_inet4());
  EXPECT_FALSE(o->use_inet6());
  EXPECT_TRUE(o->no_flows);
  EXPECT_EQ(o->debug, 2);
  EXPECT_TRUE(o->ignore_keynote);
  EXPECT_TRUE(o->null_kernel);
  EXPECT_TRUE(o->passive);
  EXPECT_TRUE(o->no_nat_traversal);
  EXPECT_TRUE(o->verbose);
  EXPECT_EQ(o->config_file, "/tmp/x.conf");
  ASSERT_EQ(o->debug_levels.size(), 2u);
  EXPECT_EQ(o->debug_levels[0], (DebugLevel{7, 50}));
  EXPECT_EQ(o->debug_levels[1], (DebugLevel{-1, 10}));
  EXPECT_EQ(o->fifo_path, "/tmp/fifo");
  EXPECT_EQ(o->pid_file, "/tmp/pid");
  EXPECT_EQ(o->listen_port, 15001);
  EXPECT_EQ(o->report_file, "/tmp/report");
  EXPECT_EQ(o->seed, 4711u);
  EXPECT_EQ(o->result_file, "/tmp/result");
  EXPECT_EQ(o->keylog_file, "/tmp/keys");
}

TEST(Options, FamiliesAndStdinFifo) {
  auto six = parse({"-6", "-f", "-"});
  ASSERT_TRUE(six);
  EXPECT_FALSE(six->use_inet4());
  EXPECT_TRUE(six->use_inet6());
  EXPECT_TRUE(six->fifo_is_stdin());
  auto both = parse({"-4", "-6"});
  ASSERT_TRUE(both);
  EXPECT_TRUE(both->use_inet4());
  EXPECT_TRUE(both->use_inet6());
}

TEST(Options, AttachedArgumentsAndRepeatedParsing) {
  auto o = parse({"-p15002", "-D5=30", "-nd"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->listen_port, 15002);
  EXPECT_EQ(o->debug_levels.at(0), (DebugLevel{5, 30}));
  EXPECT_TRUE(o->null_kernel);
  EXPECT_EQ(o->debug, 1);
  auto again = parse({"-p", "600"});  // optind reset between calls
  ASSERT_TRUE(again);
  EXPECT_EQ(again->listen_port, 600);
}

TEST(Options, DebugLevelForms) {
  EXPECT_EQ(*parse_debug_level("0=0"), (DebugLevel{0, 0}));
  EXPECT_EQ(*parse_debug_level("10=99"), (DebugLevel{10, 99}));
  EXPECT_EQ(*parse_debug_level("a=5"), (DebugLevel{-1, 5}));
  EXPECT_EQ(*parse_debug_level("Exch=20"), (DebugLevel{7, 20}));
}

TEST(Options, BadValuesNameTheOption) {
  EXPECT_EQ(error_of({"-p", "0"}), "option -p: invalid port \"0\" (expected 1-65535)");
  EXPECT_EQ(error_of({"-p", "65536"}), "option -p: invalid port \"65536\" (expected 1-65535)");
  EXPECT_EQ(error_of({"-p", "5x"}), "option -p: invalid port \"5x\" (expected 1-65535)");
  EXPECT_EQ(error_of({"-p", "-1"}), "option -p: invalid port \"-1\" (expected 1-65535)");
  EXPECT_EQ(error_of({"-N", "abc"}), "option -N: invalid port \"abc\" (expected 1-65535)");
  EXPECT_EQ(error_of({"-r", "4294967296"}),
            "option -r: invalid seed \"4294967296\" (expected 0-4294967295)");
  EXPECT_EQ(error_of({"-r", ""}), "option -r: invalid seed \"\" (expected 0-4294967295)");
  EXPECT_EQ(error_of({"-D", "7"}), "option -D: \"7\" is not of the form class=level");
  EXPECT_EQ(error_of({"-D", "11=5"}), "option -D: invalid debug class \"11\" (expected 0-10 or A)");
  EXPECT_EQ(error_of({"-D", "B=5"}), "option -D: invalid debug class \"B\" (expected 0-10 or A)");
  EXPECT_EQ(error_of({"-D", "3=100"}),
            "option -D: invalid debug level \"100\" for class 3 (expected 0-99)");
  EXPECT_EQ(error_of({"-D", "3="}), "option -D: invalid debug level \"\" for class 3 (expected 0-99)");
  EXPECT_EQ(error_of({"-c", ""}), "option -c: empty file name");
  EXPECT_EQ(error_of({"-c"}), "option -c requires an argument");
  EXPECT_EQ(error_of({"--keylog"}), "option --keylog requires an argument");
  EXPECT_EQ(error_of({"-x"}), "unknown option -x");
  EXPECT_EQ(error_of({"--bogus"}), "unknown option --bogus");
  EXPECT_EQ(error_of({"-n", "extra"}), "unexpected argument \"extra\"");
}

TEST(Options, PacketCaptureAndStatusOptions) {
  auto pcap = parse({"-n", "-L"});
  ASSERT_TRUE(pcap);
  EXPECT_TRUE(pcap->packet_log);
  EXPECT_EQ(pcap->packet_log_file, "/run/isakmpd.pcap");
  // The isakmpd paths are still accepted (on Debian /var/run is a symlink to /run).
  auto old = parse({"-n", "-f", "/var/run/isakmpd.fifo", "-R", "/var/run/isakmpd.report"});
  ASSERT_TRUE(old);
  EXPECT_EQ(old->fifo_path, "/var/run/isakmpd.fifo");
  EXPECT_EQ(old->report_file, "/var/run/isakmpd.report");

  auto l = parse({"-n", "-l", "/var/run/x.pcap"});
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->packet_log);
  EXPECT_EQ(l->packet_log_file, "/var/run/x.pcap");

  auto js = parse({"-n", "--status-json", "/run/s.json", "--metrics-file", "/run/m.prom"});
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status_json_file, std::optional<std::string>{"/run/s.json"});
  EXPECT_EQ(js->metrics_file, std::optional<std::string>{"/run/m.prom"});
  EXPECT_EQ(error_of({"--metrics-file"}), "option --metrics-file requires an argument");
  EXPECT_EQ(error_of({"--status-json", ""}), "option --status-json: empty file name");
}

TEST(Options, NatTPortAndKernelChoice) {
  auto natt = parse({"-n", "-N", "4600"});
  ASSERT_TRUE(natt);
  EXPECT_EQ(natt->natt_port, std::optional<uint16_t>{4600});

  auto kernel = parse({"-d"});  // without -n: the XFRM backend (issue #5)
  ASSERT_TRUE(kernel);
  EXPECT_FALSE(kernel->null_kernel);
}

TEST(Options, HelpAndUsage) {
  auto o = parse({"--help"});
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->help);
  std::string u = usage("isakmpd");
  EXPECT_NE(u.find("usage: isakmpd [-46adKLnSTv] [-c config-file] [-D class=level]"),
            std::string::npos);
  EXPECT_NE(u.find("[--keylog file]"), std::string::npos);
}

}  // namespace
}  // namespace ike::daemon
