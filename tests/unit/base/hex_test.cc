// Hex round trips and rejection of malformed hex.
#include "base/hex.h"

#include <gtest/gtest.h>

namespace ike::base {
namespace {

TEST(Hex, RoundTrip) {
  Bytes b = {0x00, 0xab, 0xff};
  EXPECT_EQ(to_hex(view(b)), "00abff");
  EXPECT_EQ(*from_hex("0x00ABff"), b);
  EXPECT_EQ(*from_hex("00 ab:ff"), b);
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
}

}  // namespace
}  // namespace ike::base
