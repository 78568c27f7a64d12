// The isakmpd configuration database (isakmpd conf.c model): sections of tag=value strings,
// section and tag names case-insensitive and stored verbatim, with transactions. The file
// parser, the built-in defaults and the FIFO `C` commands all produce transactions; a reload
// swaps the whole content. The engine reads it through const accessors only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace ike::conf {

// Case-insensitive ordering for section/tag keys.
struct CaseLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept;
};

// "X,Y:Z" (offer X, accept Y..Z) or "X" (offer = accept = X), or ANY.
struct OfferRange {
  uint64_t offer = 0;
  uint64_t min = 0;
  uint64_t max = 0;
  bool any = false;
  bool accepts(uint64_t v) const noexcept { return any || (v >= min && v <= max); }
};
[[nodiscard]] base::Result<OfferRange> parse_offer_range(std::string_view text);

using TxId = uint32_t;

class ConfDb {
 public:
  ConfDb() = default;

  // --- reading ---
  std::optional<std::string> get(std::string_view section, std::string_view tag) const;
  // atoi-like with strict validation: nullopt if absent, default on absent, error on garbage.
  std::optional<int64_t> get_num(std::string_view section, std::string_view tag) const;
  int64_t get_num_or(std::string_view section, std::string_view tag, int64_t fallback) const;
  // Comma-separated list, elements trimmed, empty elements dropped.
  std::vector<std::string> get_list(std::string_view section, std::string_view tag) const;
  bool has_section(std::string_view section) const;
  std::vector<std::string> sections() const;
  // Tags of a section in insertion order (so "the first tag" is meaningful, as in isakmpd).
  std::vector<std::string> tags(std::string_view section) const;
  // Non-default entries, for the report's conf_report ("[section]" / "tag=\tvalue").
  std::string dump_non_default() const;

  // --- transactions (isakmpd conf_begin/conf_set/conf_remove/conf_end) ---
  TxId begin();
  // override=false: an existing tag keeps its value and the call reports NotFound-free success
  // with `ignored`=true (isakmpd logs "duplicate tag"). is_default marks built-in defaults,
  // which never override file values.
  void set(TxId tx, std::string_view section, std::string_view tag, std::string_view value,
           bool override, bool is_default = false);
  // `C add`: append to a comma list unless already present.
  void add_to_list(TxId tx, std::string_view section, std::string_view tag,
                   std::string_view value);
  // `C rmv`: remove one list element; removes the tag if the list becomes empty.
  void remove_from_list(TxId tx, std::string_view section, std::string_view tag,
                        std::string_view value);
  void remove(TxId tx, std::string_view section, std::string_view tag);
  void remove_section(TxId tx, std::string_view section);
  // Applies the transaction's operations in order. Returns the log lines for ignored
  // duplicates (so callers can report them) or an error if tx is unknown.
  [[nodiscard]] base::Result<std::vector<std::string>> commit(TxId tx);
  void abort(TxId tx);

  // Replace everything (reload).
  void clear();

 private:
  struct Value {
    std::string text;
    bool is_default = false;
  };
  struct Section {
    std::string name;  // verbatim
    std::vector<std::pair<std::string, Value>> tags;  // insertion order, verbatim names
  };
  struct Op {
    enum Kind { Set, Add, Rmv, Rm, Rms } kind;
    std::string section, tag, value;
    bool override = false;
    bool is_default = false;
  };
  const Section* find_section(std::string_view name) const;
  Section& section_for_write(std::string_view name);
  std::map<std::string, Section, CaseLess> m_sections;
  std::map<TxId, std::vector<Op>> m_pending;
  TxId m_next_tx = 1;
};

}  // namespace ike::conf
