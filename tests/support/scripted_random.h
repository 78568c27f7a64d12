// Test support: a deterministic base::Random. Bytes come first from an explicit pool (scripted
// values a test wants at a precise draw, e.g. a cookie) and then from a SplitMix64 stream seeded
// by the test, so a whole exchange (cookies, nonces, DH private values, message ids) replays byte
// for byte. Every byte handed out is counted; nothing here is cryptographically strong.
#pragma once

#include <cstdint>
#include <deque>
#include <span>

#include "base/bytes.h"
#include "base/random.h"

namespace ike::test {

class ScriptedRandom final : public base::Random {
 public:
  explicit ScriptedRandom(uint64_t seed = 1) : m_state(seed) {}

  void fill(std::span<uint8_t> out) override;

  // Queues bytes handed out before the seeded stream resumes.
  void push(base::ByteView bytes) { m_pool.insert(m_pool.end(), bytes.begin(), bytes.end()); }
  void reseed(uint64_t seed) { m_state = seed; m_pool.clear(); }
  uint64_t bytes_drawn() const noexcept { return m_drawn; }

 private:
  uint8_t next_stream_byte();

  uint64_t m_state;
  uint64_t m_word = 0;
  unsigned m_word_left = 0;
  std::deque<uint8_t> m_pool;
  uint64_t m_drawn = 0;
};

}  // namespace ike::test
