// Known answers for the plain digests (Provider::hash): FIPS 180-2 examples for SHA-1/SHA-2 and
// the RFC 1321 test suite for MD5, one- and multi-block messages, and the empty message.
#include <gtest/gtest.h>

#include "test_util.h"

namespace ike::crypto {
namespace {

using testing::field;
using testing::load;
using testing::provider;
using testing::hexstr;

HashAlg alg(const std::string& section) {
  if (section == "MD5") return HashAlg::Md5;
  if (section == "SHA-1") return HashAlg::Sha1;
  if (section == "SHA-256") return HashAlg::Sha256;
  if (section == "SHA-384") return HashAlg::Sha384;
  EXPECT_EQ(section, "SHA-512");
  return HashAlg::Sha512;
}

TEST(HashVectors, Fips180AndRfc1321) {
  test::VecFile vf = load("hash_digests.vec");
  ASSERT_EQ(vf.blocks.size(), 11u);
  for (const test::VecBlock& b : vf.blocks) {
    HashAlg h = alg(b.section);
    base::Bytes data = field(b, "Data");
    base::Bytes digest = field(b, "Digest");
    EXPECT_EQ(hexstr(provider().hash(h, {data})), hexstr(digest)) << b.where("hash_digests.vec");
    if (data.size() > 1) {
      base::ByteView d(data);
      EXPECT_EQ(hexstr(provider().hash(h, {d.first(1), base::ByteView{}, d.subspan(1)})),
                hexstr(digest))
          << "split input, " << b.where("hash_digests.vec");
    }
  }
}

}  // namespace
}  // namespace ike::crypto
