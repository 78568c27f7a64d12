// FIFO command execution against a fake host: C commands as transactions on a real ConfDb,
// connection re-init triggers, C get / S result files, debug levels, and malformed lines
// changing nothing.
#include "daemon/ui_commands.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/log.h"

namespace ike::daemon {
namespace {

class FakeHost final : public UiHost {
 public:
  explicit FakeHost(std::string result) : m_result(std::move(result)) {}
  conf::ConfDb& conf() override { return db; }
  const std::string& result_file() const override { return m_result; }
  void ui_engine(const engine::UiCommand& cmd) override { engine_cmds.push_back(cmd); }
  void ui_connections_changed() override { ++connections_changed; }
  void ui_reinit() override { ++reinits; }
  void ui_shutdown() override { ++shutdowns; }
  void ui_report() override { ++reports; }
  std::string ui_status() override { return "SA name: test (Phase 2)\n"; }
  void ui_set_passive(bool p) override { passive = p; }
  void ui_packet_log(bool on, const std::optional<std::string>& file) override {
    packet_log.emplace_back(on, file);
  }

  conf::ConfDb db;
  std::vector<engine::UiCommand> engine_cmds;
  int connections_changed = 0, reinits = 0, shutdowns = 0, reports = 0;
  std::optional<bool> passive;
  std::vector<std::pair<bool, std::optional<std::string>>> packet_log;

