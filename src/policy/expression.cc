// Regex (POSIX ERE through regcomp/regexec, RFC 2704 §4.6.5 "~=") with the caps that keep a
// hostile pattern from exhausting memory or time: size, no back-references, bounded repetition
// counts; plus the type names used in parse errors.
#include "policy/expression.h"

#include <cctype>

#include "policy/limits.h"

namespace ike::policy {

using base::ErrorCode;
using base::NotifyType;

const char* type_name(Type t) noexcept {
  switch (t) {
    case Type::String: return "string";
    case Type::Int: return "integer";
    case Type::Float: return "float";
    case Type::Bool: return "boolean";
  }
  return "?";
}

namespace {

// Back-references make POSIX matching exponential; {n,m} bounds multiply the automaton.
base::Status check_pattern(const std::string& p) {
  if (p.size() > kMaxRegexPattern) {
    return base::make_error(ErrorCode::TooMany, NotifyType::None,
                            "regular expression of {} bytes exceeds {}", p.size(),
                            kMaxRegexPattern);
  }
  std::size_t bound_sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size()) {
      if (std::isdigit(static_cast<unsigned char>(p[i + 1]))) {
        return base::make_error(ErrorCode::Unsupported, NotifyType::None,
                                "regular expression back-reference at offset {} not allowed", i);
      }
      ++i;
      continue;
    }
    if (p[i] == '{') {
      std::size_t j = i + 1, value = 0;
      bool any = false;
      while (j < p.size() && (std::isdigit(static_cast<unsigned char>(p[j])) || p[j] == ',')) {
        if (p[j] == ',') {
          bound_sum += value;
          value = 0;
        } else {
          value = std::min<std::size_t>(value * 10 + static_cast<std::size_t>(p[j] - '0'), 100000);
          any = true;
        }
        ++j;
      }
      bound_sum += value;
      if (any && bound_sum > kMaxRegexBound) {
        return base::make_error(ErrorCode::TooMany, NotifyType::None,
                                "regular expression repetition bounds sum to more than {}",
                                kMaxRegexBound);
      }
    }
  }
  return base::ok();
}

}  // namespace

base::Result<std::shared_ptr<const Regex>> Regex::compile(const std::string& p) {
  IKE_TRY_VOID(check_pattern(p));
  if (p.find('\0') != std::string::npos) {
    return base::make_error(ErrorCode::BadValue, NotifyType::None,
                            "regular expression contains NUL");
  }
  std::shared_ptr<Regex> re(new Regex());
  int rc = regcomp(&re->m_re, p.c_str(), REG_EXTENDED);
  if (rc != 0) {
    char buf[128];
    regerror(rc, &re->m_re, buf, sizeof buf);
    return base::make_error(ErrorCode::BadValue, NotifyType::None,
                            "regular expression \"{}\": {}", p.substr(0, 64), buf);
  }
  re->m_compiled = true;
  return std::shared_ptr<const Regex>(std::move(re));
}

Regex::~Regex() {
  if (m_compiled) regfree(&m_re);
}

bool Regex::match(const std::string& subject, std::vector<std::string>* captures) const {
  if (subject.size() > kMaxRegexSubject || subject.find('\0') != std::string::npos) return false;
  constexpr std::size_t kMaxCaptures = 10;
  regmatch_t m[kMaxCaptures];
  if (regexec(&m_re, subject.c_str(), kMaxCaptures, m, 0) != 0) return false;
  if (captures != nullptr) {
    captures->clear();
    std::size_t n = std::min<std::size_t>(m_re.re_nsub + 1, kMaxCaptures);
    for (std::size_t k = 0; k < n; ++k) {
      if (m[k].rm_so < 0) {
        captures->emplace_back();
      } else {
        captures->push_back(subject.substr(static_cast<std::size_t>(m[k].rm_so),
                                           static_cast<std::size_t>(m[k].rm_eo - m[k].rm_so)));
      }
    }
  }
  return true;
}

}  // namespace ike::policy
