// IKE over UDP (RFC 2408 §2.5.2, port 500): the sockets the daemon listens on and sends from.
// Without [General]:Listen-on: one socket per enabled family bound to the wildcard address
// (IPv6 with IPV6_V6ONLY so the two never overlap); with Listen-on: one socket per listed
// address (interface names are expanded to their addresses). IP_PKTINFO / IPV6_RECVPKTINFO
// tell us the local address of every datagram, and IP_PKTINFO / IPV6_PKTINFO in sendmsg send
// from the address the engine chose, so replies leave from the address the peer talked to.
// Sockets are non-blocking; a full send buffer drops the datagram (the engine retransmits).
// NAT-T (RFC 3947 §4, RFC 3948 §2.2): next to each port-500 socket a socket on the NAT-T port
// (4500 or -N); on it the non-ESP marker is stripped on receive (ESP and keepalives are dropped)
// and added on send, except for keepalives (nat_t_framing.h).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/address.h"
#include "base/bytes.h"
#include "base/result.h"

namespace ike::daemon {

inline constexpr std::size_t kMaxDatagram = 65535;
// SO_RCVBUF / SO_SNDBUF of every IKE socket (the kernel doubles it for its bookkeeping):
// room for a few thousand queued IKE datagrams in a rekey storm (udp_transport.cc).
inline constexpr int kSocketBufferBytes = 4 * 1024 * 1024;

struct ReceivedDatagram {
  base::SockAddr local;
  base::SockAddr peer;
  base::Bytes bytes;
};

struct TransportConfig {
  bool inet4 = true;
  bool inet6 = true;
  uint16_t port = 500;  // 0: an ephemeral port per socket (tests)
  // [General]:Listen-on entries (addresses or interface names); empty = wildcard.
  std::vector<std::string> listen_on;
};

// How a bound socket is obtained (privilege separation: the monitor binds, priv_ops.h);
// empty: open_udp_socket() in process.
using SocketBinder = std::function<base::Result<int>(const base::SockAddr&, bool udp_encap, int* err)>;

// The NAT-T sockets opened next to the IKE ones (RFC 3947 §4).
struct NatTConfig {
  uint16_t port = 4500;           // -N; 0: ephemeral (tests)
  // The kernel decapsulates ESP in UDP on the NAT-T sockets (UDP_ENCAP_ESPINUDP). Off with -n.
  bool kernel_udp_encap = false;
};

class UdpTransport {
 public:
  struct Socket {
    int fd = -1;
    base::SockAddr bound;  // wildcard or a Listen-on address
    bool nat_t = false;    // the NAT-T port: non-ESP marker framing
  };

  // `nat_t`: also open a NAT-T socket per address (nullopt with -T).
  [[nodiscard]] static base::Result<UdpTransport> open(
      const TransportConfig& cfg, const std::optional<NatTConfig>& nat_t = std::nullopt,
      const SocketBinder& bind = {});
  UdpTransport(UdpTransport&& other) noexcept;
  UdpTransport& operator=(UdpTransport&& other) noexcept;
  UdpTransport(const UdpTransport&) = delete;
  UdpTransport& operator=(const UdpTransport&) = delete;
  ~UdpTransport();

  const std::vector<Socket>& sockets() const noexcept { return m_sockets; }
  // Drains `fd` (bounded batch) and hands each datagram to `sink`. Datagrams larger than
  // kMaxDatagram, from port 0 or without a local address are dropped and logged. Reads with
  // recvmmsg(2), up to kRecvBatch datagrams per system call, into buffers kept between calls
  // (issue #7: a 64 KiB buffer allocated and zeroed per call, and a recvmsg per datagram plus
  // one that found the queue empty, were 5 % of a responder's CPU per ECP256 handshake).
  [[nodiscard]] base::Status receive(int fd,
                                     const std::function<void(ReceivedDatagram&&)>& sink);
  // Sends from `local` (socket chosen by family, bound address and, for the NAT-T port, port)
  // to `peer`. From the NAT-T port the non-ESP marker is prefixed unless `keepalive`.
  [[nodiscard]] base::Status send(const base::SockAddr& local, const base::SockAddr& peer,
                                  base::ByteView bytes, bool keepalive = false);
  // The bound NAT-T port (0: none).
  uint16_t nat_t_port() const noexcept;
  void close_all();

 private:
  UdpTransport() = default;
  const Socket* socket_for(const base::SockAddr& local, base::Family family, bool nat_t,
                           bool peer_is_loopback) const;
  struct ReceiveArea;  // recvmmsg headers, addresses, control and kRecvBatch buffers
  std::vector<Socket> m_sockets;
  std::unique_ptr<ReceiveArea> m_rx;
};

// A non-blocking UDP socket bound to `addr` with IP_PKTINFO / IPV6_RECVPKTINFO (+ IPV6_V6ONLY)
// and, when `udp_encap`, UDP_ENCAP_ESPINUDP. `*err` gets the errno of a failing call.
[[nodiscard]] base::Result<int> open_udp_socket(const base::SockAddr& addr, bool udp_encap,
                                                int* err);

// Expands Listen-on entries: IP literals as they are, interface names to their addresses
// (getifaddrs). Families disabled in `cfg` are skipped. Errors name the entry.
[[nodiscard]] base::Result<std::vector<base::IpAddress>> resolve_listen_on(
    const TransportConfig& cfg);

}  // namespace ike::daemon
