// Reader for known-answer vector files (tests/vectors/*.vec, design §4.5, Botan style):
//
//   # <provenance: RFC and section, or tool and version>     <- mandatory first line
//   [Section]                 optional; applies to the blocks that follow
//   Key = value               one field per line; hex values may be split over several lines:
//         more value          a line starting with whitespace continues the previous value
//   <blank line>              ends a block
//   # comment                 ignored anywhere after the first line
//
// Depends on base only, so any test binary may compile it in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ike::test {

class VecBlock {
 public:
  std::string section;  // "" when the file has no [Section] line before the block
  std::size_t line = 0;  // line of the block's first field, for messages
  std::vector<std::pair<std::string, std::string>> fields;

  bool has(std::string_view key) const noexcept;
  // NotFound when the key is absent.
  [[nodiscard]] base::Result<std::string> text(std::string_view key) const;
  // The value decoded as hex (whitespace ignored; "" is an empty byte string).
  [[nodiscard]] base::Result<base::Bytes> hex(std::string_view key) const;
  // The value as a decimal unsigned integer.
  [[nodiscard]] base::Result<uint64_t> number(std::string_view key) const;
  // "file.vec:12 [Section]" for assertion messages.
  std::string where(std::string_view file) const;
};

struct VecFile {
  std::string name;        // file name or "<memory>"
  std::string provenance;  // the first line without "# "
  std::vector<VecBlock> blocks;
};

// Errors carry "<name>:<line>: <detail>".
[[nodiscard]] base::Result<VecFile> parse_vec(std::string_view text,
                                              std::string_view name = "<memory>");
[[nodiscard]] base::Result<VecFile> load_vec(const std::string& path);

#ifdef IKE_SOURCE_DIR
// tests/vectors/<file> in the source tree.
inline std::string vector_path(std::string_view file) {
  return std::string(IKE_SOURCE_DIR) + "/tests/vectors/" + std::string(file);
}
#endif

}  // namespace ike::test
