// isakmpd.conf(5) parser (see conf_parser.h for the accepted syntax and the differences from
// isakmpd's conf_parse_line). All input is hostile (reliability.md class 20): every line is
// bounded, control characters and NUL bytes are rejected with the line number, counts are
// capped, and nothing reaches the database unless the whole text parsed.
#include "conf/conf_parser.h"

#include <utility>

#include "base/log.h"

namespace ike::conf {

namespace {

constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }
constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string fold(std::string_view name) {
  std::string k(name);
  for (char& c : k) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return k;
}

std::string quote(std::string_view s) { return base::sanitize_for_log(s, 60); }

class Parser {
 public:
  Parser(std::string_view source, ConfDb& db, const ParseLimits& limits,
         const SectionFilter& keep)
      : m_source(source), m_db(db), m_limits(limits), m_keep(keep) {}

  base::Result<ParseOutput> run(std::string_view text) {
    m_out.tx = m_db.begin();
    auto st = parse_all(text);
    if (!st) {
      m_db.abort(m_out.tx);
      return std::move(st).error();
    }
    return std::move(m_out);
  }

 private:
  template <class... Args>
  base::Error fail(std::size_t line, fmt::format_string<Args...> f, Args&&... args) const {
    return base::Error{base::ErrorCode::Config, base::NotifyType::None,
                       fmt::format("{}:{}: {}", m_source, line,
                                   fmt::format(f, std::forward<Args>(args)...))};
  }
  template <class... Args>
  void warn(std::size_t line, fmt::format_string<Args...> f, Args&&... args) {
    m_out.warnings.push_back(
        fmt::format("{}:{}: {}", m_source, line, fmt::format(f, std::forward<Args>(args)...)));
  }

  // Splits the text into logical lines (joining backslash continuations) and parses each.
  base::Status parse_all(std::string_view text) {
    std::size_t pos = 0;
    std::size_t line_no = 1;
    std::string logical;
    while (pos < text.size()) {
      const std::size_t first_line = line_no;
      logical.clear();
      while (true) {
        std::size_t eol = text.find('\n', pos);
        const bool terminated = eol != std::string_view::npos;
        std::string_view phys = text.substr(pos, terminated ? eol - pos : std::string_view::npos);
        pos = terminated ? eol + 1 : text.size();
        if (phys.size() > m_limits.max_line) {
          return fail(line_no, "line too long ({} bytes, at most {})", phys.size(),
                      m_limits.max_line);
        }
        std::size_t replaced = 1;  // the newline itself
        if (!phys.empty() && phys.back() == '\r') {
          phys.remove_suffix(1);  // CRLF
          ++replaced;
        }
        IKE_TRY_VOID(check_bytes(phys, line_no));
        const bool continued = terminated && !phys.empty() && phys.back() == '\\';
        if (continued) {
          phys.remove_suffix(1);
          ++replaced;
        }
        if (logical.size() + phys.size() + replaced > m_limits.max_logical_line) {
          return fail(first_line, "continued line too long (more than {} bytes)",
                      m_limits.max_logical_line);
        }
        logical.append(phys);
        ++line_no;
        if (!continued) break;
        logical.append(replaced, ' ');  // isakmpd: backslash and newline become spaces
        if (pos >= text.size()) break;  // the text ends right after a continuation
      }
      IKE_TRY_VOID(parse_line(logical, first_line));
    }
    return base::ok();
  }

  base::Status check_bytes(std::string_view phys, std::size_t line) const {
    for (std::size_t i = 0; i < phys.size(); ++i) {
      auto c = static_cast<unsigned char>(phys[i]);
      if (c == 0) return fail(line, "NUL byte at column {}", i + 1);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return fail(line, "control character 0x{:02x} at column {}", c, i + 1);
      }
    }
    return base::ok();
  }

