// A fake child speaking the monitor protocol to a real Monitor (monitor.h) over a
// SOCK_SEQPACKET socketpair, in process: allowed requests are served (the config as a passed
// descriptor, a bound socket, the result file, kernel requests on the backend), forbidden ones
// are refused with an Error reply naming the reason (/etc/shadow, "..", a symlink to a secret,
// a symlinked directory, a too-open or foreign-owned secret, port 22, writing outside the
// list, a second FIFO), and protocol violations are fatal (unknown type, oversized or lying
// length, a descriptor sent by the child).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "crypto/deterministic_random.h"
#include "daemon/monitor.h"
#include "kernel/null_backend.h"

namespace ike::daemon {
namespace {

namespace fs = std::filesystem;
using namespace privsep;

constexpr uint32_t kDaemonUid = 4242;

class PrivsepMonitor : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/privsep_monitor.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = fs::canonical(tmpl).string();
    fs::create_directories(m_dir + "/certs");
    fs::create_directories(m_dir + "/private");
    write(m_dir + "/certs/a.pem", "certificate", 0644);
    write(m_dir + "/private/local.key", "secret key", 0600);
    fs::create_symlink("/etc/shadow", m_dir + "/certs/evil.pem");
    fs::create_directory_symlink("/etc", m_dir + "/etclink");
    m_conf_text = "[General]\nRetransmits=3\n[X509-certificates]\nCert-directory=" + m_dir +
                  "/certs/\nPrivate-key=" + m_dir + "/private/local.key\n";
    write(m_dir + "/isakmpd.conf", m_conf_text, 0600);
    m_opts.config_file = m_dir + "/isakmpd.conf";
    m_opts.fifo_path = m_dir + "/fifo";
    m_opts.pid_file = m_dir + "/pid";
    m_opts.result_file = m_dir + "/result";
    m_opts.report_file = m_dir + "/report";
    int sv[2], ev[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ev), 0);
    m_child = sv[1];
    m_child_ev = ev[1];
    m_monitor = std::make_unique<Monitor>(m_opts, m_backend, sv[0], ev[0], kDaemonUid);
  }
  void TearDown() override {
    m_monitor.reset();
    ::close(m_child);
    ::close(m_child_ev);
    fs::remove_all(m_dir);
  }
  static void write(const std::string& path, const std::string& text, mode_t mode) {
    { std::ofstream(path) << text; }
    ::chmod(path.c_str(), mode);
  }
  // One request through the real monitor; the reply and any passed descriptor.
  Reply ask(const Request& req, int* fd = nullptr) {
    auto msg = encode_request(req);
    EXPECT_TRUE(msg);
    EXPECT_TRUE(send_message(m_child, *msg));
    auto served = m_monitor->serve_one();
    EXPECT_TRUE(served) << served.error().detail;
    base::Bytes in;
    int got = -1;
    EXPECT_TRUE(receive_message(m_child, in, &got));
    if (fd != nullptr) {
      *fd = got;
    } else if (got >= 0) {
      ::close(got);
    }
    auto rep = decode_reply(base::view(in));
    EXPECT_TRUE(rep);
    return rep ? *rep : Reply{OkReply{}};
  }
  std::string refusal(const Request& req) {
    auto rep = ask(req);
    auto* e = std::get_if<ErrorReply>(&rep);
    return e == nullptr ? "<not refused>" : e->detail;
  }
  // Raw bytes from the child: the monitor's verdict.
  base::Status raw(const base::Bytes& bytes, int fd = -1) {
    base::Bytes copy = bytes;
    EXPECT_TRUE(send_message(m_child, copy, fd));
    return m_monitor->serve_one();
  }

  std::string m_dir, m_conf_text;
  Options m_opts;
  crypto::DeterministicRandom m_rng{37};
  kernel::NullBackend m_backend{m_rng};
  std::unique_ptr<Monitor> m_monitor;
  int m_child = -1, m_child_ev = -1;
};

TEST_F(PrivsepMonitor, ConfigIsPassedAsADescriptor) {
  int fd = -1;
  auto rep = ask(ReadFileReq{FileKind::Config, m_opts.config_file}, &fd);
  ASSERT_TRUE(std::holds_alternative<FdReply>(rep));
  ASSERT_GE(fd, 0);
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)), m_conf_text);
  // PKI from the paths the config names.
  auto names = ask(ListDirReq{m_dir + "/certs/"});
  ASSERT_TRUE(std::holds_alternative<NamesReply>(names));
  EXPECT_EQ(std::get<NamesReply>(names).names, std::vector<std::string>{"a.pem"});  // no symlink
  EXPECT_TRUE(std::holds_alternative<FdReply>(ask(ReadFileReq{FileKind::Public, m_dir + "/certs/a.pem"})));
  EXPECT_TRUE(std::holds_alternative<FdReply>(
      ask(ReadFileReq{FileKind::Secret, m_dir + "/private/local.key"})));
}

