// Report, JSON status and metrics formatting (daemon/status_files.h) over hand-built engine
// snapshots: isakmpd's "HHMMSS.uuuuuu Report> " prefix and section order (SAs, transports,
// connections, timers, configuration), secret tags redacted in the configuration dump, the
// transport reports per peer, valid JSON even for hostile names, and Prometheus label escaping.
#include "daemon/status_files.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

namespace ike::daemon {
namespace {

engine::Engine::Status sample_status() {
  engine::Engine::Status st;
  engine::StatusPhase1 p1;
  p1.name = "peer-192.0.2.2";
  p1.role = "Initiator";
  p1.local = "192.0.2.1:500";
  p1.peer = "192.0.2.2:500";
  p1.icookie = "fe0e6d17c589deb4";
  p1.rcookie = "1fc04b38f2e8f7d6";
  p1.hard_in = 3600;
  st.phase1.push_back(p1);
  engine::StatusPhase2 p2;
  p2.name = "conn \"x\"\n\xff";  // hostile: quotes, newline, invalid UTF-8
  p2.peer = "192.0.2.2:500";
  p2.in_spi = 0xc113ef23;
  p2.out_spi = 0xbed3b2be;
  p2.flows = {"10.1.1.0/24 -> 10.1.2.0/24"};
  st.phase2.push_back(p2);
  engine::StatusConnection c;
  c.name = "conn \"x\"\n\xff";
  c.active = true;
  c.up = true;
  st.connections.push_back(c);
  st.timers.push_back({"connection_checker", "", 32});
  st.stats.datagrams_in = 5;
  st.stats.dropped = 2;
  st.stats.dropped_by_reason = {{"duplicate", 1}, {"malformed", 1}};
  st.stats.started_by_exchange = {{"ID_PROT", 1}, {"QUICK_MODE", 1}};
  st.stats.failed_by_reason = {{"timeout", 3}};
  st.stats.phase1_done = 1;
  st.phase1_count = st.phase1.size();
  st.phase2_count = st.phase2.size();
  return st;
}

TEST(StatusFiles, ConfDumpRedactsSecrets) {
  conf::ConfDb db;
  auto tx = db.begin();
  db.set(tx, "General", "Listen-on", "192.0.2.1", false);
  db.set(tx, "peer-x", "Authentication", "sekrit", false);
  db.set(tx, "peer-x", "Address", "192.0.2.2", false);
  db.set(tx, "keys", "Private-key", "/etc/isakmpd/private/local.key", false);
  ASSERT_TRUE(db.commit(tx));
  auto lines = conf_report_lines(db);
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  EXPECT_NE(all.find("[General]\nListen-on=\t192.0.2.1\n"), std::string::npos) << all;
  EXPECT_NE(all.find("Authentication=\t<redacted>\n"), std::string::npos) << all;
  EXPECT_NE(all.find("Address=\t192.0.2.2\n"), std::string::npos) << all;
  EXPECT_NE(all.find("Private-key=\t<redacted>\n"), std::string::npos) << all;
  EXPECT_EQ(all.find("sekrit"), std::string::npos);
}

TEST(StatusFiles, ReportFileHasIsakmpdPrefixAndOrder) {
  std::vector<std::string> engine_lines = {
      "sa_report: 0x1 peer phase 2 doi 1 flags 0x3", "sa_report: spi[0]:", "bed3b2be",
      "connection_report: connection conn next check 32 seconds",
      "timer_report: event connection_checker(0x2) scheduled in 32 seconds"};
  std::vector<std::string> transports = {"udp_report: fd 3 src 192.0.2.1:500 dst 0.0.0.0:0"};
  std::vector<std::string> conf = {"[General]", "Listen-on=\t192.0.2.1"};
  std::string text = format_report_file(engine_lines, transports, conf,
                                        std::chrono::system_clock::time_point{});
  std::regex line_re("[0-9]{6}\\.000000 Report> ([^\n]*)\n");
  std::vector<std::string> got;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line_re);
       it != std::sregex_iterator(); ++it) {
    got.push_back((*it)[1]);
  }
  std::vector<std::string> want = {engine_lines[0], engine_lines[1], engine_lines[2],
                                   transports[0],   engine_lines[3], engine_lines[4],
                                   conf[0],         conf[1]};
  EXPECT_EQ(got, want) << text;
}

