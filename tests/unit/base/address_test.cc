// IpAddress / SockAddr parsing, printing and mask arithmetic.
#include "base/address.h"

#include <gtest/gtest.h>

namespace ike::base {
namespace {

TEST(IpAddress, ParsesAndPrints) {
  auto a = IpAddress::parse("10.1.2.3");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->to_string(), "10.1.2.3");
  EXPECT_EQ(a->v4_host_order(), 0x0a010203u);
  auto b = IpAddress::parse("fd00:99::1");
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->is_v4());
  EXPECT_EQ(b->to_string(), "fd00:99::1");
  EXPECT_FALSE(IpAddress::parse("10.0x0.1"));
  EXPECT_FALSE(IpAddress::parse(""));
  EXPECT_EQ((SockAddr{*a, 500}).to_string(), "10.1.2.3:500");
  EXPECT_EQ((SockAddr{*b, 4500}).to_string(), "[fd00:99::1]:4500");
}

TEST(IpAddress, Masks) {
  auto m = IpAddress::netmask(Family::V4, 24);
  EXPECT_EQ(m.to_string(), "255.255.255.0");
  EXPECT_EQ(m.mask_prefix_length(), 24u);
  EXPECT_EQ(IpAddress::parse("255.0.255.0")->mask_prefix_length(), std::nullopt);
  EXPECT_EQ(IpAddress::parse("10.1.2.3")->masked(16).to_string(), "10.1.0.0");
  EXPECT_EQ(IpAddress::netmask(Family::V6, 64).to_string(), "ffff:ffff:ffff:ffff::");
}

}  // namespace
}  // namespace ike::base
