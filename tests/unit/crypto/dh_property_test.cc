// Properties of every supported group: two independently generated key pairs agree both ways;
// the public value has the KE length; the shared secret has len(p) (MODP), the field length
// (ECP, x only) or 32 bytes (Curve25519); the same seed gives byte-identical public values (the
// private value comes only from the injected base::Random), and different seeds do not.
#include <gtest/gtest.h>

#include "crypto/deterministic_random.h"
#include "crypto/dh_groups.h"
#include "crypto/openssl_random.h"
#include "test_util.h"

namespace ike::crypto {
namespace {

using testing::provider;
using testing::hexstr;

std::size_t secret_length(const DhGroupInfo& g) {
  return g.kind == DhKind::Ecp ? g.public_length() / 2 : g.public_length();
}

class EveryGroup : public ::testing::TestWithParam<uint16_t> {};

TEST_P(EveryGroup, TwoRandomKeyPairsAgreeBothWays) {
  const DhGroupInfo* info = find_dh_group(GetParam());
  ASSERT_NE(info, nullptr);
  OpenSslRandom rng;
  for (int round = 0; round < 2; ++round) {
    auto a = provider().dh_generate(info->id, rng);
    auto b = provider().dh_generate(info->id, rng);
    ASSERT_TRUE(a.has_value()) << a.error().detail;
    ASSERT_TRUE(b.has_value()) << b.error().detail;
    EXPECT_EQ((*a)->group(), info->id);
    EXPECT_EQ((*a)->public_value().size(), info->public_length());
    EXPECT_NE(hexstr((*a)->public_value()), hexstr((*b)->public_value()));
    auto ab = (*a)->shared_secret((*b)->public_value());
    auto ba = (*b)->shared_secret((*a)->public_value());
    ASSERT_TRUE(ab.has_value()) << ab.error().detail;
    ASSERT_TRUE(ba.has_value()) << ba.error().detail;
    EXPECT_EQ(ab->size(), secret_length(*info));
    EXPECT_EQ(hexstr(*ab), hexstr(*ba));
  }
}

TEST_P(EveryGroup, SameSeedSamePublicValue) {
  const uint16_t group = GetParam();
  DeterministicRandom r1(4711);
  DeterministicRandom r2(4711);
  DeterministicRandom r3(4712);
  auto a = provider().dh_generate(group, r1);
  auto b = provider().dh_generate(group, r2);
  auto c = provider().dh_generate(group, r3);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(hexstr((*a)->public_value()), hexstr((*b)->public_value()));
  EXPECT_NE(hexstr((*a)->public_value()), hexstr((*c)->public_value()));
  // The next draw continues the same stream on both sides.
  auto a2 = provider().dh_generate(group, r1);
  auto b2 = provider().dh_generate(group, r2);
  ASSERT_TRUE(a2 && b2);
  EXPECT_EQ(hexstr((*a2)->public_value()), hexstr((*b2)->public_value()));
  EXPECT_NE(hexstr((*a2)->public_value()), hexstr((*a)->public_value()));
}

TEST_P(EveryGroup, PrivateValueOutlivesProvider) {
  DeterministicRandom rng(7);
  std::unique_ptr<DhPrivate> a;
  std::unique_ptr<DhPrivate> b;
  {
    OpenSslProvider local;
    a = std::move(local.dh_generate(GetParam(), rng)).value();
    b = std::move(local.dh_generate(GetParam(), rng)).value();
  }
  auto ab = a->shared_secret(b->public_value());
  auto ba = b->shared_secret(a->public_value());
  ASSERT_TRUE(ab && ba);
  EXPECT_EQ(hexstr(*ab), hexstr(*ba));
}

std::vector<uint16_t> all_groups() {
  std::vector<uint16_t> out;
  for (const DhGroupInfo& g : dh_groups()) out.push_back(g.id);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Groups, EveryGroup, ::testing::ValuesIn(all_groups()),
                         [](const ::testing::TestParamInfo<uint16_t>& p) {
                           return std::string(find_dh_group(p.param)->name);
                         });

}  // namespace
}  // namespace ike::crypto
