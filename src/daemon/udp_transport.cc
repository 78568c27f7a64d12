// UDP sockets with packet info (see udp_transport.h). ip(7) IP_PKTINFO, ipv6(7)
// IPV6_RECVPKTINFO/IPV6_PKTINFO (RFC 3542 §6), IPV6_V6ONLY (RFC 3493 §5.3).
#include "daemon/udp_transport.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "daemon/nat_t_framing.h"

namespace ike::daemon {

using base::ErrorCode;
using base::Family;
using base::IpAddress;
using base::NotifyType;
using base::SockAddr;

namespace {

constexpr int kMaxBatch = 64;  // datagrams per receive() call
constexpr unsigned kRecvBatch = 16;  // datagrams per recvmmsg

base::Error sys_error(std::string_view what, const SockAddr& addr) {
  return make_error(ErrorCode::Io, NotifyType::None, "UDP {}: {}: {}", addr.to_string(), what,
                    std::strerror(errno));
}

socklen_t to_sockaddr(const SockAddr& a, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (a.address.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(a.port);
    std::memcpy(&sin.sin_addr, a.address.bytes().data(), 4);
    std::memcpy(&ss, &sin, sizeof sin);
    return sizeof sin;
  }
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(a.port);
  std::memcpy(&sin6.sin6_addr, a.address.bytes().data(), 16);
  std::memcpy(&ss, &sin6, sizeof sin6);
  return sizeof sin6;
}

std::optional<SockAddr> from_sockaddr(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, &ss, sizeof sin);
    return SockAddr{IpAddress::v4(ntohl(sin.sin_addr.s_addr)), ntohs(sin.sin_port)};
  }
  if (ss.ss_family == AF_INET6) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, &ss, sizeof sin6);
    return SockAddr{IpAddress::v6(base::ByteView(sin6.sin6_addr.s6_addr, 16)),
                    ntohs(sin6.sin6_port)};
  }
  return std::nullopt;
}

// On failure `*err` holds the errno of the failing call.
base::Result<UdpTransport::Socket> open_socket(const SocketBinder& bind,
                                               const SockAddr& bind_addr, bool udp_encap,
                                               int* err) {
  IKE_TRY(int fd, bind ? bind(bind_addr, udp_encap, err)
                       : open_udp_socket(bind_addr, udp_encap, err));
  SockAddr bound = bind_addr;
  if (bound.port == 0) {  // ephemeral (tests): learn the port the kernel chose
    sockaddr_storage got{};
    socklen_t got_len = sizeof got;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&got), &got_len) == 0) {
      if (auto a = from_sockaddr(got)) bound.port = a->port;
    }
  }
  IKE_LOG_DEBUG(Transport, 10, "UDP: listening on {} (fd {})", bound.to_string(), fd);
  return UdpTransport::Socket{fd, bound};
}

// Rekey storms and connection bursts (issue #7) send a peer a burst of Quick Modes: 100 ISAKMP
// SAs with 16 in flight each are 1 600 datagrams at once, where the default receive buffer
// (net.core.rmem_default, 208 KiB) holds about 200 and the kernel drops the rest
// (UdpRcvbufErrors), each then waiting for a retransmission (bench/rekey_storm.sh: 10 000
// connections took 24 s to come up instead of 2). The sockets are opened by root (the monitor),
// so the *FORCE options pass net.core.rmem_max/wmem_max; otherwise the plain ones get what
// those limits allow. Only queued datagrams use the space.
void set_buffer_sizes(int fd) {
  int size = kSocketBufferBytes;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0 &&
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) != 0) {
    IKE_LOG_DEBUG(Transport, 10, "UDP: SO_RCVBUF {}: {}", size, std::strerror(errno));
  }
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0 &&
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) != 0) {
    IKE_LOG_DEBUG(Transport, 10, "UDP: SO_SNDBUF {}: {}", size, std::strerror(errno));
  }
}

}  // namespace

