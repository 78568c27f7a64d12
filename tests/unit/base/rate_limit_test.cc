// LogRateLimiter: burst then steady rate per key, summaries of suppressed lines (with the next
// printed line or after a quiet period), independent keys, the key cap, fake time only.
#include "base/rate_limit.h"

#include <gtest/gtest.h>

#include <string>

namespace ike::base {
namespace {

const TimePoint kT0 = TimePoint{} + Seconds{1000};

TEST(RateLimit, BurstThenSuppressedThenSummaryWithNextLine) {
  LogRateLimiter lim({.burst = 5, .period = Seconds{1}, .max_keys = 8});
  int logged = 0;
  for (int i = 0; i < 1000; ++i) logged += lim.admit("drop", kT0).log ? 1 : 0;
  EXPECT_EQ(logged, 5);
  EXPECT_EQ(lim.total_suppressed(), 995u);
  // 200 ms later one token (period / burst) is back: the line prints with the summary.
  auto a = lim.admit("drop", kT0 + Duration{200});
  EXPECT_TRUE(a.log);
  EXPECT_EQ(a.suppressed, 995u);
  EXPECT_FALSE(lim.admit("drop", kT0 + Duration{200}).log);
  EXPECT_EQ(suppressed_summary("drop", 995), "suppressed 995 similar messages (drop)");
}

TEST(RateLimit, SteadyFloodLogsAtMostBurstPerPeriod) {
  LogRateLimiter lim({.burst = 10, .period = Seconds{1}, .max_keys = 8});
  int logged = 0;
  // 100 000 lines over 10 s (one every 100 us): 10 at once, then 10 per second.
  for (int i = 0; i < 100000; ++i) {
    logged += lim.admit("flood", kT0 + std::chrono::microseconds{100} * i).log ? 1 : 0;
  }
  EXPECT_GE(logged, 100);
  EXPECT_LE(logged, 110);
  EXPECT_EQ(lim.total_suppressed(), 100000u - static_cast<uint64_t>(logged));
}

TEST(RateLimit, DueSummaryAfterQuietPeriod) {
  LogRateLimiter lim({.burst = 2, .period = Seconds{1}, .max_keys = 8});
  for (int i = 0; i < 7; ++i) (void)lim.admit("k", kT0);
  EXPECT_EQ(lim.next_summary_due(), kT0 + Seconds{1});
  EXPECT_TRUE(lim.take_due_summaries(kT0 + Duration{999}).empty());
  auto due = lim.take_due_summaries(kT0 + Seconds{1});
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].key, "k");
  EXPECT_EQ(due[0].suppressed, 5u);
  // Reported once.
  EXPECT_TRUE(lim.take_due_summaries(kT0 + Seconds{5}).empty());
  EXPECT_FALSE(lim.next_summary_due().has_value());
  auto a = lim.admit("k", kT0 + Seconds{5});
  EXPECT_TRUE(a.log);
  EXPECT_EQ(a.suppressed, 0u);
}

TEST(RateLimit, KeysAreIndependentAndCapped) {
  LogRateLimiter lim({.burst = 1, .period = Seconds{1}, .max_keys = 3});
  EXPECT_TRUE(lim.admit("a", kT0).log);
  EXPECT_FALSE(lim.admit("a", kT0).log);
  EXPECT_TRUE(lim.admit("b", kT0).log);  // its own bucket
  // The third key and every key after it share the overflow bucket.
  EXPECT_TRUE(lim.admit("c", kT0).log);
  EXPECT_FALSE(lim.admit("d", kT0).log);
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(lim.admit(std::to_string(i), kT0).log);
  auto due = lim.take_due_summaries(kT0 + Seconds{1});
  ASSERT_EQ(due.size(), 2u);  // "a" and the overflow bucket
  EXPECT_EQ(due[0].key, "a");
  EXPECT_EQ(due[1].key, LogRateLimiter::kOverflowKey);
  EXPECT_EQ(due[1].suppressed, 1001u);
}

TEST(RateLimit, TimeGoingBackwardsNeverRefills) {
  LogRateLimiter lim({.burst = 1, .period = Seconds{1}, .max_keys = 4});
  EXPECT_TRUE(lim.admit("k", kT0 + Seconds{10}).log);
  EXPECT_FALSE(lim.admit("k", kT0).log);
  EXPECT_FALSE(lim.admit("k", kT0 + Seconds{10}).log);
  EXPECT_TRUE(lim.admit("k", kT0 + Seconds{11}).log);
}

}  // namespace
}  // namespace ike::base
