// Tokenizer of the KeyNote expression languages (RFC 2704 §4.6.4 Licensees, §4.6.5 Conditions).
// Strings: "..." with \\, \", \n, \t and backslash-newline (RFC 2704 §4.6.5: "a backslash
// followed by a newline is ignored"); numbers: decimal integers and decimal floats.
#include "policy/lexer.h"

#include <cctype>

#include "policy/limits.h"

namespace ike::policy {

using base::ErrorCode;
using base::NotifyType;

const char* tok_name(Tok t) noexcept {
  static constexpr const char* kNames[] = {
      "string", "identifier", "integer", "float", "k-of", "(", ")", "{", "}", ",", ";", "->",
      "&&", "||", "!", "==", "!=", "<", ">", "<=", ">=", "~=", "+", "-", "*", "/", "%", "^",
      ".", "@", "&", "$", "=", "end"};
  return kNames[static_cast<std::size_t>(t)];
}

namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

base::Result<std::string> read_string(std::string_view s, std::size_t& i) {
  std::size_t start = i++;
  std::string out;
  while (i < s.size()) {
    char c = s[i++];
    if (c == '"') return out;
    if (c == '\\') {
      if (i >= s.size()) break;
      char e = s[i++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '\n': break;  // line continuation inside a string
        default: out += e; break;
      }
    } else {
      out += c;
    }
    if (out.size() > kMaxStringValue) {
      return base::make_error(ErrorCode::TooMany, NotifyType::None,
                              "string at offset {} longer than {} bytes", start, kMaxStringValue);
    }
  }
  return base::make_error(ErrorCode::Truncated, NotifyType::None,
                          "unterminated string starting at offset {}", start);
}

}  // namespace

base::Result<std::vector<Token>> tokenize(std::string_view s, bool licensees) {
  std::vector<Token> out;
  std::size_t i = 0;
  auto push = [&](Tok k, std::size_t off, std::string text = {}) {
    out.push_back(Token{k, std::move(text), off});
  };
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (out.size() >= kMaxTokens) {
      return base::make_error(ErrorCode::TooMany, NotifyType::None,
                              "more than {} tokens in one field", kMaxTokens);
    }
    std::size_t off = i;
    if (c == '#') {  // comment to end of line
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (c == '"') {
      IKE_TRY(std::string str, read_string(s, i));
      push(Tok::String, off, std::move(str));
      continue;
    }
    if (digit(c)) {
      std::size_t j = i;
      while (j < s.size() && digit(s[j])) ++j;
      if (licensees && s.substr(j, 3) == "-of") {
        push(Tok::KOf, off, std::string(s.substr(i, j - i)));
        i = j + 3;
        continue;
      }
      bool is_float = false;
      if (j < s.size() && s[j] == '.' && j + 1 < s.size() && digit(s[j + 1])) {
        is_float = true;
        ++j;
        while (j < s.size() && digit(s[j])) ++j;
      }
      if (j - i > 40) {
        return base::make_error(ErrorCode::BadValue, NotifyType::None,
                                "number at offset {} has more than 40 digits", off);
      }
      push(is_float ? Tok::Float : Tok::Int, off, std::string(s.substr(i, j - i)));
      i = j;
      continue;
    }
    if (ident_start(c)) {
      std::size_t j = i;
      while (j < s.size() && ident_char(s[j])) ++j;
      push(Tok::Ident, off, std::string(s.substr(i, j - i)));
      i = j;
      continue;
    }
    auto two = s.substr(i, 2);
    struct Op { std::string_view text; Tok tok; };
    static constexpr Op kTwo[] = {{"->", Tok::Arrow}, {"&&", Tok::And}, {"||", Tok::Or},
                                  {"==", Tok::Eq},    {"!=", Tok::Ne},  {"<=", Tok::Le},
                                  {">=", Tok::Ge},    {"~=", Tok::RegexMatch}};
    bool matched = false;
    for (const Op& op : kTwo) {
      if (two == op.text) {
        push(op.tok, off);
        i += 2;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    Tok t;
    switch (c) {
      case '(': t = Tok::LParen; break;
      case ')': t = Tok::RParen; break;
      case '{': t = Tok::LBrace; break;
      case '}': t = Tok::RBrace; break;
      case ',': t = Tok::Comma; break;
      case ';': t = Tok::Semicolon; break;
      case '!': t = Tok::Not; break;
      case '<': t = Tok::Lt; break;
      case '>': t = Tok::Gt; break;
      case '+': t = Tok::Plus; break;
      case '-': t = Tok::Minus; break;
      case '*': t = Tok::Star; break;
      case '/': t = Tok::Slash; break;
      case '%': t = Tok::Percent; break;
      case '^': t = Tok::Caret; break;
      case '.': t = Tok::Dot; break;
      case '@': t = Tok::At; break;
      case '&': t = Tok::Amp; break;
      case '$': t = Tok::Dollar; break;
      case '=': t = Tok::Assign; break;
      default:
        return base::make_error(ErrorCode::BadValue, NotifyType::None,
                                "unexpected character 0x{:02x} at offset {}",
                                static_cast<unsigned char>(c), off);
    }
    push(t, off);
    ++i;
  }
  out.push_back(Token{Tok::End, {}, s.size()});
  return out;
}

}  // namespace ike::policy
