// ListIndex: the elements of one long comma list value, by hash, so that `C add` (ConfDb's
// add_to_list) neither splits nor copies the whole value (issue #7). ipsecctl appends the
// connection of every rule to one [Phase 2]:Passive-connections (or Connections) list with
// `C add`; with a scan and a copy of the list per add, loading 10 000 rules spent 0.9 s and
// 100 000 rules would spend minutes (quadratic). With the index an add costs a hash lookup and
// an append.
//
// The elements are those of ConfDb::get_list (conf_get_list): the text between commas, trimmed
// of whitespace, empty ones skipped. Each is remembered as (offset, length) into the value and
// filed under its hash; offsets stay valid while the value only grows at its end, which is the
// one edit ConfDb makes while an index exists (any other write drops the index).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace ike::conf {

class ListIndex {
 public:
  // Below this many commas a list is scanned as before: no index is worth its memory.
  static constexpr std::size_t kMinCommas = 64;
  static bool worth_indexing(std::string_view text) noexcept;

  // Indexes the elements of text[from..]; `from` is 0 or the offset just after a comma.
  void add_elements(std::string_view text, std::size_t from);
  // Whether an element of `text` (the indexed value) equals `value` exactly (case-sensitive,
  // as isakmpd ui.c's strcmp).
  bool contains(std::string_view text, std::string_view value) const;
  std::size_t size() const noexcept { return m_elements.size(); }

 private:
  std::unordered_multimap<uint64_t, std::pair<uint32_t, uint32_t>> m_elements;
};

// A ListIndex owned by a value; copying a value does not copy its index (the copy rebuilds one
// if it is ever added to).
class ListIndexSlot {
 public:
  ListIndexSlot() = default;
  ListIndexSlot(const ListIndexSlot&) noexcept {}
  ListIndexSlot& operator=(const ListIndexSlot&) noexcept {
    m_index.reset();
    return *this;
  }
  ListIndexSlot(ListIndexSlot&&) noexcept = default;
  ListIndexSlot& operator=(ListIndexSlot&&) noexcept = default;
  ~ListIndexSlot() = default;

  ListIndex* get() const noexcept { return m_index.get(); }
  ListIndex& emplace() { return *(m_index = std::make_unique<ListIndex>()); }
  void reset() noexcept { m_index.reset(); }

 private:
  std::unique_ptr<ListIndex> m_index;
};

}  // namespace ike::conf
