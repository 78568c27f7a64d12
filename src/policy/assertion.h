// One KeyNote assertion (RFC 2704 §4): the fields KeyNote-Version (first if present, "2"),
// Local-Constants (`name = "value"` pairs substituted into Authorizer, Licensees and
// Conditions), Authorizer (one principal, required), Licensees, Conditions, Comment and
// Signature (last if present). Field names are case-insensitive; a line starting with
// whitespace continues the previous field; lines starting with '#' are comments. Policy files
// hold several assertions separated by blank lines (isakmpd.policy(5)).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "policy/expression.h"

namespace ike::policy {

struct Assertion {
  std::string authorizer;  // canonical principal
  Licensees licensees;
  Conditions conditions;
  Constants constants;
  std::string comment;
  std::string signature;      // the Signature string value ("sig-rsa-sha1-hex:..."), or ""
  std::string signed_prefix;  // assertion text through the colon of "Signature:"
};

// Parses one assertion (at most kMaxAssertionSize bytes). Errors: BadValue/TooMany naming the
// field and line ("line 3: Licensees: expected ) at offset 12, got end").
[[nodiscard]] base::Result<Assertion> parse_assertion(std::string_view text);

// Splits a policy or credential file into assertion texts at blank lines; comment-only chunks
// are dropped. Errors: TooMany over kMaxAssertions or kMaxPolicyFileSize.
[[nodiscard]] base::Result<std::vector<std::string>> split_assertions(std::string_view file);

}  // namespace ike::policy
