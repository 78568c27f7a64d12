// UDP transport on loopback: local address learned with IP_PKTINFO, replies sent from the
// address the peer used, Listen-on parsing, large datagrams, recvmmsg batches.
#include "daemon/udp_transport.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

namespace ike::daemon {
namespace {

using base::IpAddress;
using base::SockAddr;

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

// Waits for one datagram on any socket of `t`.
std::optional<ReceivedDatagram> receive_one(UdpTransport& t) {
  std::vector<pollfd> pfds;
  for (const auto& s : t.sockets()) pfds.push_back({s.fd, POLLIN, 0});
  if (::poll(pfds.data(), pfds.size(), 2000) <= 0) return std::nullopt;
  std::optional<ReceivedDatagram> got;
  for (const auto& p : pfds) {
    if ((p.revents & POLLIN) == 0) continue;
    EXPECT_TRUE(t.receive(p.fd, [&](ReceivedDatagram&& d) { got = std::move(d); }));
  }
  return got;
}

TEST(UdpTransport, PktinfoRoundTripOnLoopback) {
  TransportConfig a_cfg{true, false, 0, {"127.0.0.1"}};
  auto a = UdpTransport::open(a_cfg);
  ASSERT_TRUE(a) << a.error().detail;
  TransportConfig b_cfg{true, false, 0, {}};  // IPv4 wildcard
  auto b = UdpTransport::open(b_cfg);
  ASSERT_TRUE(b) << b.error().detail;
  ASSERT_EQ(a->sockets().size(), 1u);
  ASSERT_EQ(b->sockets().size(), 1u);
  SockAddr a_addr = a->sockets()[0].bound;
  uint16_t b_port = b->sockets()[0].bound.port;
  ASSERT_NE(b_port, 0);

  // a -> 127.0.0.2 (b's wildcard socket): b learns that the local address was 127.0.0.2.
  base::Bytes payload{1, 2, 3, 4, 5};
  ASSERT_TRUE(a->send(a_addr, {ip("127.0.0.2"), b_port}, payload));
  auto got = receive_one(*b);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->bytes, payload);
  EXPECT_EQ(got->local, (SockAddr{ip("127.0.0.2"), b_port}));
  EXPECT_EQ(got->peer, a_addr);

  // The reply leaves from 127.0.0.2 (IP_PKTINFO in sendmsg), not from 127.0.0.1.
  ASSERT_TRUE(b->send(got->local, got->peer, base::Bytes{9, 9}));
  auto reply = receive_one(*a);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->peer, (SockAddr{ip("127.0.0.2"), b_port}));
  EXPECT_EQ(reply->local, a_addr);
}

// A rekey storm's burst of datagrams must fit in the socket buffers: kSocketBufferBytes each
// way with CAP_NET_ADMIN (SO_*BUFFORCE, the monitor opens the sockets as root), otherwise what
// net.core.rmem_max / wmem_max allow. The kernel reports twice the size set. Then 2 000
// datagrams sent before the receiver reads one are all queued.
TEST(UdpTransport, BuffersHoldARekeyStormsBurst) {
  TransportConfig cfg{true, false, 0, {"127.0.0.1"}};
  auto a = UdpTransport::open(cfg);
  ASSERT_TRUE(a) << a.error().detail;
  auto b = UdpTransport::open(cfg);
  ASSERT_TRUE(b) << b.error().detail;
  auto limit = [](const char* file) {
    FILE* f = std::fopen(file, "r");
    long v = 0;
    if (f != nullptr) {
      if (std::fscanf(f, "%ld", &v) != 1) v = 0;
      std::fclose(f);
    }
    return v;
  };
  const bool forced = ::geteuid() == 0;  // root: CAP_NET_ADMIN in this namespace
  for (auto [opt, file] : {std::pair{SO_RCVBUF, "/proc/sys/net/core/rmem_max"},
                           std::pair{SO_SNDBUF, "/proc/sys/net/core/wmem_max"}}) {
    int got = 0;
    socklen_t len = sizeof got;
    ASSERT_EQ(::getsockopt(b->sockets()[0].fd, SOL_SOCKET, opt, &got, &len), 0);
    long want = forced ? kSocketBufferBytes : std::min<long>(kSocketBufferBytes, limit(file));
    EXPECT_GE(got, 2 * want) << (opt == SO_RCVBUF ? "SO_RCVBUF" : "SO_SNDBUF");
  }
  if (!forced) GTEST_SKIP() << "not root: the buffers are only what rmem_max allows";
  const base::Bytes qm1(300, 0x5a);  // about a Quick Mode message
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(a->send(a->sockets()[0].bound, b->sockets()[0].bound, qm1)) << i;
  }
  int received = 0;
  pollfd pfd{b->sockets()[0].fd, POLLIN, 0};
  while (received < 2000 && ::poll(&pfd, 1, 2000) > 0) {
    ASSERT_TRUE(b->receive(pfd.fd, [&](ReceivedDatagram&& d) {
      received += d.bytes == qm1 ? 1 : 0;
    }));
  }
  EXPECT_EQ(received, 2000);
}

