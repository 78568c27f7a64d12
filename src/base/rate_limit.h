// Rate limiting of repetitive log lines (reliability.md class 18 and §A4 P1: "log lines emitted
// per 1 000 bad packets"): a token bucket per key (a reason category, never peer-controlled
// text). Each key may log `burst` lines at once and then `burst` lines per `period`; lines over
// that are only counted, and the count comes back once as a summary ("suppressed K similar
// messages"), either with the next line the bucket lets through or from take_due_summaries()
// once a period has passed without one. Time is injected (`now`), so the engine stays sans-I/O
// and tests replay exactly. Keys are capped (`max_keys`; further keys share one overflow bucket)
// so the limiter's memory is bounded whatever the input. Owns only the buckets; callers print.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"

namespace ike::base {

class LogRateLimiter {
 public:
  struct Options {
    uint32_t burst = 10;                 // lines per period per key (and the bucket size)
    Duration period = Seconds{1};
    std::size_t max_keys = 64;           // distinct buckets; more keys share kOverflowKey
  };
  static constexpr std::string_view kOverflowKey = "other";

  LogRateLimiter() : LogRateLimiter(Options{}) {}
  explicit LogRateLimiter(Options options);

  struct Admission {
    bool log = false;         // print this line
    uint64_t suppressed = 0;  // with log: lines of this key suppressed since its last line
  };
  // One line of kind `key` at `now`: whether to print it (and the summary to print first).
  Admission admit(std::string_view key, TimePoint now);

  struct Summary {
    std::string key;
    uint64_t suppressed = 0;
  };
  // Keys that suppressed lines and printed none for a whole period: their summaries (each
  // reported once; the counts restart).
  std::vector<Summary> take_due_summaries(TimePoint now);
  // When take_due_summaries() has something to return next (nullopt: nothing suppressed).
  std::optional<TimePoint> next_summary_due() const;

  uint64_t total_suppressed() const noexcept { return m_total_suppressed; }
  const Options& options() const noexcept { return m_options; }

 private:
  struct Bucket {
    Clock::duration credit{};  // a line costs period / burst; capacity = period
    TimePoint last{};         // last refill
    uint64_t pending = 0;     // suppressed since the last printed line / summary
    TimePoint first_pending{};
  };
  Bucket& bucket(std::string_view key, TimePoint now);

  Options m_options;
  Clock::duration m_cost;  // clock resolution: sub-millisecond arrivals refill exactly
  std::map<std::string, Bucket, std::less<>> m_buckets;
  uint64_t m_total_suppressed = 0;
};

// "suppressed 42 similar messages (half_open_cap)": the summary line callers print.
std::string suppressed_summary(std::string_view key, uint64_t suppressed);

}  // namespace ike::base
