// The isakmpd.conf(5) text parser (isakmpd conf.c conf_parse / conf_parse_line, hardened):
// turns a configuration text into one ConfDb transaction that the caller commits. Syntax:
//   * "[Section name]" starts a section (name = text up to the first ']', verbatim);
//   * "Tag=Value": the tag is the text before '=' up to the first space, tab or '='; leading
//     blanks of the value are skipped and trailing whitespace trimmed;
//   * a line whose first non-blank character is '#' or ';' is a comment; blank lines are
//     ignored; a '#' elsewhere is data (isakmpd has no trailing comments: "Authentication=a#b"
//     is the PSK "a#b");
//   * backslash-newline continues a line (both characters become spaces); line numbers in
//     messages are those of the first physical line;
//   * CRLF line ends are accepted; an unterminated last line is parsed (isakmpd drops it).
// Unlike isakmpd, which logs and goes on, every syntax error is fatal ("<source>:<line>: what"):
// the whole text is rejected and the transaction aborted, so a broken file never half-loads.
// Duplicate tags (same section and tag, case-insensitively) keep the first value, as isakmpd,
// and produce a warning naming both lines.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "conf/conf_db.h"

namespace ike::conf {

struct ParseLimits {
  std::size_t max_line = 4 << 20;          // one physical line, without its newline
  std::size_t max_logical_line = 8 << 20;  // a line joined from backslash continuations
  std::size_t max_sections = 1 << 20;      // distinct section names in one text
  std::size_t max_tags = 4 << 20;          // tag=value lines in one text
};

struct ParseOutput {
  TxId tx = 0;                        // pending transaction on the target ConfDb; commit it
  std::vector<std::string> warnings;  // "<source>:<line>: ..." (duplicates, stray text)
  std::size_t sections = 0;           // distinct sections seen
  std::size_t tags = 0;               // tags queued (duplicates excluded)
  // Line of the first definition of [section]:tag in this text (case-insensitive), if any.
  std::optional<std::size_t> line_of(std::string_view section, std::string_view tag) const;

  // The first line of each tag, per section (issue #7: one hash table of every tag of a
  // 100 000-peer file was a third of its parse, a cache miss per line). A section's tags are
  // scanned while it has few and hashed past kHashFrom ([Phase 1] lists every peer).
  struct SectionLines {
    static constexpr std::size_t kHashFrom = 16;
    std::vector<std::pair<std::string, std::size_t>> few;   // folded tag, line
    std::unordered_map<std::string, std::size_t> many;      // the same once past kHashFrom
    std::optional<std::size_t> find(std::string_view folded_tag) const;
    // Records a tag find() did not find.
    void add(std::string folded_tag, std::size_t line);
  };
  std::unordered_map<std::string, std::size_t> section_index;  // folded name -> section_lines
  std::vector<SectionLines> section_lines;
};

// Which sections a parse stores (true: keep). The whole text is still checked (syntax, limits,
// duplicates: the same outcome, warnings and counts as without a filter); the tags of other
// sections are not queued. The privilege-separation monitor reads three sections of a file that
// may list 100 000 peers.
using SectionFilter = std::function<bool(std::string_view section)>;

// Parses `text` (named `source` in messages, e.g. the file path) into a new transaction on
// `db`. On error nothing is queued (the transaction is aborted) and the Config error says
// "<source>:<line>: <what>".
[[nodiscard]] base::Result<ParseOutput> parse_config(std::string_view text,
                                                     std::string_view source, ConfDb& db,
                                                     const ParseLimits& limits = {},
                                                     const SectionFilter& keep = {});

}  // namespace ike::conf