base::Result<int> open_udp_socket(const SockAddr& bind_addr, bool udp_encap, int* err) {
  *err = 0;
  bool v4 = bind_addr.address.is_v4();
  int fd = ::socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = errno;
    return sys_error("socket", bind_addr);
  }
  int on = 1;
  bool ok = v4 ? ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) == 0
               : (::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) == 0 &&
                  ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on) == 0);
  if (!ok) {
    *err = errno;
    auto e = sys_error("setsockopt(PKTINFO)", bind_addr);
    ::close(fd);
    return e;
  }
  set_buffer_sizes(fd);
  sockaddr_storage ss{};
  socklen_t len = to_sockaddr(bind_addr, ss);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    *err = errno;
    auto e = sys_error("bind", bind_addr);
    ::close(fd);
    return e;
  }
  if (udp_encap) {
    // The kernel takes ESP-in-UDP off this socket (RFC 3948); with -n (null backend) ESP is not
    // ours and is dropped in receive().
    int encap = UDP_ENCAP_ESPINUDP;
    if (::setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &encap, sizeof encap) != 0) {
      *err = errno;
      auto e = sys_error("setsockopt(UDP_ENCAP)", bind_addr);
      ::close(fd);
      return e;
    }
  }
  return fd;
}

base::Result<std::vector<IpAddress>> resolve_listen_on(const TransportConfig& cfg) {
  std::vector<IpAddress> out;
  auto wanted = [&](const IpAddress& a) { return a.is_v4() ? cfg.inet4 : cfg.inet6; };
  for (const auto& entry : cfg.listen_on) {
    if (auto ip = IpAddress::parse(entry)) {
      if (wanted(*ip)) {
        out.push_back(*ip);
      } else {
        IKE_LOG_DEBUG(Transport, 10, "Listen-on {}: address family disabled by -4/-6", entry);
      }
      continue;
    }
    struct ifaddrs* ifa = nullptr;
    if (::getifaddrs(&ifa) != 0) {
      return make_error(ErrorCode::Io, NotifyType::None, "[General]:Listen-on {}: getifaddrs: {}",
                        base::sanitize_for_log(entry, 64), std::strerror(errno));
    }
    bool found_if = false;
    for (auto* p = ifa; p != nullptr; p = p->ifa_next) {
      if (p->ifa_name == nullptr || entry != p->ifa_name || p->ifa_addr == nullptr) continue;
      found_if = true;
      sockaddr_storage ss{};
      std::size_t len = p->ifa_addr->sa_family == AF_INET    ? sizeof(sockaddr_in)
                        : p->ifa_addr->sa_family == AF_INET6 ? sizeof(sockaddr_in6)
                                                             : 0;
      if (len == 0) continue;
      std::memcpy(&ss, p->ifa_addr, len);
      auto sa = from_sockaddr(ss);
      if (!sa || !wanted(sa->address)) continue;
      // Link-local IPv6 needs a scope id we do not track; skip it.
      if (!sa->address.is_v4() && sa->address.bytes()[0] == 0xfe &&
          (sa->address.bytes()[1] & 0xc0) == 0x80) {
        continue;
      }
      out.push_back(sa->address);
    }
    ::freeifaddrs(ifa);
    if (!found_if) {
      return make_error(ErrorCode::Config, NotifyType::None,
                        "[General]:Listen-on: \"{}\" is neither an IP address nor an interface",
                        base::sanitize_for_log(entry, 64));
    }
  }
  return out;
}

