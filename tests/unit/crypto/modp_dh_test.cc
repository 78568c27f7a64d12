// MODP Diffie-Hellman input handling (reliability.md bad-input class 8): degenerate and
// malformed peer values are refused with INVALID_KEY_INFORMATION and a precise detail, before
// any exponentiation; the private exponent uses exactly private_bits random bits from the
// injected base::Random; the testing hook refuses out-of-range private values. dh_check_public
// refuses the same values with the same errors.
#include <gtest/gtest.h>

#include "crypto/dh_groups.h"
#include "crypto/dh_impl.h"
#include "test_util.h"

namespace ike::crypto {
namespace {

using testing::provider;
using testing::ScriptedRandom;
using testing::hexstr;

// p + delta as a len(p)-byte big-endian value (delta small; carries/borrows propagate).
base::Bytes p_plus(uint16_t group, int delta) {
  base::Bytes v = detail::modp_prime(group);
  int carry = delta;
  for (std::size_t i = v.size(); i-- > 0 && carry != 0;) {
    int d = v[i] + carry;
    carry = d < 0 ? -1 : (d > 255 ? 1 : 0);
    v[i] = static_cast<uint8_t>(d - carry * 256);
  }
  return v;
}

void expect_invalid(uint16_t group, base::ByteView peer, const std::string& detail) {
  auto priv = provider().dh_from_private(group, base::Bytes{0x05});
  ASSERT_TRUE(priv.has_value());
  auto r = (*priv)->shared_secret(peer);
  ASSERT_FALSE(r.has_value()) << detail;
  EXPECT_EQ(r.error().notify, base::NotifyType::InvalidKeyInformation);
  EXPECT_EQ(r.error().detail, detail);
  // dh_check_public makes the same checks, with the same error, without a key.
  base::Status c = provider().dh_check_public(group, peer);
  ASSERT_FALSE(c.has_value()) << detail;
  EXPECT_EQ(c.error().notify, base::NotifyType::InvalidKeyInformation);
  EXPECT_EQ(c.error().detail, detail);
}

TEST(ModpDh, DegeneratePeerValuesAreRejected) {
  for (uint16_t group : std::initializer_list<uint16_t>{1, 2, 5, 14, 15, 16, 17, 18}) {
    const std::string name(find_dh_group(group)->name);
    const std::size_t len = provider().dh_public_length(group);
    SCOPED_TRACE(name);
    base::Bytes zero(len, 0);
    expect_invalid(group, zero, name + " peer public value is 0");
    base::Bytes one(len, 0);
    one.back() = 1;
    expect_invalid(group, one, name + " peer public value is 1");
    expect_invalid(group, p_plus(group, -1), name + " peer public value equals p-1");
    expect_invalid(group, p_plus(group, 0), name + " peer public value is equal to p");
    expect_invalid(group, p_plus(group, 1), name + " peer public value is greater than p");
    expect_invalid(group, base::Bytes(len, 0xff), name + " peer public value is greater than p");
    base::Bytes two(len, 0);
    two.back() = 2;
    expect_invalid(group, base::ByteView(two).subspan(1),
                   fmt::format("{} peer public value has {} bytes, expected {}", name, len - 1,
                               len));
    base::Bytes longer(len + 1, 0);
    longer.back() = 2;
    expect_invalid(group, longer,
                   fmt::format("{} peer public value has {} bytes, expected {}", name, len + 1,
                               len));
    expect_invalid(group, base::ByteView{},
                   fmt::format("{} peer public value has 0 bytes, expected {}", name, len));
    // The extremes of the valid range work: 2 and p-2.
    auto priv = provider().dh_from_private(group, base::Bytes{0x05});
    ASSERT_TRUE(priv.has_value());
    EXPECT_TRUE((*priv)->shared_secret(two).has_value());
    EXPECT_TRUE((*priv)->shared_secret(p_plus(group, -2)).has_value());
    EXPECT_TRUE(provider().dh_check_public(group, two).has_value());
    EXPECT_TRUE(provider().dh_check_public(group, p_plus(group, -2)).has_value());
  }
}

TEST(ModpDh, ExactDetailForShortModp2048Value) {
  expect_invalid(14, base::Bytes(255, 0x11), "MODP_2048 peer public value has 255 bytes, expected 256");
}

TEST(ModpDh, PrivateExponentUsesPrivateBitsFromTheRng) {
  for (uint16_t group : std::initializer_list<uint16_t>{1, 2, 5, 14, 15, 16, 17, 18}) {
    const DhGroupInfo* info = find_dh_group(group);
    SCOPED_TRACE(info->name);
    const std::size_t nbytes = (info->private_bits + 7u) / 8u;
    // An all-zero draw is rejected and redrawn; all-ones is masked to private_bits bits.
    ScriptedRandom rng;
    rng.push(base::Bytes(nbytes, 0x00));
    rng.push(base::Bytes(nbytes, 0xff));
    auto generated = provider().dh_generate(group, rng);
    ASSERT_TRUE(generated.has_value()) << generated.error().detail;
    EXPECT_EQ(rng.remaining(), 0u);
    base::Bytes expected_x(nbytes, 0xff);
    expected_x[0] = static_cast<uint8_t>(0xffu >> (nbytes * 8 - info->private_bits));
    auto known = provider().dh_from_private(group, expected_x);
    ASSERT_TRUE(known.has_value());
    EXPECT_EQ(hexstr((*generated)->public_value()), hexstr((*known)->public_value()));
  }
}

TEST(ModpDh, FromPrivateRangeChecks) {
  const std::size_t len = provider().dh_public_length(14);
  for (const base::Bytes& bad : {base::Bytes{}, base::Bytes{0x00}, base::Bytes(len, 0),
                                 p_plus(14, -1), p_plus(14, 0), base::Bytes(len + 1, 1)}) {
    auto r = provider().dh_from_private(14, bad);
    ASSERT_FALSE(r.has_value()) << hexstr(bad);
    EXPECT_EQ(r.error().code, base::ErrorCode::BadValue);
    EXPECT_EQ(r.error().detail.rfind("MODP_2048 private value ", 0), 0u) << r.error().detail;
  }
  EXPECT_TRUE(provider().dh_from_private(14, p_plus(14, -2)).has_value());
}

}  // namespace
}  // namespace ike::crypto
