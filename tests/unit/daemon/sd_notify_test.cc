// sd_notify without libsystemd (daemon/sd_notify.h): state strings arrive as single datagrams
// on a unix datagram socket named by NOTIFY_SOCKET (path or @abstract), WATCHDOG_USEC gives
// a ping interval of half the period (only when WATCHDOG_PID is ours), the variables are
// unset after reading, malformed values are errors, and no NOTIFY_SOCKET means a no-op.
#include "daemon/sd_notify.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

namespace ike::daemon {
namespace {

using namespace std::chrono_literals;

class Receiver {
 public:
  explicit Receiver(const std::string& name) {
    m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::memcpy(sun.sun_path, name.data(), name.size());
    if (name[0] == '@') sun.sun_path[0] = '\0';
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() +
                                      (name[0] == '@' ? 0 : 1));
    m_ok = ::bind(m_fd, reinterpret_cast<sockaddr*>(&sun), len) == 0;
  }
  ~Receiver() { ::close(m_fd); }
  bool ok() const { return m_ok; }
  std::string receive() {
    pollfd p{m_fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) != 1) return "<timeout>";
    char buf[512];
    ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
    return n < 0 ? "<error>" : std::string(buf, static_cast<std::size_t>(n));
  }

 private:
  int m_fd = -1;
  bool m_ok = false;
};

TEST(SdNotify, SendsStatesToAPathSocket) {
  char tmpl[] = "/tmp/ike_sd.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string path = std::string(tmpl) + "/notify";
  Receiver r(path);
  ASSERT_TRUE(r.ok());
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  auto n = SdNotifier::from_environment();
  ASSERT_TRUE(n) << n.error().detail;
  EXPECT_EQ(::getenv("NOTIFY_SOCKET"), nullptr);
  EXPECT_EQ(::getenv("WATCHDOG_USEC"), nullptr);
  ASSERT_TRUE(n->enabled());
  EXPECT_EQ(n->watchdog_interval(), std::optional<std::chrono::microseconds>(1500000us));
  ASSERT_TRUE(n->notify("READY=1\nMAINPID=42"));
  EXPECT_EQ(r.receive(), "READY=1\nMAINPID=42");
  ASSERT_TRUE(n->notify("WATCHDOG=1"));
  EXPECT_EQ(r.receive(), "WATCHDOG=1");
  ASSERT_TRUE(n->notify("STOPPING=1"));
  EXPECT_EQ(r.receive(), "STOPPING=1");
  std::filesystem::remove_all(tmpl);
}

TEST(SdNotify, AbstractSocketAndForeignWatchdogPid) {
  std::string name = "@ike-sd-test-" + std::to_string(::getpid());
  Receiver r(name);
  ASSERT_TRUE(r.ok());
  ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  ::setenv("WATCHDOG_PID", "1", 1);  // someone else's watchdog
  auto n = SdNotifier::from_environment();
  ASSERT_TRUE(n) << n.error().detail;
  EXPECT_FALSE(n->watchdog_interval().has_value());
  ASSERT_TRUE(n->notify("READY=1"));
  EXPECT_EQ(r.receive(), "READY=1");
}

TEST(SdNotify, WithoutSystemdEverythingIsANoOp) {
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  auto n = SdNotifier::from_environment();
  ASSERT_TRUE(n);
  EXPECT_FALSE(n->enabled());
  EXPECT_FALSE(n->watchdog_interval().has_value());
  EXPECT_TRUE(n->notify("READY=1"));
}

TEST(SdNotify, MalformedEnvironmentIsAnError) {
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  auto a = SdNotifier::from_environment();
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().detail.find("neither an absolute path nor @abstract"), std::string::npos);
  ::setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
  ::setenv("WATCHDOG_USEC", "12x", 1);
  ::unsetenv("WATCHDOG_PID");
  auto b = SdNotifier::from_environment();
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().detail.find("WATCHDOG_USEC \"12x\""), std::string::npos);
  auto c = SdNotifier::for_socket("/" + std::string(200, 'x'), std::nullopt);
  ASSERT_FALSE(c);
}

TEST(PeriodicTimer, FiresRepeatedly) {
  auto t = PeriodicTimer::create(20ms);
  ASSERT_TRUE(t);
  pollfd p{t->fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 1000), 1);
  EXPECT_GE(t->consume(), 1u);
  ASSERT_EQ(::poll(&p, 1, 1000), 1);
  EXPECT_GE(t->consume(), 1u);
}

}  // namespace
}  // namespace ike::daemon
