// The fixed-base comb for g^x (src/crypto/modp_fixed_base.h) against an independent oracle,
// OpenSSL's BN_mod_exp, for every MODP group: the exponents whose columns are all zero, all
// ones, a single bit at every position the table covers, random ones; the coverage test that
// sends longer exponents to the generic path; and dh_generate / dh_from_private, which use the
// comb, against the same oracle.
#include <openssl/bn.h>

#include <gtest/gtest.h>

#include "crypto/deterministic_random.h"
#include "crypto/dh_groups.h"
#include "crypto/dh_impl.h"
#include "crypto/evp.h"
#include "crypto/modp_fixed_base.h"
#include "test_util.h"

namespace ike::crypto {
namespace {

using detail::ModpFixedBase;
using testing::hexstr;
using testing::provider;
using testing::ScriptedRandom;

constexpr uint16_t kModpGroups[] = {1, 2, 5, 14, 15, 16, 17, 18};

// One group's prime, Montgomery context and comb table, and the BN_mod_exp oracle.
struct Fixture {
  explicit Fixture(uint16_t group) : info(find_dh_group(group)) {
    const base::Bytes p_bytes = detail::modp_prime(group);
    p.reset(BN_bin2bn(p_bytes.data(), static_cast<int>(p_bytes.size()), nullptr));
    ctx.reset(BN_CTX_new());
    mont.reset(BN_MONT_CTX_new());
    EXPECT_EQ(BN_MONT_CTX_set(mont.get(), p.get(), ctx.get()), 1);
    auto built = ModpFixedBase::build(p.get(), mont.get(), 2, info->private_bits, nullptr);
    EXPECT_TRUE(built.has_value()) << built.error().detail;
    if (built) {
      table.emplace(std::move(*built));
    }
  }

  // 2^x mod p, left-padded to len(p), by BN_mod_exp.
  base::Bytes oracle(base::ByteView x_be) const {
    evp::BnPtr x(BN_bin2bn(x_be.data(), static_cast<int>(x_be.size()), nullptr));
    evp::BnPtr two(BN_new());
    evp::BnPtr r(BN_new());
    BN_set_word(two.get(), 2);
    EXPECT_EQ(BN_mod_exp(r.get(), two.get(), x.get(), p.get(), ctx.get()), 1);
    base::Bytes out(static_cast<std::size_t>(BN_num_bytes(p.get())));
    BN_bn2binpad(r.get(), out.data(), static_cast<int>(out.size()));
    return out;
  }

  void expect_pow(base::ByteView x_be) const {
    ASSERT_TRUE(table.has_value());
    ASSERT_TRUE(table->covers(x_be)) << hexstr(x_be);
    base::Bytes got;
    auto st = table->pow(x_be, got, nullptr);
    ASSERT_TRUE(st.has_value()) << st.error().detail;
    EXPECT_EQ(hexstr(got), hexstr(oracle(x_be))) << "x = " << hexstr(x_be);
  }

  std::size_t x_bytes() const { return (std::size_t{info->private_bits} + 7) / 8; }

