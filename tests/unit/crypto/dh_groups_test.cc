// The DH group table and the provider's view of it: every listed group is supported with the
// KE length of its RFC; groups that isakmpd does not implement (EC2N 3/4, RFC 5114 MODP 22-24,
// Curve448 32, private/unassigned values) are reported unsupported cleanly.
#include <gtest/gtest.h>

#include <set>

#include "crypto/deterministic_random.h"
#include "crypto/dh_groups.h"
#include "test_util.h"

namespace ike::crypto {
namespace {

using testing::provider;

TEST(DhGroups, TableIsConsistent) {
  std::set<uint16_t> ids;
  std::set<std::string_view> names;
  for (const DhGroupInfo& g : dh_groups()) {
    EXPECT_TRUE(ids.insert(g.id).second) << g.id;
    EXPECT_TRUE(names.insert(g.name).second) << g.name;
    EXPECT_EQ(find_dh_group(g.id), &g);
    EXPECT_TRUE(provider().dh_group_supported(g.id)) << g.name;
    EXPECT_EQ(provider().dh_public_length(g.id), g.public_length()) << g.name;
    if (g.kind == DhKind::Modp) {
      EXPECT_GE(g.private_bits, 160) << g.name;
      EXPECT_LT(g.private_bits, g.field_bits / 4) << g.name;
    } else {
      EXPECT_FALSE(g.kind == DhKind::Ecp && g.curve.empty()) << g.name;
    }
  }
  EXPECT_EQ(ids.size(), 18u);
}

TEST(DhGroups, KePayloadLengths) {
  // RFC 2409 §5 / RFC 3526: len(p); RFC 5903 §7: 2 * field length; RFC 8031: 32.
  const std::pair<uint16_t, std::size_t> expected[] = {
      {1, 96},  {2, 128}, {5, 192},  {14, 256}, {15, 384}, {16, 512}, {17, 768},
      {18, 1024}, {19, 64}, {20, 96}, {21, 132}, {25, 48},  {26, 56},  {27, 56},
      {28, 64}, {29, 96}, {30, 128}, {31, 32}};
  for (auto [group, len] : expected) {
    EXPECT_EQ(provider().dh_public_length(group), len) << dh_group_label(group);
  }
}

TEST(DhGroups, UnsupportedGroupsAreReportedCleanly) {
  DeterministicRandom rng(1);
  for (uint16_t group : std::initializer_list<uint16_t>{0, 3, 4, 6, 13, 22, 23, 24, 32, 33, 32768, 65535}) {
    EXPECT_EQ(find_dh_group(group), nullptr) << group;
    EXPECT_FALSE(provider().dh_group_supported(group)) << group;
    EXPECT_EQ(provider().dh_public_length(group), 0u) << group;
    auto r = provider().dh_generate(group, rng);
    ASSERT_FALSE(r.has_value()) << group;
    EXPECT_EQ(r.error().code, base::ErrorCode::Unsupported);
    EXPECT_EQ(r.error().detail, fmt::format("Diffie-Hellman group {} not supported", group));
    auto f = provider().dh_from_private(group, base::Bytes{1});
    ASSERT_FALSE(f.has_value());
    EXPECT_EQ(f.error().code, base::ErrorCode::Unsupported);
  }
  EXPECT_EQ(dh_group_label(22), "group 22");
  EXPECT_EQ(dh_group_label(14), "MODP_2048");
  EXPECT_EQ(dh_group_label(31), "CURVE25519");
}

}  // namespace
}  // namespace ike::crypto
