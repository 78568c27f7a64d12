// Hostile policies (reliability: every input is hostile): deep nesting, huge and exponential
// regular expressions, exponential k-of delegation graphs, step-budget exhaustion and size
// caps, each refused or answered within a time bound and without unbounded memory.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>

#include "policy/expression.h"
#include "policy/limits.h"
#include "test_util.h"

namespace ike::policy {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

long max_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

std::string error_of(const std::string& text) {
  PolicySet s;
  auto st = s.add_policy(text);
  return st ? std::string("accepted") : st.error().detail;
}

TEST(Hostile, DeepNestingRefused) {
  std::string parens = std::string(5000, '(') + "true" + std::string(5000, ')');
  EXPECT_NE(error_of("Authorizer: \"POLICY\"\nLicensees: \"a\"\nConditions: " + parens + "\n")
                .find("nesting deeper"),
            std::string::npos);
  std::string lic = std::string(5000, '(') + "\"a\"" + std::string(5000, ')');
  EXPECT_NE(error_of("Authorizer: \"POLICY\"\nLicensees: " + lic + "\n").find("nesting deeper"),
            std::string::npos);
  std::string blocks;
  for (int i = 0; i < 200; ++i) blocks += "true -> { ";
  blocks += "true";
  for (int i = 0; i < 200; ++i) blocks += " }";
  EXPECT_NE(error_of("Authorizer: \"POLICY\"\nLicensees: \"a\"\nConditions: " + blocks + "\n")
                .find("nesting deeper"),
            std::string::npos);
  std::string unary(3000, '!');
  EXPECT_NE(error_of("Authorizer: \"POLICY\"\nLicensees: \"a\"\nConditions: " + unary +
                     "true\n")
                .find("nesting deeper"),
            std::string::npos);
  // Within the cap: accepted and evaluated.
  std::string ok = std::string(20, '(') + "true" + std::string(20, ')');
  EXPECT_EQ(test::cond(ok), "true");
}

TEST(Hostile, RegexCaps) {
  EXPECT_FALSE(Regex::compile(std::string(kMaxRegexPattern + 1, 'a')).has_value());
  EXPECT_FALSE(Regex::compile("(a*)*\\1").has_value());           // back-reference
  EXPECT_FALSE(Regex::compile("(a{200}){200}").has_value());      // automaton blow-up
  EXPECT_FALSE(Regex::compile("a{1,100000}").has_value());
  EXPECT_TRUE(Regex::compile("^(a|aa)+$").has_value());
  // A dynamic (attribute) pattern gets the same caps at evaluation: the clause is false.
  std::map<std::string, std::string> a{{"p", "(x{100}){100}"}, {"s", "x"}};
  EXPECT_EQ(test::cond("s ~= p", a), "false");
  a["p"] = "^x$";
  EXPECT_EQ(test::cond("s ~= p", a), "true");
}

TEST(Hostile, PathologicalRegexIsBounded) {
  std::map<std::string, std::string> a{{"s", std::string(kMaxRegexSubject, 'a') + "b"},
                                       {"t", std::string(2000, 'a') + "!"}};
  auto t0 = Clock::now();
  EXPECT_EQ(test::cond("s ~= \"^(a|aa)+$\"", a), "false");  // over the subject cap: no match
  EXPECT_EQ(test::cond("t ~= \"^(a|aa|aaa)*(a|aa)*$\"", a), "false");
  EXPECT_LT(seconds_since(t0), 5.0);
}

// 24 levels of 8 principals; every principal of level i licenses 4-of the 8 of level i+1.
// Without memoization the evaluation would visit 8^24 paths.
TEST(Hostile, ExponentialKOfDelegationIsPolynomial) {
  constexpr int kLevels = 24, kWidth = 8;
  std::string policy = "Authorizer: \"POLICY\"\nLicensees: 4-of(";
  for (int j = 0; j < kWidth; ++j) policy += (j ? ", \"p0_" : "\"p0_") + std::to_string(j) + "\"";
  policy += ")\n";
  for (int i = 0; i + 1 < kLevels; ++i) {
    for (int j = 0; j < kWidth; ++j) {
      policy += "\nAuthorizer: \"p" + std::to_string(i) + "_" + std::to_string(j) +
                "\"\nLicensees: 4-of(";
      for (int k = 0; k < kWidth; ++k) {
        policy += (k ? ", \"p" : "\"p") + std::to_string(i + 1) + "_" + std::to_string(k) + "\"";
      }
      policy += ")\nConditions: app_domain == \"IPsec policy\"\n";
    }
  }
  long rss0 = max_rss_kb();
  auto t0 = Clock::now();
  PolicySet s = test::policy_from(policy);
  EXPECT_EQ(s.size(), 1u + (kLevels - 1) * kWidth);
  std::vector<std::string> bottom;
  for (int k = 0; k < kWidth; ++k) bottom.push_back("p" + std::to_string(kLevels - 1) + "_" + std::to_string(k));
  std::map<std::string, std::string> attrs{{"app_domain", "IPsec policy"}};
  EXPECT_EQ(test::decide(s, attrs, bottom), "true");
  bottom.resize(3);  // 3 of 8 at the bottom: 4-of fails all the way up
  EXPECT_EQ(test::decide(s, attrs, bottom), "false");
  EXPECT_LT(seconds_since(t0), 2.0);
  EXPECT_LT(max_rss_kb() - rss0, 200 * 1024);
}

TEST(Hostile, StepBudgetEndsHugeEvaluations) {
  // 150 assertions of ~2000 nodes each, all false at the last test: 300 k steps > the cap.
  std::string cond;
  for (int i = 0; i < 500; ++i) cond += "x == \"a\" && ";
  cond += "x == \"b\"";
  std::string policy;
  for (int i = 0; i < 150; ++i) {
    policy += "Authorizer: \"POLICY\"\nLicensees: \"a\"\nConditions: " + cond + "\n\n";
  }
  PolicySet s = test::policy_from(policy);
  Query q;
  q.attributes = {{"x", "a"}};
  q.authorizers = {"a"};
  auto t0 = Clock::now();
  auto r = s.query(q);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->value, "false");
  EXPECT_TRUE(r->step_cap_hit);
  EXPECT_LT(r->assertions_evaluated, 150u);
  EXPECT_LT(seconds_since(t0), 2.0);
}

