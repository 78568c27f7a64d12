// OpenSslRandom: fills buffers of any size (including empty and larger than one DRBG request)
// with bytes that differ between calls; small requests share one DRBG block, never hand out a
// byte twice, and a forked child never repeats its parent's block.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>

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

TEST(OpenSslRandom, SmallRequestsShareOneBlockAndNeverRepeat) {
  OpenSslRandom rng;
  // 8-byte requests (cookies): a 512-byte block serves 64 of them with one RAND_bytes call.
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) {
    base::Bytes c(8);
    rng.fill(c);
    EXPECT_TRUE(seen.insert(base::to_hex(c)).second) << "repeated 8 bytes at request " << i;
  }
  EXPECT_EQ(rng.drbg_calls(), 1u);
  base::Bytes one(1);
  rng.fill(one);  // the block is used up: a new one
  EXPECT_EQ(rng.drbg_calls(), 2u);
  // A request that does not fit what is left draws a new block instead of splitting.
  for (int i = 0; i < 47; ++i) {  // 511 - 470: 41 bytes left
    base::Bytes ten(10);
    rng.fill(ten);
  }
  EXPECT_EQ(rng.drbg_calls(), 2u);
  base::Bytes too_big(42);
  rng.fill(too_big);
  EXPECT_EQ(rng.drbg_calls(), 3u);
  // kDirectBytes and more go to the DRBG directly and leave the block alone.
  base::Bytes nonce(OpenSslRandom::kDirectBytes);
  rng.fill(nonce);
  EXPECT_EQ(rng.drbg_calls(), 4u);
  base::Bytes small(4);
  rng.fill(small);
  EXPECT_EQ(rng.drbg_calls(), 4u);
}

TEST(OpenSslRandom, ForkedChildDoesNotRepeatTheParentsBlock) {
  OpenSslRandom rng;
  base::Bytes warm(8);
  rng.fill(warm);  // a block is drawn, 504 bytes unread
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    base::Bytes c(16);
    rng.fill(c);
    const ssize_t n = ::write(fds[1], c.data(), c.size());
    ::_exit(n == 16 ? 0 : 1);
  }
  ::close(fds[1]);
  base::Bytes parent(16), child(16);
  rng.fill(parent);  // the next 16 bytes of the parent's block
  ASSERT_EQ(::read(fds[0], child.data(), child.size()), 16);
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(base::to_hex(parent), base::to_hex(child));  // equal with probability 2^-128
}

}  // namespace
}  // namespace ike::crypto
