// PolicySet: loading (policy file trusted; credentials verified, RFC 2704 §4.6.7) and the
// compliance computation of RFC 2704 §5 with memoization and a cycle guard (see keynote.h).
#include "policy/keynote.h"

#include <algorithm>
#include <functional>

#include "policy/evaluate.h"
#include "policy/limits.h"
#include "policy/signature.h"

namespace ike::policy {

using base::ErrorCode;
using base::NotifyType;

base::Status PolicySet::add(std::vector<Assertion> batch) {
  if (m_assertions.size() + batch.size() > kMaxAssertions) {
    return base::make_error(ErrorCode::TooMany, NotifyType::None,
                            "more than {} assertions in the policy set", kMaxAssertions);
  }
  for (Assertion& a : batch) m_assertions.push_back(std::move(a));
  return base::ok();
}

base::Status PolicySet::add_policy(std::string_view file_text) {
  IKE_TRY(std::vector<std::string> texts, split_assertions(file_text));
  std::vector<Assertion> batch;
  for (std::size_t k = 0; k < texts.size(); ++k) {
    auto a = parse_assertion(texts[k]);
    if (!a) return std::move(a).error().with_context(fmt::format("assertion {}", k + 1));
    batch.push_back(std::move(*a));
  }
  return add(std::move(batch));
}

namespace {

base::Result<Assertion> verified_credential(std::string_view text) {
  IKE_TRY(Assertion a, parse_assertion(text));
  if (a.signature.empty()) {
    return base::make_error(ErrorCode::Auth, NotifyType::None, "credential is not signed");
  }
  if (a.authorizer == kPolicyAuthorizer) {
    return base::make_error(ErrorCode::Auth, NotifyType::None,
                            "credential with Authorizer POLICY refused");
  }
  IKE_TRY_VOID(verify_signature(a.signed_prefix, a.signature, a.authorizer));
  return a;
}

}  // namespace

base::Status PolicySet::add_credential(std::string_view text) {
  IKE_TRY(Assertion a, verified_credential(text));
  std::vector<Assertion> batch;
  batch.push_back(std::move(a));
  return add(std::move(batch));
}

base::Result<std::vector<Assertion>> parse_credentials(std::string_view text,
                                                       std::size_t max_count) {
  IKE_TRY(std::vector<std::string> texts, split_assertions(text));
  if (texts.size() > max_count) {
    return base::make_error(ErrorCode::TooMany, NotifyType::None,
                            "{} credentials exceed the limit of {}", texts.size(), max_count);
  }
  std::vector<Assertion> batch;
  for (std::size_t k = 0; k < texts.size(); ++k) {
    auto a = verified_credential(texts[k]);
    if (!a) return std::move(a).error().with_context(fmt::format("credential {}", k + 1));
    batch.push_back(std::move(*a));
  }
  return batch;
}

base::Status PolicySet::add_credentials(std::string_view file_text) {
  IKE_TRY(std::vector<Assertion> batch, parse_credentials(file_text, kMaxAssertions));
  return add(std::move(batch));
}

namespace {

class Checker {
 public:
  Checker(const std::vector<Assertion>& all, const Query& q) : m_all(all), m_q(q) {
    for (const std::string& p : q.authorizers) m_requesters.push_back(canonical_principal(p));
    for (const std::string& v : q.values) {
      if (!m_values_attr.empty()) m_values_attr += ',';
      m_values_attr += v;
    }
    for (const std::string& p : q.authorizers) {
      if (!m_authorizers_attr.empty()) m_authorizers_attr += ',';
      m_authorizers_attr += p;
    }
    m_max = q.values.size() - 1;
  }

