// Test support: one UDP datagram from a given local IPv4 address (bound first, so the kernel's
// policy lookup sees that source) to a destination, e.g. to make XFRM raise an ACQUIRE for an
// outbound policy in a test namespace. Header-only; returns false if the socket could not be
// bound (the send itself may fail silently: an ACQUIRE is what the tests look for).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace ike::test {

inline bool send_udp_probe(uint32_t from_v4, uint32_t to_v4, uint16_t port = 9) {
  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) return false;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  from.sin_addr.s_addr = htonl(from_v4);
  if (::bind(s, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0) {
    ::close(s);
    return false;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(to_v4);
  (void)::sendto(s, "x", 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  ::close(s);
  return true;
}

}  // namespace ike::test
