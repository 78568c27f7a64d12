// Test support: a fake monotonic clock. The engine never reads a clock (CONTRIBUTING rule 1);
// tests hold one FakeClock, pass `now()` into every engine call and move time forward explicitly
// (usually to Engine::next_deadline()). The start point is fixed so transcripts replay exactly.
#pragma once

#include "base/clock.h"

namespace ike::test {

class FakeClock {
 public:
  // A fixed, arbitrary epoch: 1,000,000 s after the steady_clock zero.
  static base::TimePoint start_time() { return base::TimePoint{} + base::Seconds{1'000'000}; }

  base::TimePoint now() const noexcept { return m_now; }
  void advance(base::Duration d) noexcept { m_now += d; }
  // Moves forward to `t` (never backwards).
  void advance_to(base::TimePoint t) noexcept {
    if (t > m_now) m_now = t;
  }
  base::Duration elapsed() const noexcept {
    return std::chrono::duration_cast<base::Duration>(m_now - start_time());
  }

 private:
  base::TimePoint m_now = start_time();
};

}  // namespace ike::test
