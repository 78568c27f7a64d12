// ListIndex (list_index.h): element offsets of a long comma list, by hash.
#include "conf/list_index.h"

#include <algorithm>
#include <limits>

namespace ike::conf {

namespace {

constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// FNV-1a over the element's bytes (case-sensitive, as the comparison).
uint64_t element_hash(std::string_view s) noexcept {
  uint64_t h = 0xcbf29ce484222325u;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3u;
  }
  return h;
}

}  // namespace

bool ListIndex::worth_indexing(std::string_view text) noexcept {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), ',')) >= kMinCommas;
}

void ListIndex::add_elements(std::string_view text, std::size_t from) {
  // Offsets are 32-bit: a configuration value is far below 4 GiB (files are capped at 64 MiB).
  if (text.size() > std::numeric_limits<uint32_t>::max()) return;
  std::size_t pos = from;
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    std::size_t b = pos, e = end;
    while (b < e && is_space(text[b])) ++b;
    while (e > b && is_space(text[e - 1])) --e;
    if (e > b) {
      m_elements.emplace(element_hash(text.substr(b, e - b)),
                         std::pair{static_cast<uint32_t>(b), static_cast<uint32_t>(e - b)});
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
}

bool ListIndex::contains(std::string_view text, std::string_view value) const {
  auto [first, last] = m_elements.equal_range(element_hash(value));
  for (auto it = first; it != last; ++it) {
    auto [off, len] = it->second;
    if (off + static_cast<std::size_t>(len) <= text.size() && text.substr(off, len) == value) {
      return true;
    }
  }
  return false;
}

}  // namespace ike::conf
