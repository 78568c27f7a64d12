// The parsed forms of KeyNote's Licensees (RFC 2704 §4.6.4: principals combined with &&, || and
// k-of(...)) and Conditions (RFC 2704 §4.6.5: clauses `Test [-> Value | -> { Program }]` separated
// by `;`, with string/integer/float expressions, `~=` POSIX regular expressions, `@`/`&`/`$`
// dereferences). Nodes live in a flat arena indexed by int32_t; every node carries its static
// type (the RFC grammar is typed: attributes are strings, `@` makes an integer, `&` a float), so
// type errors are parse errors. Regex wraps a compiled POSIX ERE whose pattern passed the caps.
#pragma once

#include <regex.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace ike::policy {

enum class Type : uint8_t { String, Int, Float, Bool };
const char* type_name(Type t) noexcept;

enum class Op : uint8_t {
  StrLit, Attr, IntLit, FloatLit, BoolLit,           // leaves
  Neg, Not, IntOf, FloatOf, Deref,                   // unary: -, !, @, &, $
  Add, Sub, Mul, Div, Mod, Pow, Concat,              // arithmetic, "."
  Eq, Ne, Lt, Gt, Le, Ge, RegexMatch, And, Or,       // tests
};

// A compiled `~=` pattern (REG_EXTENDED). compile() refuses patterns over kMaxRegexPattern bytes,
// back-references (exponential matching) and repetition bounds summing over kMaxRegexBound.
class Regex {
 public:
  [[nodiscard]] static base::Result<std::shared_ptr<const Regex>> compile(const std::string& p);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  // Matches `subject` (over kMaxRegexSubject bytes: no match); on a match, `captures` gets the
  // whole match and each subexpression (RFC 2704: _0, _1, ...).
  bool match(const std::string& subject, std::vector<std::string>* captures) const;

 private:
  Regex() = default;
  regex_t m_re{};
  bool m_compiled = false;
};

struct Node {
  Op op = Op::StrLit;
  Type type = Type::String;          // type of the node's value
  Type operand_type = Type::String;  // comparisons: the type both sides were compared as
  int32_t a = -1, b = -1;            // operands
  std::string text;                  // StrLit value, Attr name
  int64_t i = 0;
  double f = 0;
  bool boolean = false;
  std::shared_ptr<const Regex> regex;  // RegexMatch with a literal pattern (compiled once)
};

struct Program;
struct Clause {
  int32_t test = -1;                // Bool node
  int32_t value = -1;               // String node after "->", or -1
  std::shared_ptr<Program> block;   // "-> { ... }", or null
};
struct Program {
  std::vector<Clause> clauses;
};

struct Conditions {
  std::vector<Node> nodes;
  Program program;
  bool present = false;  // false: no Conditions field (unconditional)
};

struct LicNode {
  enum Kind : uint8_t { Principal, And, Or, KOf } kind = Principal;
  std::string principal;  // canonical (principal.h)
  uint32_t k = 0;
  std::vector<int32_t> kids;
};
struct Licensees {
  std::vector<LicNode> nodes;
  int32_t root = -1;  // -1: no Licensees field (the assertion authorizes nobody)
};

using Constants = std::map<std::string, std::string>;

// Parses the Conditions field text. Identifiers naming a Local-Constant become string literals.
[[nodiscard]] base::Result<Conditions> parse_conditions(std::string_view text,
                                                        const Constants& constants);
// Parses the Licensees field text (principals: string literals or local constants).
[[nodiscard]] base::Result<Licensees> parse_licensees(std::string_view text,
                                                      const Constants& constants);

}  // namespace ike::policy
