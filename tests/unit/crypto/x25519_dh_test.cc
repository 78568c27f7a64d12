// Curve25519 input handling (RFC 7748 §6.1, RFC 8031 §2): the KE value is exactly 32 bytes;
// small-order peer points, which make the shared secret all zero, are refused with
// INVALID_KEY_INFORMATION; the private value is 32 bytes from the injected base::Random.
#include <gtest/gtest.h>

#include "test_util.h"

namespace ike::crypto {
namespace {

using testing::hex;
using testing::provider;
using testing::ScriptedRandom;
using testing::hexstr;

constexpr uint16_t kCurve25519 = 31;
const char* const kAllZeroDetail =
    "CURVE25519 shared secret is all zero (peer public value has small order)";

std::unique_ptr<DhPrivate> key() {
  auto r = provider().dh_from_private(
      kCurve25519, hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  EXPECT_TRUE(r.has_value());
  return r ? std::move(r).value() : nullptr;
}

TEST(X25519Dh, SmallOrderPeerPointsGiveAllZeroSecretAndAreRejected) {
  auto k = key();
  ASSERT_NE(k, nullptr);
  // u = 0 and u = 1 (orders 4 and ... both small), and u = p = 2^255 - 19 (non-canonical 0).
  for (const char* u : {"0000000000000000000000000000000000000000000000000000000000000000",
                        "0100000000000000000000000000000000000000000000000000000000000000",
                        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"}) {
    auto r = k->shared_secret(hex(u));
    ASSERT_FALSE(r.has_value()) << u;
    EXPECT_EQ(r.error().notify, base::NotifyType::InvalidKeyInformation);
    EXPECT_EQ(r.error().detail, kAllZeroDetail) << u;
  }
}

TEST(X25519Dh, WrongLengthsAreRejected) {
  auto k = key();
  ASSERT_NE(k, nullptr);
  for (std::size_t len : {0u, 31u, 33u, 64u}) {
    auto r = k->shared_secret(base::Bytes(len, 0x09));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().notify, base::NotifyType::InvalidKeyInformation);
    EXPECT_EQ(r.error().detail,
              fmt::format("CURVE25519 peer public value has {} bytes, expected 32", len));
    base::Status c = provider().dh_check_public(kCurve25519, base::Bytes(len, 0x09));
    ASSERT_FALSE(c.has_value());
    EXPECT_EQ(c.error().detail, r.error().detail);
  }
  EXPECT_TRUE(provider().dh_check_public(kCurve25519, base::Bytes(32, 0x09)).has_value());
  for (std::size_t len : {0u, 31u, 33u}) {
    EXPECT_FALSE(provider().dh_from_private(kCurve25519, base::Bytes(len, 1)).has_value());
  }
}

TEST(X25519Dh, PrivateValueIs32BytesFromTheRng) {
  const base::Bytes scalar =
      hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  ScriptedRandom rng;
  rng.push(scalar);
  auto generated = provider().dh_generate(kCurve25519, rng);
  ASSERT_TRUE(generated.has_value());
  EXPECT_EQ(rng.remaining(), 0u);
  // RFC 7748 §6.1: Bob's public key.
  EXPECT_EQ(hexstr((*generated)->public_value()),
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
}

}  // namespace
}  // namespace ike::crypto
