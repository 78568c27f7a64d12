// DeadlineIndex: the per-SA timer index of the SA database and the DPD engine (issue #7: no
// per-tick or per-event work that grows with the number of SAs). A binary min-heap of
// (deadline, key) entries with lazy invalidation, where an entry is a *lower bound*: the owner
// answers `deadline_of(key)` (nullopt when the key has no deadline or is gone) and the index
// re-examines a key only when one of its entries reaches the top. A deadline that moves later
// needs nothing (the early entry is popped, the true deadline re-pushed); a deadline that moves
// earlier, or a new key, must be `arm()`ed. Equal deadlines come out in key order, so a storm of
// timers expiring together is processed deterministically. next() is O(log n) amortised and
// due(now) touches only the due keys plus the stale entries it pops. Owns only the heap and
// the earliest armed time per key (which keeps duplicates out); the records stay with the owner.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/clock.h"

namespace ike::engine {

template <class Key, class Hash = std::hash<Key>>
class DeadlineIndex {
 public:
  // `key` has a deadline at `at` (new, or earlier than before). No entry is added when one at
  // or before `at` is already queued for it.
  void arm(const Key& key, base::TimePoint at) {
    auto [it, inserted] = m_armed.try_emplace(key, at);
    if (!inserted) {
      if (it->second <= at) return;
      it->second = at;
    }
    push(Entry{at, key});
    compact_if_needed();
  }

  // `key` went: its entries become stale (dropped when they reach the top or at compaction).
  void forget(const Key& key) { m_armed.erase(key); }

  void clear() {
    m_heap.clear();
    m_armed.clear();
  }

  // The earliest true deadline of any armed key. `deadline_of(const Key&)` ->
  // std::optional<base::TimePoint>.
  template <class F>
  std::optional<base::TimePoint> next(F&& deadline_of) {
    while (!m_heap.empty()) {
      const Entry top = m_heap.front();
      ++m_visits;
      auto a = m_armed.find(top.key);
      if (a == m_armed.end() || a->second != top.at) {  // superseded by an earlier entry
        pop();
        continue;
      }
      std::optional<base::TimePoint> d = deadline_of(top.key);
      if (d && *d == top.at) return d;
      pop();
      if (!d) {
        m_armed.erase(a);
      } else {
        a->second = *d;  // moved (later, or earlier without arm(): still found here)
        push(Entry{*d, top.key});
      }
    }
    return std::nullopt;
  }

  // The keys whose true deadline is at or before `now`, each once, in (deadline, key) order.
  // They stay armed (at their deadline) until the caller's action moves or removes it, so a
  // second call before that returns them again.
  template <class F>
  std::vector<Key> due(base::TimePoint now, F&& deadline_of) {
    std::vector<Entry> hits;
    while (!m_heap.empty() && m_heap.front().at <= now) {
      const Entry top = m_heap.front();
      ++m_visits;
      pop();
      auto a = m_armed.find(top.key);
      if (a == m_armed.end() || a->second != top.at) continue;
      m_armed.erase(a);
      std::optional<base::TimePoint> d = deadline_of(top.key);
      if (!d) continue;
      if (*d <= now) {
        hits.push_back(Entry{*d, top.key});
      } else {
        arm(top.key, *d);
      }
    }
    std::sort(hits.begin(), hits.end(), [](const Entry& x, const Entry& y) { return y > x; });
    std::vector<Key> keys;
    keys.reserve(hits.size());
    for (const auto& h : hits) {
      if (!keys.empty() && keys.back() == h.key) continue;
      keys.push_back(h.key);
      arm(h.key, h.at);
    }
    return keys;
  }

  std::size_t armed() const noexcept { return m_armed.size(); }
  std::size_t queued() const noexcept { return m_heap.size(); }
  // Heap entries examined by next()/due() since construction (tests prove there is no scan).
  uint64_t visits() const noexcept { return m_visits; }

 private:
  struct Entry {
    base::TimePoint at;
    Key key;
    bool operator>(const Entry& o) const noexcept {
      return at != o.at ? at > o.at : o.key < key;
    }
  };

  void push(Entry e) {
    m_heap.push_back(std::move(e));
    std::push_heap(m_heap.begin(), m_heap.end(), std::greater<Entry>{});
  }
  void pop() {
    std::pop_heap(m_heap.begin(), m_heap.end(), std::greater<Entry>{});
    m_heap.pop_back();
  }
  // Superseded entries and those of forgotten keys pile up until they reach the top; bound
  // them by keeping only the live entry of each key (amortised O(1) per arm()).
  void compact_if_needed() {
    if (m_heap.size() <= 2 * m_armed.size() + 64) return;
    std::erase_if(m_heap, [&](const Entry& e) {
      auto a = m_armed.find(e.key);
      return a == m_armed.end() || a->second != e.at;
    });
    std::make_heap(m_heap.begin(), m_heap.end(), std::greater<Entry>{});
  }

  std::vector<Entry> m_heap;
  std::unordered_map<Key, base::TimePoint, Hash> m_armed;  // the live entry's time per key
  uint64_t m_visits = 0;
};

}  // namespace ike::engine
