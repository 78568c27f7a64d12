// constant_time_equal: equality semantics (the timing property is CRYPTO_memcmp's).
#include <gtest/gtest.h>

#include "crypto/provider.h"

namespace ike::crypto {
namespace {

TEST(ConstantTimeEqual, Semantics) {
  const base::Bytes a{1, 2, 3, 4};
  const base::Bytes b{1, 2, 3, 4};
  const base::Bytes c{1, 2, 3, 5};
  const base::Bytes d{1, 2, 3};
  EXPECT_TRUE(constant_time_equal(a, b));
  EXPECT_FALSE(constant_time_equal(a, c));
  EXPECT_FALSE(constant_time_equal(a, d));
  EXPECT_FALSE(constant_time_equal(d, a));
  EXPECT_TRUE(constant_time_equal(base::ByteView{}, base::ByteView{}));
  EXPECT_FALSE(constant_time_equal(base::ByteView{}, a));
  base::Bytes first_differs = a;
  first_differs[0] ^= 0x80;
  EXPECT_FALSE(constant_time_equal(a, first_differs));
}

}  // namespace
}  // namespace ike::crypto
