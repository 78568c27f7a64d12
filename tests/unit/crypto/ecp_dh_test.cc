// ECP Diffie-Hellman input handling (RFC 5903 §7, reliability.md class 8): wrong lengths
// (including a SEC 1 0x04 prefix), the all-zero encoding of the point at infinity, coordinates
// >= p and points off the curve are refused with INVALID_KEY_INFORMATION before any scalar
// multiplication; scalars come from the injected base::Random by rejection sampling into
// [1, n-1]; the testing hook refuses scalars outside that range. dh_check_public refuses the
// same values with the same errors.
#include <gtest/gtest.h>

#include "crypto/dh_groups.h"
#include "test_util.h"

namespace ike::crypto {
namespace {

using testing::hex;
using testing::provider;
using testing::ScriptedRandom;
using testing::hexstr;

// P-256 order n and field prime p (FIPS 186-4 D.1.2.3).
const char* const kP256N = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
const char* const kP256P = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";

std::unique_ptr<DhPrivate> some_key(uint16_t group) {
  auto r = provider().dh_from_private(group, base::Bytes{0x2a});
  EXPECT_TRUE(r.has_value());
  return r ? std::move(r).value() : nullptr;
}

void expect_invalid(uint16_t group, base::ByteView peer, const std::string& detail) {
  auto key = some_key(group);
  ASSERT_NE(key, nullptr);
  auto r = key->shared_secret(peer);
  ASSERT_FALSE(r.has_value()) << detail;
  EXPECT_EQ(r.error().notify, base::NotifyType::InvalidKeyInformation);
  EXPECT_EQ(r.error().detail, detail);
  // dh_check_public makes the same checks, with the same error, without a key.
  base::Status c = provider().dh_check_public(group, peer);
  ASSERT_FALSE(c.has_value()) << detail;
  EXPECT_EQ(c.error().notify, base::NotifyType::InvalidKeyInformation);
  EXPECT_EQ(c.error().detail, detail);
}

TEST(EcpDh, MalformedPeerValuesAreRejected) {
  for (uint16_t group : std::initializer_list<uint16_t>{19, 20, 21, 25, 26, 27, 28, 29, 30}) {
    const std::string name(find_dh_group(group)->name);
    const std::size_t len = provider().dh_public_length(group);
    SCOPED_TRACE(name);
    // A valid point to mutate: the other side's public value.
    auto other = provider().dh_from_private(group, base::Bytes{0x07});
    ASSERT_TRUE(other.has_value());
    const base::Bytes good = (*other)->public_value();
    ASSERT_TRUE(some_key(group)->shared_secret(good).has_value());
    EXPECT_TRUE(provider().dh_check_public(group, good).has_value());

    base::Bytes prefixed{0x04};
    prefixed.insert(prefixed.end(), good.begin(), good.end());
    expect_invalid(group, prefixed,
                   fmt::format("{} peer public value has {} bytes, expected {}", name, len + 1,
                               len));
    expect_invalid(group, base::ByteView(good).first(len - 1),
                   fmt::format("{} peer public value has {} bytes, expected {}", name, len - 1,
                               len));
    expect_invalid(group, base::ByteView(good).first(len / 2),
                   fmt::format("{} peer public value has {} bytes, expected {}", name, len / 2,
                               len));
    expect_invalid(group, base::Bytes(len, 0),
                   name + " peer public value is the point at infinity (all zero)");
    base::Bytes off = good;
    off.back() ^= 0x01;  // y + 1 or y - 1: not on the curve (y^2 changes)
    expect_invalid(group, off, name + " peer public value is not a point on the curve");
    base::Bytes ones(len, 0xff);
    expect_invalid(group, ones, name + " peer public value has x >= p");
    base::Bytes big_y = good;
    std::fill(big_y.begin() + static_cast<std::ptrdiff_t>(len / 2), big_y.end(), 0xff);
    expect_invalid(group, big_y, name + " peer public value has y >= p");
  }
}

TEST(EcpDh, NonCanonicalXEqualToPIsRejected) {
  base::Bytes v = hex(kP256P);
  base::Bytes y(32, 0);
  y.back() = 1;
  v.insert(v.end(), y.begin(), y.end());
  expect_invalid(19, v, "ECP_256 peer public value has x >= p");
}

TEST(EcpDh, ScalarRejectionSampling) {
  // P-256: 0xff..ff (> n) is redrawn, n itself is redrawn, 0 is redrawn, n-1 is accepted.
  ScriptedRandom rng;
  rng.push(base::Bytes(32, 0xff));
  rng.push(hex(kP256N));
  rng.push(base::Bytes(32, 0x00));
  base::Bytes n_minus_1 = hex(kP256N);
  n_minus_1.back() = 0x50;
  rng.push(n_minus_1);
  auto generated = provider().dh_generate(19, rng);
  ASSERT_TRUE(generated.has_value()) << generated.error().detail;
  EXPECT_EQ(rng.remaining(), 0u);
  auto known = provider().dh_from_private(19, n_minus_1);
  ASSERT_TRUE(known.has_value());
  EXPECT_EQ(hexstr((*generated)->public_value()), hexstr((*known)->public_value()));
  // [n-1]G = -G: same x as G, y = p - Gy.
  EXPECT_EQ(hexstr(base::ByteView((*known)->public_value()).first(32)),
            "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
}

TEST(EcpDh, P521ScalarDrawIsMaskedTo521Bits) {
  // 66 bytes drawn, top byte masked to one bit: 0x01ff..ff > n, redrawn; then 1.
  ScriptedRandom rng;
  rng.push(base::Bytes(66, 0xff));
  base::Bytes one(66, 0);
  one.back() = 1;
  rng.push(one);
  auto generated = provider().dh_generate(21, rng);
  ASSERT_TRUE(generated.has_value()) << generated.error().detail;
  EXPECT_EQ(rng.remaining(), 0u);
  // [1]G is the generator (FIPS 186-4 D.1.2.5 Gx).
  EXPECT_EQ(hexstr(base::ByteView((*generated)->public_value()).first(66)),
            "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe759"
            "28fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66");
}

TEST(EcpDh, FromPrivateRangeChecks) {
  for (const base::Bytes& bad :
       {base::Bytes{}, base::Bytes{0x00}, base::Bytes(32, 0), hex(kP256N), base::Bytes(32, 0xff),
        base::Bytes(33, 0x01)}) {
    auto r = provider().dh_from_private(19, bad);
    ASSERT_FALSE(r.has_value()) << hexstr(bad);
    EXPECT_EQ(r.error().detail.rfind("ECP_256 private value ", 0), 0u) << r.error().detail;
  }
}

}  // namespace
}  // namespace ike::crypto
