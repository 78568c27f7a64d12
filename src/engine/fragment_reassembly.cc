// FragmentReassembler (fragment_reassembly.h): per-cookie-pair slots for IKEv1 fragments with
// caps on count, size, age and concurrent reassemblies. The rules follow what strongSwan's
// IKEv1 defragmentation does (a newer fragment id restarts, an older one is ignored) with the
// extra consistency checks listed in the header.
#include "engine/fragment_reassembly.h"

#include <algorithm>

#include <fmt/format.h>

namespace ike::engine {

using Outcome = FragmentReassembler::Outcome;

Outcome FragmentReassembler::drop(std::string reason) {
  Outcome o;
  o.kind = Outcome::Kind::Dropped;
  o.reason = std::move(reason);
  return o;
}

void FragmentReassembler::evict_oldest() {
  auto oldest = std::min_element(m_entries.begin(), m_entries.end(), [](auto& a, auto& b) {
    return a.second.started < b.second.started;
  });
  if (oldest != m_entries.end()) m_entries.erase(oldest);
}

std::size_t FragmentReassembler::expire(base::TimePoint now) {
  return std::erase_if(m_entries, [now](const auto& kv) {
    return now - kv.second.started >= ReassemblyLimits::kTimeout;
  });
}

Outcome FragmentReassembler::insert(const wire::Fragment& f, base::TimePoint now) {
  const std::string who = fmt::format("fragment {} #{} of {}", f.id, f.number,
                                      f.header.cookies.hex());
  // The parser guarantees these; checked again because this is the state's own invariant.
  if (f.number == 0 || f.number > ReassemblyLimits::kMaxFragments) {
    return drop(fmt::format("{}: number outside 1..{}", who, ReassemblyLimits::kMaxFragments));
  }
  if (f.data.empty() || f.data.size() > ReassemblyLimits::kMaxBytes) {
    return drop(fmt::format("{}: {} data bytes", who, f.data.size()));
  }
  auto it = m_entries.find(f.header.cookies);
  if (it != m_entries.end() && now - it->second.started >= ReassemblyLimits::kTimeout) {
    m_entries.erase(it);  // timed out: start over
    it = m_entries.end();
  }
  if (it != m_entries.end() && it->second.id != f.id) {
    // Fragment ids grow per message (strongSwan, libreswan): an older id is a late fragment of
    // a message the peer already replaced; a newer one abandons the current reassembly.
    if (f.id < it->second.id) {
      return drop(fmt::format("{}: older than the message {} being reassembled", who,
                              it->second.id));
    }
    m_entries.erase(it);
    it = m_entries.end();
  }
  if (it == m_entries.end()) {
    if (m_entries.size() >= ReassemblyLimits::kMaxReassemblies) evict_oldest();
    Entry fresh;
    fresh.id = f.id;
    fresh.started = now;
    it = m_entries.emplace(f.header.cookies, std::move(fresh)).first;
  }
  Entry& e = it->second;
  const std::size_t slot = f.number - 1U;
  if (e.present.test(slot)) {
    return drop(fmt::format("{}: duplicate", who));
  }
  if (e.last != 0 && f.number > e.last) {
    return drop(fmt::format("{}: beyond the last fragment #{}", who, e.last));
  }
  if (f.last) {
    if (e.last != 0) {
      // Two different "last" fragments: the sender is confused or hostile; start over.
      const uint8_t first_last = e.last;  // `e` dies with the erase
      m_entries.erase(it);
      return drop(fmt::format("{}: second last fragment (first was #{}); reassembly discarded",
                              who, first_last));
    }
    if (e.highest > f.number) {
      const uint8_t highest = e.highest;
      m_entries.erase(it);
      return drop(fmt::format("{}: flagged last but #{} was received; reassembly discarded",
                              who, highest));
    }
  }
  if (e.bytes + f.data.size() > ReassemblyLimits::kMaxBytes) {
    const std::size_t had = e.bytes;
    m_entries.erase(it);
    return drop(fmt::format("{}: {} + {} bytes exceed {}; reassembly discarded", who, had,
                            f.data.size(), ReassemblyLimits::kMaxBytes));
  }
  e.parts[slot] = f.data;
  e.present.set(slot);
  e.bytes += f.data.size();
  e.highest = std::max(e.highest, f.number);
  if (f.last) e.last = f.number;
  if (e.last == 0 || e.present.count() != e.last) return Outcome{};
  Outcome done;
  done.kind = Outcome::Kind::Complete;
  done.message.reserve(e.bytes);
  for (std::size_t i = 0; i < e.last; ++i) base::append(done.message, e.parts[i]);
  m_entries.erase(it);
  return done;
}

}  // namespace ike::engine
