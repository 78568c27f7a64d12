// The isakmpd configuration database (isakmpd conf.c model): sections of tag=value strings,
// section and tag names case-insensitive and stored verbatim, with transactions. The file
// parser and the FIFO `C` commands produce transactions; the built-in defaults (defaults.h)
// are one immutable image shared by every ConfDb, copied into a section only when that
// section is edited; a reload (config_file.h) swaps the whole content. The engine reads it
// through const accessors only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "conf/list_index.h"

namespace ike::conf {

// Case-insensitive ordering for section/tag keys.
struct CaseLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept;
};
// Case-insensitive hashing and equality (the defaults image's section index).
struct CaseHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept;
};
struct CaseEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept;
};

// "X,Y:Z" (offer X, accept Y..Z) or "X" (offer = accept = X), or ANY (case-insensitive).
// Numbers are unsigned decimal (whitespace around them allowed); Y <= Z and Y <= X <= Z are
// required. Errors are Config and quote the text.
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
  ConfDb(const ConfDb& other);
  ConfDb& operator=(const ConfDb& other);
  ConfDb(ConfDb&&) noexcept = default;
  ConfDb& operator=(ConfDb&&) noexcept = default;
  ~ConfDb() = default;

  // --- reading ---
  std::optional<std::string> get(std::string_view section, std::string_view tag) const;
  // Strict decimal integer (isakmpd uses atoi; we do not read "12abc" as 12): nullopt when the
  // tag is absent OR the value is not a decimal int64 (the latter is logged as a warning naming
  // [section]:tag and the text). get_num_or returns `fallback` in both cases. Use
  // get_num_checked() to turn garbage into a hard error.
  std::optional<int64_t> get_num(std::string_view section, std::string_view tag) const;
  int64_t get_num_or(std::string_view section, std::string_view tag, int64_t fallback) const;
  // Comma-separated list, elements trimmed (isspace), empty elements dropped. Absent -> {}.
  std::vector<std::string> get_list(std::string_view section, std::string_view tag) const;
  bool has_section(std::string_view section) const;
  std::vector<std::string> sections() const;
  // Tags of a section in insertion order (so "the first tag" is meaningful, as in isakmpd).
  std::vector<std::string> tags(std::string_view section) const;
  // Non-default entries, for the report's conf_report: per section (in insertion order)
  // "[section]\n" then "tag=\tvalue\n" per tag (insertion order), sections separated by an
  // empty line. Empty string when there is none.
  std::string dump_non_default() const;

  // --- transactions (isakmpd conf_begin/conf_set/conf_remove/conf_end) ---
  TxId begin();
  // Queued; evaluated at commit() in order. Rules at commit time:
  //  * override=true: the value replaces any existing value (and is no longer a default).
  //  * override=false, existing non-default value: kept; commit() returns the line
  //    "conf_set: duplicate tag [section]:tag, ignoring..." (isakmpd conf_set_now).
  //  * a non-default value always replaces a built-in default (file/FIFO values win over
  //    defaults whatever the order; isakmpd gets this by loading defaults last).
  //  * is_default=true never replaces a non-default value (silently), and refreshes an
  //    existing default.
  // An unknown/finished tx is a programming error: logged, the operation dropped.
  void set(TxId tx, std::string_view section, std::string_view tag, std::string_view value,
           bool override, bool is_default = false);
  // `C add`: at commit, set the value if the tag is absent; otherwise append ",value" (no
  // comma when the current value ends with ',') unless an element equals value exactly
  // (case-sensitive, as ui.c strcmp). The result is a non-default value.
  void add_to_list(TxId tx, std::string_view section, std::string_view tag,
                   std::string_view value);
  // `C rmv`: at commit, rewrite the list without the elements equal to value (normalised:
  // trimmed, joined by ","); removes the tag if the list becomes empty. Absent tag: no-op.
  void remove_from_list(TxId tx, std::string_view section, std::string_view tag,
                        std::string_view value);
  void remove(TxId tx, std::string_view section, std::string_view tag);
  void remove_section(TxId tx, std::string_view section);
  // Applies the transaction's operations in order. Returns the log lines for ignored
  // duplicates (so callers can report them) or an error if tx is unknown.
  [[nodiscard]] base::Result<std::vector<std::string>> commit(TxId tx);
  void abort(TxId tx);

  // Removes every section (pending transactions are kept).
  void clear();

  // --- additions by the conf module (backward compatible) ---
  // get_num with the error made visible: nullopt if absent, the number if the value is a
  // decimal integer ("-12", "+3", "300"), a Config error naming [section]:tag and the text
  // otherwise. get_num()/get_num_or() log that error and behave as if the tag were absent.
  [[nodiscard]] base::Result<std::optional<int64_t>> get_num_checked(std::string_view section,
                                                                     std::string_view tag) const;
  // true if the tag exists and holds a built-in default (not a file/FIFO value).
  bool is_default(std::string_view section, std::string_view tag) const;
  // Number of visible tag=value entries (defaults included).
  std::size_t size() const noexcept;
  // Change counter (issue #7): advanced by every committed transaction (`C` lines, the file
  // parser), clear(), swap_contents() (reload) and load_defaults(). Readers cache values
  // derived from the configuration keyed by it (peer lookups, DPD settings).
  uint64_t generation() const noexcept { return m_generation; }
  // Exchanges the committed content (sections, tags, values, defaults) with `other`; pending
  // transactions and transaction ids stay with their database. Used for the all-or-nothing
  // reload: build a fresh ConfDb, and swap only if it loaded completely.
  void swap_contents(ConfDb& other) noexcept;

 private:
  struct Value {
    std::string text;
    bool is_default = false;
    uint64_t seq = 0;  // insertion order within the database
    // Elements by hash once `C add` made the value a long list (list_index.h); dropped by
    // every other write of `text`.
    ListIndexSlot list{};
  };
  struct Section {
    uint64_t seq = 0;                             // insertion order of the section
    std::map<std::string, Value, CaseLess> tags;  // verbatim tag names (first spelling)
  };
  struct Op {
    enum Kind { Set, Add, Rmv, Rm, Rms } kind;
    std::string section, tag, value;
    bool override = false;
    bool is_default = false;
  };
  // Built-in defaults: one immutable image per process (defaults.cc), shared by every ConfDb
  // that had load_defaults() applied. A base section is visible unless it is "shadowed": then
  // either m_sections holds a materialised (copied, then edited) version of it, or it was
  // removed. Writes copy the base section into m_sections first, so reads see one section.
  struct Layer {
    std::map<std::string, Section, CaseLess> sections;
    std::size_t entries = 0;
    // The same sections by hash: the image holds thousands of suites and transforms with long
    // common prefixes, and an ordered lookup folded a dozen names per find (issue #7). Built
    // once with the image (index_sections()); the map's nodes do not move.
    std::unordered_map<std::string_view, const Section*, CaseHash, CaseEqual> by_name;
    void index_sections();
  };
  const Section* base_section(std::string_view name) const;  // in the image, shadowed or not
  void shadow(const std::string& name, const Section& base);
  Section& materialize(const std::string& name, const Section& base);
  void erase_section(std::map<std::string, Section, CaseLess>::iterator it);
  const Section* find_section(std::string_view name) const;
  const Value* find_value(std::string_view section, std::string_view tag) const;
  Section& section_for_write(std::string_view name);
  // The immediate operations (isakmpd conf_set_now & co). set_now returns false when the
  // value was not stored because the tag exists (duplicate without override).
  bool set_now(std::string_view section, std::string_view tag, std::string_view value,
               bool override, bool is_default);
  void add_now(std::string_view section, std::string_view tag, std::string_view value);
  void rmv_now(std::string_view section, std::string_view tag, std::string_view value);
  void remove_now(std::string_view section, std::string_view tag);
  void remove_section_now(std::string_view section);
  std::vector<Op>* pending(TxId tx, std::string_view what);

  // load_defaults() writes thousands of built-in entries directly (no transaction queue).
  friend void load_defaults(ConfDb& db);

  void index_section(const std::string& name, Section& sec);

  std::map<std::string, Section, CaseLess> m_sections;
  // The same sections by hash (issue #7): with 100 000 configured peers the ordered map's
  // case-folding comparisons of names with long common prefixes ("phase2-transform-from-...")
  // were a quarter of a `C set`. Keys view the map's keys; its nodes do not move.
  std::unordered_map<std::string_view, Section*, CaseHash, CaseEqual> m_section_index;
  std::map<TxId, std::vector<Op>> m_pending;
  uint64_t m_generation = 0;
  TxId m_next_tx = 1;
  uint64_t m_next_seq = 1;
  std::size_t m_entries = 0;  // entries in m_sections
  std::shared_ptr<const Layer> m_base;
  std::set<std::string, CaseLess> m_shadowed;
  std::size_t m_shadowed_entries = 0;  // base entries hidden by m_shadowed
};

// Built-in defaults and autogenerated transform/suite sections (defaults.h).
void load_defaults(ConfDb& db);

}  // namespace ike::conf
