// Retransmission of the last message of an exchange, isakmpd semantics (isakmpd-features.md
// §1.1): `[General]:Retransmits` resends (default 3) at intervals of 2*xmits+5 seconds (7, 9, 11,
// then 13 s before giving up); the final message of an exchange (sent expecting no answer) is also
// resent -- once per duplicate -- when the peer's previous message arrives again (detected by
// comparing a digest of the whole datagram). A duplicate arriving while we still wait for an
// answer is dropped and left to the timer (isakmpd message_check_duplicate: resend only when the
// last message sent was MSG_LAST): answering every duplicate at every step lets a duplicating
// path multiply the datagrams of one negotiation at each step.
// `[General]:Exchange-max-time` (default 120 s) bounds an exchange's life. Owns only the timer
// arithmetic and the cached datagram; the engine decides what to do when a timer fires.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/clock.h"
#include "conf/conf_db.h"

namespace ike::engine {

inline constexpr int kDefaultRetransmits = 3;
inline constexpr int kDefaultExchangeMaxTime = 120;  // seconds (EXCHANGE_MAX_TIME)
// [General]:Max-unverifiable-messages: off by default, since with any cap N an off-path attacker
// who saw the cookies ends a negotiation with N forged datagrams (unverifiable.cc).
inline constexpr int kDefaultMaxUnverifiable = 0;

struct RetransmitPolicy {
  int retransmits = kDefaultRetransmits;
  base::Seconds exchange_max_time{kDefaultExchangeMaxTime};
  // Unverifiable messages (unverifiable.cc) an exchange drops before it fails early (0: never).
  int max_unverifiable = kDefaultMaxUnverifiable;
  static RetransmitPolicy from_conf(const conf::ConfDb& conf);
};

// isakmpd message.c: the n-th transmission (n >= 1) waits 2*n+5 seconds for an answer.
base::Seconds retransmit_interval(int transmissions) noexcept;

// A 64-bit digest of a datagram (std::hash of its bytes: 8 bytes per step, where byte-wise
// FNV-1a was 0.9 % of a responder's CPU per handshake), used only to recognise an exact
// duplicate of the last message received by an exchange (a collision merely resends a cached
// reply).
uint64_t datagram_digest(base::ByteView bytes) noexcept;

class Retransmitter {
 public:
  // Records a freshly sent message. `expect_answer` arms the timer (the final message of an
  // exchange is only kept for duplicate answers, never resent on a timer).
  void sent(base::Bytes bytes, base::TimePoint now, bool expect_answer);
  // Stops the timer (the answer arrived) but keeps the message cached.
  void answered() noexcept { m_deadline.reset(); }

  enum class Expiry : uint8_t { None, Resend, GiveUp };
  // At/after the deadline: Resend (and re-arm) while fewer than `retransmits` resends were
  // made, GiveUp after that.
  Expiry on_timer(base::TimePoint now, int retransmits);

  std::optional<base::TimePoint> deadline() const noexcept { return m_deadline; }
  const base::Bytes& last_sent() const noexcept { return m_last_sent; }
  bool has_last_sent() const noexcept { return !m_last_sent.empty(); }
  // The last message sent was the exchange's final one (sent with expect_answer = false).
  bool last_sent_final() const noexcept { return m_final; }
  int transmissions() const noexcept { return m_transmissions; }

  // Duplicate detection of the peer's last message.
  void received(base::ByteView bytes) noexcept { m_last_received = datagram_digest(bytes); }
  bool is_duplicate(base::ByteView bytes) const noexcept {
    return m_last_received && *m_last_received == datagram_digest(bytes);
  }

 private:
  base::Bytes m_last_sent;
  int m_transmissions = 0;
  bool m_final = false;
  std::optional<base::TimePoint> m_deadline;
  std::optional<uint64_t> m_last_received;
};

}  // namespace ike::engine
