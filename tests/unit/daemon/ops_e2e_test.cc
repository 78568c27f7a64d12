// End-to-end operations test: two real `isakmpd -d -n` on loopback (127.0.0.1:15031 and
// 127.0.0.2:15032). A runs with `-l a.pcap --metrics-file a.prom`; `c conn` gives Main Mode +
// Quick Mode:
//   A: HDR, SA -->              <-- B: HDR, SA
//   A: HDR, KE, Ni -->          <-- B: HDR, KE, Nr
//   A: HDR*, IDii, HASH_I -->   <-- B: HDR*, IDir, HASH_R
//   A: HDR*, HASH(1), SA, Ni, IDci, IDcr -->   <-- B: HDR*, HASH(2), SA, Nr, IDci, IDcr
//   A: HDR*, HASH(3) -->
// The capture must open in tshark as LINKTYPE_RAW with all nine messages decoded as ISAKMP,
// the encrypted ones (MM5, MM6, QM1-3) in cleartext: the E flag clear and the ID/HASH/SA
// payloads visible. Then `r` writes the isakmpd-layout report, the JSON status (parsed here)
// and the metrics; `p off` stops the capture. tshark missing = the capture part is skipped
// with a message (GTEST_SKIP), the rest still runs.
#include <gtest/gtest.h>

#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "e2e_support.h"

