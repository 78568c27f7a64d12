// The token stream of KeyNote's Licensees and Conditions fields (RFC 2704 §4.6.4, §4.6.5):
// string literals with C escapes, identifiers (attributes and local constants), integer and
// float literals, "k-of" for Licensees, the operators of the expression language and `#`
// comments to end of line. Bounded by kMaxTokens; errors name the byte offset.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace ike::policy {

enum class Tok : uint8_t {
  String, Ident, Int, Float, KOf,  // KOf: "2-of" (text holds the number)
  LParen, RParen, LBrace, RBrace, Comma, Semicolon, Arrow,
  And, Or, Not, Eq, Ne, Lt, Gt, Le, Ge, RegexMatch,
  Plus, Minus, Star, Slash, Percent, Caret, Dot, At, Amp, Dollar,
  Assign,  // "=" (Local-Constants only)
  End,
};
const char* tok_name(Tok t) noexcept;

struct Token {
  Tok kind = Tok::End;
  std::string text;  // unescaped string, identifier, number text
  std::size_t offset = 0;
};

// Tokenizes `field` (the value of one field, continuation lines joined). `licensees` enables
// the "k-of" token (a number immediately followed by "-of").
[[nodiscard]] base::Result<std::vector<Token>> tokenize(std::string_view field, bool licensees);

}  // namespace ike::policy