base::Result<UdpTransport> UdpTransport::open(const TransportConfig& cfg,
                                              const std::optional<NatTConfig>& natt,
                                              const SocketBinder& bind) {
  UdpTransport t;
  std::vector<SockAddr> binds;
  if (cfg.listen_on.empty()) {
    if (cfg.inet4) binds.push_back({IpAddress::v4(0), cfg.port});
    if (cfg.inet6) binds.push_back({IpAddress::v6(base::Bytes(16, 0)), cfg.port});
  } else {
    IKE_TRY(auto addrs, resolve_listen_on(cfg));
    for (const auto& a : addrs) binds.push_back({a, cfg.port});
  }
  if (binds.empty()) {
    return make_error(ErrorCode::Config, NotifyType::None,
                      "no address to listen on ([General]:Listen-on and -4/-6 leave none)");
  }
  std::vector<std::pair<SockAddr, bool>> all;  // (address, NAT-T)
  for (const auto& b : binds) {
    all.emplace_back(b, false);
    if (natt) all.emplace_back(SockAddr{b.address, natt->port}, true);
  }
  for (const auto& [b, nat_t] : all) {
    int err = 0;
    auto s = open_socket(bind, b, nat_t && natt->kernel_udp_encap, &err);
    if (!s) {
      // The IPv6 wildcard on a host without IPv6 is not fatal when IPv4 works.
      bool optional_v6 = cfg.listen_on.empty() && !b.address.is_v4() && cfg.inet4 &&
                         (err == EAFNOSUPPORT || err == EADDRNOTAVAIL);
      if (optional_v6) {
        IKE_LOG_WARN("{}; continuing with IPv4 only", s.error().detail);
        continue;
      }
      return std::move(s).error();
    }
    s->nat_t = nat_t;
    t.m_sockets.push_back(*s);
  }
  return t;
}

struct UdpTransport::ReceiveArea {
  // One more byte than the largest datagram: a longer one shows as MSG_TRUNC or len > max.
  static constexpr std::size_t kBufferBytes = kMaxDatagram + 1;
  std::unique_ptr<uint8_t[]> buffers{new uint8_t[kRecvBatch * kBufferBytes]};  // not zeroed
  std::array<mmsghdr, kRecvBatch> headers{};
  std::array<iovec, kRecvBatch> iovs{};
  std::array<sockaddr_storage, kRecvBatch> peers{};
  struct alignas(cmsghdr) Control {
    unsigned char bytes[CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(in_pktinfo))];
  };
  std::array<Control, kRecvBatch> controls{};

  ReceiveArea() noexcept {
    for (unsigned i = 0; i < kRecvBatch; ++i) {
      iovs[i] = iovec{buffers.get() + i * kBufferBytes, kBufferBytes};
      msghdr& m = headers[i].msg_hdr;
      m.msg_name = &peers[i];
      m.msg_iov = &iovs[i];
      m.msg_iovlen = 1;
      m.msg_control = controls[i].bytes;
    }
  }
  // The lengths and flags recvmmsg overwrote (the buffers stay where they are).
  void reset(unsigned used) noexcept {
    for (unsigned i = 0; i < used; ++i) {
      msghdr& m = headers[i].msg_hdr;
      m.msg_namelen = sizeof peers[i];
      m.msg_controllen = sizeof controls[i].bytes;
      m.msg_flags = 0;
      headers[i].msg_len = 0;
    }
  }
};

UdpTransport::UdpTransport(UdpTransport&& o) noexcept
    : m_sockets(std::move(o.m_sockets)), m_rx(std::move(o.m_rx)) {
  o.m_sockets.clear();
}

UdpTransport& UdpTransport::operator=(UdpTransport&& o) noexcept {
  if (this != &o) {
    close_all();
    m_sockets = std::move(o.m_sockets);
    m_rx = std::move(o.m_rx);
    o.m_sockets.clear();
  }
  return *this;
}

UdpTransport::~UdpTransport() { close_all(); }

void UdpTransport::close_all() {
  for (auto& s : m_sockets) {
    if (s.fd >= 0) ::close(s.fd);
  }
  m_sockets.clear();
}

