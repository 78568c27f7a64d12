// LossyLink: scripted drop / duplicate / reorder of numbered datagrams.
#include "support/lossy_link.h"

namespace ike::test {

std::vector<Delivery> LossyLink::transmit(const engine::SendDatagram& original,
                                                      bool left_to_right) {
  engine::SendDatagram d = original;
  if (tamper) tamper(d, left_to_right);
  uint64_t seq = ++m_seq;
  bool dead = left_to_right ? m_dead_l2r : m_dead_r2l;
  bool dropped = dead || m_drop.count(seq) != 0;
  m_log.push_back(WireRecord{left_to_right, d.bytes, seq, dropped});
  std::vector<Delivery> out;
  if (dropped) return out;
  if (m_reorder.count(seq) != 0) {
    m_held.push_back(Delivery{d, left_to_right});
    return out;
  }
  out.push_back(Delivery{d, left_to_right});
  if (m_dup.count(seq) != 0) out.push_back(Delivery{d, left_to_right});
  for (auto& h : m_held) out.push_back(std::move(h));
  m_held.clear();
  return out;
}

std::vector<Delivery> LossyLink::release_held() {
  std::vector<Delivery> out;
  for (auto& h : m_held) out.push_back(std::move(h));
  m_held.clear();
  return out;
}

}  // namespace ike::test
