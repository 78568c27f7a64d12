// ConfMemo: values derived from a ConfDb (a peer's parsed phase-1 transforms, a connection's
// phase-2 suites, ...) computed once and reused until the database's generation() changes
// (every committed `C` transaction and every reload start a new generation, so a memoized value
// is never older than the configuration it came from). Keys are the section names the value was
// derived from; each value type has its own key space (a per-type tag), so two users of one
// memo cannot read each other's entries. Issue #7: the responder re-parsed its transform and
// suite sections for every Main Mode and Quick Mode (~8 % of a handshake's CPU).
// Bounded: at most kMaxEntries values per generation (a configuration with more sections than
// that still works, the extra lookups are simply not memoized).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "conf/conf_db.h"

namespace ike::conf {

class ConfMemo {
 public:
  static constexpr std::size_t kMaxEntries = 4096;

  // The memoized `build()` for (T, key) under conf's current generation; `build` runs when
  // there is none (then or on a generation change). The reference stays valid until the next
  // get() call with a new generation or a full memo, so use it before calling get() again.
  template <class T, class Build>
  const T& get(const ConfDb& conf, std::string_view key, Build&& build) {
    if (m_generation != conf.generation()) {
      m_entries.clear();
      m_generation = conf.generation();
    }
    const Key k{type_tag<T>(), std::string(key)};
    if (auto it = m_entries.find(k); it != m_entries.end()) {
      ++m_hits;
      return *static_cast<const T*>(it->second.get());
    }
    ++m_builds;
    auto value = std::make_shared<const T>(build());
    if (m_entries.size() >= kMaxEntries) {
      m_overflow = value;  // not memoized, but valid until the next overflow
      return *value;
    }
    const T* out = value.get();
    m_entries.emplace(k, std::move(value));
    return *out;
  }

  uint64_t hits() const noexcept { return m_hits; }
  uint64_t builds() const noexcept { return m_builds; }
  std::size_t size() const noexcept { return m_entries.size(); }

 private:
  using Key = std::pair<const void*, std::string>;
  template <class T>
  static const void* type_tag() noexcept {
    static const char tag = 0;
    return &tag;
  }

  std::optional<uint64_t> m_generation;
  std::map<Key, std::shared_ptr<const void>> m_entries;
  std::shared_ptr<const void> m_overflow;
  uint64_t m_hits = 0;
  uint64_t m_builds = 0;
};

}  // namespace ike::conf
