// Retransmit timer arithmetic (isakmpd message.c message_send_expire semantics).
#include "engine/retransmit.h"

#include <functional>
#include <string_view>

namespace ike::engine {

RetransmitPolicy RetransmitPolicy::from_conf(const conf::ConfDb& conf) {
  RetransmitPolicy p;
  int64_t r = conf.get_num_or("General", "Retransmits", kDefaultRetransmits);
  p.retransmits = static_cast<int>(r < 0 ? 0 : (r > 100 ? 100 : r));
  int64_t t = conf.get_num_or("General", "Exchange-max-time", kDefaultExchangeMaxTime);
  p.exchange_max_time = base::Seconds{t <= 0 ? kDefaultExchangeMaxTime : (t > 86400 ? 86400 : t)};
  int64_t u = conf.get_num_or("General", "Max-unverifiable-messages", kDefaultMaxUnverifiable);
  p.max_unverifiable = static_cast<int>(u < 0 ? 0 : (u > 1000 ? 1000 : u));
  return p;
}

base::Seconds retransmit_interval(int transmissions) noexcept {
  return base::Seconds{2 * static_cast<int64_t>(transmissions) + 5};
}

uint64_t datagram_digest(base::ByteView bytes) noexcept {
  const std::string_view s(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return static_cast<uint64_t>(std::hash<std::string_view>{}(s)) ^ bytes.size();
}

void Retransmitter::sent(base::Bytes bytes, base::TimePoint now, bool expect_answer) {
  m_last_sent = std::move(bytes);
  m_transmissions = 1;
  m_final = !expect_answer;
  m_duplicate_answers = 0;
  m_last_transmission = now;
  if (expect_answer) {
    m_deadline = now + retransmit_interval(m_transmissions);
  } else {
    m_deadline.reset();
  }
}

Retransmitter::Expiry Retransmitter::on_timer(base::TimePoint now, int retransmits) {
  if (!m_deadline || now < *m_deadline) return Expiry::None;
  // m_transmissions - 1 resends done so far.
  if (m_transmissions - 1 >= retransmits) {
    m_deadline.reset();
    return Expiry::GiveUp;
  }
  ++m_transmissions;
  m_deadline = now + retransmit_interval(m_transmissions);
  m_last_transmission = now;
  return Expiry::Resend;
}

bool Retransmitter::answer_duplicate(base::TimePoint now) noexcept {
  if (m_last_sent.empty()) return false;
  if (m_final) return true;
  if (!m_deadline || m_duplicate_answers >= kMaxDuplicateAnswers ||
      now - m_last_transmission < kDuplicateAnswerGap) {
    return false;
  }
  ++m_duplicate_answers;
  m_last_transmission = now;
  return true;
}

}  // namespace ike::engine
