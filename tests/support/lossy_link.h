// Test support: the wire between two engines. Every datagram gets a sequence number (1-based, in
// send order over both directions); a test scripts what happens to the N-th one: drop it,
// deliver it twice, or hold it back until the next datagram has been delivered (reorder). Each
// datagram is also appended to a log (direction + bytes) used by transcript tests.
#pragma once

#include <functional>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "engine/io.h"

namespace ike::test {

struct WireRecord {
  bool left_to_right = true;
  base::Bytes bytes;
  uint64_t seq = 0;
  bool dropped = false;
};

// One datagram arriving at the far end.
struct Delivery {
  engine::SendDatagram d;
  bool left_to_right = true;
};

class LossyLink {
 public:
  void drop(uint64_t seq) { m_drop.insert(seq); }
  void duplicate(uint64_t seq) { m_dup.insert(seq); }
  // Hold datagram `seq` back and deliver it after the next one.
  void reorder(uint64_t seq) { m_reorder.insert(seq); }
  // Drops everything from now on in one direction (a dead peer).
  void blackhole(bool left_to_right) {
    (left_to_right ? m_dead_l2r : m_dead_r2l) = true;
  }
  // Ends blackhole() in both directions (the peer came back).
  void restore() { m_dead_l2r = m_dead_r2l = false; }
  // Rewrites datagrams before they are logged and delivered (e.g. strip a vendor ID).
  std::function<void(engine::SendDatagram&, bool left_to_right)> tamper;

  // Passes one datagram through the link: returns what arrives at the other end now (0, 1 or 2
  // copies, possibly preceded by a datagram released from a reorder hold).
  std::vector<Delivery> transmit(const engine::SendDatagram& d, bool left_to_right);

  // Releases datagrams still held for reordering (when nothing else is in flight).
  std::vector<Delivery> release_held();

  const std::vector<WireRecord>& log() const noexcept { return m_log; }
  uint64_t sent() const noexcept { return m_seq; }

 private:
  uint64_t m_seq = 0;
  std::set<uint64_t> m_drop, m_dup, m_reorder;
  bool m_dead_l2r = false, m_dead_r2l = false;
  std::vector<Delivery> m_held;
  std::vector<WireRecord> m_log;
};

}  // namespace ike::test
