// PackedPrincipals (src/engine/packed_principals.h): what an ISAKMP SA keeps of its verified
// peer's KeyNote principals. unpack() gives back exactly the strings packed, whatever they are;
// keys in base::to_hex's lowercase hex take half the room.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/packed_principals.h"

namespace ike::engine {
namespace {

std::string hex_key(std::size_t bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < bytes; ++i) {
    s.push_back(kDigits[(i * 7 + 3) % 16]);
    s.push_back(kDigits[(i * 13 + 5) % 16]);
  }
  return s;
}

void expect_round_trip(const std::vector<std::string>& in) {
  PackedPrincipals p = PackedPrincipals::pack(in);
  EXPECT_EQ(p.unpack(), in);
  EXPECT_EQ(p.empty(), in.empty());
}

TEST(PackedPrincipals, RoundTripsWhatAuthSignatureProduces) {
  const std::vector<std::string> rsa{"DN:/C=CA/O=ike-test/CN=load.ikt.test",
                                     "rsa-hex:" + hex_key(294)};
  expect_round_trip(rsa);
  // The key is stored as bytes: 294 instead of 588 characters.
  PackedPrincipals p = PackedPrincipals::pack(rsa);
  EXPECT_LT(p.packed_size(), rsa[0].size() + 8 + 294 + 20);
  expect_round_trip({"DN:/CN=peer", "ecdsa-hex:" + hex_key(91)});
  expect_round_trip({"rsa-hex:" + hex_key(1)});
}

TEST(PackedPrincipals, AnythingElseIsKeptAsText) {
  expect_round_trip({});
  expect_round_trip({""});
  expect_round_trip({"rsa-hex:"});                        // no key
  expect_round_trip({"rsa-hex:abc"});                     // odd length
  expect_round_trip({"rsa-hex:ABCD"});                    // upper case: kept as written
  expect_round_trip({"rsa-hex:12zz"});                    // not hex
  expect_round_trip({"passphrase:secret", "DN:/CN=x"});   // other principals
  expect_round_trip({std::string("DN:\0/CN=nul", 11)});   // embedded NUL
  expect_round_trip({"x-hex:00ff", "y-hex:-hex:00"});     // the marker twice: text
  expect_round_trip({std::string(70000, 'a'), "rsa-hex:" + hex_key(5000)});
}

}  // namespace
}  // namespace ike::engine