TEST_F(PrivsepMonitor, ForbiddenPathsAreRefused) {
  EXPECT_NE(refusal(ReadFileReq{FileKind::Public, "/etc/shadow"}).find("refusing /etc/shadow"),
            std::string::npos);
  EXPECT_NE(refusal(ReadFileReq{FileKind::Config, "/etc/shadow"}).find("not allowed"),
            std::string::npos);
  EXPECT_NE(refusal(ReadFileReq{FileKind::Public, m_dir + "/certs/../../../etc/shadow"})
                .find("'..'"),
            std::string::npos);
  EXPECT_NE(refusal(ReadFileReq{FileKind::Public, "certs/a.pem"}).find("not an absolute path"),
            std::string::npos);
  // A symlink to a secret inside an allowed directory: O_NOFOLLOW.
  EXPECT_NE(refusal(ReadFileReq{FileKind::Public, m_dir + "/certs/evil.pem"})
                .find("symbolic link"),
            std::string::npos);
  // A symlinked directory leading out of the list.
  EXPECT_NE(refusal(ReadFileReq{FileKind::Public, m_dir + "/etclink/shadow"}).find("not allowed"),
            std::string::npos);
  EXPECT_NE(refusal(ListDirReq{"/etc"}).find("not an allowed directory"), std::string::npos);
  EXPECT_NE(refusal(WriteFileReq{"/etc/passwd", "root::0:0::/:/bin/sh\n"}).find("not allowed"),
            std::string::npos);
  EXPECT_NE(refusal(OpenAppendReq{m_dir + "/isakmpd.conf"}).find("not allowed to append"),
            std::string::npos);
  EXPECT_NE(refusal(OpenFifoReq{"/etc/isakmpd.fifo"}).find("not allowed"), std::string::npos);
  // The private key replaced by a symlink to a secret.
  fs::remove(m_dir + "/private/local.key");
  fs::create_symlink("/etc/shadow", m_dir + "/private/local.key");
  EXPECT_NE(refusal(ReadFileReq{FileKind::Secret, m_dir + "/private/local.key"})
                .find("symbolic link"),
            std::string::npos);
}

TEST_F(PrivsepMonitor, SecretsMustBePrivateAndOwnedByRootOrTheDaemonUser) {
  ::chmod(m_opts.config_file.c_str(), 0640);
  auto why = refusal(ReadFileReq{FileKind::Config, m_opts.config_file});
  EXPECT_NE(why.find("mode 0640"), std::string::npos) << why;
  EXPECT_NE(why.find("chmod 600"), std::string::npos) << why;
  ::chmod(m_opts.config_file.c_str(), 0600);
  if (::geteuid() != 0) GTEST_SKIP() << "ownership changes need root";
  ASSERT_EQ(::chown(m_opts.config_file.c_str(), kDaemonUid, 0), 0);
  EXPECT_TRUE(std::holds_alternative<FdReply>(ask(ReadFileReq{FileKind::Config, m_opts.config_file})));
  ASSERT_EQ(::chown(m_opts.config_file.c_str(), kDaemonUid + 1, 0), 0);
  why = refusal(ReadFileReq{FileKind::Config, m_opts.config_file});
  EXPECT_NE(why.find("owned by uid"), std::string::npos) << why;
  // Public files are not mode-checked.
  EXPECT_TRUE(std::holds_alternative<FdReply>(ask(ReadFileReq{FileKind::Public, m_dir + "/certs/a.pem"})));
}

