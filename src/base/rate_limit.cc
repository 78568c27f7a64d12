// LogRateLimiter: token buckets per key in units of time (credit), integer arithmetic only.
#include "base/rate_limit.h"

#include <algorithm>

#include <fmt/format.h>

namespace ike::base {

LogRateLimiter::LogRateLimiter(Options options) : m_options(options) {
  if (m_options.burst == 0) m_options.burst = 1;
  if (m_options.period <= Duration::zero()) m_options.period = Seconds{1};
  if (m_options.max_keys == 0) m_options.max_keys = 1;
  m_cost = std::chrono::duration_cast<Clock::duration>(m_options.period) / m_options.burst;
  if (m_cost <= Clock::duration::zero()) m_cost = Clock::duration{1};
}

LogRateLimiter::Bucket& LogRateLimiter::bucket(std::string_view key, TimePoint now) {
  auto it = m_buckets.find(key);
  if (it == m_buckets.end()) {
    // The overflow bucket is always allowed so that the cap holds with it included.
    if (m_buckets.size() + 1 >= m_options.max_keys && key != kOverflowKey) key = kOverflowKey;
    it = m_buckets.find(key);
    if (it == m_buckets.end()) {
      Bucket b;
      b.credit = m_cost * m_options.burst;  // a full bucket: the first `burst` lines print
      b.last = now;
      it = m_buckets.emplace(std::string(key), b).first;
    }
  }
  Bucket& b = it->second;
  if (now > b.last) {
    b.credit = std::min<Clock::duration>(b.credit + (now - b.last), m_cost * m_options.burst);
    b.last = now;
  }
  return b;
}

LogRateLimiter::Admission LogRateLimiter::admit(std::string_view key, TimePoint now) {
  Bucket& b = bucket(key, now);
  Admission a;
  if (b.credit >= m_cost) {
    b.credit -= m_cost;
    a.log = true;
    a.suppressed = b.pending;
    b.pending = 0;
    return a;
  }
  if (b.pending == 0) b.first_pending = now;
  ++b.pending;
  ++m_total_suppressed;
  return a;
}

std::vector<LogRateLimiter::Summary> LogRateLimiter::take_due_summaries(TimePoint now) {
  std::vector<Summary> out;
  for (auto& [key, b] : m_buckets) {
    if (b.pending != 0 && now >= b.first_pending + m_options.period) {
      out.push_back(Summary{key, b.pending});
      b.pending = 0;
    }
  }
  return out;
}

std::optional<TimePoint> LogRateLimiter::next_summary_due() const {
  std::optional<TimePoint> due;
  for (const auto& [key, b] : m_buckets) {
    if (b.pending == 0) continue;
    TimePoint t = b.first_pending + m_options.period;
    if (!due || t < *due) due = t;
  }
  return due;
}

std::string suppressed_summary(std::string_view key, uint64_t suppressed) {
  return fmt::format("suppressed {} similar message{} ({})", suppressed,
                     suppressed == 1 ? "" : "s", key);
}

}  // namespace ike::base
