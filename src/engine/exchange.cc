// ExchangeTable lookups and state names.
#include "engine/exchange.h"

#include <algorithm>
#include <functional>


namespace ike::engine {

const char* state_name(State s) noexcept {
  switch (s) {
    case State::None: return "NONE";
    case State::MmISent1: return "MM_I1";
    case State::MmISent3: return "MM_I3";
    case State::MmISent5: return "MM_I5";
    case State::MmRSent2: return "MM_R2";
    case State::MmRSent4: return "MM_R4";
    case State::MmRDone: return "MM_R_DONE";
    case State::AmISent1: return "AM_I1";
    case State::AmIDone: return "AM_I_DONE";
    case State::AmRSent2: return "AM_R2";
    case State::AmRDone: return "AM_R_DONE";
    case State::QmIWaitSpi: return "QM_I_GETSPI";
    case State::QmISent1: return "QM_I1";
    case State::QmIDone: return "QM_I_DONE";
    case State::QmRWaitSpi: return "QM_R_GETSPI";
    case State::QmRSent2: return "QM_R2";
    case State::CfgISent1: return "CFG_I1";
    case State::CfgRDone: return "CFG_R_DONE";
  }
  return "?";
}

ExchangeTable::Table::iterator ExchangeTable::locate(const ExchangeKey& k) {
  auto i = m_index.find(k);
  return i == m_index.end() ? m_table.end() : i->second;
}

ExchangeTable::Table::const_iterator ExchangeTable::locate(const ExchangeKey& k) const {
  auto i = m_index.find(k);
  return i == m_index.end() ? m_table.cend() : Table::const_iterator(i->second);
}

Exchange& ExchangeTable::add(Exchange x) {
  ExchangeKey k = x.key;
  auto type = x.type;
  auto it = locate(k);
  const bool inserted = it == m_table.end();
  if (inserted) {
    it = m_table.emplace(k, std::move(x)).first;
    m_index.emplace(k, it);
    it->second.touched_slot = -1;  // a new node is in no list (x may come from another one)
  } else {
    count_unfinished(k.cookies, it->second, false);  // replaced
    const int32_t slot = it->second.touched_slot;  // the node, still listed as touched
    it->second = std::move(x);
    it->second.touched_slot = slot;
  }
  count_unfinished(k.cookies, it->second, true);
  if (inserted) {
    ++m_started[static_cast<uint8_t>(type)];
    if (k.message_id.value == 0 && is_phase1_exchange(type)) {
      m_by_icookie.emplace(k.cookies.initiator, k.cookies);
    }
  }
  touch(it->second);
  const Exchange& stored = it->second;
  if (is_phase1_exchange(stored.type) && stored.role == Role::Responder && !stored.finished) {
    m_half_open.track(k.cookies, stored.peer.address);
  }
  return it->second;
}

Exchange* ExchangeTable::find(const ExchangeKey& k) {
  auto it = locate(k);
  if (it == m_table.end()) return nullptr;
  touch(it->second);
  return &it->second;
}

std::map<std::string, uint64_t> ExchangeTable::started() const {
  std::map<std::string, uint64_t> out;
  for (std::size_t t = 0; t < m_started.size(); ++t) {
    if (m_started[t] != 0) {
      out[std::string(wire::to_string(static_cast<wire::ExchangeType>(t)))] += m_started[t];
    }
  }
  return out;
}

std::vector<ExchangeKey> ExchangeTable::over_isakmp_sa(const base::CookiePair& cookies) const {
  std::vector<ExchangeKey> out;
  // Message id 0 is the phase-1 exchange itself; the first key after it starts the range.
  for (auto it = m_table.upper_bound(ExchangeKey{cookies, base::MessageId{0}});
       it != m_table.end() && it->first.cookies == cookies; ++it) {
    ++m_cookie_visits;
    out.push_back(it->first);
  }
  return out;
}

Exchange* ExchangeTable::find_responder_by_icookie(const base::Cookie& icookie,
                                                   const base::SockAddr& peer) {
  auto [lo, hi] = m_by_icookie.equal_range(icookie);
  for (auto i = lo; i != hi; ++i) {
    Exchange* x = find(ExchangeKey{i->second, base::MessageId{0}});
    if (x != nullptr && is_phase1_exchange(x->type) && x->role == Role::Responder &&
        x->peer == peer) {
      return x;
    }
  }
  return nullptr;
}

Exchange* ExchangeTable::find_initiator_mm(const base::Cookie& icookie) {
  auto [lo, hi] = m_by_icookie.equal_range(icookie);
  for (auto i = lo; i != hi; ++i) {
    Exchange* x = find(ExchangeKey{i->second, base::MessageId{0}});
    if (x != nullptr && is_phase1_exchange(x->type) && x->role == Role::Initiator) return x;
  }
  return nullptr;
}

void ExchangeTable::rekey(const ExchangeKey& from, const ExchangeKey& to) {
  auto from_it = locate(from);
  if (from_it == m_table.end()) return;
  m_index.erase(from);
  auto node = m_table.extract(from_it);
  unindex(from);
  if (to.message_id.value == 0 && is_phase1_exchange(node.mapped().type)) {
    m_by_icookie.emplace(to.cookies.initiator, to.cookies);
  }
  if (node.mapped().qm) {
    for (const auto& [id, proto] : node.mapped().qm->pending_spis) expect_request(id, to);
  }
  count_unfinished(from.cookies, node.mapped(), false);
  count_unfinished(to.cookies, node.mapped(), true);
  node.key() = to;
  node.mapped().key = to;
  node.mapped().heap_deadline.reset();  // its heap entry names the old key
  auto inserted = m_table.insert(std::move(node));
  if (inserted.inserted) m_index.emplace(to, inserted.position);
  touch(inserted.position->second);
}

void ExchangeTable::expect_request(uint64_t request_id, const ExchangeKey& k) {
  m_by_request.insert_or_assign(request_id, k);
}

Exchange* ExchangeTable::find_by_request(uint64_t request_id) {
  auto it = m_by_request.find(request_id);
  if (it == m_by_request.end()) return nullptr;
  ++m_request_visits;
  const ExchangeKey key = it->second;
  // A request has one reply: the entry goes now, whatever the exchange's state. (Kept until
  // the exchange was removed, it was never removed at all once the reply had been taken out of
  // pending_spis: one entry leaked per Quick Mode, issue #7.)
  m_by_request.erase(it);
  Exchange* x = find(key);
  if (x == nullptr || !x->qm || x->qm->pending_spis.count(request_id) == 0) {
    return nullptr;  // the exchange went (or was replaced) before the reply came
  }
  return x;
}

void ExchangeTable::unindex_requests(const Exchange& x) {
  if (!x.qm) return;
  for (const auto& [id, proto] : x.qm->pending_spis) {
    auto it = m_by_request.find(id);
    if (it != m_by_request.end() && it->second == x.key) m_by_request.erase(it);
  }
}

void ExchangeTable::remove(const ExchangeKey& k) {
  // Callers pass the exchange's own `x.key`, which lives in the node erase() frees: copy it first.
  const ExchangeKey key = k;
  auto it = locate(key);
  if (it == m_table.end()) return;
  unindex_requests(it->second);
  count_unfinished(key.cookies, it->second, false);
  if (it->second.touched_slot >= 0) {
    m_touched[static_cast<std::size_t>(it->second.touched_slot)] = nullptr;
  }
  m_index.erase(key);
  m_table.erase(it);
  unindex(key);
}

void ExchangeTable::mark_finished(const ExchangeKey& k) {
  auto it = locate(k);
  if (it == m_table.end() || it->second.finished) return;
  count_unfinished(k.cookies, it->second, false);
  it->second.finished = true;
}

namespace {

template <class Map, class Key>
void bump(Map& m, const Key& key, bool add) {
  if (add) {
    ++m[key];
    return;
  }
  auto it = m.find(key);
  if (it != m.end() && --it->second == 0) m.erase(it);
}

}  // namespace

void ExchangeTable::count_unfinished(const base::CookiePair& cookies, const Exchange& x,
                                     bool add) {
  if (x.finished) return;
  bump(m_unfinished, cookies, add);
  if (x.qm != nullptr) {
    bump(m_qm_in_flight, cookies, add);
    bump(m_qm_by_connection, x.qm->connection, add);
  }
  if (x.mm != nullptr && x.role == Role::Initiator) {
    if (add) {
      m_mm_initiators.emplace(x.peer.address, cookies);
    } else {
      auto [lo, hi] = m_mm_initiators.equal_range(x.peer.address);
      for (auto i = lo; i != hi; ++i) {
        if (i->second == cookies) {
          m_mm_initiators.erase(i);
          break;
        }
      }
    }
  }
}

Exchange* ExchangeTable::initiator_main_mode_to(const base::IpAddress& peer,
                                                const base::IpAddress* local) {
  Exchange* best = nullptr;
  auto [lo, hi] = m_mm_initiators.equal_range(peer);
  for (auto i = lo; i != hi; ++i) {
    Exchange* x = find(ExchangeKey{i->second, base::MessageId{0}});
    // A Main Mode started without a Local-address learns its own from MM2: until then it may
    // be from any local address.
    if (x == nullptr || (local != nullptr && !x->local.address.is_unspecified() &&
                         x->local.address != *local)) {
      continue;
    }
    if (best == nullptr || x->key < best->key) best = x;
  }
  return best;
}

bool ExchangeTable::quick_mode_running(const std::string& connection) const {
  return m_qm_by_connection.contains(connection);
}

bool ExchangeTable::unfinished_over(const base::CookiePair& c) const {
  return m_unfinished.contains(c);
}

std::size_t ExchangeTable::quick_modes_in_flight(const base::CookiePair& c) const {
  auto it = m_qm_in_flight.find(c);
  return it == m_qm_in_flight.end() ? 0 : it->second;
}

void ExchangeTable::unindex(const ExchangeKey& k) {
  if (k.message_id.value != 0) return;
  m_half_open.untrack(k.cookies);
  auto [lo, hi] = m_by_icookie.equal_range(k.cookies.initiator);
  for (auto i = lo; i != hi; ++i) {
    if (i->second == k.cookies) {
      m_by_icookie.erase(i);
      return;
    }
  }
}

void ExchangeTable::clear() {
  m_index.clear();
  m_table.clear();
  m_unfinished.clear();
  m_qm_in_flight.clear();
  m_qm_by_connection.clear();
  m_mm_initiators.clear();
  m_by_icookie.clear();
  m_by_request.clear();
  m_deadlines.clear();
  m_touched.clear();
  m_all_dirty = false;
  m_half_open.clear();
}

void ExchangeTable::authenticated(const ExchangeKey& k) {
  if (k.message_id.value == 0) m_half_open.untrack(k.cookies);
}

std::size_t ExchangeTable::active_count() const {
  return static_cast<std::size_t>(std::count_if(
      m_table.begin(), m_table.end(), [](const auto& kv) { return !kv.second.finished; }));
}

// ------------------------------------------------------------------------------ deadlines

base::TimePoint ExchangeTable::deadline_of(const Exchange& x) noexcept {
  auto r = x.rtx.deadline();
  return r && *r < x.expires ? *r : x.expires;
}

void ExchangeTable::touch(const Exchange& x) const {
  if (m_all_dirty || x.touched_slot >= 0) return;
  // Touching most of the table (a timer tick) is cheaper as one rebuild.
  if (m_touched.size() > m_table.size()) {
    m_all_dirty = true;
    untouch_all();
    return;
  }
  x.touched_slot = static_cast<int32_t>(m_touched.size());
  m_touched.push_back(&x);
}

void ExchangeTable::untouch_all() const noexcept {
  for (const Exchange* x : m_touched) {
    if (x != nullptr) x->touched_slot = -1;
  }
  m_touched.clear();
}

void ExchangeTable::refresh_deadlines() const {
  const auto later = std::greater<DeadlineEntry>{};
  // Stale entries pile up while deadlines move later than the head; bound them by a rebuild.
  if (m_all_dirty || m_deadlines.size() > 2 * m_table.size() + 64) {
    m_deadlines.clear();
    m_deadlines.reserve(m_table.size());
    for (const auto& [k, x] : m_table) {
      x.heap_deadline = deadline_of(x);
      m_deadlines.push_back(DeadlineEntry{*x.heap_deadline, k});
    }
    std::make_heap(m_deadlines.begin(), m_deadlines.end(), later);
    m_deadline_visits += m_table.size();
    m_all_dirty = false;
    untouch_all();
  }
  for (const Exchange* x : m_touched) {
    if (x == nullptr) continue;  // removed since it was touched
    x->touched_slot = -1;
    const base::TimePoint at = deadline_of(*x);
    if (x->heap_deadline == at) continue;  // its entry is still right: no duplicate
    x->heap_deadline = at;
    m_deadlines.push_back(DeadlineEntry{at, x->key});
    std::push_heap(m_deadlines.begin(), m_deadlines.end(), later);
  }
  m_touched.clear();
  // Drop stale heads: the exchange went, or its deadline is no longer this entry's.
  while (!m_deadlines.empty()) {
    const DeadlineEntry& top = m_deadlines.front();
    ++m_deadline_visits;
    auto it = locate(top.key);
    if (it != m_table.end() && it->second.heap_deadline == top.at &&
        deadline_of(it->second) == top.at) {
      return;
    }
    std::pop_heap(m_deadlines.begin(), m_deadlines.end(), later);
    m_deadlines.pop_back();
  }
}

std::optional<base::TimePoint> ExchangeTable::next_deadline() const {
  refresh_deadlines();
  if (m_deadlines.empty()) return std::nullopt;
  return m_deadlines.front().at;
}

std::vector<ExchangeKey> ExchangeTable::due(base::TimePoint now) const {
  refresh_deadlines();
  // Pop every valid entry at or before now (each exchange once), then put them back: they stay
  // due until the caller acts on them (and touches them through find()).
  const auto later = std::greater<DeadlineEntry>{};
  std::vector<DeadlineEntry> popped;
  std::vector<ExchangeKey> keys;
  while (!m_deadlines.empty() && m_deadlines.front().at <= now) {
    DeadlineEntry top = m_deadlines.front();
    std::pop_heap(m_deadlines.begin(), m_deadlines.end(), later);
    m_deadlines.pop_back();
    ++m_deadline_visits;
    auto it = locate(top.key);
    if (it == m_table.end() || it->second.heap_deadline != top.at ||
        deadline_of(it->second) != top.at) {
      continue;  // stale
    }
    popped.push_back(top);
  }
  // An exchange touched twice without its deadline moving has two equal entries: keep one.
  std::sort(popped.begin(), popped.end(),
            [](const DeadlineEntry& a, const DeadlineEntry& b) { return a.key < b.key; });
  popped.erase(std::unique(popped.begin(), popped.end(),
                           [](const DeadlineEntry& a, const DeadlineEntry& b) {
                             return a.key == b.key;
                           }),
               popped.end());
  keys.reserve(popped.size());
  for (const auto& d : popped) {
    keys.push_back(d.key);
    m_deadlines.push_back(d);
    std::push_heap(m_deadlines.begin(), m_deadlines.end(), later);
  }
  return keys;
}

}  // namespace ike::engine
