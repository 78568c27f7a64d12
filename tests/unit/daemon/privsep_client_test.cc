// The child's side (monitor_client.h) against a real Monitor serving in a thread: the config
// loaded through PrivOps, refusals arriving as errors with the monitor's detail, sockets bound
// by the monitor, the result file, kernel requests through MonitorBackend landing on the
// monitor's backend; kernel events read from the event socket; and a monitor that answers
// garbage triggers the fatal handler.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <thread>

#include "crypto/deterministic_random.h"
#include "daemon/monitor.h"
#include "daemon/monitor_client.h"
#include "kernel/null_backend.h"

namespace ike::daemon {
namespace {

namespace fs = std::filesystem;
using namespace privsep;

class PrivsepClient : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/privsep_client.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = fs::canonical(tmpl).string();
    { std::ofstream(m_dir + "/isakmpd.conf") << "[General]\nRetransmits=7\n"; }
    ::chmod((m_dir + "/isakmpd.conf").c_str(), 0600);
    m_opts.config_file = m_dir + "/isakmpd.conf";
    m_opts.result_file = m_dir + "/result";
    m_opts.report_file = m_dir + "/report";
    m_opts.fifo_path = m_dir + "/fifo";
    m_opts.pid_file = m_dir + "/pid";
    int sv[2], ev[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ev), 0);
    m_monitor_ev = ::dup(ev[0]);
    m_monitor = std::make_unique<Monitor>(m_opts, m_backend, sv[0], ev[0], 4242);
    m_client = std::make_unique<MonitorClient>(sv[1], ev[1], [this](const std::string& why) {
      m_fatal = why;
    });
    m_thread = std::thread([this] {
      while (m_monitor->serve_one()) {
      }
    });
  }
  void TearDown() override {
    m_client.reset();  // closes the socket: serve_one() fails, the thread ends
    if (m_thread.joinable()) m_thread.join();
    m_monitor.reset();
    ::close(m_monitor_ev);
    fs::remove_all(m_dir);
  }
  std::string m_dir;
  Options m_opts;
  crypto::DeterministicRandom m_rng{53};
  kernel::NullBackend m_backend{m_rng, true};  // keeps keys: the tests check they arrived
  std::unique_ptr<Monitor> m_monitor;
  std::unique_ptr<MonitorClient> m_client;
  std::thread m_thread;
  int m_monitor_ev = -1;
  std::string m_fatal;
  int served() const { return static_cast<int>(m_monitor->requests_served()); }
};

TEST_F(PrivsepClient, PrivOpsThroughTheMonitor) {
  conf::ConfDb db;
  ASSERT_TRUE(load_config(*m_client, m_opts.config_file, db));
  EXPECT_EQ(db.get("General", "Retransmits").value_or(""), "7");

  auto shadow = m_client->read_file("/etc/shadow", FileKind::Public, 1024);
  ASSERT_FALSE(shadow);
  EXPECT_EQ(shadow.error().code, base::ErrorCode::Config);
  EXPECT_NE(shadow.error().detail.find("privsep: refusing /etc/shadow"), std::string::npos);

  int err = 0;
  auto lo = *base::IpAddress::parse("127.0.0.1");
  auto refused = m_client->bind_udp({lo, 22}, false, &err);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().detail.find("port 22"), std::string::npos);
  auto fd = m_client->bind_udp({lo, 0}, false, &err);
  ASSERT_TRUE(fd) << fd.error().detail;
  ::close(*fd);

  ASSERT_TRUE(m_client->write_file(m_opts.result_file, "ok\n"));
  std::ifstream in(m_opts.result_file);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "ok");
  EXPECT_FALSE(m_client->write_file(m_dir + "/elsewhere", "x"));

  auto fifo = m_client->open_fifo(m_opts.fifo_path);
  ASSERT_TRUE(fifo) << fifo.error().detail;
  EXPECT_TRUE(fs::is_fifo(m_opts.fifo_path));
  EXPECT_TRUE(m_fatal.empty()) << m_fatal;
}

