// Helpers of the policy tests: a PolicySet from text and one-call queries.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "policy/keynote.h"

namespace ike::policy::test {

inline PolicySet policy_from(std::string_view text) {
  PolicySet s;
  auto st = s.add_policy(text);
  EXPECT_TRUE(st.has_value()) << (st ? "" : st.error().detail);
  return s;
}

inline std::string decide(const PolicySet& s, std::map<std::string, std::string> attrs,
                          std::vector<std::string> requesters) {
  Query q;
  q.attributes = std::move(attrs);
  q.authorizers = std::move(requesters);
  auto r = s.query(q);
  EXPECT_TRUE(r.has_value());
  return r ? r->value : "error";
}

// Value of a one-assertion policy "POLICY -> requester A" with these Conditions.
inline std::string cond(std::string_view conditions, std::map<std::string, std::string> attrs = {}) {
  std::string text = "Authorizer: \"POLICY\"\nLicensees: \"A\"\nConditions: ";
  text += conditions;
  text += "\n";
  return decide(policy_from(text), std::move(attrs), {"A"});
}

inline std::string conditions_error(std::string_view conditions) {
  std::string text = "Authorizer: \"POLICY\"\nLicensees: \"A\"\nConditions: ";
  text += conditions;
  text += "\n";
  PolicySet s;
  auto st = s.add_policy(text);
  return st ? std::string("accepted") : st.error().detail;
}

}  // namespace ike::policy::test
