// MODP groups against their definitions: the primes of RFC 2409 §6.1-6.2 and RFC 3526 §2-7 byte
// for byte (vector file transcribed from the RFCs, the provider's table, and OpenSSL's
// BN_get_rfc* copies all agree), generator 2, and exact Diffie-Hellman arithmetic: small
// exponents with hand-computable answers, and random exponents checked against an independent
// BN_mod_exp oracle.
#include <openssl/bn.h>

#include <gtest/gtest.h>

#include "crypto/deterministic_random.h"
#include "crypto/dh_groups.h"
#include "crypto/dh_impl.h"
#include "test_util.h"

namespace ike::crypto {
namespace {

using testing::field;
using testing::load;
using testing::provider;
using testing::hexstr;

BIGNUM* openssl_prime(uint16_t group) {
  switch (group) {
    case 1: return BN_get_rfc2409_prime_768(nullptr);
    case 2: return BN_get_rfc2409_prime_1024(nullptr);
    case 5: return BN_get_rfc3526_prime_1536(nullptr);
    case 14: return BN_get_rfc3526_prime_2048(nullptr);
    case 15: return BN_get_rfc3526_prime_3072(nullptr);
    case 16: return BN_get_rfc3526_prime_4096(nullptr);
    case 17: return BN_get_rfc3526_prime_6144(nullptr);
    case 18: return BN_get_rfc3526_prime_8192(nullptr);
    default: return nullptr;
  }
}

base::Bytes padded(std::size_t len, std::initializer_list<uint8_t> tail) {
  base::Bytes out(len - tail.size(), 0);
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

TEST(ModpVectors, PrimesMatchRfc2409AndRfc3526ByteForByte) {
  test::VecFile vf = load("modp_groups.vec");
  ASSERT_EQ(vf.blocks.size(), 8u);
  for (const test::VecBlock& b : vf.blocks) {
    auto group = static_cast<uint16_t>(b.number("Group").value());
    std::size_t bits = b.number("Bits").value();
    base::Bytes p = field(b, "P");
    SCOPED_TRACE(dh_group_label(group));
    EXPECT_EQ(p.size() * 8, bits);
    EXPECT_EQ(hexstr(field(b, "G")), "02");
    EXPECT_EQ(hexstr(detail::modp_prime(group)), hexstr(p));
    BIGNUM* ossl = openssl_prime(group);
    ASSERT_NE(ossl, nullptr);
    base::Bytes ossl_bytes(static_cast<std::size_t>(BN_num_bytes(ossl)));
    BN_bn2bin(ossl, ossl_bytes.data());
    BN_free(ossl);
    EXPECT_EQ(hexstr(ossl_bytes), hexstr(p));
    const DhGroupInfo* info = find_dh_group(group);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->kind, DhKind::Modp);
    EXPECT_EQ(info->field_bits, bits);
    EXPECT_EQ(provider().dh_public_length(group), p.size());
  }
}

TEST(ModpVectors, SmallExponentsGiveExactPowersOfTwo) {
  for (uint16_t group : std::initializer_list<uint16_t>{1, 2, 5, 14, 15, 16, 17, 18}) {
    SCOPED_TRACE(dh_group_label(group));
    const std::size_t len = provider().dh_public_length(group);
    // x = 1: g^x = 2; x = 2: g^x = 4 (left-padded to len(p), RFC 2409 §5).
    auto one = provider().dh_from_private(group, base::Bytes{0x01});
    ASSERT_TRUE(one.has_value()) << one.error().detail;
    EXPECT_EQ(hexstr((*one)->public_value()), hexstr(padded(len, {0x02})));
    auto two = provider().dh_from_private(group, base::Bytes{0x00, 0x02});
    ASSERT_TRUE(two.has_value()) << two.error().detail;
    EXPECT_EQ(hexstr((*two)->public_value()), hexstr(padded(len, {0x04})));
    // g^y = 8 (y = 3) raised to x = 2: g^xy = 64, padded to len(p).
    auto secret = (*two)->shared_secret(padded(len, {0x08}));
    ASSERT_TRUE(secret.has_value()) << secret.error().detail;
    EXPECT_EQ(hexstr(*secret), hexstr(padded(len, {0x40})));
    // x = 8 * len: 2^(8 len) mod p = 2^(8 len) - p (p > 2^(8 len - 1)).
    base::Bytes p = detail::modp_prime(group);
    base::Bytes expected(len);
    int borrow = 0;
    for (std::size_t i = len; i-- > 0;) {
      int d = 0 - p[i] - borrow;
      borrow = d < 0 ? 1 : 0;
      expected[i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
    }
    const auto bits = static_cast<uint16_t>(8 * len);
    auto wrap = provider().dh_from_private(
        group, base::Bytes{static_cast<uint8_t>(bits >> 8), static_cast<uint8_t>(bits)});
    ASSERT_TRUE(wrap.has_value()) << wrap.error().detail;
    EXPECT_EQ(hexstr((*wrap)->public_value()), hexstr(expected));
  }
}

TEST(ModpVectors, SharedSecretMatchesIndependentModExp) {
  DeterministicRandom rng(2409);
  BN_CTX* ctx = BN_CTX_new();
  for (uint16_t group : std::initializer_list<uint16_t>{1, 2, 5, 14, 15}) {
    SCOPED_TRACE(dh_group_label(group));
    auto a = provider().dh_generate(group, rng);
    auto b = provider().dh_generate(group, rng);
    ASSERT_TRUE(a && b);
    auto s = (*a)->shared_secret((*b)->public_value());
    auto s_rev = (*b)->shared_secret((*a)->public_value());
    ASSERT_TRUE(s.has_value()) << s.error().detail;
    ASSERT_TRUE(s_rev.has_value()) << s_rev.error().detail;
    EXPECT_EQ(hexstr(*s), hexstr(*s_rev));
    // With a known exponent x, g^xy must equal (g^y)^x mod p computed by BN_mod_exp.
    base::Bytes x{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11};
    auto known = provider().dh_from_private(group, x);
    ASSERT_TRUE(known.has_value());
    auto s2 = (*known)->shared_secret((*b)->public_value());
    ASSERT_TRUE(s2.has_value());
    base::Bytes p = detail::modp_prime(group);
    BIGNUM* pb = BN_bin2bn(p.data(), static_cast<int>(p.size()), nullptr);
    BIGNUM* yb = BN_bin2bn((*b)->public_value().data(),
                           static_cast<int>((*b)->public_value().size()), nullptr);
    BIGNUM* xb = BN_bin2bn(x.data(), static_cast<int>(x.size()), nullptr);
    BIGNUM* r = BN_new();
    ASSERT_EQ(BN_mod_exp(r, yb, xb, pb, ctx), 1);
    base::Bytes expected(p.size());
    BN_bn2binpad(r, expected.data(), static_cast<int>(expected.size()));
    EXPECT_EQ(hexstr(*s2), hexstr(expected));
    // And the public value of x is 2^x mod p.
    BIGNUM* two = BN_new();
    BN_set_word(two, 2);
    ASSERT_EQ(BN_mod_exp(r, two, xb, pb, ctx), 1);
    BN_bn2binpad(r, expected.data(), static_cast<int>(expected.size()));
    EXPECT_EQ(hexstr((*known)->public_value()), hexstr(expected));
    for (BIGNUM* bn : {pb, yb, xb, r, two}) BN_free(bn);
  }
  BN_CTX_free(ctx);
}

}  // namespace
}  // namespace ike::crypto
