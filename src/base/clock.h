// Time as an injected value: the engine never reads a clock, every entry point takes `now`.
// The daemon feeds steady_clock; tests feed a fake clock so exchanges replay byte for byte.
#pragma once

#include <chrono>

namespace ike::base {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::milliseconds;
using Seconds = std::chrono::seconds;

}  // namespace ike::base
