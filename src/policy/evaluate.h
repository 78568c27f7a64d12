// Evaluation of a parsed Conditions program (RFC 2704 §4.6.5, §5): each clause whose test is
// true contributes its value (no "->": _MAX_TRUST; "-> value": that compliance value, an
// unknown value counting as _MIN_TRUST; "-> { program }": the inner program's value); the
// program's value is the maximum. A test whose evaluation fails (division by zero, step cap,
// regex subject too long) is false for that clause (RFC 2704: "the result of a clause in which
// an error occurred is false"). Attribute lookup is injected.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "policy/expression.h"

namespace ike::policy {

struct EvalContext {
  // Returns the value of an attribute (undefined: ""), given the regex captures in scope.
  std::function<std::string(const std::string&)> lookup;
  // Ordered compliance values, index 0 = _MIN_TRUST.
  const std::vector<std::string>* values = nullptr;
  std::size_t* steps = nullptr;  // shared budget across the query (kMaxEvalSteps)
  std::vector<std::string> captures;  // _0, _1, ... from the last successful ~=
};

// The index into ctx.values of the program's compliance value. An absent Conditions field
// gives _MAX_TRUST.
std::size_t evaluate_conditions(const Conditions& c, EvalContext& ctx);

}  // namespace ike::policy