namespace {

using namespace ike_e2e;

std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

using OpsE2E = DaemonTest;

TEST_F(OpsE2E, CaptureReportJsonAndMetrics) {
  Side a{"127.0.0.1", "127.0.0.2", m_dir, 15031, 15032, "10.1.1.0", "10.1.2.0"};
  Side b{"127.0.0.2", "127.0.0.1", m_dir, 15032, 15031, "10.1.2.0", "10.1.1.0"};
  for (const Side* s : {&a, &b}) write_private(s->file("conf"), config_for(*s));
  // A runs "under systemd": NOTIFY_SOCKET and a 400 ms watchdog (pings every 200 ms).
  std::string notify_path = m_dir + "/notify";
  int notify_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::snprintf(sun.sun_path, sizeof sun.sun_path, "%s", notify_path.c_str());
  ASSERT_EQ(::bind(notify_fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun), 0);
  ::setenv("NOTIFY_SOCKET", notify_path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "400000", 1);
  Child da(daemon_args(a, {"-l", a.file("pcap"), "--metrics-file", a.file("prom")}),
           a.file("log"));
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  Child db(daemon_args(b), b.file("log"));
  auto receive = [&] {
    pollfd p{notify_fd, POLLIN, 0};
    if (::poll(&p, 1, 3000) != 1) return std::string("<timeout>");
    char buf[256];
    ssize_t n = ::recv(notify_fd, buf, sizeof buf, 0);
    return n < 0 ? std::string("<error>") : std::string(buf, static_cast<std::size_t>(n));
  };
  ASSERT_GT(da.pid(), 0);
  ASSERT_GT(db.pid(), 0);
  for (const Side* s : {&a, &b}) {
    ASSERT_TRUE(wait_for([&] { return fs::exists(s->file("pid")); }, 10s)) << s->addr;
  }
  EXPECT_EQ(receive().rfind("READY=1\nMAINPID=" + std::to_string(da.pid()), 0), 0u);
  EXPECT_EQ(receive(), "WATCHDOG=1");
  EXPECT_EQ(receive(), "WATCHDOG=1");
  struct stat st {};
  ASSERT_EQ(::stat(a.file("pcap").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_TRUE(send_command(a.file("fifo"), "c conn"));
  std::vector<std::string> results;
  const bool up = wait_phase2({&a}, results);
  std::string ra = results[0];
  ASSERT_TRUE(up)
      << ra;
  // SIGHUP with an unchanged configuration keeps the established SAs (same cookies, SPIs).
  ASSERT_EQ(::kill(da.pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_for(
      [&] { return slurp(a.file("log")).find("SIGHUP: configuration reloaded") !=
                   std::string::npos; },
      5s));
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(send_command(a.file("fifo"), "S"));
  std::string after;
  ASSERT_TRUE(wait_for(
      [&] {
        after = slurp(a.file("result"));
        return after != ra || after.find("SA name: conn (Phase 2)") != std::string::npos;
      },
      5s));
  EXPECT_EQ(std::regex_replace(after, std::regex("timeout in [0-9]+"), "T"),
            std::regex_replace(ra, std::regex("timeout in [0-9]+"), "T"));
  // QM3 is the last message; B installs after it. Give B a moment, then stop the capture.
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(send_command(a.file("fifo"), "p off"));
  ASSERT_TRUE(wait_for(
      [&] { return slurp(a.file("log")).find("packet capture to") != std::string::npos &&
                   slurp(a.file("log")).find("stopped") != std::string::npos; },
      5s));

  // `r`: report, JSON, metrics.
  ASSERT_TRUE(send_command(a.file("fifo"), "r"));
  ASSERT_TRUE(wait_for([&] { return fs::exists(a.file("report") + ".json"); }, 5s));
  std::string report = slurp(a.file("report"));
  std::regex prefix("^[0-9]{6}\\.[0-9]{6} Report> ");
  std::istringstream rs(report);
  std::string line;
  std::vector<std::string> body;
  while (std::getline(rs, line)) {
    ASSERT_TRUE(std::regex_search(line, prefix)) << line;
    body.push_back(std::regex_replace(line, prefix, ""));
  }
  auto index_of = [&](const std::string& start) {
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (body[i].rfind(start, 0) == 0) return static_cast<long>(i);
    }
    return -1L;
  };
  // isakmpd order: SAs, transports, connections, timers, configuration.
  long sa = index_of("sa_report: 0x"), udp = index_of("udp_report: fd "),
       encap = index_of("udp_encap_report: fd "), tr = index_of("transport_report: transport 0x"),
       conn = index_of("connection_report: passive connection conn local_id: "
                       "10.1.1.0/255.255.255.0, remote_id: 10.1.2.0/255.255.255.0"),
       timer = index_of("timer_report: event "), cfg = index_of("[General]");
  for (long v : {sa, udp, encap, tr, conn, timer, cfg}) ASSERT_GE(v, 0) << report;
  EXPECT_LT(sa, udp);
  EXPECT_LT(udp, conn);
  EXPECT_LT(conn, timer);
  EXPECT_LT(timer, cfg);
  EXPECT_GE(index_of("udp_report: fd "), 0);
  EXPECT_NE(report.find("udp_report: fd "), std::string::npos);
  EXPECT_NE(report.find(" src 127.0.0.1:15031 dst 127.0.0.2:15032\n"), std::string::npos)
      << report;
  EXPECT_NE(report.find("Report> Listen-on=\t127.0.0.1\n"), std::string::npos) << report;
  EXPECT_NE(report.find("Report> Authentication=\t<redacted>\n"), std::string::npos) << report;
  EXPECT_EQ(report.find("e2e-pre-shared-key"), std::string::npos) << "PSK in the report";

  auto js = nlohmann::json::parse(slurp(a.file("report") + ".json"));
  EXPECT_EQ(js["schema"], "isakmpd-status/1");
  EXPECT_EQ(js["daemon"]["pid"], da.pid());
  ASSERT_EQ(js["phase1_sas"].size(), 1u);
  EXPECT_EQ(js["phase1_sas"][0]["role"], "Initiator");
  EXPECT_EQ(js["phase1_sas"][0]["peer"], "127.0.0.2:15032");
  ASSERT_EQ(js["phase2_sas"].size(), 1u);
  EXPECT_EQ(js["phase2_sas"][0]["name"], "conn");
  EXPECT_EQ(js["phase2_sas"][0]["flows"][0], "10.1.1.0/24 -> 10.1.2.0/24");
  EXPECT_NE(ra.find("SPI 1: " + js["phase2_sas"][0]["in_spi"].get<std::string>()),
            std::string::npos);
  ASSERT_EQ(js["peers"].size(), 1u);
  EXPECT_EQ(js["peers"][0]["address"], "127.0.0.2");
  EXPECT_EQ(js["counters"]["exchanges_started"]["ID_PROT"], 1);
  EXPECT_EQ(js["counters"]["exchanges_started"]["QUICK_MODE"], 1);
  EXPECT_EQ(js["counters"]["exchanges_completed"]["phase1"], 1);
  EXPECT_EQ(js["counters"]["exchanges_completed"]["phase2"], 1);
  EXPECT_EQ(js["counters"]["datagrams_dropped"], 0);
  EXPECT_EQ(js["daemon"]["packet_capture"]["enabled"], false);

  std::string prom = slurp(a.file("prom"));
  EXPECT_NE(prom.find("# TYPE isakmpd_phase2_sas gauge\nisakmpd_phase2_sas 1\n"),
            std::string::npos)
      << prom;
  EXPECT_NE(prom.find("isakmpd_exchanges_completed_total{phase=\"1\"} 1\n"), std::string::npos);
  EXPECT_NE(prom.find("isakmpd_exchanges_started_total{type=\"QUICK_MODE\"} 1\n"),
            std::string::npos);
  EXPECT_NE(prom.find("isakmpd_connection_up{name=\"conn\",type=\"passive\"} 1\n"),
            std::string::npos)
      << prom;
  // Every sample line is "name[{labels}] value".
  std::regex sample("^[a-z0-9_]+(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\\})? [0-9]+$");
  std::istringstream ps(prom);
  while (std::getline(ps, line)) {
    if (line.rfind("# ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
  }

  ASSERT_TRUE(send_command(a.file("fifo"), "Q"));
  ASSERT_TRUE(send_command(b.file("fifo"), "Q"));
  EXPECT_EQ(da.wait_exit(10s), std::optional<int>(0));
  EXPECT_EQ(db.wait_exit(10s), std::optional<int>(0));
  EXPECT_FALSE(fs::exists(a.file("prom"))) << "metrics file left behind";
  std::string last;
  for (std::string m = receive(); m != "<timeout>"; m = receive()) last = m;
  EXPECT_EQ(last, "STOPPING=1");
  ::close(notify_fd);

  // The capture, decoded by tshark.
  if (::system("command -v tshark >/dev/null 2>&1") != 0) GTEST_SKIP() << "tshark not installed";
  std::string fields = run_capture(
      "tshark -n -r " + a.file("pcap") +
      " -d udp.port==15031,isakmp -d udp.port==15032,isakmp"
      " -T fields -E separator=';' -e frame.protocols -e isakmp.exchangetype -e isakmp.flags"
      " -e isakmp.nextpayload -e isakmp.length -e udp.checksum.status -e ip.checksum.status"
      " -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE 2>/dev/null");
  std::vector<std::string> frames;
  std::istringstream fs_(fields);
  while (std::getline(fs_, line)) frames.push_back(line);
  ASSERT_EQ(frames.size(), 9u) << fields;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    // protocols;exchange type;flags;payload types;length;UDP checksum;IP checksum (1 = good)
    EXPECT_EQ(frames[i].rfind("raw:ip:udp:isakmp;", 0), 0u) << frames[i];
    EXPECT_NE(frames[i].find(i < 6 ? ";2;0x00;" : ";32;0x00;"), std::string::npos)
        << "exchange type or E flag: " << frames[i];
    EXPECT_EQ(frames[i].substr(frames[i].size() - 4), ";1;1") << "checksums: " << frames[i];
  }
  // The verbose dissection shows the payloads of the formerly encrypted messages.
  std::string verbose = run_capture("tshark -n -r " + a.file("pcap") +
                                    " -d udp.port==15031,isakmp -d udp.port==15032,isakmp"
                                    " -V 2>/dev/null");
  auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto p = verbose.find(needle); p != std::string::npos; p = verbose.find(needle, p + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count("Exchange type: Identity Protection (Main Mode) (2)"), 6u) << verbose;
  EXPECT_EQ(count("Exchange type: Quick Mode (32)"), 3u);
  // ID payloads: MM5, MM6 (IDii/IDir) and QM1, QM2 (IDci, IDcr each).
  EXPECT_EQ(count("Payload: Identification (5)"), 6u) << verbose;
  EXPECT_EQ(count("ID type: IPV4_ADDR (1)"), 2u) << verbose;
  EXPECT_EQ(count("ID type: IPV4_ADDR_SUBNET (4)"), 4u) << verbose;
  // HASH: MM5, MM6, QM1, QM2, QM3.
  EXPECT_EQ(count("Payload: Hash (8)"), 5u) << verbose;
  EXPECT_EQ(count("Payload: Security Association (1)"), 4u);  // MM1, MM2, QM1, QM2
  EXPECT_EQ(count("Encryption: Encrypted"), 0u);
  EXPECT_EQ(count("Malformed"), 0u) << verbose;
}

}  // namespace

namespace {

// High availability hooks (isakmpd -S, FIFO M): A has [Phase 2]:Connections=conn but starts
// passive, so nothing is negotiated; `M active` lets the connection checker (Check-interval=1)
// start it; at shutdown a -S daemon sends no DELETE, so B keeps its SAs.
TEST_F(OpsE2E, PassiveStartUntilModeActiveAndNoDeletesWithS) {
  Side a{"127.0.0.1", "127.0.0.2", m_dir, 15041, 15042, "10.1.1.0", "10.1.2.0"};
  Side b{"127.0.0.2", "127.0.0.1", m_dir, 15042, 15041, "10.1.2.0", "10.1.1.0"};
  std::string ca = config_for(a);
  ca.replace(ca.find("Passive-connections=conn"), 24, "Connections=conn");
  ca.replace(ca.find("[General]\n"), 10, "[General]\nCheck-interval=1\n");
  write_private(a.file("conf"), ca);
  write_private(b.file("conf"), config_for(b));
  Child da(daemon_args(a, {"-S"}), a.file("log"));
  Child db(daemon_args(b), b.file("log"));
  for (const Side* s : {&a, &b}) {
    ASSERT_TRUE(wait_for([&] { return fs::exists(s->file("pid")); }, 10s)) << s->addr;
  }
  std::this_thread::sleep_for(2500ms);  // two connection checks
  ASSERT_TRUE(send_command(b.file("fifo"), "S"));
  ASSERT_TRUE(wait_for([&] { return fs::exists(b.file("result")); }, 5s));
  EXPECT_EQ(slurp(b.file("result")).find("SA name:"), std::string::npos)
      << "a passive daemon initiated";
  EXPECT_EQ(slurp(a.file("log")).find("Main Mode initiator"), std::string::npos);

  ASSERT_TRUE(send_command(a.file("fifo"), "M active"));
  std::vector<std::string> results;
  const bool up = wait_phase2({&b}, results);
  std::string rb = results[0];
  ASSERT_TRUE(up)
      << rb;
  ASSERT_TRUE(send_command(a.file("fifo"), "M passive"));
  ASSERT_TRUE(send_command(a.file("fifo"), "Q"));
  EXPECT_EQ(da.wait_exit(10s), std::optional<int>(0));
  EXPECT_NE(slurp(a.file("log")).find("without sending DELETEs"), std::string::npos);
  std::this_thread::sleep_for(300ms);
  // A fresh result file: under load the old one (written before `M active`) could still be read.
  fs::remove(b.file("result"));
  ASSERT_TRUE(send_command(b.file("fifo"), "S"));
  EXPECT_TRUE(wait_for(
      [&] { return slurp(b.file("result")).find("SA name: conn (Phase 2)") != std::string::npos; },
      5s))
      << "B lost its SAs: A sent DELETEs despite -S\n" << slurp(b.file("result"));
  EXPECT_EQ(slurp(b.file("log")).find("phase 1 deleted"), std::string::npos);
  ASSERT_TRUE(send_command(b.file("fifo"), "Q"));
  EXPECT_EQ(db.wait_exit(10s), std::optional<int>(0));
}

// `-f -`: commands from standard input; hostile lines in between change nothing; end of input
// leaves the daemon running (FIFO reading stops), SIGTERM then shuts it down.
TEST_F(OpsE2E, CommandsFromStandardInput) {
  Side a{"127.0.0.1", "127.0.0.2", m_dir, 15051, 15052, "10.1.1.0", "10.1.2.0"};
  write_private(a.file("conf"), config_for(a));
  auto args = daemon_args(a);
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "-f") args[i + 1] = "-";
  }
  int pfd[2];
  ASSERT_EQ(::pipe(pfd), 0);
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  std::string log = a.file("log");
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_adddup2(&fa, pfd[0], STDIN_FILENO);
  posix_spawn_file_actions_addclose(&fa, pfd[1]);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(pfd[0]);
  ASSERT_TRUE(wait_for([&] { return fs::exists(a.file("pid")); }, 10s));
  EXPECT_FALSE(fs::exists(a.file("fifo"))) << "no FIFO is created with -f -";
  std::string input =
      "C set [General]:Retransmits=7 force\n"
      "C set [General:Retransmits=9\n"                       // unbalanced bracket
      "C set [General]:Retransmits=" + std::string(300, '9') + " force\n"  // over-long value
      "Z\n"                                                  // unknown command
      "C get [General]:Retransmits\n";
  ASSERT_EQ(::write(pfd[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
  ASSERT_TRUE(wait_for([&] { return slurp(a.file("result")) == "7\n"; }, 5s))
      << slurp(a.file("log"));
  std::string l = slurp(a.file("log"));
  EXPECT_NE(l.find("malformed"), std::string::npos) << l;
  EXPECT_NE(l.find("unrecognized command 'Z'"), std::string::npos) << l;
  ::close(pfd[1]);  // end of input
  ASSERT_TRUE(wait_for(
      [&] { return slurp(a.file("log")).find("standard input closed") != std::string::npos; },
      5s))
      << slurp(a.file("log"));
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), 0) << "the daemon exited at end of input";
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
