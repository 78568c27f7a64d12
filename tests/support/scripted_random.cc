// Deterministic random stream for tests: explicit pool first, then SplitMix64 (Steele et al.,
// "Fast splittable pseudorandom number generators", 2014) output bytes, big-endian per word.
#include "support/scripted_random.h"

namespace ike::test {

uint8_t ScriptedRandom::next_stream_byte() {
  if (m_word_left == 0) {
    // SplitMix64 step.
    m_state += 0x9e3779b97f4a7c15ULL;
    uint64_t z = m_state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    m_word = z ^ (z >> 31);
    m_word_left = 8;
  }
  --m_word_left;
  return static_cast<uint8_t>(m_word >> (8 * m_word_left));
}

void ScriptedRandom::fill(std::span<uint8_t> out) {
  for (uint8_t& b : out) {
    if (!m_pool.empty()) {
      b = m_pool.front();
      m_pool.pop_front();
    } else {
      b = next_stream_byte();
    }
  }
  m_drawn += out.size();
}

}  // namespace ike::test