// A result larger than one monitor message (the `S` output with thousands of SAs): the first
// chunk goes through WriteFile, the rest through an append descriptor; the file is complete,
// mode 0600, and a shorter write afterwards replaces it.
TEST_F(PrivsepClient, ResultLargerThanOneMonitorMessageIsWrittenWhole) {
  std::string big;
  for (std::size_t i = 0; big.size() < 3 * privsep::kMaxMessage; ++i) {
    big += fmt::format("SA name: conn-{} (Phase 2)\n", i);
  }
  auto wrote = m_client->write_file(m_opts.result_file, big);
  ASSERT_TRUE(wrote) << wrote.error().detail << " " << m_fatal;
  std::ifstream in(m_opts.result_file, std::ios::binary);
  std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(back.size(), big.size());
  EXPECT_TRUE(back == big);
  EXPECT_EQ(fs::status(m_opts.result_file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_TRUE(m_client->write_file(m_opts.result_file, "small\n"));
  std::ifstream in2(m_opts.result_file);
  std::string again((std::istreambuf_iterator<char>(in2)), std::istreambuf_iterator<char>());
  EXPECT_EQ(again, "small\n");
  // Only allow-listed paths: a large write elsewhere is refused at the first chunk.
  EXPECT_FALSE(m_client->write_file(m_dir + "/elsewhere", big));
  EXPECT_FALSE(fs::exists(m_dir + "/elsewhere"));
  EXPECT_TRUE(m_fatal.empty()) << m_fatal;
}

TEST_F(PrivsepClient, KernelRequestsRunOnTheMonitorsBackend) {
  kernel::Backend& k = *m_client->kernel_backend();
  EXPECT_EQ(k.name(), "monitor");
  auto a = *base::IpAddress::parse("192.0.2.1");
  auto b = *base::IpAddress::parse("192.0.2.2");
  auto spi = k.get_spi(base::IpsecProtocol::Esp, b, a);
  ASSERT_TRUE(spi) << spi.error().detail;
  base::SaInstall sa;
  sa.ref = {base::IpsecProtocol::Esp, a, *spi};
  sa.src = b;
  sa.inbound = true;
  sa.enc_key = base::SecureBytes(16, 0x11);
  ASSERT_TRUE(k.add_sa(sa));
  ASSERT_EQ(m_backend.sas().size(), 1u);
  EXPECT_EQ(m_backend.sas()[0].enc_key, sa.enc_key);
  auto dup = k.add_sa(sa);
  ASSERT_FALSE(dup);  // the backend's error comes back with its detail
  EXPECT_FALSE(dup.error().detail.empty());
  base::FlowInstall flow;
  flow.local = a;
  flow.peer = b;
  ASSERT_TRUE(k.add_flow(flow));
  auto state = k.read_state();
  ASSERT_TRUE(state);
  EXPECT_EQ(state->sas.size(), 1u);
  EXPECT_EQ(state->flows.size(), 1u);
  ASSERT_TRUE(k.delete_sa(sa.ref, b));
  ASSERT_TRUE(k.flush());
  EXPECT_TRUE(m_backend.flows().empty());

  // Events: what the monitor writes on the event socket comes out of read_events().
  auto none = k.read_events();
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  base::KernelEvent ev;
  ev.kind = base::KernelEvent::Kind::HardExpire;
  ev.ref = sa.ref;
  auto msg = *encode_event(EventMsg{ev});
  ASSERT_TRUE(send_message(m_monitor_ev, msg));
  auto got = k.read_events();
  ASSERT_TRUE(got) << got.error().detail;
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].kind, base::KernelEvent::Kind::HardExpire);
  EXPECT_EQ((*got)[0].ref, sa.ref);
}

// One engine event's kernel requests (the responder's QM3: SPI, both SAs, the flows) travel in
// one KernelBatch: one round trip; each op gets its own result, a failed one does not stop the
// later ones; the results match what single calls give.
TEST_F(PrivsepClient, KernelBatchIsOneRoundTripWithOneResultPerRequest) {
  kernel::Backend& k = *m_client->kernel_backend();
  auto a = *base::IpAddress::parse("192.0.2.1");
  auto b = *base::IpAddress::parse("192.0.2.2");
  base::SaInstall sa;
  sa.ref = {base::IpsecProtocol::Esp, a, {0x5000}};
  sa.src = b;
  sa.inbound = true;
  sa.enc_key = base::SecureBytes(16, 0x22);
  base::FlowInstall flow;
  flow.local = a;
  flow.peer = b;
  std::vector<base::KernelOp> ops = {
      base::KernelGetSpi{base::IpsecProtocol::Esp, b, a},
      base::KernelAddSa{sa},
      base::KernelAddSa{sa},  // a duplicate: this one fails, the next still runs
      base::KernelAddFlow{flow},
      base::KernelDeleteSa{{base::IpsecProtocol::Esp, a, {0x7777}}, b},  // unknown SA
  };
  const int before = served();
  auto results = k.run_batch(ops);
  EXPECT_EQ(served() - before, 1);
  ASSERT_EQ(results.size(), ops.size());
  ASSERT_TRUE(results[0].status);
  EXPECT_GE(results[0].spi.value, 256u);
  EXPECT_TRUE(results[1].status);
  ASSERT_FALSE(results[2].status);
  EXPECT_NE(results[2].status.error().detail.find("already exists"), std::string::npos)
      << results[2].status.error().detail;
  EXPECT_TRUE(results[3].status);
  EXPECT_FALSE(results[4].status);
  EXPECT_EQ(m_backend.sas().size(), 1u);
  EXPECT_EQ(m_backend.flows().size(), 1u);
  EXPECT_TRUE(m_fatal.empty()) << m_fatal;

  // More than kMaxBatchOps requests: one message per 64; a single request keeps its own type.
  std::vector<base::KernelOp> many(kMaxBatchOps + 6,
                                   base::KernelGetSpi{base::IpsecProtocol::Esp, b, a});
  const int before_many = served();
  auto spis = k.run_batch(many);
  EXPECT_EQ(served() - before_many, 2);
  ASSERT_EQ(spis.size(), many.size());
  for (const auto& r : spis) EXPECT_TRUE(r.status);
  const int before_one = served();
  auto one = k.run_batch({base::KernelDeleteSa{sa.ref, b}});
  EXPECT_EQ(served() - before_one, 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_TRUE(one[0].status);
  EXPECT_TRUE(m_backend.sas().empty());
}

TEST(PrivsepClientFatal, GarbageFromTheMonitorIsFatal) {
  int sv[2], ev[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ev), 0);
  std::string fatal;
  MonitorClient c(sv[1], ev[1], [&](const std::string& why) { fatal = why; });
  std::thread fake([&] {
    base::Bytes in;
    int fd = -1;
    (void)receive_message(sv[0], in, &fd);
    base::Bytes garbage = {0x00, 0x44, 0, 0, 0, 0, 0, 1, 0xff};  // Spi with 1 body byte
    (void)send_message(sv[0], garbage);
  });
  auto spi = c.kernel_backend()->get_spi(base::IpsecProtocol::Esp,
                                         *base::IpAddress::parse("192.0.2.1"),
                                         *base::IpAddress::parse("192.0.2.2"));
  fake.join();
  EXPECT_FALSE(spi);
  EXPECT_NE(fatal.find("privsep Spi"), std::string::npos) << fatal;
  ::close(sv[0]);
  ::close(ev[0]);
}

}  // namespace
}  // namespace ike::daemon
