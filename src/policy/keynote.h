// The KeyNote compliance checker (RFC 2704 §5) as isakmpd uses it (isakmpd.policy(5)): a
// PolicySet holds the trusted assertions of the policy file (Authorizer usually "POLICY") and
// signed credentials (accepted only when the Signature verifies with the Authorizer's key);
// query() computes the compliance value of an action, given its attributes and the requester
// principals (the action authorizers). Semantics: a principal that is an action authorizer has
// _MAX_TRUST; any other principal P has the maximum, over the assertions authorized by P, of
// min(value of the Licensees, value of the Conditions); && is min, || is max, k-of is the k-th
// largest; the result is the value of "POLICY". Values are memoized per query and a principal
// being evaluated counts as _MIN_TRUST when reached again (delegation cycles terminate), so a
// query is polynomial in the size of the set; expression steps are capped (kMaxEvalSteps).
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "policy/assertion.h"

namespace ike::policy {

inline constexpr std::string_view kPolicyAuthorizer = "POLICY";

struct Query {
  std::map<std::string, std::string> attributes;  // action attributes (names without "_")
  std::vector<std::string> authorizers;           // requester principals (canonicalized)
  std::vector<std::string> values{"false", "true"};  // ordered, [0] = _MIN_TRUST
  // Verified credentials valid for this query only (KEYNOTE CERT payloads of one exchange,
  // parse_credentials), consulted after the set's own assertions.
  std::span<const Assertion> extra;
  // Phase 1 (phase1_keynote.h): every Conditions field counts as _MAX_TRUST, so the result
  // says whether any chain of Licensees from POLICY reaches the requesters at all.
  bool licensees_only = false;
};

struct QueryResult {
  std::size_t index = 0;  // into Query::values
  std::string value;      // Query::values[index]
  std::size_t assertions_evaluated = 0;
  bool step_cap_hit = false;
};

// The signed credentials of `text` (blank-line separated), each verified with its Authorizer
// key, all or nothing, at most `max_count` (errors name the credential: "credential 2: ...").
[[nodiscard]] base::Result<std::vector<Assertion>> parse_credentials(std::string_view text,
                                                                    std::size_t max_count);

class PolicySet {
 public:
  // Adds every assertion of a policy file (trusted, unsigned allowed). All or nothing: on error
  // the set is unchanged. Errors name the assertion ("assertion 2: line 3: ...").
  [[nodiscard]] base::Status add_policy(std::string_view file_text);
  // Adds one credential: it must carry a Signature that verifies with its Authorizer key.
  [[nodiscard]] base::Status add_credential(std::string_view text);
  // Adds all credentials of a file (blank-line separated), all or nothing.
  [[nodiscard]] base::Status add_credentials(std::string_view file_text);
  std::size_t size() const noexcept { return m_assertions.size(); }

  [[nodiscard]] base::Result<QueryResult> query(const Query& q) const;

 private:
  [[nodiscard]] base::Status add(std::vector<Assertion> batch);
  std::vector<Assertion> m_assertions;
};

}  // namespace ike::policy