 private:
  std::string m_result;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class UiCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ike_ui_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = tmpl;
    host = std::make_unique<FakeHost>(m_dir + "/isakmpd.result");
    auto& log = base::Logger::instance();
    log.set_sink([this](const base::LogRecord& r) { logs.emplace_back(r.text); });
  }
  void TearDown() override {
    base::Logger::instance().set_sink(base::stderr_sink());
    base::Logger::instance().set_all_levels(0);
    std::filesystem::remove_all(m_dir);
  }
  bool logged(std::string_view needle) const {
    for (const auto& l : logs) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::string m_dir;
  std::unique_ptr<FakeHost> host;
  std::vector<std::string> logs;
};

// Hostile lines (over-long, embedded NUL, unknown commands, unbalanced brackets, bad
// values): each is rejected with a log line naming the reason, and nothing changes -- neither
// the configuration nor any host state.
TEST_F(UiCommandsTest, HostileLinesChangeNothingAndLogWhy) {
  handle_ui_line("C set [General]:Retransmits=5", *host);
  const std::string before = host->db.dump_non_default();
  struct Case {
    std::string line, reason;
  };
  const std::vector<Case> cases = {
      {"C set [General]:Listen-on=" + std::string(201, 'a'), "longer than 200"},
      {"C set [" + std::string(201, 's') + "]:t=v", "longer than 200"},
      {std::string("C set [General]:Retrans\0mits=9", 31), "NUL"},
      {std::string("c co\0nn", 7), "NUL"},
      {"C set [General:Retransmits=9", "malformed"},
      {"C set General]:Retransmits=9", "malformed"},
      {"C set [General]]:Retransmits=9", "malformed"},
      {"C set [General]Retransmits=9", "malformed"},
      {"C set [General]:Retransmits", "malformed"},
      {"C frobnicate [General]:Retransmits=9", "malformed"},
      {"C", "malformed"},
      {"X", "unrecognized command"},
      {"\x1b[2J", "unrecognized command"},
      {"D 11 10", "malformed"},
      {"D 1 100", "malformed"},
      {"M sideways", "malformed"},
      {"d zzzz -", "malformed"},
      {"Q now", "malformed"},
  };
  for (const auto& c : cases) {
    logs.clear();
    handle_ui_line(c.line, *host);
    ASSERT_EQ(logs.size(), 1u) << c.line.substr(0, 60);
    EXPECT_NE(logs[0].find("malformed"), std::string::npos) << logs[0];
    EXPECT_NE(logs[0].find(c.reason), std::string::npos) << logs[0];
    EXPECT_EQ(logs[0].find('\0'), std::string::npos);
    EXPECT_EQ(logs[0].find('\x1b'), std::string::npos) << "control bytes must be escaped";
    EXPECT_LT(logs[0].size(), 600u) << "the log line is bounded";
  }
  EXPECT_EQ(host->db.dump_non_default(), before);
  EXPECT_TRUE(host->engine_cmds.empty());
  EXPECT_EQ(host->connections_changed + host->reinits + host->shutdowns + host->reports, 0);
  EXPECT_FALSE(host->passive.has_value());
  EXPECT_TRUE(host->packet_log.empty());
}

// An over-long line from the reader is only logged (with its sanitized start).
TEST_F(UiCommandsTest, OverlongReaderLineIsOnlyLogged) {
  LineReader reader(64);
  std::vector<LineReader::Event> events;
  reader.feed("C set [General]:Retransmits=" + std::string(100, '9') + "\nQ\n", events);
  ASSERT_EQ(events.size(), 2u);
  handle_ui_event(events[0], *host);
  EXPECT_TRUE(logged("discarded"));
  EXPECT_FALSE(host->db.get("General", "Retransmits").has_value());
  handle_ui_event(events[1], *host);
  EXPECT_EQ(host->shutdowns, 1);
}

TEST_F(UiCommandsTest, SetRespectsForceAndLogsDuplicates) {
  handle_ui_line("C set [General]:Retransmits=5", *host);
  EXPECT_EQ(host->db.get("General", "Retransmits"), "5");
  handle_ui_line("C set [general]:retransmits=7", *host);
  EXPECT_EQ(host->db.get("General", "Retransmits"), "5");
  EXPECT_TRUE(logged("duplicate"));
  handle_ui_line("C set [General]:Retransmits=7 force", *host);
  EXPECT_EQ(host->db.get("General", "Retransmits"), "7");
  EXPECT_EQ(host->connections_changed, 0);
}

TEST_F(UiCommandsTest, ListCommandsAndConnectionReinit) {
  handle_ui_line("C add [Phase 2]:Connections=a", *host);
  handle_ui_line("C add [Phase 2]:Connections=b force", *host);
  handle_ui_line("C add [Phase 2]:Connections=a", *host);
  EXPECT_EQ(host->db.get_list("Phase 2", "Connections"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(host->connections_changed, 3);
  handle_ui_line("C rmv [Phase 2]:Connections=a", *host);
  EXPECT_EQ(host->db.get_list("Phase 2", "Connections"), (std::vector<std::string>{"b"}));
  handle_ui_line("C set [Phase 2]:Passive-connections=p", *host);
  EXPECT_EQ(host->connections_changed, 5);
  handle_ui_line("C rm [Phase 2]:Connections", *host);
  EXPECT_FALSE(host->db.get("Phase 2", "Connections").has_value());
  EXPECT_EQ(host->connections_changed, 6);
  handle_ui_line("C rms [Phase 2]", *host);
  EXPECT_FALSE(host->db.has_section("Phase 2"));
  EXPECT_EQ(host->connections_changed, 7);
  handle_ui_line("C set [Phase 1]:Default=x", *host);
  EXPECT_EQ(host->connections_changed, 7);
}

TEST_F(UiCommandsTest, IpsecctlSequenceBuildsTheConfig) {
  const char* lines[] = {
      "C set [Phase 1]:192.0.2.2=peer-192.0.2.2 force",
      "C set [peer-192.0.2.2]:Phase=1 force",
      "C set [peer-192.0.2.2]:Authentication=xyz force",
      "C set [from-10.1.1.0/24-to-10.1.2.0/24]:Local-ID=from-10.1.1.0/24 force",
      "C add [Phase 2]:Connections=from-10.1.1.0/24-to-10.1.2.0/24",
  };
  for (const char* l : lines) handle_ui_line(l, *host);
  EXPECT_EQ(host->db.get("Phase 1", "192.0.2.2"), "peer-192.0.2.2");
  EXPECT_EQ(host->db.get("PEER-192.0.2.2", "authentication"), "xyz");
  EXPECT_EQ(host->db.get("from-10.1.1.0/24-to-10.1.2.0/24", "Local-ID"), "from-10.1.1.0/24");
  EXPECT_EQ(host->connections_changed, 1);
  // ipsecctl -d sequence.
  handle_ui_line("t from-10.1.1.0/24-to-10.1.2.0/24", *host);
  handle_ui_line("C rmv [Phase 2]:Connections=from-10.1.1.0/24-to-10.1.2.0/24", *host);
  handle_ui_line("C rms [from-10.1.1.0/24-to-10.1.2.0/24]", *host);
  EXPECT_FALSE(host->db.has_section("from-10.1.1.0/24-to-10.1.2.0/24"));
  ASSERT_EQ(host->engine_cmds.size(), 1u);
  EXPECT_EQ(std::get<engine::UiTeardown>(host->engine_cmds[0]).name,
            "from-10.1.1.0/24-to-10.1.2.0/24");
}

TEST_F(UiCommandsTest, GetWritesValueOrEmptyFile) {
  handle_ui_line("C set [General]:Listen-on=127.0.0.1", *host);
  handle_ui_line("C get [General]:Listen-on", *host);
  EXPECT_EQ(slurp(host->result_file()), "127.0.0.1\n");
  handle_ui_line("C get [General]:Nothing", *host);
  EXPECT_TRUE(std::filesystem::exists(host->result_file()));
  EXPECT_EQ(slurp(host->result_file()), "");
}

TEST_F(UiCommandsTest, StatusWritesTheHostReport) {
  handle_ui_line("S", *host);
  EXPECT_EQ(slurp(host->result_file()), "SA name: test (Phase 2)\n");
}

TEST_F(UiCommandsTest, EngineAndDaemonCommandsReachTheHost) {
  handle_ui_line("c conn-a", *host);
  handle_ui_line("t main 192.0.2.2", *host);
  handle_ui_line("T", *host);
  handle_ui_line("d 00112233445566778899aabbccddeeff -", *host);
  ASSERT_EQ(host->engine_cmds.size(), 4u);
  EXPECT_EQ(std::get<engine::UiConnect>(host->engine_cmds[0]).name, "conn-a");
  EXPECT_EQ(std::get<engine::UiTeardown>(host->engine_cmds[1]).phase, 1);
  EXPECT_TRUE(std::holds_alternative<engine::UiTeardownAll>(host->engine_cmds[2]));
  EXPECT_FALSE(std::get<engine::UiDeleteSa>(host->engine_cmds[3]).message_id.has_value());
  handle_ui_line("M passive", *host);
  EXPECT_EQ(host->passive, true);
  handle_ui_line("M active", *host);
  EXPECT_EQ(host->passive, false);
  handle_ui_line("R", *host);
  handle_ui_line("r", *host);
  handle_ui_line("Q", *host);
  EXPECT_EQ(host->reinits, 1);
  EXPECT_EQ(host->reports, 1);
  EXPECT_EQ(host->shutdowns, 1);
  handle_ui_line("p on", *host);
  handle_ui_line("p on=/tmp/ike.pcap", *host);
  handle_ui_line("p off", *host);
  handle_ui_line("p maybe", *host);  // malformed: logged, nothing reaches the host
  ASSERT_EQ(host->packet_log.size(), 3u);
  EXPECT_EQ(host->packet_log[0], std::make_pair(true, std::optional<std::string>{}));
  EXPECT_EQ(host->packet_log[1],
            std::make_pair(true, std::optional<std::string>{"/tmp/ike.pcap"}));
  EXPECT_EQ(host->packet_log[2], std::make_pair(false, std::optional<std::string>{}));
}

TEST_F(UiCommandsTest, DebugCommandsChangeTheLogger) {
  auto& log = base::Logger::instance();
  log.set_all_levels(0);
  handle_ui_line("D 7 40", *host);
  EXPECT_EQ(log.level(base::LogClass::Exchange), 40);
  handle_ui_line("D A 20", *host);
  EXPECT_EQ(log.level(base::LogClass::Ui), 20);
  EXPECT_EQ(log.level(base::LogClass::Exchange), 20);
  handle_ui_line("D T", *host);
  EXPECT_EQ(log.level(base::LogClass::Ui), 0);
  handle_ui_line("D T", *host);
  EXPECT_EQ(log.level(base::LogClass::Ui), 20);
  log.set_all_levels(0);
}

TEST_F(UiCommandsTest, MalformedLinesAreLoggedSanitizedAndChangeNothing) {
  handle_ui_line("C set [General]:Retransmits=" + std::string(201, '9'), *host);
  EXPECT_FALSE(host->db.get("General", "Retransmits").has_value());
  EXPECT_TRUE(logged("malformed: C set: value longer than 200 characters"));
  handle_ui_line("z\x1b[31mred", *host);
  EXPECT_TRUE(logged("ui: command \"z\\x1b[31mred\" malformed: unrecognized command 'z'"));
  handle_ui_event({LineReader::Event::Kind::Overlong, "C set [x"}, *host);
  EXPECT_TRUE(logged("line longer than 4096 bytes discarded (starts \"C set [x\")"));
  EXPECT_TRUE(host->engine_cmds.empty());
  EXPECT_EQ(host->shutdowns, 0);
}

TEST_F(UiCommandsTest, SecretsAreNeverLogged) {
  base::Logger::instance().set_level(base::LogClass::Ui, 99);
  handle_ui_line("C set [peer-192.0.2.2]:Authentication=TopSecretPsk force", *host);
  handle_ui_line("C set [peer-192.0.2.2]:authentication=" + std::string(201, 'S'), *host);
  EXPECT_EQ(host->db.get("peer-192.0.2.2", "Authentication"), "TopSecretPsk");
  EXPECT_TRUE(logged("Authentication=<redacted>"));
  for (const auto& l : logs) {
    EXPECT_EQ(l.find("TopSecretPsk"), std::string::npos) << l;
    EXPECT_EQ(l.find("SSSS"), std::string::npos) << l;
  }
}

TEST(UiCommands, LoggableLine) {
  EXPECT_EQ(loggable_ui_line("C set [p]:Authentication=abc force"),
            "C set [p]:Authentication=<redacted>");
  EXPECT_EQ(loggable_ui_line("C set [p]:Private-key=/etc/x"), "C set [p]:Private-key=<redacted>");
  EXPECT_EQ(loggable_ui_line("C set [p]:Address=192.0.2.2"), "C set [p]:Address=192.0.2.2");
  EXPECT_EQ(loggable_ui_line("c conn\x01"), "c conn\\x01");
  EXPECT_EQ(loggable_ui_line("c co\x01nn"), "c co\\x01nn");
}

TEST(UiCommands, ConnectionListNames) {
  EXPECT_TRUE(is_connection_list("Phase 2", "Connections"));
  EXPECT_TRUE(is_connection_list("phase 2", "passive-connections"));
  EXPECT_FALSE(is_connection_list("Phase 1", "Connections"));
  EXPECT_FALSE(is_connection_list("Phase 2", "Connection"));
}

}  // namespace
}  // namespace ike::daemon
