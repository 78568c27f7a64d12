// IpAddress / SockAddr parsing, printing and mask arithmetic.
#include "base/address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

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

// IPv4 is printed by hand (inet_ntop's sprintf dominated `S`): every octet value, in every
// position, as inet_ntop prints it; append_to appends after what the string holds.
TEST(IpAddress, PrintsEveryOctetLikeInetNtop) {
  for (unsigned v = 0; v < 256; ++v) {
    for (unsigned shift = 0; shift < 32; shift += 8) {
      const uint32_t host = (0x01020304u & ~(0xffu << shift)) | v << shift;
      const uint32_t net = htonl(host);
      char expected[INET_ADDRSTRLEN] = {};
      ASSERT_NE(::inet_ntop(AF_INET, &net, expected, sizeof expected), nullptr);
      ASSERT_EQ(IpAddress::v4(host).to_string(), expected) << v << " << " << shift;
    }
  }
  std::string out = "x ";
  IpAddress::v4(0xc0000201u).append_to(out);
  IpAddress::parse("fd00::1")->append_to(out);
  EXPECT_EQ(out, "x 192.0.2.1fd00::1");
}

}  // namespace
}  // namespace ike::base
