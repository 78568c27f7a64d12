// Known answers for the IKE PRF (HMAC, RFC 2104) over every negotiable hash: RFC 2202 (HMAC-MD5,
// HMAC-SHA-1, cases 1-7) and RFC 4231 (HMAC-SHA-256/384/512, cases 1-7). Cases 6 and 7 use
// keys longer than the block (80 and 131 bytes) and so check the block size: 64 bytes for
// MD5/SHA-1/SHA-256, 128 for SHA-384/512 (the isakmpd bug fixed in hash.c 1.25).
#include <gtest/gtest.h>

#include "crypto/openssl_provider.h"
#include "test_util.h"

namespace ike::crypto {
namespace {

using testing::field;
using testing::load;
using testing::provider;
using testing::hexstr;

void check_file(std::string_view file, HashAlg fixed, bool use_section) {
  test::VecFile vf = load(file);
  ASSERT_FALSE(vf.blocks.empty());
  int checked = 0;
  for (const test::VecBlock& b : vf.blocks) {
    HashAlg h = fixed;
    if (use_section) {
      if (b.section == "HMAC-SHA-256") h = HashAlg::Sha256;
      else if (b.section == "HMAC-SHA-384") h = HashAlg::Sha384;
      else if (b.section == "HMAC-SHA-512") h = HashAlg::Sha512;
      else FAIL() << "unknown section " << b.section;
    }
    base::Bytes key = field(b, "Key");
    base::Bytes data = field(b, "Data");
    base::Bytes mac = field(b, "Mac");
    SecureBytes out = provider().prf(h, key, {data});
    ASSERT_EQ(out.size(), hash_length(h)) << b.where(file);
    std::size_t n = b.has("Truncate") ? static_cast<std::size_t>(b.number("Truncate").value())
                                      : out.size();
    EXPECT_EQ(hexstr(base::ByteView(out).first(n)), hexstr(mac)) << b.where(file);
    // The same input split into parts (prf(K, a | b | c)) gives the same MAC.
    if (data.size() >= 3) {
      base::ByteView d(data);
      SecureBytes split =
          provider().prf(h, key, {d.first(1), d.subspan(1, d.size() - 2), d.last(1)});
      EXPECT_EQ(hexstr(split), hexstr(out)) << b.where(file);
    }
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(HmacVectors, Rfc2202HmacMd5AllCases) {
  check_file("hmac_md5_rfc2202.vec", HashAlg::Md5, false);
  EXPECT_EQ(load("hmac_md5_rfc2202.vec").blocks.size(), 7u);
}

TEST(HmacVectors, Rfc2202HmacSha1AllCases) {
  check_file("hmac_sha1_rfc2202.vec", HashAlg::Sha1, false);
  EXPECT_EQ(load("hmac_sha1_rfc2202.vec").blocks.size(), 7u);
}

TEST(HmacVectors, Rfc4231HmacSha2Cases1To7) {
  check_file("hmac_sha2_rfc4231.vec", HashAlg::Sha256, true);
  EXPECT_EQ(load("hmac_sha2_rfc4231.vec").blocks.size(), 21u);
}

}  // namespace
}  // namespace ike::crypto
