// SaDb lookups and indexes (sa_db.h). Primary keys are ordered maps (reports list SAs in key
// order); every secondary key (peer address, (SPI, destination), connection name) is a hash
// index kept in step by add/remove/set_*_peer, so no lookup walks the SAs. The timer heaps are
// lower-bound lazy (deadline_index.h): SAs handed out mutable are re-armed at the next read.
#include "engine/sa_db.h"

#include <algorithm>

namespace ike::engine {

const char* role_name(Role r) noexcept {
  return r == Role::Initiator ? "Initiator" : "Responder";
}

std::size_t SaDb::RefKeyHash::operator()(const RefKey& k) const noexcept {
  return IpAddressHash{}(k.dst) ^ (std::hash<uint32_t>{}(k.spi) * 0x9e3779b97f4a7c15ULL);
}

namespace {

template <class V, class K>
void erase_one(std::vector<V>& v, const K& k) {
  auto it = std::find(v.begin(), v.end(), k);
  if (it != v.end()) v.erase(it);
}

template <class M, class Addr, class K>
void unindex_peer(M& m, const Addr& a, const K& k) {
  auto it = m.find(a);
  if (it == m.end()) return;
  erase_one(it->second, k);
  if (it->second.empty()) m.erase(it);
}

// Set-valued indexes: add / remove one key, dropping an empty set.
template <class M, class Key, class K>
void index_add(M& m, const Key& key, const K& k) {
  m[key].insert(k);
}
template <class M, class Key, class K>
void index_remove(M& m, const Key& key, const K& k) {
  auto it = m.find(key);
  if (it == m.end()) return;
  it->second.erase(k);
  if (it->second.empty()) m.erase(it);
}

// A key handed out mutable; the list stays bounded by the number of SAs between two reads.
template <class K, class Map>
void touch(std::vector<K>& touched, const K& k, const Map& live) {
  if (!touched.empty() && touched.back() == k) return;
  touched.push_back(k);
  if (touched.size() > 2 * live.size() + 64) {
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    std::erase_if(touched, [&](const K& t) { return live.count(t) == 0; });
  }
}

void consider(std::optional<base::TimePoint>& d, const std::optional<base::TimePoint>& t) {
  if (t && (!d || *t < *d)) d = t;
}

}  // namespace

// ------------------------------------------------------------------------------ ISAKMP SAs

IsakmpSa& SaDb::add_isakmp(IsakmpSa sa) {
  base::CookiePair key = sa.cookies;
  if (m_isakmp.count(key) != 0) (void)remove_isakmp(key);
  auto [it, inserted] = m_isakmp.emplace(key, std::move(sa));
  (void)inserted;
  m_isakmp_by_peer[it->second.peer.address].push_back(key);
  m_touched_isakmp.push_back(key);
  m_changes.push_back(key);
  return it->second;
}

IsakmpSa* SaDb::find_isakmp(const base::CookiePair& c) {
  auto it = m_isakmp.find(c);
  if (it == m_isakmp.end()) return nullptr;
  touch(m_touched_isakmp, c, m_isakmp);
  return &it->second;
}

const IsakmpSa* SaDb::find_isakmp(const base::CookiePair& c) const {
  auto it = m_isakmp.find(c);
  return it == m_isakmp.end() ? nullptr : &it->second;
}

const IsakmpSa* SaDb::find_isakmp_by_peer(const base::IpAddress& peer) const {
  auto it = m_isakmp_by_peer.find(peer);
  if (it == m_isakmp_by_peer.end()) return nullptr;
  const IsakmpSa* best = nullptr;
  for (const auto& c : it->second) {
    const IsakmpSa* sa = find_isakmp(c);
    if (sa == nullptr) continue;
    // The newest; among equals the lowest cookies (the order of the former scan).
    if (best == nullptr || sa->established > best->established ||
        (sa->established == best->established && sa->cookies < best->cookies)) {
      best = sa;
    }
  }
  return best;
}

IsakmpSa* SaDb::find_isakmp_by_peer(const base::IpAddress& peer) {
  const IsakmpSa* sa = std::as_const(*this).find_isakmp_by_peer(peer);
  return sa == nullptr ? nullptr : find_isakmp(sa->cookies);
}

std::vector<base::CookiePair> SaDb::isakmp_with_peer(const base::IpAddress& peer) const {
  auto it = m_isakmp_by_peer.find(peer);
  if (it == m_isakmp_by_peer.end()) return {};
  std::vector<base::CookiePair> out = it->second;
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<IsakmpSa> SaDb::remove_isakmp(const base::CookiePair& key) {
  // A copy: callers often pass the SA's own `cookies`, freed by the erase below (ASan found
  // this through XAUTH's failure path).
  const base::CookiePair c = key;
  auto it = m_isakmp.find(c);
  if (it == m_isakmp.end()) return std::nullopt;
  IsakmpSa sa = std::move(it->second);
  m_isakmp.erase(it);
  unindex_peer(m_isakmp_by_peer, sa.peer.address, c);
  m_fading.erase(c);
  m_isakmp_timers.forget(c);
  m_changes.push_back(c);
  // Another SA with the peer may now be the newest (DPD probes the newest only).
  if (const IsakmpSa* next = std::as_const(*this).find_isakmp_by_peer(sa.peer.address)) {
    m_changes.push_back(next->cookies);
  }
  return sa;
}

void SaDb::set_isakmp_peer(const base::CookiePair& c, const base::SockAddr& peer) {
  auto it = m_isakmp.find(c);
  if (it == m_isakmp.end()) return;
  if (it->second.peer.address != peer.address) {
    unindex_peer(m_isakmp_by_peer, it->second.peer.address, c);
    m_isakmp_by_peer[peer.address].push_back(c);
    m_changes.push_back(c);
  }
  it->second.peer = peer;
}

void SaDb::mark_isakmp_fading(const base::CookiePair& c) {
  auto it = m_isakmp.find(c);
  if (it == m_isakmp.end()) return;
  it->second.flags |= kSaFlagFading;
  m_fading.insert(c);
}

// ------------------------------------------------------------------------------ IPsec SAs

void SaDb::index_refs(const IpsecSa& sa, bool add) {
  auto one = [&](base::Spi spi, const base::IpAddress& dst) {
    RefKey k{spi.value, dst};
    if (add) {
      m_ipsec_by_ref.try_emplace(k, sa.in_spi);
    } else if (auto it = m_ipsec_by_ref.find(k);
               it != m_ipsec_by_ref.end() && it->second == sa.in_spi) {
      m_ipsec_by_ref.erase(it);
    }
  };
  for (const auto& s : sa.installed) one(s.ref.spi, s.ref.dst);
  one(sa.in_spi, sa.local.address);
  one(sa.out_spi, sa.peer.address);
}

IpsecSa& SaDb::add_ipsec(IpsecSa sa) {
  base::Spi key = sa.in_spi;
  if (m_ipsec.count(key) != 0) (void)remove_ipsec(key);
  auto [it, inserted] = m_ipsec.emplace(key, std::move(sa));
  (void)inserted;
  const IpsecSa& stored = it->second;
  index_peer_sets(stored, true);
  ++m_ipsec_per_name[stored.name];
  index_refs(stored, true);
  m_touched_ipsec.push_back(key);
  return it->second;
}

IpsecSa* SaDb::find_ipsec_by_in_spi(base::Spi spi) {
  auto it = m_ipsec.find(spi);
  if (it == m_ipsec.end()) return nullptr;
  touch(m_touched_ipsec, spi, m_ipsec);
  return &it->second;
}

const IpsecSa* SaDb::find_ipsec_by_in_spi(base::Spi spi) const {
  auto it = m_ipsec.find(spi);
  return it == m_ipsec.end() ? nullptr : &it->second;
}

// The lowest inbound SPI among the SAs with this peer and outbound SPI (a peer reusing an SPI).
IpsecSa* SaDb::find_ipsec_by_peer_spi(const base::IpAddress& peer, base::Spi out_spi) {
  auto it = m_ipsec_by_peer_out.find(RefKey{out_spi.value, peer});
  if (it == m_ipsec_by_peer_out.end()) return nullptr;
  return find_ipsec_by_in_spi(*it->second.begin());
}

void SaDb::index_peer_sets(const IpsecSa& sa, bool add) {
  const auto peer_name = std::pair{sa.peer.address, sa.name};
  const RefKey peer_out{sa.out_spi.value, sa.peer.address};
  if (add) {
    index_add(m_ipsec_by_peer, sa.peer.address, sa.in_spi);
    index_add(m_ipsec_by_peer_name, peer_name, sa.in_spi);
    index_add(m_ipsec_by_peer_out, peer_out, sa.in_spi);
  } else {
    index_remove(m_ipsec_by_peer, sa.peer.address, sa.in_spi);
    index_remove(m_ipsec_by_peer_name, peer_name, sa.in_spi);
    index_remove(m_ipsec_by_peer_out, peer_out, sa.in_spi);
  }
}

IpsecSa* SaDb::find_ipsec_by_ref(base::Spi spi, const base::IpAddress& dst) {
  auto it = m_ipsec_by_ref.find(RefKey{spi.value, dst});
  return it == m_ipsec_by_ref.end() ? nullptr : find_ipsec_by_in_spi(it->second);
}

std::vector<base::Spi> SaDb::ipsec_with_peer(const base::IpAddress& peer) const {
  auto it = m_ipsec_by_peer.find(peer);
  if (it == m_ipsec_by_peer.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<base::Spi> SaDb::ipsec_with_peer_and_name(const base::IpAddress& peer,
                                                      const std::string& name) const {
  auto it = m_ipsec_by_peer_name.find(std::pair{peer, name});
  if (it == m_ipsec_by_peer_name.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::optional<IpsecSa> SaDb::remove_ipsec(base::Spi in_spi) {
  auto it = m_ipsec.find(in_spi);
  if (it == m_ipsec.end()) return std::nullopt;
  IpsecSa sa = std::move(it->second);
  m_ipsec.erase(it);
  index_peer_sets(sa, false);
  index_refs(sa, false);
  if (auto n = m_ipsec_per_name.find(sa.name); n != m_ipsec_per_name.end() && --n->second == 0) {
    m_ipsec_per_name.erase(n);
  }
  m_ipsec_timers.forget(in_spi);
  return sa;
}

void SaDb::set_ipsec_peer(base::Spi in_spi, const base::SockAddr& peer) {
  auto it = m_ipsec.find(in_spi);
  if (it == m_ipsec.end()) return;
  index_refs(it->second, false);
  index_peer_sets(it->second, false);
  it->second.peer = peer;
  index_peer_sets(it->second, true);
  index_refs(it->second, true);
}

std::size_t SaDb::ipsec_count_for(const std::string& connection) const {
  auto it = m_ipsec_per_name.find(connection);
  return it == m_ipsec_per_name.end() ? 0 : it->second;
}

// ------------------------------------------------------------------------------ timers

std::optional<base::TimePoint> SaDb::deadline_of(const IsakmpSa& sa) noexcept {
  std::optional<base::TimePoint> d;
  consider(d, sa.soft_expiry);
  consider(d, sa.hard_expiry);
  consider(d, sa.next_keepalive);
  return d;
}

std::optional<base::TimePoint> SaDb::deadline_of(const IpsecSa& sa) noexcept {
  std::optional<base::TimePoint> d;
  consider(d, sa.soft_expiry);
  consider(d, sa.hard_expiry);
  return d;
}

void SaDb::refresh_timers() const {
  for (const auto& c : m_touched_isakmp) {
    if (const IsakmpSa* sa = find_isakmp(c)) {
      if (auto d = deadline_of(*sa)) m_isakmp_timers.arm(c, *d);
    }
  }
  m_touched_isakmp.clear();
  for (const auto& spi : m_touched_ipsec) {
    if (const IpsecSa* sa = find_ipsec_by_in_spi(spi)) {
      if (auto d = deadline_of(*sa)) m_ipsec_timers.arm(spi, *d);
    }
  }
  m_touched_ipsec.clear();
  // Keep the change log bounded when nobody drains it (DPD normally does every read).
  if (m_changes.size() > 2 * m_isakmp.size() + 64) {
    std::sort(m_changes.begin(), m_changes.end());
    m_changes.erase(std::unique(m_changes.begin(), m_changes.end()), m_changes.end());
  }
}

std::optional<base::TimePoint> SaDb::next_deadline() const {
  refresh_timers();
  std::optional<base::TimePoint> d;
  consider(d, m_isakmp_timers.next([this](const base::CookiePair& c) {
    const IsakmpSa* sa = find_isakmp(c);
    return sa == nullptr ? std::nullopt : deadline_of(*sa);
  }));
  consider(d, m_ipsec_timers.next([this](base::Spi spi) {
    const IpsecSa* sa = find_ipsec_by_in_spi(spi);
    return sa == nullptr ? std::nullopt : deadline_of(*sa);
  }));
  return d;
}

std::vector<base::CookiePair> SaDb::due_isakmp(base::TimePoint now) const {
  refresh_timers();
  return m_isakmp_timers.due(now, [this](const base::CookiePair& c) {
    const IsakmpSa* sa = find_isakmp(c);
    return sa == nullptr ? std::nullopt : deadline_of(*sa);
  });
}

std::vector<base::Spi> SaDb::due_ipsec(base::TimePoint now) const {
  refresh_timers();
  return m_ipsec_timers.due(now, [this](base::Spi spi) {
    const IpsecSa* sa = find_ipsec_by_in_spi(spi);
    return sa == nullptr ? std::nullopt : deadline_of(*sa);
  });
}

}  // namespace ike::engine
