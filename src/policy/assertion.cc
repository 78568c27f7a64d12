// KeyNote assertion syntax (RFC 2704 §4.1-§4.6): field splitting with continuation lines,
// KeyNote-Version/Signature placement rules, Local-Constants, and delegation of the Licensees
// and Conditions fields to expression_parser.cc. All caps from limits.h.
#include "policy/assertion.h"

#include <algorithm>
#include <cctype>

#include "policy/lexer.h"
#include "policy/limits.h"
#include "policy/signature.h"

namespace ike::policy {

using base::ErrorCode;
using base::NotifyType;

namespace {

struct Field {
  std::string name;   // lowercase
  std::string value;  // continuation lines joined with '\n'
  std::size_t line = 0;
  std::size_t name_end = 0;  // offset just after the ':' in the assertion text
};

bool blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

base::Result<std::vector<Field>> split_fields(std::string_view text) {
  std::vector<Field> fields;
  std::size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    ++line_no;
    std::size_t line_start = pos;
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    if (std::isspace(static_cast<unsigned char>(line[0]))) {
      if (blank(line)) continue;
      if (fields.empty()) {
        return base::make_error(ErrorCode::BadValue, NotifyType::None,
                                "line {}: continuation line before any field", line_no);
      }
      fields.back().value += '\n';
      fields.back().value += line;
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return base::make_error(ErrorCode::BadValue, NotifyType::None,
                              "line {}: expected \"Field: value\"", line_no);
    }
    if (fields.size() >= 16) {
      return base::make_error(ErrorCode::TooMany, NotifyType::None, "line {}: too many fields",
                              line_no);
    }
    fields.push_back(Field{lower(line.substr(0, colon)), std::string(line.substr(colon + 1)),
                           line_no, line_start + colon + 1});
  }
  return fields;
}

base::Result<std::string> single_string(std::string_view value, const Constants& constants,
                                        std::string_view what) {
  IKE_TRY(std::vector<Token> toks, tokenize(value, false));
  if (toks.size() != 2 || (toks[0].kind != Tok::String && toks[0].kind != Tok::Ident)) {
    return base::make_error(ErrorCode::BadValue, NotifyType::None,
                            "{}: exactly one string expected", what);
  }
  if (toks[0].kind == Tok::String) return toks[0].text;
  auto it = constants.find(toks[0].text);
  if (it == constants.end()) {
    return base::make_error(ErrorCode::BadValue, NotifyType::None,
                            "{}: {} is not a Local-Constant", what, toks[0].text);
  }
  return it->second;
}

base::Result<Constants> parse_constants(std::string_view value) {
  IKE_TRY(std::vector<Token> toks, tokenize(value, false));
  Constants out;
  std::size_t i = 0;
  while (toks[i].kind != Tok::End) {
    if (i + 2 >= toks.size() || toks[i].kind != Tok::Ident || toks[i + 1].kind != Tok::Assign ||
        toks[i + 2].kind != Tok::String) {
      return base::make_error(ErrorCode::BadValue, NotifyType::None,
                              "Local-Constants: expected name = \"value\" at offset {}",
                              toks[i].offset);
    }
    const std::string& name = toks[i].text;
    if (name[0] == '_' || out.count(name) != 0 || name == "true" || name == "false") {
      return base::make_error(ErrorCode::BadValue, NotifyType::None,
                              "Local-Constants: {} reserved or defined twice", name);
    }
    if (out.size() >= kMaxLocalConstants) {
      return base::make_error(ErrorCode::TooMany, NotifyType::None,
                              "Local-Constants: more than {}", kMaxLocalConstants);
    }
    out.emplace(name, toks[i + 2].text);
    i += 3;
  }
  return out;
}

}  // namespace

