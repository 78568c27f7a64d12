// Secrets never leak (issue #6 "Secrets", house rule 4): two real daemons negotiate Main Mode
// + Quick Mode on loopback with every debug class at level 99, a packet capture, the report,
// the JSON status and the result file; then every file the daemons wrote except the key log
// (which exists because --keylog asked for the keys) is searched for the PSK and for every key
// the key log holds (phase-1 encryption keys, ESP encryption and authentication keys), as hex
// in either case and as raw bytes.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "e2e_support.h"

namespace {

using namespace ike_e2e;

// Every "enckey=<hex>" / "authkey=<hex>" value of a key log.
std::set<std::string> logged_keys(const std::string& keylog) {
  std::set<std::string> keys;
  std::regex key("(enckey|authkey)=([0-9a-f]+)");
  for (auto it = std::sregex_iterator(keylog.begin(), keylog.end(), key);
       it != std::sregex_iterator(); ++it) {
    keys.insert((*it)[2].str());
  }
  return keys;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string unhex(const std::string& h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  }
  return out;
}

using SecretsE2E = DaemonTest;

TEST_F(SecretsE2E, NoSecretInLogsReportsStatusOrCapture) {
  const std::string& dir = m_dir;
  Side a{"127.0.0.1", "127.0.0.2", dir, 15061, 15062, "10.1.1.0", "10.1.2.0"};
  Side b{"127.0.0.2", "127.0.0.1", dir, 15062, 15061, "10.1.2.0", "10.1.1.0"};
  for (const Side* s : {&a, &b}) write_private(s->file("conf"), config_for(*s));
  Child da(daemon_args(a, {"-D", "A=99", "-l", a.file("pcap")}), a.file("log"));
  Child db(daemon_args(b, {"-D", "A=99"}), b.file("log"));
  ASSERT_GT(da.pid(), 0);
  ASSERT_GT(db.pid(), 0);
  for (const Side* s : {&a, &b}) {
    ASSERT_TRUE(wait_for([&] { return fs::exists(s->file("pid")); }, 10s)) << s->addr;
  }
  ASSERT_TRUE(send_command(a.file("fifo"), "c conn"));
  std::vector<std::string> results;
  const bool up = wait_phase2({&a}, results);
  std::string result = results[0];
  ASSERT_TRUE(up)
      << result << slurp(a.file("log"));
  std::this_thread::sleep_for(300ms);  // B installs after QM3
  for (const Side* s : {&a, &b}) {
    ASSERT_TRUE(send_command(s->file("fifo"), "r"));
    ASSERT_TRUE(send_command(s->file("fifo"), "S"));
  }
  ASSERT_TRUE(send_command(a.file("fifo"), "p off"));
  ASSERT_TRUE(wait_for([&] { return fs::exists(a.file("report") + ".json") &&
                                    fs::exists(b.file("report") + ".json"); },
                       5s));
  for (const Side* s : {&a, &b}) ASSERT_TRUE(send_command(s->file("fifo"), "Q"));
  EXPECT_EQ(da.wait_exit(10s), std::optional<int>(0));
  EXPECT_EQ(db.wait_exit(10s), std::optional<int>(0));

  // What must not appear: the PSK, and every key the key logs hold.
  std::set<std::string> keys = logged_keys(slurp(a.file("keys")));
  for (const auto& k : logged_keys(slurp(b.file("keys")))) keys.insert(k);
  ASSERT_GE(keys.size(), 5u) << "IKE_SA and CHILD_SA keys expected in the key logs";
  std::vector<std::pair<std::string, std::string>> needles{
      {"PSK", "e2e-pre-shared-key"}};
  for (const auto& k : keys) {
    needles.emplace_back("key " + k, k);
    needles.emplace_back("key (upper case) " + k, upper(k));
    needles.emplace_back("key (raw bytes) " + k, unhex(k));
  }
  std::size_t files = 0, bytes = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string path = e.path().string();
    if (e.path().extension() == ".keys" || e.path().extension() == ".conf") continue;
    if (!e.is_regular_file()) continue;
    const std::string text = slurp(path);
    ++files;
    bytes += text.size();
    for (const auto& [what, needle] : needles) {
      EXPECT_EQ(text.find(needle), std::string::npos) << what << " found in " << path;
    }
  }
  // Logs at level 99 of both sides, report, JSON, result, capture (and the pid files).
  EXPECT_GE(files, 8u);
  EXPECT_GT(bytes, 20000u) << "the debug logs at level 99 are substantial";
}

}  // namespace