  base::Status parse_line(std::string_view line, std::size_t ln) {
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    if (line.empty() || line.front() == '#' || line.front() == ';') return base::ok();
    while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
    if (line.empty()) return base::ok();

    if (line.front() == '[') return parse_section(line, ln);

    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return fail(ln, "syntax error: \"{}\" is neither \"[section]\" nor \"tag=value\"",
                  quote(line));
    }
    std::size_t tag_end = line.find_first_of(" \t=");
    std::string_view tag = line.substr(0, tag_end);
    if (tag.empty()) return fail(ln, "empty tag name before '='");
    std::string_view between = line.substr(tag_end, eq - tag_end);
    if (!trim(between).empty()) {
      return fail(ln, "unexpected \"{}\" between tag \"{}\" and '=' (tags contain no blanks)",
                  quote(trim(between)), quote(tag));
    }
    if (!m_section) return fail(ln, "tag \"{}\" outside any section", quote(tag));
    std::string_view value = line.substr(eq + 1);
    while (!value.empty() && is_blank(value.front())) value.remove_prefix(1);
    // trailing whitespace was trimmed above

    ParseOutput::SectionLines& lines = m_out.section_lines[m_section_lines];
    std::string folded = fold(tag);
    if (auto first = lines.find(folded)) {
      warn(ln, "duplicate tag [{}]:{}, ignoring (the value from line {} is kept)",
           quote(*m_section), quote(tag), *first);
      return base::ok();
    }
    if (m_out.tags >= m_limits.max_tags) {
      return fail(ln, "too many tags (at most {})", m_limits.max_tags);
    }
    lines.add(std::move(folded), ln);
    ++m_out.tags;
    if (m_keep_section) m_db.set(m_out.tx, *m_section, tag, value, false, false);
    return base::ok();
  }

  base::Status parse_section(std::string_view line, std::size_t ln) {
    std::size_t close = line.find(']');
    if (close == std::string_view::npos) {
      return fail(ln, "unterminated section header \"{}\" (no ']')", quote(line));
    }
    std::string_view name = line.substr(1, close - 1);
    if (trim(name).empty()) return fail(ln, "empty section name");
    if (is_blank(name.front()) || is_blank(name.back())) {
      warn(ln, "section name \"{}\" has leading or trailing blanks (kept verbatim)",
           quote(name));
    }
    std::string_view rest = trim(line.substr(close + 1));
    if (!rest.empty() && rest.front() != '#' && rest.front() != ';') {
      warn(ln, "text \"{}\" after section header [{}] ignored", quote(rest), quote(name));
    }
    std::string folded = fold(name);
    auto seen = m_out.section_index.find(folded);
    if (seen == m_out.section_index.end()) {
      if (m_out.section_index.size() >= m_limits.max_sections) {
        return fail(ln, "too many sections (at most {})", m_limits.max_sections);
      }
      seen = m_out.section_index.emplace(std::move(folded), m_out.section_lines.size()).first;
      m_out.section_lines.emplace_back();
      m_out.sections = m_out.section_index.size();
    }
    m_section_lines = seen->second;
    m_section = std::string(name);
    m_keep_section = !m_keep || m_keep(name);
    return base::ok();
  }

  std::string_view m_source;
  ConfDb& m_db;
  const ParseLimits& m_limits;
  ParseOutput m_out;
  std::optional<std::string> m_section;
  std::size_t m_section_lines = 0;  // m_out.section_lines of m_section
  const SectionFilter& m_keep;
  bool m_keep_section = true;
};

}  // namespace

std::optional<std::size_t> ParseOutput::SectionLines::find(std::string_view folded_tag) const {
  if (!many.empty()) {
    auto it = many.find(std::string(folded_tag));
    return it == many.end() ? std::nullopt : std::optional<std::size_t>(it->second);
  }
  for (const auto& [t, line] : few) {
    if (t == folded_tag) return line;
  }
  return std::nullopt;
}

void ParseOutput::SectionLines::add(std::string folded_tag, std::size_t line) {
  if (many.empty() && few.size() < kHashFrom) {
    few.emplace_back(std::move(folded_tag), line);
    return;
  }
  if (many.empty()) {
    for (auto& [t, l] : few) many.emplace(std::move(t), l);
    few.clear();
  }
  many.emplace(std::move(folded_tag), line);
}

std::optional<std::size_t> ParseOutput::line_of(std::string_view section,
                                                std::string_view tag) const {
  auto it = section_index.find(fold(section));
  if (it == section_index.end()) return std::nullopt;
  return section_lines[it->second].find(fold(tag));
}

base::Result<ParseOutput> parse_config(std::string_view text, std::string_view source,
                                       ConfDb& db, const ParseLimits& limits,
                                       const SectionFilter& keep) {
  Parser p(source, db, limits, keep);
  return p.run(text);
}

}  // namespace ike::conf
