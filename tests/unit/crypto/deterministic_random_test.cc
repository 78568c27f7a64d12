// DeterministicRandom: the same seed replays the same stream regardless of how it is read;
// different seeds give different streams; the seed is kept for the log line of `isakmpd -r`.
#include <gtest/gtest.h>

#include <set>

#include "crypto/deterministic_random.h"
#include "test_util.h"

namespace ike::crypto {
namespace {

TEST(DeterministicRandom, SameSeedSameStream) {
  DeterministicRandom a(42), b(42), c(43);
  base::Bytes x(100), y(100), z(100);
  a.fill(x);
  b.fill(std::span<uint8_t>(y).first(33));
  b.fill(std::span<uint8_t>(y).subspan(33));
  c.fill(z);
  EXPECT_EQ(base::to_hex(x), base::to_hex(y));
  EXPECT_NE(base::to_hex(x), base::to_hex(z));
  EXPECT_EQ(a.seed(), 42u);
  EXPECT_EQ(a.u32(), b.u32());
}

TEST(DeterministicRandom, StreamDoesNotRepeatBlocks) {
  DeterministicRandom r(0);
  base::Bytes out(32 * 64);
  r.fill(out);
  std::set<std::string> blocks;
  for (std::size_t i = 0; i < out.size(); i += 32) {
    blocks.insert(base::to_hex(base::ByteView(out).subspan(i, 32)));
  }
  EXPECT_EQ(blocks.size(), 64u);
}

}  // namespace
}  // namespace ike::crypto
