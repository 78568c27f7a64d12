// Curve25519 known answers (RFC 7748): the §5.2 scalar-multiplication vectors (a DhPrivate built
// from the scalar, applied to an arbitrary u-coordinate), the §5.2 iterated test for 1 and 1,000
// iterations, and the §6.1 Diffie-Hellman exchange (both public values and the shared secret,
// both ways).
#include <gtest/gtest.h>

#include "test_util.h"

namespace ike::crypto {
namespace {

using testing::field;
using testing::load;
using testing::provider;
using testing::hexstr;

constexpr uint16_t kCurve25519 = 31;

base::Bytes x25519(base::ByteView k, base::ByteView u) {
  auto priv = provider().dh_from_private(kCurve25519, k);
  EXPECT_TRUE(priv.has_value()) << (priv ? "" : priv.error().detail);
  if (!priv) return {};
  auto out = (*priv)->shared_secret(u);
  EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().detail);
  return out ? base::to_bytes(*out) : base::Bytes{};
}

TEST(X25519Vectors, Rfc7748Section5_2) {
  test::VecFile vf = load("x25519_rfc7748.vec");
  int scalar_mult = 0;
  int iterated = 0;
  int dh = 0;
  for (const test::VecBlock& b : vf.blocks) {
    SCOPED_TRACE(b.where("x25519_rfc7748.vec"));
    if (b.section == "ScalarMult") {
      EXPECT_EQ(hexstr(x25519(field(b, "Scalar"), field(b, "U"))), hexstr(field(b, "Output")));
      ++scalar_mult;
    } else if (b.section == "Iterated") {
      // k = u = 9; repeat: (k, u) = (X25519(k, u), k).
      base::Bytes k(32, 0);
      k[0] = 9;
      base::Bytes u = k;
      const uint64_t n = b.number("Iterations").value();
      for (uint64_t i = 0; i < n; ++i) {
        base::Bytes next = x25519(k, u);
        u = k;
        k = next;
      }
      EXPECT_EQ(hexstr(k), hexstr(field(b, "K")));
      ++iterated;
    } else if (b.section == "DiffieHellman") {
      auto alice = provider().dh_from_private(kCurve25519, field(b, "AlicePrivate"));
      auto bob = provider().dh_from_private(kCurve25519, field(b, "BobPrivate"));
      ASSERT_TRUE(alice && bob);
      EXPECT_EQ(hexstr((*alice)->public_value()), hexstr(field(b, "AlicePublic")));
      EXPECT_EQ(hexstr((*bob)->public_value()), hexstr(field(b, "BobPublic")));
      auto k1 = (*alice)->shared_secret((*bob)->public_value());
      auto k2 = (*bob)->shared_secret((*alice)->public_value());
      ASSERT_TRUE(k1 && k2);
      EXPECT_EQ(hexstr(*k1), hexstr(field(b, "Shared")));
      EXPECT_EQ(hexstr(*k2), hexstr(field(b, "Shared")));
      ++dh;
    }
  }
  EXPECT_EQ(scalar_mult, 2);
  EXPECT_EQ(iterated, 2);
  EXPECT_EQ(dh, 1);
}

}  // namespace
}  // namespace ike::crypto
