// A faithful subset of C sscanf(3) for the FIFO command parser, so `parse_ui_line` can use
// isakmpd's ui.c format strings verbatim ("C %*s [%200[^]]]:%200[^=]=%200s %200s") and get
// exactly its matching rules: a white-space directive matches zero or more white-space
// characters, %s and %d skip leading white space, %[ does not, an ordinary character must
// match exactly, and the first failing directive ends the scan. Supported conversions: %Ns,
// %*s, %N[set] / %N[^set] (with ']' allowed first in the set), %d. Unlike sscanf it works on
// a string_view (no NUL termination), never overflows (widths are required for stored
// strings) and reports which field stopped at its width with more matching input left, so
// the caller can refuse silent truncation instead of quietly shortening a value.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace ike::daemon {

struct ScanResult {
  int assigned = 0;            // number of stored conversions (sscanf's return, EOF -> 0)
  int truncated_field = -1;    // index of the first stored field cut at its width, or -1
  bool range_error = false;    // a %d value did not fit in int
};

using ScanTarget = std::variant<std::string*, int*>;

// `format` is trusted (a literal in our code); `input` is hostile.
ScanResult scan(std::string_view input, std::string_view format,
                std::initializer_list<ScanTarget> targets);

}  // namespace ike::daemon