TEST(StatusFiles, TransportReportPerPeerAndListener) {
  std::vector<UdpTransport::Socket> sockets = {
      {3, {*base::IpAddress::parse("192.0.2.1"), 500}, false},
      {4, {*base::IpAddress::parse("192.0.2.1"), 4500}, true}};
  auto lines = transport_report_lines(sockets, sample_status());
  ASSERT_EQ(lines.size(), 8u);
  EXPECT_EQ(lines[0], "udp_encap_report: fd 4 src 192.0.2.1:4500 dst 192.0.2.2:4500");
  EXPECT_TRUE(std::regex_match(lines[1], std::regex("transport_report: transport 0x[0-9a-f]+ "
                                                    "flags 0 refcnt 1")));
  EXPECT_EQ(lines[2], "udp_report: fd 3 src 192.0.2.1:500 dst 192.0.2.2:500");
  EXPECT_EQ(lines[4], "udp_report: fd 3 src 192.0.2.1:500 dst 0.0.0.0:0");
  EXPECT_EQ(lines[6], "udp_encap_report: fd 4 src 192.0.2.1:4500 dst 0.0.0.0:0");
}

TEST(StatusFiles, JsonIsValidAndComplete) {
  DaemonInfo info;
  info.pid = 42;
  info.packet_capture = true;
  info.packet_capture_file = "/run/isakmpd.pcap";
  auto j = nlohmann::json::parse(status_json(sample_status(), info,
                                             std::chrono::system_clock::time_point{}));
  EXPECT_EQ(j["schema"], "isakmpd-status/1");
  EXPECT_EQ(j["daemon"]["pid"], 42);
  EXPECT_EQ(j["daemon"]["packet_capture"]["file"], "/run/isakmpd.pcap");
  EXPECT_EQ(j["phase1_sas"][0]["icookie"], "fe0e6d17c589deb4");
  EXPECT_TRUE(j["phase1_sas"][0]["soft_expiry_in"].is_null());
  EXPECT_EQ(j["phase1_sas"][0]["hard_expiry_in"], 3600);
  EXPECT_EQ(j["phase2_sas"][0]["in_spi"], "c113ef23");
  EXPECT_EQ(j["phase2_sas"][0]["out_spi"], "bed3b2be");
  EXPECT_EQ(j["peers"][0]["address"], "192.0.2.2");
  EXPECT_EQ(j["peers"][0]["phase1_sas"], 1);
  EXPECT_EQ(j["peers"][0]["phase2_sas"], 1);
  EXPECT_EQ(j["connections"][0]["type"], "active");
  EXPECT_EQ(j["counters"]["dropped_by_reason"]["malformed"], 1);
  EXPECT_EQ(j["counters"]["exchanges_started"]["QUICK_MODE"], 1);
  EXPECT_EQ(j["counters"]["failed_by_reason"]["timeout"], 3);
  EXPECT_EQ(j["timers"][0]["event"], "connection_checker");
}

TEST(StatusFiles, MetricsEscapeLabelsAndDeclareTypes) {
  std::string m = prometheus_metrics(sample_status(), DaemonInfo{});
  EXPECT_NE(m.find("# TYPE isakmpd_datagrams_dropped_total counter\n"), std::string::npos);
  EXPECT_NE(m.find("isakmpd_datagrams_dropped_total{reason=\"malformed\"} 1\n"),
            std::string::npos);
  EXPECT_NE(m.find("isakmpd_connection_up{name=\"conn \\\"x\\\"\\n\xff\",type=\"active\"} 1\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("isakmpd_exchanges_failed_total{reason=\"timeout\"} 3\n"), std::string::npos);
  // Every line is a comment or one sample: no raw newline inside a label.
  std::istringstream in(m);
  std::string line;
  while (std::getline(in, line)) {
    EXPECT_TRUE(line.rfind("# ", 0) == 0 || line.rfind("isakmpd_", 0) == 0) << line;
  }
}

}  // namespace
}  // namespace ike::daemon
