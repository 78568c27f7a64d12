// Known answers for the phase-1 CBC ciphers, both directions: RFC 3602 §4 cases 1-4 (AES-128),
// NIST CAVP AESAVS multi-block messages (AES-128/192/256), NIST CAVP TDES TCBCMMT3 (3DES with
// three keys), and the published Blowfish and CAST5 CBC vectors (legacy provider).
#include <gtest/gtest.h>

#include "test_util.h"

namespace ike::crypto {
namespace {

using testing::field;
using testing::legacy_provider;
using testing::load;
using testing::hexstr;

int check_file(const OpenSslProvider& p, std::string_view file, CipherAlg c) {
  test::VecFile vf = load(file);
  int checked = 0;
  for (const test::VecBlock& b : vf.blocks) {
    base::Bytes key = field(b, "Key");
    base::Bytes iv = field(b, "IV");
    base::Bytes pt = field(b, "Plaintext");
    base::Bytes ct = field(b, "Ciphertext");
    auto enc = p.cbc_encrypt(c, key, iv, pt);
    EXPECT_TRUE(enc.has_value()) << b.where(file) << ": " << (enc ? "" : enc.error().detail);
    if (enc) {
      EXPECT_EQ(hexstr(*enc), hexstr(ct)) << "encrypt " << b.where(file);
    }
    auto dec = p.cbc_decrypt(c, key, iv, ct);
    EXPECT_TRUE(dec.has_value()) << b.where(file) << ": " << (dec ? "" : dec.error().detail);
    if (dec) {
      EXPECT_EQ(hexstr(*dec), hexstr(pt)) << "decrypt " << b.where(file);
    }
    ++checked;
  }
  return checked;
}

TEST(CbcVectors, Rfc3602AesCbcCases1To4) {
  EXPECT_EQ(check_file(testing::provider(), "aes_cbc_rfc3602.vec", CipherAlg::Aes), 4);
}

TEST(CbcVectors, CavpAesCbcMmt128_192_256) {
  EXPECT_EQ(check_file(testing::provider(), "aes_cbc_cavp_mmt.vec", CipherAlg::Aes), 18);
}

TEST(CbcVectors, CavpTripleDesCbcMmt3) {
  EXPECT_EQ(check_file(testing::provider(), "des3_cbc_cavp_mmt.vec", CipherAlg::TripleDes), 10);
}

TEST(CbcVectors, BlowfishCbcLegacy) {
  ASSERT_TRUE(legacy_provider().legacy_enabled());
  EXPECT_EQ(check_file(legacy_provider(), "blowfish_cbc.vec", CipherAlg::Blowfish), 1);
}

TEST(CbcVectors, Cast5CbcLegacy) {
  ASSERT_TRUE(legacy_provider().legacy_enabled());
  EXPECT_EQ(check_file(legacy_provider(), "cast5_cbc.vec", CipherAlg::Cast), 6);
}

}  // namespace
}  // namespace ike::crypto
