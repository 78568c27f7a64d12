// Hashes for the tables indexed by values a peer chooses: its initiator cookie, its source
// address, the SPIs and message ids it picks (issue #7: "hash lookups by cookie/SPI/peer";
// reliability.md: all input is hostile). An unkeyed hash (libstdc++'s std::hash<uint64_t> is the
// identity, FNV-1a is public) lets a peer send values that land in one bucket, and every lookup
// then walks that chain (hash flooding). These are keyed with 256 random bits drawn once per
// process (getrandom(2)), so which values collide is unknown to a peer.
//
// The key changes every run, so iteration over an unordered table keyed by these differs from
// run to run: nothing whose order reaches a datagram, a report or a log iterates one (the
// engine's ordered maps stay the iteration order; sa_db.h, exchange.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/bytes.h"

namespace ike::base {

namespace keyed_hash_detail {

using Key = std::array<uint64_t, 4>;
Key draw_key() noexcept;  // getrandom(2); odd multipliers in words 1 and 3
inline const Key& key() noexcept {
  static const Key k = draw_key();
  return k;
}
// MurmurHash3's 64-bit finaliser (Austin Appleby, public domain algorithm).
constexpr uint64_t fmix64(uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}
constexpr uint64_t rotl(uint64_t x, int r) noexcept { return (x << r) | (x >> (64 - r)); }

}  // namespace keyed_hash_detail

// Two 64-bit words to a hash: a keyed multiply of each word, combined and mixed by the
// MurmurHash3 64-bit finaliser (so that all bits of the result depend on all input bits; the
// table's bucket is the hash modulo a prime). Inline: libstdc++ does not store these hashes in
// the table's nodes, so a lookup, an erase and a rehash call it again per node (issue #7).
inline std::size_t keyed_hash(uint64_t a, uint64_t b = 0) noexcept {
  using namespace keyed_hash_detail;
  const Key& k = key();
  const uint64_t x = (a ^ k[0]) * k[1];
  const uint64_t y = (b ^ k[2]) * k[3];
  return static_cast<std::size_t>(fmix64(x ^ rotl(y, 31)));
}
// Any bytes (8-byte words chained through keyed_hash, the length mixed in).
std::size_t keyed_hash(ByteView bytes) noexcept;

}  // namespace ike::base
