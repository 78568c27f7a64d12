// End-to-end: two real `isakmpd -d -n` processes on loopback (127.0.0.1:15001 and
// 127.0.0.2:15002, [General]:Listen-on), each with its own 0600 config, FIFO, pid file,
// result file and key log in a temporary directory. `c conn` through the first FIFO must
// give Main Mode + Quick Mode; `S` on both sides must show the same phase-1 cookies and the
// same pair of SPIs; the key logs must agree (inbound of one == outbound of the other); `Q`
// must exit 0 and remove the FIFO and pid file. Also: start-up refusals (0644 config,
// missing config, unsupported options) exit non-zero with a clear message.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "e2e_support.h"

namespace {

using namespace ike_e2e;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// "SPI 0: xxxxxxxx " lines of the phase-2 blocks, and the phase-1 cookie lines.
std::set<std::string> spis_of(const std::string& result) {
  std::set<std::string> out;
  std::regex re("SPI [01]: ([0-9a-f]{8}) ");
  for (auto it = std::sregex_iterator(result.begin(), result.end(), re);
       it != std::sregex_iterator(); ++it) {
    out.insert((*it)[1]);
  }
  return out;
}

std::string cookies_of(const std::string& result) {
  std::smatch m;
  std::regex re("icookie ([0-9a-f]{16}) rcookie ([0-9a-f]{16})");
  return std::regex_search(result, m, re) ? m[1].str() + m[2].str() : std::string();
}

struct ChildKeys {
  std::string dir, src, dst, enc, enckey, auth, authkey;
};

// spi -> CHILD_SA line fields.
std::map<std::string, ChildKeys> child_keys(const std::string& keylog) {
  std::map<std::string, ChildKeys> out;
  std::regex re(
      "CHILD_SA proto=esp dir=(in|out) src=(\\S+) dst=(\\S+) spi=([0-9a-f]{8}) enc=(\\S+) "
      "enckey=([0-9a-f]*) auth=(\\S+) authkey=([0-9a-f]*)");
  for (auto it = std::sregex_iterator(keylog.begin(), keylog.end(), re);
       it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out[m[4]] = {m[1], m[2], m[3], m[5], m[6], m[7], m[8]};
  }
  return out;
}

using DaemonE2E = DaemonTest;

TEST_F(DaemonE2E, TwoDaemonsNegotiateMainAndQuickModeOverLoopback) {
  Side a{"127.0.0.1", "127.0.0.2", m_dir, 15001, 15002, "10.1.1.0", "10.1.2.0"};
  Side b{"127.0.0.2", "127.0.0.1", m_dir, 15002, 15001, "10.1.2.0", "10.1.1.0"};
  for (const Side* s : {&a, &b}) write_private(s->file("conf"), config_for(*s));
  Child da(daemon_args(a), a.file("log"));
  Child db(daemon_args(b), b.file("log"));
  ASSERT_GT(da.pid(), 0);
  ASSERT_GT(db.pid(), 0);
  for (const Side* s : {&a, &b}) {
    ASSERT_TRUE(wait_for([&] { return fs::exists(s->file("pid")); }, 10s))
        << s->addr << " did not start";
    struct stat st {};
    ASSERT_EQ(::lstat(s->file("fifo").c_str(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0600u);
  }
  EXPECT_EQ(slurp(a.file("pid")), fmt::format("{}\n", da.pid()));

  ASSERT_TRUE(send_command(a.file("fifo"), "c conn"));
  std::vector<std::string> results;
  const bool up = wait_phase2({&a, &b}, results);
  const std::string ra = results[0], rb = results[1];
  ASSERT_TRUE(up) << "A result:\n" << ra << "\nB result:\n" << rb;

  // Phase 1: initiator on A, responder on B, same cookies.
  EXPECT_NE(ra.find("SA name: peer-127.0.0.2 (Phase 1/Initiator)"), std::string::npos) << ra;
  EXPECT_NE(rb.find("SA name: peer-127.0.0.1 (Phase 1/Responder)"), std::string::npos) << rb;
  ASSERT_FALSE(cookies_of(ra).empty());
  EXPECT_EQ(cookies_of(ra), cookies_of(rb));
  // Phase 2: the same two SPIs on both sides, and the null backend's records.
  auto spis_a = spis_of(ra);
  EXPECT_EQ(spis_a.size(), 2u) << ra;
  EXPECT_EQ(spis_a, spis_of(rb));
  for (const auto& spi : spis_a) {
    EXPECT_NE(ra.find("spi 0x" + spi + " auth hmac-sha1 enc aes-128"), std::string::npos) << ra;
    EXPECT_NE(rb.find("spi 0x" + spi + " auth hmac-sha1 enc aes-128"), std::string::npos) << rb;
  }
  EXPECT_NE(ra.find("flow esp out from 10.1.1.0/24 to 10.1.2.0/24 local 127.0.0.1 peer "
                    "127.0.0.2 type require"),
            std::string::npos)
      << ra;

  // Key logs: inbound of one side == outbound of the other, same keys.
  auto ka = child_keys(slurp(a.file("keys")));
  auto kb = child_keys(slurp(b.file("keys")));
  ASSERT_EQ(ka.size(), 2u);
  ASSERT_EQ(kb.size(), 2u);
  for (const auto& [spi, k] : ka) {
    ASSERT_TRUE(kb.count(spi)) << spi;
    const auto& o = kb.at(spi);
    EXPECT_NE(k.dir, o.dir) << spi;
    EXPECT_EQ(k.src, o.src);
    EXPECT_EQ(k.dst, o.dst);
    EXPECT_EQ(k.enc, "AES");
    EXPECT_EQ(k.auth, "HMAC_SHA");
    EXPECT_EQ(k.enckey.size(), 32u);
    EXPECT_EQ(k.authkey.size(), 40u);
    EXPECT_EQ(k.enckey, o.enckey);
    EXPECT_EQ(k.authkey, o.authkey);
  }
  std::string ike_line = fmt::format("IKE_SA icookie={} rcookie={} cipher=",
                                     cookies_of(ra).substr(0, 16), cookies_of(ra).substr(16));
  EXPECT_NE(slurp(a.file("keys")).find(ike_line), std::string::npos);
  EXPECT_NE(slurp(b.file("keys")).find(ike_line), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(a.file("keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  // SIGUSR1: report file, 0600.
  ASSERT_EQ(::kill(da.pid(), SIGUSR1), 0);
  ASSERT_TRUE(wait_for([&] { return fs::exists(a.file("report")); }, 5s));
  ASSERT_EQ(::stat(a.file("report").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_NE(slurp(a.file("report")).find("udp_report: fd"), std::string::npos);

  // SIGHUP with a config that became too open: the old config stays, the daemon keeps going.
  ::chmod(a.file("conf").c_str(), 0644);
  ASSERT_EQ(::kill(da.pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_for(
      [&] {
        return slurp(a.file("log")).find("keeping the running configuration") !=
               std::string::npos;
      },
      5s));
  ASSERT_TRUE(send_command(a.file("fifo"), "C get [General]:Listen-on"));
  ASSERT_TRUE(wait_for([&] { return slurp(a.file("result")) == "127.0.0.1\n"; }, 5s));

  // Clean shutdown through the FIFO: exit 0, DELETEs sent, FIFO and pid file removed.
  ASSERT_TRUE(send_command(a.file("fifo"), "Q"));
  EXPECT_EQ(da.wait_exit(10s), 0);
  ASSERT_TRUE(wait_for(
      [&] { return slurp(b.file("log")).find("phase 1 deleted") != std::string::npos; }, 5s));
  ASSERT_TRUE(send_command(b.file("fifo"), "Q"));
  EXPECT_EQ(db.wait_exit(10s), 0);
  for (const Side* s : {&a, &b}) {
    EXPECT_FALSE(fs::exists(s->file("fifo"))) << s->file("fifo");
    EXPECT_FALSE(fs::exists(s->file("pid"))) << s->file("pid");
  }
}

// Runs isakmpd with `args` and returns (exit status, output).
std::pair<std::optional<int>, std::string> run_to_exit(std::vector<std::string> args,
                                                       const std::string& log) {
  args.insert(args.begin(), ISAKMPD_BINARY);
  args.push_back("-K");  // no KeyNote policy file in these tests
  Child c(std::move(args), log);
  auto status = c.wait_exit(10s);
  return {status, slurp(log)};
}

// Two daemons on ::1 (ports 15021/15022), Aggressive Mode over IPv6, then Quick Mode with
// IPV6_ADDR_SUBNET selectors fd00:1::/64 <-> fd00:2::/64:
//   A: HDR, SA, KE, Ni, IDii -->   <-- B: HDR, SA, KE, Nr, IDir, HASH_R   A: HDR*, HASH_I -->
TEST_F(DaemonE2E, TwoDaemonsNegotiateAggressiveModeOverIpv6Loopback) {
  // Both on ::1: each side keeps its files in its own directory.
  Side a{"::1", "::1", m_dir + "/a", 15021, 15022, "fd00:1::", "fd00:2::"};
  Side b{"::1", "::1", m_dir + "/b", 15022, 15021, "fd00:2::", "fd00:1::"};
  for (const Side* s : {&a, &b}) {
    fs::create_directory(s->dir);
    std::string conf = config_for(*s);
    conf.replace(conf.find("EXCHANGE_TYPE=ID_PROT"), 21, "EXCHANGE_TYPE=AGGRESSIVE");
    write_private(s->file("conf"), conf);
  }
  Child da(daemon_args(a), a.file("log"));
  Child db(daemon_args(b), b.file("log"));
  ASSERT_GT(da.pid(), 0);
  ASSERT_GT(db.pid(), 0);
  for (const Side* s : {&a, &b}) {
    ASSERT_TRUE(wait_for([&] { return fs::exists(s->file("pid")); }, 10s))
        << s->dir << " did not start";
  }
  ASSERT_TRUE(send_command(a.file("fifo"), "c conn"));
  std::vector<std::string> results;
  const bool up = wait_phase2({&a, &b}, results);
  const std::string ra = results[0], rb = results[1];
  ASSERT_TRUE(up) << "A result:\n" << ra << "\nB result:\n" << rb;
  EXPECT_NE(ra.find("SA name: peer-::1 (Phase 1/Initiator)"), std::string::npos) << ra;
  EXPECT_NE(rb.find("SA name: peer-::1 (Phase 1/Responder)"), std::string::npos) << rb;
  ASSERT_FALSE(cookies_of(ra).empty());
  EXPECT_EQ(cookies_of(ra), cookies_of(rb));
  auto spis_a = spis_of(ra);
  EXPECT_EQ(spis_a.size(), 2u) << ra;
  EXPECT_EQ(spis_a, spis_of(rb));
  EXPECT_NE(ra.find("flow esp out from fd00:1::/64 to fd00:2::/64 local ::1 peer ::1"),
            std::string::npos)
      << ra;
  EXPECT_NE(slurp(a.file("log")).find("Aggressive Mode initiator"), std::string::npos);
  ASSERT_TRUE(send_command(a.file("fifo"), "Q"));
  ASSERT_TRUE(send_command(b.file("fifo"), "Q"));
  EXPECT_EQ(da.wait_exit(10s), std::optional<int>(0));
  EXPECT_EQ(db.wait_exit(10s), std::optional<int>(0));
}

TEST_F(DaemonE2E, TooOpenConfigIsRefused) {
  Side a{"127.0.0.1", "127.0.0.2", m_dir, 15011, 15012, "10.1.1.0", "10.1.2.0"};
  write_private(a.file("conf"), config_for(a), 0644);
  auto [status, out] = run_to_exit({"-d", "-n", "-4", "-p", "15011", "-N", "15111", "-c", a.file("conf"), "-f",
                                    a.file("fifo"), "-i", a.file("pid")},
                                   m_dir + "/open.log");
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find(a.file("conf")), std::string::npos) << out;
  EXPECT_NE(out.find("0644"), std::string::npos) << out;
  EXPECT_NE(out.find("chmod 600"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(a.file("fifo")));
  EXPECT_FALSE(fs::exists(a.file("pid")));
}

TEST_F(DaemonE2E, MissingConfigIsRefused) {
  auto [status, out] =
      run_to_exit({"-d", "-n", "-4", "-p", "15013", "-N", "15113", "-c", m_dir + "/nope.conf", "-f",
                   m_dir + "/f", "-i", m_dir + "/p"},
                  m_dir + "/missing.log");
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find(m_dir + "/nope.conf"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(m_dir + "/f"));
}

TEST_F(DaemonE2E, BadOptionsAndMissingConfigAreRefused) {
  // Without -n the XFRM backend is used (issue #5): the missing configuration stops it first.
  auto [s1, o1] = run_to_exit({"-d", "-c", "/nonexistent"}, m_dir + "/nokernel.log");
  EXPECT_EQ(s1, 1);
  EXPECT_NE(o1.find("/nonexistent"), std::string::npos) << o1;
  auto [s3, o3] = run_to_exit({"-d", "-n", "-N", "0"}, m_dir + "/natt.log");
  EXPECT_EQ(s3, 1);
  EXPECT_NE(o3.find("option -N: invalid port \"0\""), std::string::npos) << o3;
  auto [s4, o4] = run_to_exit({"-p", "0"}, m_dir + "/badport.log");
  EXPECT_EQ(s4, 1);
  EXPECT_NE(o4.find("option -p: invalid port \"0\""), std::string::npos) << o4;
  EXPECT_NE(o4.find("usage: isakmpd"), std::string::npos) << o4;
}

TEST_F(DaemonE2E, RegularFileAtFifoPathIsNotReplaced) {
  Side a{"127.0.0.1", "127.0.0.2", m_dir, 15014, 15015, "10.1.1.0", "10.1.2.0"};
  write_private(a.file("conf"), config_for(a));
  write_private(a.file("fifo"), "precious\n");
  auto [status, out] = run_to_exit({"-d", "-n", "-4", "-p", "15014", "-N", "15114", "-c", a.file("conf"), "-f",
                                    a.file("fifo"), "-i", a.file("pid")},
                                   m_dir + "/fifo.log");
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("refusing to replace"), std::string::npos) << out;
  EXPECT_EQ(slurp(a.file("fifo")), "precious\n");
}

}  // namespace
