// OpenSslRandom: fills buffers of any size (including empty and larger than one DRBG request)
// with bytes that differ between calls.
#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/openssl_random.h"
#include "test_util.h"

namespace ike::crypto {
namespace {

TEST(OpenSslRandom, FillsAndDiffers) {
  OpenSslRandom rng;
  base::Bytes a(32), b(32);
  rng.fill(a);
  rng.fill(b);
  EXPECT_NE(base::to_hex(a), base::to_hex(b));
  EXPECT_FALSE(std::all_of(a.begin(), a.end(), [](uint8_t x) { return x == 0; }));
  base::Bytes empty;
  rng.fill(empty);
  base::Bytes big(1 << 20, 0);
  rng.fill(big);
  // 1 MiB of zeros from a working DRBG has probability 2^-8388608.
  EXPECT_FALSE(std::all_of(big.begin(), big.end(), [](uint8_t x) { return x == 0; }));
  const uint32_t first = rng.u32();
  EXPECT_NE(first, rng.u32());  // equal with probability 2^-32
}

}  // namespace
}  // namespace ike::crypto
