// EngineImpl's flood defences (reliability.md class 18, §A4 P1): the half-open admission
// (per-peer refusal, global eviction, the shorter Half-open-max-time deadline) that Main Mode
// and Aggressive Mode responders call before they keep state for an MM1/AM1, and the
// rate-limited log lines of the drop/refuse/fail paths. Counters (Engine::Stats) are updated
// for every event; only the log lines are limited.
#include <fmt/format.h>

#include "engine/engine_impl.h"

namespace ike::engine {

base::Status EngineImpl::half_open_admit(const base::IpAddress& peer) {
  // RFC 2408 §2.5.3: a responder must not let one source make it keep unbounded state. A peer
  // runs one phase 1 at a time (a NAT'ed site a few): over the cap the new MM1/AM1 is refused
  // rather than evicting the address's own older exchange, so that a spoofed flood with a
  // victim's address cannot replace the victim's exchange in progress by a newer one.
  std::size_t have = m_exchanges.half_open().count(peer);
  if (have >= m_half_open_limits.per_peer) {
    ++m_stats.half_open_refused;
    return base::make_error(base::ErrorCode::TooMany, base::NotifyType::None,
                            "{} half-open exchanges from {} already (Max-half-open-per-peer)",
                            have, peer.to_string());
  }
  return base::ok();
}

base::TimePoint EngineImpl::half_open_make_room(base::TimePoint now) {
  // Global cap: refusing every newcomer would hand the responder to whoever floods first;
  // evicting the oldest exchange of the address holding the most (HalfOpenTable::victim)
  // makes a many-exchange source pay first and keeps legitimate peers served.
  while (m_exchanges.half_open().size() >= m_half_open_limits.global) {
    auto victim = m_exchanges.half_open().victim();
    if (!victim) break;
    ++m_stats.half_open_evicted;
    ExchangeKey key{*victim, base::MessageId{0}};
    if (m_exchanges.find(key) == nullptr) {
      m_exchanges.remove(key);  // cannot happen (the index follows the table); never loop
      continue;
    }
    fail_exchange(key, fmt::format("half-open exchange evicted (Max-half-open {} reached)",
                                   m_half_open_limits.global));
  }
  return now + m_half_open_limits.max_time;
}

void EngineImpl::log_limited(base::LogSeverity sev, std::string_view key,
                             const std::string& text) {
  bool debug = sev == base::LogSeverity::Debug;
  if (debug && !base::Logger::instance().enabled(base::LogClass::Message, 10)) return;
  auto a = m_log_limit.admit(key, m_now);
  if (!a.log) return;
  auto line = [&](const std::string& t) {
    if (debug) {
      base::log_line(sev, base::LogClass::Message, 10, t);
    } else {
      base::log_line(sev, std::nullopt, 0, t);
    }
  };
  if (a.suppressed != 0) line(base::suppressed_summary(key, a.suppressed));
  line(text);
}

void EngineImpl::flush_log_summaries(base::TimePoint now) {
  for (const auto& s : m_log_limit.take_due_summaries(now)) {
    std::string text = base::suppressed_summary(s.key, s.suppressed);
    if (s.key.starts_with("drop:")) {
      IKE_LOG_DEBUG(Message, 10, "{}", text);
    } else {
      IKE_LOG_WARN("{}", text);
    }
  }
}

}  // namespace ike::engine
