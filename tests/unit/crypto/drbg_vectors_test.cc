// The `isakmpd -r seed` stream is part of the regression-test contract (transcripts replay
// from it): its first 96 bytes for three seeds, computed with the openssl command line tool.
#include <gtest/gtest.h>

#include "crypto/deterministic_random.h"
#include "test_util.h"

namespace ike::crypto {
namespace {

using testing::field;
using testing::load;
using testing::hexstr;

TEST(DrbgVectors, StreamMatchesOpensslCli) {
  test::VecFile vf = load("drbg_deterministic_random.vec");
  ASSERT_EQ(vf.blocks.size(), 3u);
  for (const test::VecBlock& b : vf.blocks) {
    auto seed = static_cast<uint32_t>(b.number("Seed").value());
    base::Bytes expected = field(b, "Stream");
    ASSERT_EQ(expected.size(), 96u);
    DeterministicRandom one_go(seed);
    base::Bytes out(expected.size());
    one_go.fill(out);
    EXPECT_EQ(hexstr(out), hexstr(expected)) << "seed " << seed;
    // Odd-sized reads straddling the 32-byte blocks give the same stream.
    DeterministicRandom pieces(seed);
    base::Bytes joined;
    for (std::size_t n : {1u, 7u, 31u, 2u, 40u, 15u}) {
      base::Bytes chunk(n);
      pieces.fill(chunk);
      joined.insert(joined.end(), chunk.begin(), chunk.end());
    }
    EXPECT_EQ(hexstr(joined), hexstr(expected)) << "seed " << seed;
  }
}

}  // namespace
}  // namespace ike::crypto
