// RFC 3948 §2.2/§2.3 framing on the NAT-T port, alone and through two UdpTransports on loopback:
// the marker is added on send from the NAT-T port and stripped on receive; keepalives (0xFF) go
// out bare and are swallowed on receive; ESP (non-zero first word) is dropped.
#include "daemon/nat_t_framing.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include "daemon/udp_transport.h"

namespace ike::daemon {
namespace {

using base::IpAddress;
using base::SockAddr;

TEST(NatTFraming, ClassifiesMarkerKeepaliveAndEsp) {
  base::ByteView ike;
  const base::Bytes framed{0, 0, 0, 0, 0xaa, 0xbb};
  EXPECT_EQ(classify_nat_t(base::view(framed), &ike), NatTFrame::Ike);
  EXPECT_EQ(base::to_bytes(ike), (base::Bytes{0xaa, 0xbb}));
  EXPECT_EQ(classify_nat_t(base::view(base::Bytes{0xff}), nullptr), NatTFrame::Keepalive);
  EXPECT_EQ(classify_nat_t(base::view(base::Bytes{0, 0, 0, 1, 9}), nullptr), NatTFrame::Esp);
  EXPECT_EQ(classify_nat_t(base::view(base::Bytes{0, 0}), nullptr), NatTFrame::Short);
  EXPECT_EQ(add_non_esp_marker(base::view(base::Bytes{0xaa, 0xbb})), framed);
}

// Reads one raw datagram from a plain socket.
base::Bytes raw_recv(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 2000) <= 0) return {};
  base::Bytes buf(2048);
  ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
  buf.resize(n > 0 ? static_cast<std::size_t>(n) : 0U);
  return buf;
}

TEST(NatTFraming, TransportAddsAndStripsTheMarker) {
  IpAddress lo = IpAddress::parse("127.0.0.1").value();
  auto a = UdpTransport::open({true, false, 0, {"127.0.0.1"}}, NatTConfig{0, false});
  ASSERT_TRUE(a) << a.error().detail;
  ASSERT_EQ(a->sockets().size(), 2u);
  EXPECT_FALSE(a->sockets()[0].nat_t);
  EXPECT_TRUE(a->sockets()[1].nat_t);
  uint16_t natt = a->nat_t_port();
  ASSERT_NE(natt, 0);
  auto b = UdpTransport::open({true, false, 0, {"127.0.0.1"}});  // plain sockets only
  ASSERT_TRUE(b) << b.error().detail;
  SockAddr b_addr = b->sockets()[0].bound;
  int b_fd = b->sockets()[0].fd;

  // From the NAT-T port: marker added; keepalive bare; from the IKE port: unchanged.
  ASSERT_TRUE(a->send({lo, natt}, b_addr, base::Bytes{1, 2, 3}));
  EXPECT_EQ(raw_recv(b_fd), (base::Bytes{0, 0, 0, 0, 1, 2, 3}));
  ASSERT_TRUE(a->send({lo, natt}, b_addr, base::Bytes{0xff}, true));
  EXPECT_EQ(raw_recv(b_fd), (base::Bytes{0xff}));
  ASSERT_TRUE(a->send(a->sockets()[0].bound, b_addr, base::Bytes{1, 2, 3}));
  EXPECT_EQ(raw_recv(b_fd), (base::Bytes{1, 2, 3}));

  // Into the NAT-T port: ESP and keepalive dropped, the IKE message delivered without marker.
  ASSERT_TRUE(b->send(b_addr, {lo, natt}, base::Bytes{0, 0, 0, 7, 1}));  // ESP, SPI 7
  ASSERT_TRUE(b->send(b_addr, {lo, natt}, base::Bytes{0xff}));
  ASSERT_TRUE(b->send(b_addr, {lo, natt}, base::Bytes{0, 0, 0, 0, 5, 6}));
  std::vector<ReceivedDatagram> got;
  for (int i = 0; i < 20 && got.empty(); ++i) {
    pollfd p{a->sockets()[1].fd, POLLIN, 0};
    ASSERT_GT(::poll(&p, 1, 2000), 0);
    ASSERT_TRUE(a->receive(p.fd, [&](ReceivedDatagram&& d) { got.push_back(std::move(d)); }));
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes, (base::Bytes{5, 6}));
  EXPECT_EQ(got[0].local.port, natt);
}

}  // namespace
}  // namespace ike::daemon