TEST(Hostile, LongChainsAreCapped) {
  // A left-associative chain deeper than kMaxExpressionDepth (evaluation recursion).
  std::string chain = "1";
  for (std::size_t i = 0; i < kMaxExpressionDepth + 1; ++i) chain += " + 1";
  EXPECT_NE(error_of("Authorizer: \"POLICY\"\nLicensees: \"a\"\nConditions: " + chain +
                     " > 0\n")
                .find("expression deeper"),
            std::string::npos);
  // A delegation chain POLICY -> p0 -> p1 -> ... longer than kMaxDelegationDepth.
  std::string policy = "Authorizer: \"POLICY\"\nLicensees: \"p0\"\n";
  for (std::size_t i = 0; i < kMaxDelegationDepth + 10; ++i) {
    policy += "\nAuthorizer: \"p" + std::to_string(i) + "\"\nLicensees: \"p" +
              std::to_string(i + 1) + "\"\n";
  }
  PolicySet s = test::policy_from(policy);
  Query q;
  q.authorizers = {"p" + std::to_string(kMaxDelegationDepth + 10)};
  auto r = s.query(q);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->value, "false");
  EXPECT_TRUE(r->step_cap_hit);
  q.authorizers = {"p20"};  // within the cap
  EXPECT_EQ(s.query(q)->value, "true");
}

TEST(Hostile, SizeCaps) {
  std::string big(kMaxPolicyFileSize + 1, '#');
  EXPECT_NE(error_of(big).find("exceeds"), std::string::npos);
  std::string many;
  for (std::size_t i = 0; i <= kMaxAssertions; ++i) many += "Authorizer: \"POLICY\"\n\n";
  EXPECT_NE(error_of(many).find("more than"), std::string::npos);
  std::string lic = "\"a\"";
  for (std::size_t i = 0; i < kMaxLicenseePrincipals; ++i) lic += " || \"a\"";
  EXPECT_NE(error_of("Authorizer: \"POLICY\"\nLicensees: " + lic + "\n").find("principals"),
            std::string::npos);
  std::string concat = "x";
  for (int i = 0; i < 20; ++i) concat = "(" + concat + " . " + concat + ")";  // never built
  EXPECT_NE(error_of("Authorizer: \"POLICY\"\nConditions: " + concat + " == \"\"\n"),
            "accepted");  // token cap
  std::map<std::string, std::string> a{{"x", std::string(9000, 'x')}};
  EXPECT_EQ(test::cond("x . x == \"\" -> \"false\"; true", a), "true");  // over kMaxStringValue
}

}  // namespace
}  // namespace ike::policy
