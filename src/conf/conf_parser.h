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

  std::unordered_map<std::string, std::size_t> lines;  // key: folded "section\0tag"
};

// Parses `text` (named `source` in messages, e.g. the file path) into a new transaction on
// `db`. On error nothing is queued (the transaction is aborted) and the Config error says
// "<source>:<line>: <what>".
[[nodiscard]] base::Result<ParseOutput> parse_config(std::string_view text,
                                                     std::string_view source, ConfDb& db,
                                                     const ParseLimits& limits = {});

}  // namespace ike::conf