namespace {

// One received datagram (`len` bytes in msg's buffer): checks, local address from the PKTINFO
// control message, NAT-T framing, then `sink`.
void deliver(const UdpTransport::Socket& sock, msghdr& msg, std::size_t len,
             const std::function<void(ReceivedDatagram&&)>& sink) {
  const sockaddr_storage& peer_ss = *static_cast<const sockaddr_storage*>(msg.msg_name);
  const uint8_t* data = static_cast<const uint8_t*>(msg.msg_iov[0].iov_base);
  auto peer = from_sockaddr(peer_ss);
  if (!peer) return;
  if ((msg.msg_flags & MSG_TRUNC) != 0 || len > kMaxDatagram) {
    IKE_LOG_DEBUG(Transport, 10, "UDP: dropping oversized datagram from {}", peer->to_string());
    return;
  }
  if (peer->port == 0) {
    IKE_LOG_DEBUG(Transport, 10, "UDP: dropping datagram from port 0 ({})", peer->to_string());
    return;
  }
  SockAddr local = sock.bound;
  bool have_local = !local.address.is_unspecified();
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo pi{};
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      local.address = IpAddress::v4(ntohl(pi.ipi_addr.s_addr));
      have_local = true;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo pi{};
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      local.address = IpAddress::v6(base::ByteView(pi.ipi6_addr.s6_addr, 16));
      have_local = true;
    }
  }
  if (!have_local) {
    IKE_LOG_DEBUG(Transport, 10, "UDP: no local address for a datagram from {}; dropped",
                  peer->to_string());
    return;
  }
  IKE_LOG_DEBUG(Transport, 70, "UDP: {} bytes {} -> {}", len, peer->to_string(),
                local.to_string());
  base::ByteView payload(data, len);
  if (sock.nat_t) {
    switch (classify_nat_t(payload, &payload)) {
      case NatTFrame::Ike: break;
      case NatTFrame::Keepalive:
        IKE_LOG_DEBUG(Transport, 30, "UDP: NAT-T keepalive from {}", peer->to_string());
        return;
      case NatTFrame::Esp:
      case NatTFrame::Short:
        IKE_LOG_DEBUG(Transport, 10, "UDP: non-IKE datagram ({} bytes, no non-ESP marker) "
                      "from {} on the NAT-T port dropped", len, peer->to_string());
        return;
    }
  }
  sink(ReceivedDatagram{local, *peer, base::to_bytes(payload)});
}

}  // namespace

base::Status UdpTransport::receive(int fd,
                                   const std::function<void(ReceivedDatagram&&)>& sink) {
  const Socket* sock = nullptr;
  for (const auto& s : m_sockets) {
    if (s.fd == fd) sock = &s;
  }
  if (sock == nullptr) {
    return make_error(ErrorCode::Internal, NotifyType::None, "UDP: fd {} is not ours", fd);
  }
  if (!m_rx) m_rx = std::make_unique<ReceiveArea>();
  ReceiveArea& rx = *m_rx;
  unsigned used = kRecvBatch;  // headers to restore before the next call
  for (int received = 0; received < kMaxBatch;) {
    rx.reset(used);
    const int got = ::recvmmsg(fd, rx.headers.data(), kRecvBatch, MSG_DONTWAIT, nullptr);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return base::ok();
      // ICMP errors surface here on Linux (ECONNREFUSED ...): log and keep reading.
      IKE_LOG_DEBUG(Transport, 20, "UDP {}: recvmmsg: {}", sock->bound.to_string(),
                    std::strerror(errno));
      ++received;
      continue;
    }
    received += got;
    used = static_cast<unsigned>(got);
    for (std::size_t k = 0; k < used; ++k) {
      deliver(*sock, rx.headers[k].msg_hdr, rx.headers[k].msg_len, sink);
    }
    // Fewer than asked for: the queue was empty (epoll reports the socket again if more come).
    if (static_cast<unsigned>(got) < kRecvBatch) return base::ok();
  }
  return base::ok();
}

uint16_t UdpTransport::nat_t_port() const noexcept {
  for (const auto& s : m_sockets) {
    if (s.nat_t) return s.bound.port;
  }
  return 0;
}

