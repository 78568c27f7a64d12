// Event loop: fd readiness, the timerfd armed at absolute steady_clock deadlines, and
// signals delivered through the signalfd (blocked, never as asynchronous handlers).
#include "daemon/event_loop.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <vector>

namespace ike::daemon {
namespace {

using namespace std::chrono_literals;

TEST(EventLoop, FdCallbacksAndRemoval) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  auto loop = EventLoop::create({});
  ASSERT_TRUE(loop);
  int calls = 0;
  ASSERT_TRUE((*loop)->add_fd(p[0], [&] {
    char c;
    ASSERT_EQ(::read(p[0], &c, 1), 1);
    ++calls;
    (*loop)->remove_fd(p[0]);  // a callback may remove its own fd
  }));
  ASSERT_EQ(::write(p[1], "xy", 2), 2);
  ASSERT_TRUE((*loop)->run_once(100ms));
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE((*loop)->run_once(10ms));  // removed: the pending byte is not dispatched
  EXPECT_EQ(calls, 1);
  ::close(p[0]);
  ::close(p[1]);
}

TEST(EventLoop, TimerFiresAtDeadlineAndCanBeDisarmed) {
  auto loop = EventLoop::create({});
  ASSERT_TRUE(loop);
  int fired = 0;
  (*loop)->on_timer([&] { ++fired; });
  auto start = base::Clock::now();
  ASSERT_TRUE((*loop)->arm_timer(start + 30ms));
  EXPECT_TRUE((*loop)->armed_deadline().has_value());
  while (fired == 0 && base::Clock::now() - start < 2s) {
    ASSERT_TRUE((*loop)->run_once(500ms));
  }
  EXPECT_EQ(fired, 1);
  EXPECT_GE(base::Clock::now() - start, 30ms);
  EXPECT_FALSE((*loop)->armed_deadline().has_value());

  ASSERT_TRUE((*loop)->arm_timer(base::Clock::now() + 20ms));
  ASSERT_TRUE((*loop)->arm_timer(std::nullopt));
  ASSERT_TRUE((*loop)->run_once(60ms));
  EXPECT_EQ(fired, 1);

  // A deadline in the past fires immediately.
  ASSERT_TRUE((*loop)->arm_timer(base::Clock::now() - 1s));
  ASSERT_TRUE((*loop)->run_once(1s));
  EXPECT_EQ(fired, 2);
}

TEST(EventLoop, SameDeadlineIsNotSetAgainButFiresAfterItFired) {
  auto loop = EventLoop::create({});
  ASSERT_TRUE(loop);
  int fired = 0;
  (*loop)->on_timer([&] { ++fired; });
  const auto at = base::Clock::now() + 20ms;
  ASSERT_TRUE((*loop)->arm_timer(at));
  const uint64_t settings = (*loop)->timer_settings();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*loop)->arm_timer(at));  // after every datagram
  EXPECT_EQ((*loop)->timer_settings(), settings);
  const auto start = base::Clock::now();
  while (fired == 0 && base::Clock::now() - start < 2s) ASSERT_TRUE((*loop)->run_once(500ms));
  EXPECT_EQ(fired, 1);
  // Fired: the timer is disarmed, so the same deadline (now past) is set again and fires again.
  ASSERT_TRUE((*loop)->arm_timer(at));
  EXPECT_EQ((*loop)->timer_settings(), settings + 1);
  ASSERT_TRUE((*loop)->run_once(1s));
  EXPECT_EQ(fired, 2);
  // Disarming twice is one call; arming after a disarm is one more.
  ASSERT_TRUE((*loop)->arm_timer(std::nullopt));
  ASSERT_TRUE((*loop)->arm_timer(std::nullopt));
  EXPECT_EQ((*loop)->timer_settings(), settings + 1);  // fired: already nullopt
  ASSERT_TRUE((*loop)->arm_timer(base::Clock::now() + 1h));
  ASSERT_TRUE((*loop)->arm_timer(std::nullopt));
  ASSERT_TRUE((*loop)->arm_timer(std::nullopt));
  EXPECT_EQ((*loop)->timer_settings(), settings + 3);
  ASSERT_TRUE((*loop)->run_once(30ms));
  EXPECT_EQ(fired, 2);
}

TEST(EventLoop, SignalsArriveThroughSignalfd) {
  const int sigs[] = {SIGUSR1, SIGHUP};
  auto loop = EventLoop::create(sigs);
  ASSERT_TRUE(loop);
  std::vector<int> got;
  (*loop)->on_signal([&](int s) {
    got.push_back(s);
    if (s == SIGHUP) (*loop)->stop();
  });
  ASSERT_EQ(::kill(::getpid(), SIGUSR1), 0);  // blocked: would otherwise terminate the test
  ASSERT_TRUE((*loop)->run_once(1s));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], SIGUSR1);
  ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
  ASSERT_TRUE((*loop)->run());  // returns once the callback calls stop()
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], SIGHUP);
  EXPECT_TRUE((*loop)->stopped());
}

TEST(EventLoop, SignalMaskIsRestored) {
  sigset_t before;
  ASSERT_EQ(::sigprocmask(SIG_SETMASK, nullptr, &before), 0);
  ASSERT_EQ(sigismember(&before, SIGUSR2), 0);
  {
    const int sigs[] = {SIGUSR2};
    auto loop = EventLoop::create(sigs);
    ASSERT_TRUE(loop);
    sigset_t during;
    ASSERT_EQ(::sigprocmask(SIG_SETMASK, nullptr, &during), 0);
    EXPECT_EQ(sigismember(&during, SIGUSR2), 1);
  }
  sigset_t after;
  ASSERT_EQ(::sigprocmask(SIG_SETMASK, nullptr, &after), 0);
  EXPECT_EQ(sigismember(&after, SIGUSR2), 0);
}

}  // namespace
}  // namespace ike::daemon
