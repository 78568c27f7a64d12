// Helpers shared by the crypto tests: hex literals, vector-file loading with gtest failures, a
// scripted base::Random and one process-wide provider per configuration.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <string_view>

#include "base/hex.h"
#include "crypto/openssl_provider.h"
#include "support/vec_file.h"

namespace ike::crypto::testing {

inline base::Bytes hex(std::string_view s) {
  auto r = base::from_hex(s);
  EXPECT_TRUE(r.has_value()) << "bad hex literal: " << s;
  return r ? std::move(r).value() : base::Bytes{};
}

inline std::string hexstr(base::ByteView v) { return base::to_hex(v); }

// Loads tests/vectors/<file>; fails the test (and returns an empty file) on error.
inline test::VecFile load(std::string_view file) {
  auto r = test::load_vec(test::vector_path(file));
  EXPECT_TRUE(r.has_value()) << (r ? std::string() : r.error().detail);
  return r ? std::move(r).value() : test::VecFile{};
}

inline base::Bytes field(const test::VecBlock& b, std::string_view key) {
  auto r = b.hex(key);
  EXPECT_TRUE(r.has_value()) << (r ? std::string() : r.error().detail);
  return r ? std::move(r).value() : base::Bytes{};
}

// Hands out scripted bytes, then fails the test if asked for more.
class ScriptedRandom final : public base::Random {
 public:
  void push(base::ByteView v) { m_bytes.insert(m_bytes.end(), v.begin(), v.end()); }
  void fill(std::span<uint8_t> out) override {
    for (uint8_t& b : out) {
      if (m_bytes.empty()) {
        ADD_FAILURE() << "ScriptedRandom exhausted";
        b = 0;
        continue;
      }
      b = m_bytes.front();
      m_bytes.pop_front();
    }
  }
  std::size_t remaining() const { return m_bytes.size(); }

 private:
  std::deque<uint8_t> m_bytes;
};

inline const OpenSslProvider& provider() {
  static const OpenSslProvider p;
  return p;
}

inline const OpenSslProvider& legacy_provider() {
  static const OpenSslProvider p(OpenSslProvider::Options{.enable_legacy = true});
  return p;
}

}  // namespace ike::crypto::testing