TEST(UdpTransport, LargestDatagram) {
  auto a = UdpTransport::open({true, false, 0, {"127.0.0.1"}});
  ASSERT_TRUE(a);
  SockAddr self = a->sockets()[0].bound;
  base::Bytes big(65507, 0x5a);  // the IPv4 UDP payload maximum
  ASSERT_TRUE(a->send(self, self, big));
  auto got = receive_one(*a);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->bytes.size(), big.size());
  EXPECT_FALSE(a->send(self, self, base::Bytes(70000, 0)));
}

// recvmmsg batches: every queued datagram arrives once, in order, with its own length, local
// address and source (the buffers are reused between batches); one receive() call drains at
// most 64 and leaves the rest for the next readiness report.
TEST(UdpTransport, QueuedDatagramsArriveInOrderWithTheirOwnLengthsAcrossBatches) {
  auto a = UdpTransport::open({true, false, 0, {"127.0.0.1"}});
  ASSERT_TRUE(a) << a.error().detail;
  auto b = UdpTransport::open({true, false, 0, {}});  // wildcard: local address from PKTINFO
  ASSERT_TRUE(b) << b.error().detail;
  const SockAddr from = a->sockets()[0].bound;
  const uint16_t port = b->sockets()[0].bound.port;
  constexpr int kSent = 70;  // more than one call's 64, over five 16-datagram recvmmsg batches
  for (int i = 0; i < kSent; ++i) {
    // Sizes go down so a reused buffer would show an earlier datagram's tail.
    base::Bytes d(static_cast<std::size_t>(300 - i), static_cast<uint8_t>(i));
    ASSERT_TRUE(a->send(from, {ip(i % 2 == 0 ? "127.0.0.2" : "127.0.0.3"), port}, d));
  }
  pollfd pfd{b->sockets()[0].fd, POLLIN, 0};
  ASSERT_EQ(::poll(&pfd, 1, 2000), 1);
  std::vector<ReceivedDatagram> got;
  auto sink = [&](ReceivedDatagram&& d) { got.push_back(std::move(d)); };
  ASSERT_TRUE(b->receive(pfd.fd, sink));
  EXPECT_EQ(got.size(), 64u);
  ASSERT_TRUE(b->receive(pfd.fd, sink));
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kSent));
  for (int i = 0; i < kSent; ++i) {
    const auto& d = got[static_cast<std::size_t>(i)];
    EXPECT_EQ(d.bytes, base::Bytes(static_cast<std::size_t>(300 - i), static_cast<uint8_t>(i)))
        << "datagram " << i;
    EXPECT_EQ(d.local, (SockAddr{ip(i % 2 == 0 ? "127.0.0.2" : "127.0.0.3"), port}));
    EXPECT_EQ(d.peer, from);
  }
  ASSERT_TRUE(b->receive(pfd.fd, sink));  // nothing left: EAGAIN, no datagram
  EXPECT_EQ(got.size(), static_cast<std::size_t>(kSent));
}

