// Known answers for the IKE PRF (HMAC, RFC 2104) over every negotiable hash: RFC 2202 (HMAC-MD5,
// HMAC-SHA-1, cases 1-7) and RFC 4231 (HMAC-SHA-256/384/512, cases 1-7). Cases 6 and 7 use
// keys longer than the block (80 and 131 bytes) and so check the block size: 64 bytes for
// MD5/SHA-1/SHA-256, 128 for SHA-384/512 (the isakmpd bug fixed in hash.c 1.25).
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <memory>

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

// OpenSslProvider::prf builds RFC 2104 HMAC on EVP digests (faster than EVP_MAC in OpenSSL
// 3.0); OpenSSL's own HMAC (EVP_MAC "HMAC") is the reference it must agree with, for every
// hash, keys around the block size (the K' = H(K) rule), empty keys and messages, and any
// split of the message into parts.
std::string evp_mac_hmac(HashAlg h, base::ByteView key, base::ByteView data) {
  static constexpr std::array<const char*, 5> kNames{"MD5", "SHA1", "SHA2-256", "SHA2-384",
                                                     "SHA2-512"};
  const char* name = h == HashAlg::Md5      ? kNames[0]
                     : h == HashAlg::Sha1   ? kNames[1]
                     : h == HashAlg::Sha256 ? kNames[2]
                     : h == HashAlg::Sha384 ? kNames[3]
                                            : kNames[4];
  std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr),
                                                        &EVP_MAC_free);
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_new(mac.get()),
                                                                &EVP_MAC_CTX_free);
  std::array<OSSL_PARAM, 2> params{
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(name), 0),
      OSSL_PARAM_construct_end()};
  static const uint8_t kEmpty = 0;
  std::array<uint8_t, EVP_MAX_MD_SIZE> out{};
  std::size_t len = 0;
  if (!ctx ||
      EVP_MAC_init(ctx.get(), key.empty() ? &kEmpty : key.data(), key.size(), params.data()) !=
          1 ||
      EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1) {
    return "EVP_MAC failed";
  }
  return hexstr(base::ByteView(out.data(), len));
}

TEST(HmacVectors, PrfMatchesOpenSslHmacForEveryHashKeyLengthAndSplit) {
  const std::array<HashAlg, 5> hashes{HashAlg::Md5, HashAlg::Sha1, HashAlg::Sha256,
                                      HashAlg::Sha384, HashAlg::Sha512};
  // Key lengths: empty, short, one below/at/above the 64- and 128-byte blocks, and long.
  const std::array<std::size_t, 11> key_lengths{0, 1, 20, 63, 64, 65, 127, 128, 129, 200, 300};
  const std::array<std::size_t, 6> data_lengths{0, 1, 55, 64, 119, 500};
  int checked = 0;
  for (HashAlg h : hashes) {
    for (std::size_t kl : key_lengths) {
      for (std::size_t dl : data_lengths) {
        base::Bytes key(kl), data(dl);
        for (std::size_t i = 0; i < kl; ++i) key[i] = static_cast<uint8_t>(i * 7 + kl);
        for (std::size_t i = 0; i < dl; ++i) data[i] = static_cast<uint8_t>(i * 13 + dl + 1);
        const std::string want = evp_mac_hmac(h, key, data);
        SecureBytes whole = provider().prf(h, key, {data});
        ASSERT_EQ(hexstr(whole), want) << "hash " << static_cast<int>(h) << " key " << kl
                                       << " data " << dl;
        base::ByteView d(data);
        const std::size_t cut = dl / 3;
        SecureBytes split =
            provider().prf(h, key, {d.first(cut), base::ByteView(), d.subspan(cut)});
        EXPECT_EQ(hexstr(split), want) << "split, hash " << static_cast<int>(h);
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 5 * 11 * 6);
}

}  // namespace
}  // namespace ike::crypto