  std::size_t principal_value(const std::string& p) {
    if (std::find(m_requesters.begin(), m_requesters.end(), p) != m_requesters.end()) {
      return m_max;
    }
    auto memo = m_memo.find(p);
    if (memo != m_memo.end()) return memo->second;  // done, or in progress (_MIN_TRUST)
    if (m_depth >= kMaxDelegationDepth) {
      m_depth_cap_hit = true;
      return 0;
    }
    struct Deeper {
      explicit Deeper(std::size_t& d) : m_d(d) { ++m_d; }
      ~Deeper() { --m_d; }
      std::size_t& m_d;
    } deeper(m_depth);
    m_memo[p] = 0;
    std::size_t best = 0;
    for (std::span<const Assertion> set : {std::span<const Assertion>(m_all), m_q.extra}) {
      for (const Assertion& a : set) {
        if (best == m_max) break;
        if (a.authorizer != p) continue;
        if (++m_steps > kMaxEvalSteps) break;
        ++m_evaluated;
        std::size_t lic = licensees_value(a.licensees, a.licensees.root);
        if (lic == 0) continue;
        std::size_t cond = m_q.licensees_only ? m_max : conditions_value(a);
        best = std::max(best, std::min(lic, cond));
      }
    }
    m_memo[p] = best;
    return best;
  }

  std::size_t evaluated() const { return m_evaluated; }
  bool cap_hit() const { return m_steps > kMaxEvalSteps || m_depth_cap_hit; }

 private:
  std::size_t licensees_value(const Licensees& l, int32_t id) {
    if (id < 0) return 0;
    if (++m_steps > kMaxEvalSteps) return 0;
    const LicNode& n = l.nodes[static_cast<std::size_t>(id)];
    switch (n.kind) {
      case LicNode::Principal: return principal_value(n.principal);
      case LicNode::And:
        return std::min(licensees_value(l, n.kids[0]), licensees_value(l, n.kids[1]));
      case LicNode::Or:
        return std::max(licensees_value(l, n.kids[0]), licensees_value(l, n.kids[1]));
      case LicNode::KOf: {
        std::vector<std::size_t> v;
        for (int32_t kid : n.kids) v.push_back(licensees_value(l, kid));
        std::sort(v.begin(), v.end(), std::greater<>());
        return n.k <= v.size() ? v[n.k - 1] : 0;
      }
    }
    return 0;
  }

  std::size_t conditions_value(const Assertion& a) {
    EvalContext ctx;
    ctx.values = &m_q.values;
    ctx.steps = &m_steps;
    ctx.lookup = [this](const std::string& name) -> std::string {
      if (name == "_MIN_TRUST") return m_q.values.front();
      if (name == "_MAX_TRUST") return m_q.values.back();
      if (name == "_VALUES") return m_values_attr;
      if (name == "_ACTION_AUTHORIZERS") return m_authorizers_attr;
      if (!name.empty() && name[0] == '_') return {};
      auto it = m_q.attributes.find(name);
      return it == m_q.attributes.end() ? std::string() : it->second;
    };
    return evaluate_conditions(a.conditions, ctx);
  }

  const std::vector<Assertion>& m_all;
  const Query& m_q;
  std::vector<std::string> m_requesters;
  std::string m_values_attr, m_authorizers_attr;
  std::size_t m_max = 1;
  std::map<std::string, std::size_t> m_memo;
  std::size_t m_steps = 0;
  std::size_t m_evaluated = 0;
  std::size_t m_depth = 0;
  bool m_depth_cap_hit = false;
};

}  // namespace

base::Result<QueryResult> PolicySet::query(const Query& q) const {
  if (q.values.empty() || q.values.size() > kMaxComplianceValues) {
    return base::make_error(ErrorCode::BadValue, NotifyType::None,
                            "{} compliance values (1..{} allowed)", q.values.size(),
                            kMaxComplianceValues);
  }
  if (q.attributes.size() > kMaxActionAttributes) {
    return base::make_error(ErrorCode::TooMany, NotifyType::None,
                            "{} action attributes exceed {}", q.attributes.size(),
                            kMaxActionAttributes);
  }
  Checker c(m_assertions, q);
  QueryResult r;
  r.index = c.principal_value(std::string(kPolicyAuthorizer));
  r.value = q.values[r.index];
  r.assertions_evaluated = c.evaluated();
  r.step_cap_hit = c.cap_hit();
  return r;
}

}  // namespace ike::policy
