// Test support: a NAT between the two engines of an EnginePair (install with
// EnginePair::middlebox). One side is "inside" with a private address; the NAT translates its
// datagrams to a public address. Masquerade mode (like `nft ... masquerade`) maps each inside
// (address, port) to a fresh public port on first use and only lets replies to a mapped port
// back in; port-forwarding mode keeps the ports and forwards every port (static DNAT, a
// responder behind a NAT). remap() gives an inside port a new public port (NAT rebinding).
// Every delivery is recorded with its (translated) addresses so tests can assert ports.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "support/lossy_link.h"

namespace ike::test {

class SimulatedNat {
 public:
  // `inside_is_left`: the left engine is behind the NAT.
  SimulatedNat(bool inside_is_left, base::IpAddress inside, base::IpAddress public_address,
               bool port_forwarding);

  // Translates `dv` in place; false = the NAT drops it (no mapping for a reply).
  bool translate(Delivery& dv);
  // NAT rebinding: the next datagram from the inside port gets a new public port.
  void remap(uint16_t inside_port);
  uint16_t public_port(uint16_t inside_port) const;

  struct Seen {
    bool left_to_right;
    base::SockAddr from, to;  // as the receiver sees them
    base::Bytes bytes;
  };
  const std::vector<Seen>& seen() const noexcept { return m_seen; }
  std::size_t dropped() const noexcept { return m_dropped; }

 private:
  bool m_inside_is_left;
  base::IpAddress m_inside, m_public;
  bool m_forwarding;
  uint16_t m_next_port = 40000;
  std::map<uint16_t, uint16_t> m_out;  // inside port -> public port
  std::vector<Seen> m_seen;
  std::size_t m_dropped = 0;
};

}  // namespace ike::test
