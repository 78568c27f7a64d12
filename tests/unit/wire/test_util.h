// Small helpers for the wire tests: error expectations and byte patching.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "base/result.h"
#include "wire/message.h"

namespace ike::wire::test {

// Expects `r` to fail with `notify` and a detail containing `needle`.
template <class T>
::testing::AssertionResult fails_with(const base::Result<T>& r, base::NotifyType notify,
                                      const std::string& needle = "") {
  if (r.has_value()) return ::testing::AssertionFailure() << "parse unexpectedly succeeded";
  const auto& e = r.error();
  if (e.notify != notify) {
    return ::testing::AssertionFailure()
           << "notify " << static_cast<int>(e.notify) << " (expected "
           << static_cast<int>(notify) << "), detail: " << e.detail;
  }
  if (e.detail.find(needle) == std::string::npos) {
    return ::testing::AssertionFailure() << "detail '" << e.detail << "' lacks '" << needle << "'";
  }
  return ::testing::AssertionSuccess() << e.detail;
}

inline void put_u16(Bytes& b, std::size_t at, uint16_t v) {
  b.at(at) = static_cast<uint8_t>(v >> 8);
  b.at(at + 1) = static_cast<uint8_t>(v);
}
inline uint16_t get_u16(const Bytes& b, std::size_t at) {
  return static_cast<uint16_t>((b.at(at) << 8) | b.at(at + 1));
}
inline void put_u32(Bytes& b, std::size_t at, uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) b.at(at + i) = static_cast<uint8_t>(v >> (24 - 8 * i));
}

inline std::vector<Payload> values_of(const std::vector<PayloadEntry>& entries) {
  std::vector<Payload> out;
  for (const auto& e : entries) out.push_back(e.value);
  return out;
}

}  // namespace ike::wire::test