TEST_F(PrivsepMonitor, PortsAndFilesAndKernelRequests) {
  auto lo = *base::IpAddress::parse("127.0.0.1");
  EXPECT_NE(refusal(BindUdpReq{{lo, 22}, false}).find("refusing to bind port 22"),
            std::string::npos);
  int fd = -1;
  auto bound = ask(BindUdpReq{{lo, 0}, false}, &fd);
  ASSERT_TRUE(std::holds_alternative<FdReply>(bound));
  int type = 0;
  socklen_t len = sizeof type;
  ASSERT_EQ(::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len), 0);
  EXPECT_EQ(type, SOCK_DGRAM);
  ::close(fd);

  EXPECT_TRUE(std::holds_alternative<OkReply>(ask(WriteFileReq{m_opts.result_file, "r\n"})));
  struct stat st {};
  ASSERT_EQ(::stat(m_opts.result_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  EXPECT_TRUE(std::holds_alternative<FdReply>(ask(OpenFifoReq{m_opts.fifo_path})));
  EXPECT_NE(refusal(OpenFifoReq{m_opts.fifo_path}).find("already"), std::string::npos);

  auto spi = ask(GetSpiReq{base::IpsecProtocol::Esp, lo, lo});
  ASSERT_TRUE(std::holds_alternative<SpiReply>(spi));
  EXPECT_GT(std::get<SpiReply>(spi).spi.value, 255u);
  base::SaInstall sa;
  sa.ref = {base::IpsecProtocol::Esp, lo, std::get<SpiReply>(spi).spi};
  sa.src = lo;
  EXPECT_TRUE(std::holds_alternative<OkReply>(ask(AddSaReq{sa})));
  ASSERT_EQ(m_backend.sas().size(), 1u);
  EXPECT_EQ(m_backend.sas()[0].ref, sa.ref);
  auto state = ask(ReadStateReq{});
  ASSERT_TRUE(std::holds_alternative<StateReply>(state));
  EXPECT_EQ(std::get<StateReply>(state).state.sas.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ErrorReply>(ask(AddSaReq{sa})));  // EEXIST-like
  EXPECT_TRUE(std::holds_alternative<OkReply>(ask(FlushReq{})));
  EXPECT_TRUE(m_backend.sas().empty());
}

TEST_F(PrivsepMonitor, ProtocolViolationsAreFatal) {
  auto unknown = raw({0x00, 0x63, 0, 0, 0, 0, 0, 0});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().detail.find("unknown request type 99"), std::string::npos);
  // Oversized length field: 2 GiB announced, 4 bytes sent.
  auto lying = raw({0x00, 0x02, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0});
  ASSERT_FALSE(lying);
  EXPECT_NE(lying.error().detail.find("body length 2147483647"), std::string::npos)
      << lying.error().detail;
  // An oversized path length inside a well-framed message.
  auto big_path = raw({0x00, 0x02, 0, 0, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff});
  ASSERT_FALSE(big_path);
  EXPECT_NE(big_path.error().detail.find("> cap"), std::string::npos);
  // A datagram over the message cap.
  base::Bytes huge(kMaxMessage + 1, 0);
  int buf = static_cast<int>(2 * kMaxMessage);
  ::setsockopt(m_child, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf);
  auto too_big = raw(huge);
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().detail.find("> cap"), std::string::npos);
  // The child may not pass descriptors.
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto with_fd = raw(*encode_request(StartedReq{}), null_fd);
  ::close(null_fd);
  ASSERT_FALSE(with_fd);
  EXPECT_NE(with_fd.error().detail.find("descriptor"), std::string::npos);
}

}  // namespace
}  // namespace ike::daemon

namespace ike::daemon {
namespace {

// Monitor::run against a real (forked) fake child: a protocol violation gets the child killed,
// the monitor cleans up (pid file written after Started is removed) and returns 1; a child that
// exits by itself gives its exit status.
class PrivsepMonitorRun : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/privsep_run.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = tmpl;
    { std::ofstream(m_dir + "/conf") << "[General]\n"; }
    ::chmod((m_dir + "/conf").c_str(), 0600);
    m_opts.config_file = m_dir + "/conf";
    m_opts.pid_file = m_dir + "/pid";
  }
  void TearDown() override { fs::remove_all(m_dir); }
  // Forks a fake child that sends Started, then `second` (if any), then sleeps or exits 7.
  int run_with(const base::Bytes& second, bool exit_after) {
    int sv[2], ev[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ev), 0);
    pid_t child = ::fork();
    if (child == 0) {
      ::close(sv[0]);
      auto started = *encode_request(StartedReq{});
      (void)send_message(sv[1], started);
      base::Bytes in;
      int fd = -1;
      (void)receive_message(sv[1], in, &fd);
      if (!second.empty()) {
        base::Bytes copy = second;
        (void)send_message(sv[1], copy);
      }
      if (exit_after) ::_exit(7);
      ::pause();
      ::_exit(0);
    }
    ::close(sv[1]);
    ::close(ev[1]);
    crypto::DeterministicRandom rng{37};
    kernel::NullBackend backend(rng);
    Monitor m(m_opts, backend, sv[0], ev[0], 4242);
    bool started = false;
    int rc = m.run(child, [&] { started = fs::exists(m_opts.pid_file); });
    EXPECT_TRUE(started);
    return rc;
  }
  std::string m_dir;
  Options m_opts;
};

TEST_F(PrivsepMonitorRun, ProtocolViolationKillsTheChildAndCleansUp) {
  EXPECT_EQ(run_with({0x12, 0x34, 0, 0, 0, 0, 0, 0}, false), 1);
  EXPECT_FALSE(fs::exists(m_opts.pid_file));
}

TEST_F(PrivsepMonitorRun, ChildExitStatusIsTheMonitors) {
  EXPECT_EQ(run_with({}, true), 7);
  EXPECT_FALSE(fs::exists(m_opts.pid_file));
}

}  // namespace
}  // namespace ike::daemon
