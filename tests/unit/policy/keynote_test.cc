// Compliance checking (RFC 2704 §5): Licensees &&, ||, k-of; delegation chains from POLICY;
// cycles; assertions not rooted in POLICY; multi-valued compliance sets.
#include <gtest/gtest.h>

#include "test_util.h"

namespace ike::policy {
namespace {

using test::decide;
using test::policy_from;

TEST(KeyNote, LicenseesOperators) {
  PolicySet s = policy_from(
      "Authorizer: \"POLICY\"\nLicensees: \"a\" && (\"b\" || \"c\")\n\n"
      "Authorizer: \"POLICY\"\nLicensees: 2-of(\"x\", \"y\", \"z\")\n");
  EXPECT_EQ(decide(s, {}, {"a", "b"}), "true");
  EXPECT_EQ(decide(s, {}, {"a", "c"}), "true");
  EXPECT_EQ(decide(s, {}, {"a"}), "false");
  EXPECT_EQ(decide(s, {}, {"b", "c"}), "false");
  EXPECT_EQ(decide(s, {}, {"x", "z"}), "true");
  EXPECT_EQ(decide(s, {}, {"y"}), "false");
  EXPECT_EQ(decide(s, {}, {}), "false");
}

TEST(KeyNote, DelegationChainWithConditionsAtEachStep) {
  PolicySet s = policy_from(
      "Authorizer: \"POLICY\"\nLicensees: \"admin\"\n"
      "Conditions: app_domain == \"IPsec policy\"\n\n"
      "Authorizer: \"admin\"\nLicensees: \"user\"\nConditions: esp_enc_alg == \"aes\"\n");
  std::map<std::string, std::string> ok{{"app_domain", "IPsec policy"}, {"esp_enc_alg", "aes"}};
  std::map<std::string, std::string> weak{{"app_domain", "IPsec policy"},
                                          {"esp_enc_alg", "des"}};
  EXPECT_EQ(decide(s, ok, {"user"}), "true");
  EXPECT_EQ(decide(s, weak, {"user"}), "false");  // admin's condition fails
  EXPECT_EQ(decide(s, weak, {"admin"}), "true");  // admin directly
  EXPECT_EQ(decide(s, ok, {"stranger"}), "false");
}

TEST(KeyNote, AssertionsNotRootedInPolicyGrantNothing) {
  PolicySet s = policy_from("Authorizer: \"someone\"\nLicensees: \"user\"\n");
  EXPECT_EQ(decide(s, {}, {"user"}), "false");
}

TEST(KeyNote, MissingLicenseesAuthorizesNobody) {
  PolicySet s = policy_from("Authorizer: \"POLICY\"\nConditions: true\n");
  EXPECT_EQ(decide(s, {}, {"user"}), "false");
}

TEST(KeyNote, CyclesTerminate) {
  PolicySet s = policy_from(
      "Authorizer: \"POLICY\"\nLicensees: \"a\"\n\n"
      "Authorizer: \"a\"\nLicensees: \"b\"\n\n"
      "Authorizer: \"b\"\nLicensees: \"a\" || \"c\"\n");
  EXPECT_EQ(decide(s, {}, {"c"}), "true");
  EXPECT_EQ(decide(s, {}, {"d"}), "false");
}

TEST(KeyNote, MultiValuedComplianceSet) {
  PolicySet s = policy_from(
      "Authorizer: \"POLICY\"\nLicensees: \"a\"\n"
      "Conditions: level == \"high\" -> \"write\"; level == \"low\" -> \"read\"\n");
  Query q;
  q.values = {"deny", "read", "write"};
  q.authorizers = {"a"};
  q.attributes = {{"level", "low"}};
  auto r = s.query(q);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->value, "read");
  q.attributes = {{"level", "high"}};
  EXPECT_EQ(s.query(q)->value, "write");
  q.values.clear();
  EXPECT_FALSE(s.query(q).has_value());
}

TEST(KeyNote, SpecialAttributes) {
  PolicySet s = policy_from(
      "Authorizer: \"POLICY\"\nLicensees: \"a\"\n"
      "Conditions: _VALUES == \"false,true\" && _MIN_TRUST == \"false\" && "
      "_ACTION_AUTHORIZERS == \"a\" -> _MAX_TRUST\n");
  EXPECT_EQ(decide(s, {{"_VALUES", "forged"}}, {"a"}), "true");
}

TEST(KeyNote, AddPolicyIsAllOrNothing) {
  PolicySet s;
  auto st = s.add_policy("Authorizer: \"POLICY\"\nLicensees: \"a\"\n\nAuthorizer: (\n");
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().detail.find("assertion 2"), std::string::npos);
  EXPECT_EQ(s.size(), 0u);
}

TEST(KeyNote, UnsignedCredentialRefused) {
  PolicySet s;
  auto st = s.add_credential("Authorizer: \"rsa-hex:00\"\nLicensees: \"a\"\n");
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().detail.find("not signed"), std::string::npos);
}

}  // namespace
}  // namespace ike::policy