TEST(UdpTransport, Ipv6Loopback) {
  auto t = UdpTransport::open({false, true, 0, {"::1"}});
  if (!t) GTEST_SKIP() << "no IPv6 loopback: " << t.error().detail;
  SockAddr self = t->sockets()[0].bound;
  ASSERT_TRUE(t->send(self, self, base::Bytes{7}));
  auto got = receive_one(*t);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->local.address, ip("::1"));
  EXPECT_EQ(got->peer, self);
}

TEST(UdpTransport, ListenOnResolution) {
  auto lo = resolve_listen_on({true, true, 500, {"127.0.0.1", "::1", "lo"}});
  ASSERT_TRUE(lo) << lo.error().detail;
  EXPECT_GE(lo->size(), 3u);
  EXPECT_EQ((*lo)[0], ip("127.0.0.1"));
  auto v4only = resolve_listen_on({true, false, 500, {"127.0.0.1", "::1"}});
  ASSERT_TRUE(v4only);
  EXPECT_EQ(v4only->size(), 1u);
  auto bad = resolve_listen_on({true, true, 500, {"no-such-if0"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail,
            "[General]:Listen-on: \"no-such-if0\" is neither an IP address nor an interface");
  auto none = UdpTransport::open({true, false, 500, {"::1"}});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().detail.find("no address to listen on"), std::string::npos);
}

TEST(UdpTransport, BindConflictNamesTheAddress) {
  auto a = UdpTransport::open({true, false, 0, {"127.0.0.1"}});
  ASSERT_TRUE(a);
  uint16_t port = a->sockets()[0].bound.port;
  auto b = UdpTransport::open({true, false, port, {"127.0.0.1"}});
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().detail.find("127.0.0.1:" + std::to_string(port)), std::string::npos);
  EXPECT_NE(b.error().detail.find("bind"), std::string::npos);
}

// A peer without Local-address while Listen-on names specific addresses: the engine leaves the
// source unspecified and the transport sends from a bound address (the loopback one for a
// loopback peer), not "no socket to send from 0.0.0.0".
TEST(UdpTransport, UnspecifiedSourceUsesABoundAddress) {
  auto a = UdpTransport::open({true, false, 0, {"127.0.0.1"}});
  ASSERT_TRUE(a) << a.error().detail;
  auto b = UdpTransport::open({true, false, 0, {"127.0.0.2"}});
  ASSERT_TRUE(b) << b.error().detail;
  const SockAddr b_addr = b->sockets()[0].bound;
  ASSERT_TRUE(a->send({ip("0.0.0.0"), 0}, b_addr, base::Bytes{7}));
  auto got = receive_one(*b);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->peer, a->sockets()[0].bound);
  // A specific source that is not bound is still refused.
  auto st = a->send({ip("127.0.0.9"), 0}, b_addr, base::Bytes{7});
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().detail.find("no IPv4 socket to send from 127.0.0.9"), std::string::npos)
      << st.error().detail;
}

TEST(IpAddressScope, Loopback) {
  EXPECT_TRUE(ip("127.0.0.1").is_loopback());
  EXPECT_TRUE(ip("127.255.0.9").is_loopback());
  EXPECT_TRUE(ip("::1").is_loopback());
  EXPECT_FALSE(ip("10.0.0.1").is_loopback());
  EXPECT_FALSE(ip("::").is_loopback());
  EXPECT_FALSE(ip("::2").is_loopback());
}

TEST(UdpTransport, NoSocketForFamily) {
  auto a = UdpTransport::open({true, false, 0, {"127.0.0.1"}});
  ASSERT_TRUE(a);
  auto st = a->send({ip("::1"), 500}, {ip("::1"), 500}, base::Bytes{1});
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().detail.find("no IPv6 socket"), std::string::npos);
}

}  // namespace
}  // namespace ike::daemon