const UdpTransport::Socket* UdpTransport::socket_for(const SockAddr& local, Family family,
                                                     bool nat_t, bool peer_is_loopback) const {
  const Socket* wildcard = nullptr;
  const Socket* first = nullptr;
  const Socket* same_scope = nullptr;  // loopback iff the peer is loopback
  for (const auto& s : m_sockets) {
    if (s.bound.address.family() != family || s.nat_t != nat_t) continue;
    if (s.bound.address == local.address) return &s;
    if (s.bound.address.is_unspecified() && wildcard == nullptr) wildcard = &s;
    if (first == nullptr) first = &s;
    if (same_scope == nullptr && s.bound.address.is_loopback() == peer_is_loopback) {
      same_scope = &s;
    }
  }
  if (wildcard != nullptr) return wildcard;
  // A peer without Local-address while [General]:Listen-on binds specific addresses: the engine
  // does not know the source, so use a bound address as isakmpd uses its first transport
  // (preferring loopback for a loopback peer and a non-loopback address otherwise).
  if (local.address.is_unspecified()) return same_scope != nullptr ? same_scope : first;
  return nullptr;
}

base::Status UdpTransport::send(const SockAddr& local, const SockAddr& peer,
                                base::ByteView bytes, bool keepalive) {
  if (bytes.size() > kMaxDatagram) {
    return make_error(ErrorCode::BadLength, NotifyType::None,
                      "UDP: datagram of {} bytes to {} exceeds {}", bytes.size(), peer.to_string(),
                      kMaxDatagram);
  }
  // The engine names the NAT-T port as the source once IKE floated (RFC 3947 §4).
  const bool nat_t = local.port != 0 && local.port == nat_t_port();
  const Socket* sock = socket_for(local, peer.address.family(), nat_t, peer.address.is_loopback());
  base::Bytes framed;
  if (nat_t && !keepalive) {
    framed = add_non_esp_marker(bytes);  // RFC 3948 §2.2
    bytes = base::view(framed);
  }
  if (sock == nullptr) {
    return make_error(ErrorCode::Io, NotifyType::None,
                      "UDP: no {} socket to send from {} to {}",
                      peer.address.is_v4() ? "IPv4" : "IPv6", local.to_string(), peer.to_string());
  }
  sockaddr_storage ss{};
  socklen_t len = to_sockaddr(peer, ss);
  iovec iov{const_cast<uint8_t*>(bytes.data()), bytes.size()};
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  msghdr msg{};
  msg.msg_name = &ss;
  msg.msg_namelen = len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  bool set_source = sock->bound.address.is_unspecified() && !local.address.is_unspecified() &&
                    local.address.family() == peer.address.family();
  if (set_source) {
    msg.msg_control = control;
    cmsghdr* c = nullptr;
    if (peer.address.is_v4()) {
      msg.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
      c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
      in_pktinfo pi{};
      std::memcpy(&pi.ipi_spec_dst, local.address.bytes().data(), 4);
      std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
    } else {
      msg.msg_controllen = CMSG_SPACE(sizeof(in6_pktinfo));
      c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
      in6_pktinfo pi{};
      std::memcpy(&pi.ipi6_addr, local.address.bytes().data(), 16);
      std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
    }
  }
  for (;;) {
    ssize_t n = ::sendmsg(sock->fd, &msg, 0);
    if (n >= 0) {
      IKE_LOG_DEBUG(Transport, 70, "UDP: {} bytes {} -> {}", bytes.size(), local.to_string(),
                    peer.to_string());
      return base::ok();
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      IKE_LOG_DEBUG(Transport, 10, "UDP: send buffer full, datagram to {} dropped",
                    peer.to_string());
      return base::ok();
    }
    return make_error(ErrorCode::Io, NotifyType::None, "UDP: sendmsg {} -> {}: {}",
                      local.to_string(), peer.to_string(), std::strerror(errno));
  }
}

}  // namespace ike::daemon
