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
#include <functional>
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
      m_size = 0;
      m_generation = conf.generation();
    }
    auto& of_type = m_entries[type_tag<T>()];
    if (auto it = of_type.find(key); it != of_type.end()) {  // a hit allocates nothing
      ++m_hits;
      return *static_cast<const T*>(it->second.get());
    }
    ++m_builds;
    auto value = std::make_shared<const T>(build());
    if (m_size >= kMaxEntries) {
      m_overflow = value;  // not memoized, but valid until the next overflow
      return *value;
    }
    const T* out = value.get();
    of_type.emplace(std::string(key), std::move(value));
    ++m_size;
    return *out;
  }

  uint64_t hits() const noexcept { return m_hits; }
  uint64_t builds() const noexcept { return m_builds; }
  std::size_t size() const noexcept { return m_size; }

 private:
  template <class T>
  static const void* type_tag() noexcept {
    static const char tag = 0;
    return &tag;
  }

  std::optional<uint64_t> m_generation;
  // Per value type (its tag), the values by key; std::less<> finds by string_view.
  std::map<const void*, std::map<std::string, std::shared_ptr<const void>, std::less<>>> m_entries;
  std::size_t m_size = 0;
  std::shared_ptr<const void> m_overflow;
  uint64_t m_hits = 0;
  uint64_t m_builds = 0;
};

// `memo`'s value for (T, key) when there is a memo; otherwise build() once into `scratch`
// (callers that have no memo: tests, tools). Either way the same value.
template <class T, class Build>
const T& memoized(ConfMemo* memo, const ConfDb& conf, std::string_view key,
                  std::optional<T>& scratch, Build&& build) {
  if (memo != nullptr) return memo->get<T>(conf, key, std::forward<Build>(build));
  return scratch.emplace(build());
}

}  // namespace ike::conf
