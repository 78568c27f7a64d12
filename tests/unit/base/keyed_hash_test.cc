// Keyed hashing of peer-chosen table keys (base/keyed_hash.h, issue #7 and reliability.md's
// "all input is hostile"): values a peer picks so that an unkeyed hash would put them all in one
// bucket spread over the buckets like random ones; equal inputs hash equally within a process.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>

#include "base/ids.h"
#include "base/keyed_hash.h"

namespace ike::base {
namespace {

Cookie cookie_of(uint64_t v) {
  Cookie c;
  for (std::size_t i = 0; i < 8; ++i) c.bytes[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
  return c;
}

template <class Table>
std::size_t largest_bucket(const Table& t) {
  std::size_t most = 0;
  for (std::size_t b = 0; b < t.bucket_count(); ++b) most = std::max(most, t.bucket_size(b));
  return most;
}

TEST(KeyedHash, EqualInputsHashEquallyAndTheKeyIsApplied) {
  EXPECT_EQ(keyed_hash(1, 2), keyed_hash(1, 2));
  EXPECT_NE(keyed_hash(1, 2), keyed_hash(2, 1));
  // libstdc++'s std::hash<uint64_t> is the identity: a keyed hash is not (for 64 values the
  // chance that all of them are fixed points of a random function is nil).
  int fixed_points = 0;
  for (uint64_t v = 0; v < 64; ++v) {
    fixed_points += std::hash<Cookie>{}(cookie_of(v)) == v ? 1 : 0;
  }
  EXPECT_EQ(fixed_points, 0);
  const Cookie c = cookie_of(0x0123456789abcdefULL);
  EXPECT_EQ(std::hash<Cookie>{}(c), std::hash<Cookie>{}(cookie_of(0x0123456789abcdefULL)));
  EXPECT_EQ(std::hash<CookiePair>{}(CookiePair{c, c}), std::hash<CookiePair>{}(CookiePair{c, c}));
}

TEST(KeyedHash, BytesOfDifferentLengthsOrOneBitApartDiffer) {
  const uint8_t zeros[16] = {};
  std::unordered_set<std::size_t> seen;
  for (std::size_t n = 0; n <= 16; ++n) seen.insert(keyed_hash(ByteView(zeros, n)));
  EXPECT_EQ(seen.size(), 17u);  // a zero tail is not the same input as a shorter one
  uint8_t a[16] = {10, 0, 0, 1};
  uint8_t b[16] = {10, 0, 0, 1};
  b[3] ^= 0x80;
  EXPECT_NE(keyed_hash(ByteView(a, 4)), keyed_hash(ByteView(b, 4)));
  EXPECT_EQ(keyed_hash(ByteView(a, 16)), keyed_hash(ByteView(a, 16)));
}

// The initiator cookie is the peer's choice. Multiples of the table's bucket count all land in
// bucket 0 under the identity hash (libstdc++ buckets by hash modulo a prime); keyed, 20 000 of
// them fill the buckets like random values (load factor < 1: the largest bucket of a random
// assignment holds under 10; 16 fails by chance with probability far below 1e-9).
TEST(KeyedHash, InitiatorCookiesChosenToCollideSpreadOverTheBuckets) {
  constexpr uint64_t kCount = 20000;
  std::unordered_map<Cookie, int> by_cookie;
  by_cookie.reserve(kCount);
  const uint64_t buckets = by_cookie.bucket_count();
  std::unordered_map<CookiePair, int> by_pair;
  by_pair.reserve(kCount);
  const uint64_t pair_buckets = by_pair.bucket_count();
  const Cookie ours = cookie_of(0x1122334455667788ULL);
  for (uint64_t k = 1; k <= kCount; ++k) {
    by_cookie.emplace(cookie_of(k * buckets), 0);
    by_pair.emplace(CookiePair{cookie_of(k * pair_buckets), ours}, 0);
  }
  ASSERT_EQ(by_cookie.size(), kCount);
  ASSERT_EQ(by_pair.size(), kCount);
  EXPECT_LE(largest_bucket(by_cookie), 16u);
  EXPECT_LE(largest_bucket(by_pair), 16u);
}

}  // namespace
}  // namespace ike::base
