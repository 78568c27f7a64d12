// Keyed hashing for peer-chosen table keys (keyed_hash.h).
#include "base/keyed_hash.h"

#include <sys/random.h>

#include <cstdlib>
#include <cstring>

namespace ike::base {

keyed_hash_detail::Key keyed_hash_detail::draw_key() noexcept {
  Key key{};
  auto* p = reinterpret_cast<unsigned char*>(key.data());
  std::size_t got = 0;
  while (got < sizeof key) {
    ssize_t n = getrandom(p + got, sizeof key - got, 0);
    if (n < 0) {
      std::abort();  // no kernel randomness at all: nothing safe to fall back to
    }
    got += static_cast<std::size_t>(n);
  }
  key[1] |= 1;  // odd multipliers: a bijection on 64-bit words
  key[3] |= 1;
  return key;
}

std::size_t keyed_hash(ByteView bytes) noexcept {
  uint64_t h = bytes.size();
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, bytes.data() + i, 8);
    h = keyed_hash(h, w);
  }
  if (i < bytes.size()) {
    uint64_t w = 0;
    std::memcpy(&w, bytes.data() + i, bytes.size() - i);
    h = keyed_hash(h ^ 0x8000000000000000ULL, w);  // a short tail differs from a full word
  }
  return static_cast<std::size_t>(keyed_hash(h, bytes.size()));
}

}  // namespace ike::base
