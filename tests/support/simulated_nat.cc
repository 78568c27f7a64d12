// SimulatedNat: source NAT (masquerade) or port forwarding between two engines.
#include "support/simulated_nat.h"

namespace ike::test {

SimulatedNat::SimulatedNat(bool inside_is_left, base::IpAddress inside,
                           base::IpAddress public_address, bool port_forwarding)
    : m_inside_is_left(inside_is_left),
      m_inside(inside),
      m_public(public_address),
      m_forwarding(port_forwarding) {}

uint16_t SimulatedNat::public_port(uint16_t inside_port) const {
  if (m_forwarding) return inside_port;
  auto it = m_out.find(inside_port);
  return it == m_out.end() ? 0 : it->second;
}

void SimulatedNat::remap(uint16_t inside_port) { m_out.erase(inside_port); }

bool SimulatedNat::translate(Delivery& dv) {
  const bool outbound = dv.left_to_right == m_inside_is_left;
  if (outbound) {
    // Source NAT: inside address/port -> public address/port.
    if (dv.d.local.address != m_inside) return false;
    uint16_t port = dv.d.local.port;
    if (!m_forwarding) {
      auto it = m_out.find(port);
      if (it == m_out.end()) it = m_out.emplace(port, m_next_port++).first;
      port = it->second;
    }
    dv.d.local = base::SockAddr{m_public, port};
  } else {
    // Destination NAT of replies (masquerade) or of forwarded ports.
    if (dv.d.peer.address != m_public) {
      ++m_dropped;
      return false;
    }
    uint16_t port = dv.d.peer.port;
    if (!m_forwarding) {
      bool found = false;
      for (const auto& [in, out] : m_out) {
        if (out == port) {
          port = in;
          found = true;
        }
      }
      if (!found) {
        ++m_dropped;
        return false;
      }
    }
    dv.d.peer = base::SockAddr{m_inside, port};
  }
  m_seen.push_back(Seen{dv.left_to_right, dv.d.local, dv.d.peer, dv.d.bytes});
  return true;
}

}  // namespace ike::test
