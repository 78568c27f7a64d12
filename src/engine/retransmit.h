// Retransmission of the last message of an exchange, isakmpd semantics (isakmpd-features.md
// §1.1): `[General]:Retransmits` resends (default 3) at intervals of 2*xmits+5 seconds (7, 9, 11,
// then 13 s before giving up); the final message of an exchange (sent expecting no answer) is also
// resent -- once per duplicate -- when the peer's previous message arrives again (detected by
// comparing a digest of the whole datagram). While we still wait for an answer, a duplicate is
// answered only when it is the peer's own retransmission: at least kDuplicateAnswerGap after our
// last transmission, at most kMaxDuplicateAnswers times per step (`answer_duplicate`). Copies a
// duplicating path makes of one datagram arrive together and are dropped (isakmpd
// message_check_duplicate answers only after MSG_LAST: answering every copy at every step lets
// such a path multiply the datagrams of one negotiation); a peer that retransmits after 1-4 s
// (strongSwan, libreswan) is not left waiting for our 7-s timer when our answer was lost.
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
// A duplicate of the peer's message that arrives this long after our last transmission of the
// answer is the peer's retransmission (its timer: strongSwan 1-4 s, libreswan 0.5 s doubling),
// not a path's copy of the same datagram (microseconds to milliseconds apart). Found by
// interop_lossy: strongSwan's seven QM1 retransmits went unanswered while our lost QM2 waited
// for the 7/9/11-s timer, which then had too few resends left when QM3 was lost too.
inline constexpr base::Duration kDuplicateAnswerGap{500};
// Answers to the peer's retransmissions per step (libreswan accepts two duplicates per state):
// an on-path replayer gets at most this many datagrams, each to the exchange's peer.
inline constexpr int kMaxDuplicateAnswers = 3;

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
  // A duplicate of the peer's last message arrived (is_duplicate): whether to resend our last
  // message now. The final message: always. Otherwise only while the timer still waits for an
  // answer, at least kDuplicateAnswerGap after our last transmission and at most
  // kMaxDuplicateAnswers times since the message was first sent; a yes counts as a
  // transmission for the gap (not for the timer's schedule or budget).
  bool answer_duplicate(base::TimePoint now) noexcept;

  enum class Expiry : uint8_t { None, Resend, GiveUp };
  // At/after the deadline: Resend (and re-arm) while fewer than `retransmits` resends were
  // made, GiveUp after that.
  Expiry on_timer(base::TimePoint now, int retransmits);

  std::optional<base::TimePoint> deadline() const noexcept { return m_deadline; }
  const base::Bytes& last_sent() const noexcept { return m_last_sent; }
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
  uint8_t m_duplicate_answers = 0;
  base::TimePoint m_last_transmission{};
  std::optional<base::TimePoint> m_deadline;
  std::optional<uint64_t> m_last_received;
};

}  // namespace ike::engine