base::Result<Assertion> parse_assertion(std::string_view text) {
  if (text.size() > kMaxAssertionSize) {
    return base::make_error(ErrorCode::TooMany, NotifyType::None,
                            "assertion of {} bytes exceeds {}", text.size(), kMaxAssertionSize);
  }
  IKE_TRY(std::vector<Field> fields, split_fields(text));
  Assertion a;
  const Field* authorizer = nullptr;
  const Field* licensees = nullptr;
  const Field* conditions = nullptr;
  std::vector<std::string> seen;
  for (std::size_t k = 0; k < fields.size(); ++k) {
    const Field& f = fields[k];
    auto err = [&](std::string_view why) {
      return base::make_error(ErrorCode::BadValue, NotifyType::None, "line {}: {}: {}", f.line,
                              f.name, why);
    };
    if (std::find(seen.begin(), seen.end(), f.name) != seen.end()) return err("field repeated");
    seen.push_back(f.name);
    if (f.name == "keynote-version") {
      if (k != 0) return err("must be the first field");
      std::string v(f.value);
      v.erase(std::remove_if(v.begin(), v.end(),
                             [](char c) { return std::isspace(static_cast<unsigned char>(c)) ||
                                                 c == '"'; }),
              v.end());
      if (v != "2") return err("only version 2 is supported");
    } else if (f.name == "local-constants") {
      auto c = parse_constants(f.value);
      if (!c) return std::move(c).error().with_context(fmt::format("line {}", f.line));
      a.constants = std::move(*c);
    } else if (f.name == "authorizer") {
      authorizer = &f;
    } else if (f.name == "licensees") {
      licensees = &f;
    } else if (f.name == "conditions") {
      conditions = &f;
    } else if (f.name == "comment") {
      a.comment = f.value;
    } else if (f.name == "signature") {
      if (k + 1 != fields.size()) return err("must be the last field");
      auto s = single_string(f.value, {}, "Signature");
      if (!s) return std::move(s).error().with_context(fmt::format("line {}", f.line));
      a.signature = std::move(*s);
      a.signed_prefix = std::string(text.substr(0, f.name_end));
    } else {
      return err("unknown field");
    }
  }
  // Local-Constants apply to every other field wherever it appears (RFC 2704 §4.6.1).
  if (authorizer == nullptr) {
    return base::make_error(ErrorCode::BadValue, NotifyType::None, "Authorizer field missing");
  }
  auto auth = single_string(authorizer->value, a.constants, "Authorizer");
  if (!auth) return std::move(auth).error().with_context(fmt::format("line {}", authorizer->line));
  a.authorizer = canonical_principal(*auth);
  if (licensees != nullptr) {
    auto l = parse_licensees(licensees->value, a.constants);
    if (!l) return std::move(l).error().with_context(fmt::format("line {}", licensees->line));
    a.licensees = std::move(*l);
  }
  if (conditions != nullptr && !blank(conditions->value)) {
    auto c = parse_conditions(conditions->value, a.constants);
    if (!c) return std::move(c).error().with_context(fmt::format("line {}", conditions->line));
    a.conditions = std::move(*c);
  }
  return a;
}

base::Result<std::vector<std::string>> split_assertions(std::string_view file) {
  if (file.size() > kMaxPolicyFileSize) {
    return base::make_error(ErrorCode::TooMany, NotifyType::None,
                            "policy of {} bytes exceeds {}", file.size(), kMaxPolicyFileSize);
  }
  std::vector<std::string> out;
  std::string cur;
  bool has_field = false;
  auto flush = [&]() -> base::Status {
    if (has_field) {
      if (out.size() >= kMaxAssertions) {
        return base::make_error(ErrorCode::TooMany, NotifyType::None,
                                "more than {} assertions", kMaxAssertions);
      }
      out.push_back(std::move(cur));
    }
    cur.clear();
    has_field = false;
    return base::ok();
  };
  std::size_t pos = 0;
  while (pos <= file.size()) {
    std::size_t eol = file.find('\n', pos);
    if (eol == std::string_view::npos) eol = file.size();
    std::string_view line = file.substr(pos, eol - pos);
    pos = eol + 1;
    if (blank(line)) {
      IKE_TRY_VOID(flush());
      continue;
    }
    if (line[0] != '#' && !std::isspace(static_cast<unsigned char>(line[0]))) has_field = true;
    cur += line;
    cur += '\n';
  }
  IKE_TRY_VOID(flush());
  return out;
}

}  // namespace ike::policy