  const DhGroupInfo* info;
  evp::BnPtr p;
  evp::BnCtxPtr ctx;
  evp::BnMontCtxPtr mont;
  std::optional<ModpFixedBase> table;
};

base::Bytes with_bit(std::size_t nbytes, std::size_t bit) {
  base::Bytes x(nbytes, 0);
  x[nbytes - 1 - bit / 8] = static_cast<uint8_t>(1u << (bit % 8));
  return x;
}

TEST(ModpFixedBase, TableCoversThePrivateExponentOfEveryGroup) {
  for (uint16_t group : kModpGroups) {
    Fixture f(group);
    SCOPED_TRACE(f.info->name);
    ASSERT_TRUE(f.table.has_value());
    EXPECT_GE(f.table->bits(), std::size_t{f.info->private_bits});
    EXPECT_LT(f.table->bits(), std::size_t{f.info->private_bits} + ModpFixedBase::kTeeth);
    // Blinded: no entry (not even the one for an all-zero column) is short.
    EXPECT_TRUE(f.table->full_width());
  }
}

TEST(ModpFixedBase, EdgeExponentsMatchBnModExp) {
  for (uint16_t group : kModpGroups) {
    Fixture f(group);
    SCOPED_TRACE(f.info->name);
    const std::size_t n = f.x_bytes();
    // x = 0 (every column selects the blinded 1), 1, 2, and every covered bit set.
    f.expect_pow(base::Bytes(n, 0));
    f.expect_pow(with_bit(n, 0));
    f.expect_pow(with_bit(n, 1));
    base::Bytes ones(n, 0xff);
    ones[0] = static_cast<uint8_t>(0xffu >> (n * 8 - f.info->private_bits));
    f.expect_pow(ones);
    // Shorter encodings of the same values work as well.
    f.expect_pow(base::Bytes{0x01});
    f.expect_pow(base::Bytes{});
  }
}

TEST(ModpFixedBase, EverySingleBitMatchesBnModExp) {
  // Each covered bit lands in exactly one row and column of the comb.
  for (uint16_t group : {uint16_t{1}, uint16_t{14}}) {
    Fixture f(group);
    SCOPED_TRACE(f.info->name);
    for (std::size_t bit = 0; bit < f.info->private_bits; ++bit) {
      f.expect_pow(with_bit(f.x_bytes(), bit));
    }
  }
}

TEST(ModpFixedBase, RandomExponentsMatchBnModExp) {
  DeterministicRandom rng(3526);
  for (uint16_t group : kModpGroups) {
    Fixture f(group);
    SCOPED_TRACE(f.info->name);
    const int rounds = f.info->field_bits > 3072 ? 4 : 64;
    for (int i = 0; i < rounds; ++i) {
      base::Bytes x(f.x_bytes());
      rng.fill(x);
      x[0] = static_cast<uint8_t>(x[0] & (0xffu >> (x.size() * 8 - f.info->private_bits)));
      f.expect_pow(x);
    }
  }
}

TEST(ModpFixedBase, CoversOnlyExponentsWithinTheTable) {
  Fixture f(14);
  ASSERT_TRUE(f.table.has_value());
  const std::size_t covered = f.table->bits();  // 6 rows x 38 columns = 228
  EXPECT_EQ(covered, 228u);
  EXPECT_TRUE(f.table->covers(with_bit(32, covered - 1)));
  EXPECT_FALSE(f.table->covers(with_bit(32, covered)));
  EXPECT_FALSE(f.table->covers(with_bit(256, 2047)));
  EXPECT_TRUE(f.table->covers(base::Bytes(256, 0)));
  f.expect_pow(with_bit(256, covered - 1));  // long encoding, short value
}

// dh_generate draws x and computes g^x with the comb; the oracle agrees for every group.
TEST(ModpFixedBase, GeneratedPublicValuesMatchBnModExp) {
  DeterministicRandom source(2409);
  for (uint16_t group : kModpGroups) {
    Fixture f(group);
    SCOPED_TRACE(f.info->name);
    base::Bytes x(f.x_bytes());
    source.fill(x);
    x[0] = static_cast<uint8_t>(x[0] | 0x01);  // nonzero; masked to private_bits by generate
    ScriptedRandom rng;
    rng.push(x);
    auto generated = provider().dh_generate(group, rng);
    ASSERT_TRUE(generated.has_value()) << generated.error().detail;
    x[0] = static_cast<uint8_t>(x[0] & (0xffu >> (x.size() * 8 - f.info->private_bits)));
    EXPECT_EQ(hexstr((*generated)->public_value()), hexstr(f.oracle(x)));
  }
}

// A private value longer than the table (the testing hook allows up to p-2) takes the generic
// exponentiation and gives the same answer as the oracle.
TEST(ModpFixedBase, LongPrivateValuesUseTheGenericPathAndAgree) {
  for (uint16_t group : {uint16_t{2}, uint16_t{14}}) {
    Fixture f(group);
    SCOPED_TRACE(f.info->name);
    base::Bytes x(f.x_bytes() + 9, 0x5a);
    ASSERT_FALSE(f.table->covers(x));
    auto known = provider().dh_from_private(group, x);
    ASSERT_TRUE(known.has_value()) << known.error().detail;
    EXPECT_EQ(hexstr((*known)->public_value()), hexstr(f.oracle(x)));
  }
}

}  // namespace
}  // namespace ike::crypto
