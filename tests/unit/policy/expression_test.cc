// Conditions language (RFC 2704 §4.6.5): comparisons, arithmetic, regex captures,
// dereferences, clause values, nested programs, separators, comments, type errors.
#include <gtest/gtest.h>

#include "policy/assertion.h"
#include "policy/lexer.h"
#include "test_util.h"

namespace ike::policy {
namespace {

using test::cond;
using test::conditions_error;

TEST(Conditions, StringComparisons) {
  std::map<std::string, std::string> a{{"x", "abc"}, {"y", "abd"}};
  EXPECT_EQ(cond("x == \"abc\"", a), "true");
  EXPECT_EQ(cond("x != \"abc\"", a), "false");
  EXPECT_EQ(cond("x < y", a), "true");
  EXPECT_EQ(cond("x >= y", a), "false");
  EXPECT_EQ(cond("x . \"d\" == \"abcd\"", a), "true");
  EXPECT_EQ(cond("undefined == \"\"", a), "true");  // undefined attribute: ""
}

TEST(Conditions, IntegerAndFloatArithmetic) {
  std::map<std::string, std::string> a{{"n", "42"}, {"f", "2.5"}, {"bad", "12x"}};
  EXPECT_EQ(cond("@n + 8 == 50", a), "true");
  EXPECT_EQ(cond("@n * 2 - 4 / 2 == 82", a), "true");  // precedence
  EXPECT_EQ(cond("@n % 5 == 2", a), "true");
  EXPECT_EQ(cond("2 ^ 3 ^ 2 == 512", a), "true");       // right associative
  EXPECT_EQ(cond("-@n < 0", a), "true");
  EXPECT_EQ(cond("&f * 2 == 5.0", a), "true");
  EXPECT_EQ(cond("@n > &f", a), "true");                // int and float mix as float
  EXPECT_EQ(cond("@bad == 0", a), "true");              // not a number: 0
  EXPECT_EQ(cond("@n / 0 == 0", a), "false");           // division by zero: clause false
  EXPECT_EQ(cond("@n / 0 == 0; true", a), "true");      // ... the next clause still counts
  EXPECT_EQ(cond("9223372036854775807 + 1 > 0", a), "false");  // overflow
}

TEST(Conditions, RegexAndCaptures) {
  std::map<std::string, std::string> a{{"id", "gw7.branch.example.org"}};
  EXPECT_EQ(cond("id ~= \"^gw[0-9]+[.]branch\"", a), "true");
  EXPECT_EQ(cond("id ~= \"^vpn\"", a), "false");
  EXPECT_EQ(cond("id ~= \"^gw([0-9]+)[.]([a-z]+)\" && _1 == \"7\" && _2 == \"branch\"", a),
            "true");
  EXPECT_NE(conditions_error("id ~= \"^gw(\""), "accepted");  // bad literal pattern: refused
}

TEST(Conditions, Dereference) {
  std::map<std::string, std::string> a{{"which", "esp_enc_alg"}, {"esp_enc_alg", "aes"}};
  EXPECT_EQ(cond("$which == \"aes\"", a), "true");
  EXPECT_EQ(cond("$(\"esp\" . \"_enc_alg\") == \"aes\"", a), "true");
}

TEST(Conditions, ClauseValuesAndNesting) {
  std::map<std::string, std::string> a{{"p", "yes"}, {"v", "true"}};
  EXPECT_EQ(cond("p == \"yes\" -> \"false\"", a), "false");
  EXPECT_EQ(cond("p == \"yes\" -> \"false\"; p == \"yes\" -> \"true\";", a), "true");
  EXPECT_EQ(cond("p == \"yes\" -> v", a), "true");             // value from an attribute
  EXPECT_EQ(cond("p == \"yes\" -> \"maybe\"", a), "false");    // not a compliance value
  EXPECT_EQ(cond("p == \"yes\" -> _MAX_TRUST", a), "true");
  EXPECT_EQ(cond("p == \"yes\" -> { p != \"yes\" -> \"true\"; }", a), "false");
  EXPECT_EQ(cond("p == \"yes\" -> { false; p == \"yes\" -> \"true\" }", a), "true");
  EXPECT_EQ(cond("!(p == \"no\") && (true || false)", a), "true");
  EXPECT_EQ(cond("# comment line\n  p == \"yes\" # trailing\n  -> \"true\"", a), "true");
  EXPECT_EQ(cond("", a), "true");  // an empty Conditions field: unconditional
}

TEST(Conditions, TypeErrorsAreParseErrors) {
  EXPECT_NE(conditions_error("esp_life_seconds > 1000").find("compares string with integer"),
            std::string::npos);
  EXPECT_NE(conditions_error("\"a\" + 1 == 2").find("arithmetic"), std::string::npos);
  EXPECT_NE(conditions_error("x == \"a\" -> 5").find("compliance value"), std::string::npos);
  EXPECT_NE(conditions_error("x").find("clause test"), std::string::npos);
  EXPECT_NE(conditions_error("x == \"a\" x == \"b\"").find("; between clauses"),
            std::string::npos);
  EXPECT_NE(conditions_error("x == \"a").find("unterminated string"), std::string::npos);
}

TEST(Assertion, FieldsContinuationAndConstants) {
  auto a = parse_assertion(
      "KeyNote-Version: 2\n"
      "# a comment\n"
      "local-constants: K = \"passphrase:x\"\n"
      "   L = \"passphrase:y\"\n"
      "AUTHORIZER: \"POLICY\"\n"
      "Licensees: K ||\n"
      "   L\n"
      "Comment: anything at all\n");
  ASSERT_TRUE(a.has_value()) << a.error().detail;
  EXPECT_EQ(a->authorizer, "POLICY");
  ASSERT_EQ(a->licensees.nodes.size(), 3u);
  EXPECT_EQ(a->licensees.nodes[0].principal, "passphrase:x");
  EXPECT_EQ(a->licensees.nodes[1].principal, "passphrase:y");
  EXPECT_FALSE(a->conditions.present);
}

TEST(Assertion, StructuralErrors) {
  auto err = [](std::string_view t) {
    auto a = parse_assertion(t);
    return a ? std::string("accepted") : a.error().detail;
  };
  EXPECT_NE(err("Licensees: \"a\"\n").find("Authorizer field missing"), std::string::npos);
  EXPECT_NE(err("Authorizer: \"POLICY\"\nKeyNote-Version: 2\n").find("first field"),
            std::string::npos);
  EXPECT_NE(err("KeyNote-Version: 3\nAuthorizer: \"POLICY\"\n").find("version 2"),
            std::string::npos);
  EXPECT_NE(err("Authorizer: \"POLICY\"\nSignature: \"x\"\nComment: c\n").find("last field"),
            std::string::npos);
  EXPECT_NE(err("Authorizer: \"POLICY\"\nAuthorizer: \"X\"\n").find("repeated"),
            std::string::npos);
  EXPECT_NE(err("Authorizer: \"POLICY\"\nFoo: 1\n").find("unknown field"), std::string::npos);
  EXPECT_NE(err("Authorizer: \"POLICY\"\nLicensees: NOPE\n").find("not a Local-Constant"),
            std::string::npos);
  EXPECT_NE(err("Authorizer: \"POLICY\"\nLicensees: 3-of(\"a\", \"b\")\n").find("3-of"),
            std::string::npos);
  EXPECT_NE(err("   continuation\nAuthorizer: \"POLICY\"\n").find("continuation"),
            std::string::npos);
  EXPECT_NE(err("Local-Constants: _X = \"a\"\nAuthorizer: \"POLICY\"\n").find("reserved"),
            std::string::npos);
}

TEST(Assertion, SplitAtBlankLines) {
  auto parts = split_assertions(
      "# header comment\n\nAuthorizer: \"POLICY\"\nLicensees: \"a\"\n\n  \n"
      "Authorizer: \"POLICY\"\nLicensees: \"b\"\n");
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->size(), 2u);
}

TEST(Lexer, TokensAndOffsets) {
  auto t = tokenize("a->{\"s\\\"q\" 12 3.5 2-of}", true);
  ASSERT_TRUE(t.has_value());
  std::vector<Tok> kinds;
  for (const Token& tok : *t) kinds.push_back(tok.kind);
  EXPECT_EQ(kinds, (std::vector<Tok>{Tok::Ident, Tok::Arrow, Tok::LBrace, Tok::String, Tok::Int,
                                     Tok::Float, Tok::KOf, Tok::RBrace, Tok::End}));
  EXPECT_EQ((*t)[3].text, "s\"q");
  auto bad = tokenize("a ` b", false);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().detail.find("offset 2"), std::string::npos);
}

}  // namespace
}  // namespace ike::policy
