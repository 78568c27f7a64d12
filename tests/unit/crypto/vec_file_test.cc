// The vector-file reader of tests/support: provenance line, sections, multi-line values,
// comments, block separation, and precise errors for malformed files.
#include <gtest/gtest.h>

#include "base/hex.h"
#include "support/vec_file.h"

namespace ike::test {
namespace {

TEST(VecFile, ParsesBlocksSectionsAndContinuations) {
  auto r = parse_vec(
      "# RFC 0000 §1 provenance\n"
      "\n"
      "Key = 0a0b\n"
      "Msg = 01\n"
      "    02 03\n"
      "\n"
      "# a comment\n"
      "[Sec]\n"
      "Count = 17\n"
      "Text = hello world\n"
      "Empty =\n",
      "t.vec");
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(r->provenance, "RFC 0000 §1 provenance");
  ASSERT_EQ(r->blocks.size(), 2u);
  const VecBlock& a = r->blocks[0];
  EXPECT_EQ(a.section, "");
  EXPECT_EQ(a.line, 3u);
  EXPECT_EQ(base::to_hex(a.hex("Msg").value()), "010203");
  EXPECT_EQ(base::to_hex(a.hex("Key").value()), "0a0b");
  EXPECT_FALSE(a.has("Count"));
  EXPECT_EQ(a.text("Count").error().code, base::ErrorCode::NotFound);
  const VecBlock& b = r->blocks[1];
  EXPECT_EQ(b.section, "Sec");
  EXPECT_EQ(b.number("Count").value(), 17u);
  EXPECT_EQ(b.text("Text").value(), "hello world");
  EXPECT_TRUE(b.hex("Empty").value().empty());
  EXPECT_FALSE(b.number("Text").has_value());
  EXPECT_FALSE(b.hex("Text").has_value());
  EXPECT_EQ(b.where("t.vec"), "t.vec:9 [Sec]");
}

TEST(VecFile, RequiresProvenanceLine) {
  for (const char* text : {"", "Key = 00\n", "#\n", "# \n\nKey = 00\n"}) {
    auto r = parse_vec(text, "p.vec");
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().detail.rfind("p.vec:1: ", 0), 0u) << r.error().detail;
  }
}

TEST(VecFile, ReportsMalformedLinesWithLineNumbers) {
  auto r = parse_vec("# p\nKey = 00\nKey = 01\n", "d.vec");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail, "d.vec:3: duplicate key 'Key' in one block");
  r = parse_vec("# p\nno equals sign\n", "d.vec");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail, "d.vec:2: expected 'Key = value'");
  r = parse_vec("# p\n\n  00 11\n", "d.vec");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail, "d.vec:3: continuation line without a field before it");
  r = parse_vec("# p\n[Open\n", "d.vec");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail, "d.vec:2: malformed [Section] line");
}

TEST(VecFile, LoadsEveryCommittedVectorFile) {
  for (const char* f : {"hmac_md5_rfc2202.vec", "hmac_sha1_rfc2202.vec", "hmac_sha2_rfc4231.vec",
                        "hash_digests.vec", "aes_cbc_rfc3602.vec", "aes_cbc_cavp_mmt.vec",
                        "des3_cbc_cavp_mmt.vec", "blowfish_cbc.vec", "cast5_cbc.vec",
                        "modp_groups.vec", "ecp_rfc5903.vec", "ecp_brainpool_rfc6932.vec",
                        "ecp_brainpool_rfc7027.vec", "x25519_rfc7748.vec",
                        "drbg_deterministic_random.vec"}) {
    auto r = load_vec(vector_path(f));
    ASSERT_TRUE(r.has_value()) << f << ": " << r.error().detail;
    EXPECT_FALSE(r->blocks.empty()) << f;
    EXPECT_NE(r->provenance.find_first_of("RFCNISTFIPSOpenSSLBlowfishCAST"), std::string::npos)
        << f;
  }
  EXPECT_EQ(load_vec(vector_path("no_such_file.vec")).error().code, base::ErrorCode::NotFound);
}

}  // namespace
}  // namespace ike::test
