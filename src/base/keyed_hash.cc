// Keyed hashing for peer-chosen table keys (keyed_hash.h).
#include "base/keyed_hash.h"

#include <sys/random.h>

#include <array>
#include <cstdlib>
#include <cstring>

namespace ike::base {
namespace {

struct HashKey {
  std::array<uint64_t, 4> k{};
};

HashKey draw_key() noexcept {
  HashKey key;
  auto* p = reinterpret_cast<unsigned char*>(key.k.data());
  std::size_t got = 0;
  while (got < sizeof key.k) {
    ssize_t n = getrandom(p + got, sizeof key.k - got, 0);
    if (n < 0) {
      std::abort();  // no kernel randomness at all: nothing safe to fall back to
    }
    got += static_cast<std::size_t>(n);
  }
  key.k[1] |= 1;  // odd multipliers: a bijection on 64-bit words
  key.k[3] |= 1;
  return key;
}

const HashKey& hash_key() noexcept {
  static const HashKey key = draw_key();
  return key;
}

constexpr uint64_t fmix64(uint64_t x) noexcept {
  // MurmurHash3's 64-bit finaliser (Austin Appleby, public domain algorithm).
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

constexpr uint64_t rotl(uint64_t x, int r) noexcept { return (x << r) | (x >> (64 - r)); }

}  // namespace

std::size_t keyed_hash(uint64_t a, uint64_t b) noexcept {
  const auto& k = hash_key().k;
  const uint64_t x = (a ^ k[0]) * k[1];
  const uint64_t y = (b ^ k[2]) * k[3];
  return static_cast<std::size_t>(fmix64(x ^ rotl(y, 31)));
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
