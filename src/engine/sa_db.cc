// SaDb lookups and indexes (sa_db.h). Primary keys are ordered maps (reports list SAs in key
// order) with a hash index of their nodes for the lookups by key; every secondary key (peer
// address, (SPI, destination), connection name) is an index (sa_db_index.h) kept in step by
// add/remove/set_*_peer, so no lookup walks the SAs. The timer heaps are lower-bound lazy
// (deadline_index.h): SAs handed out mutable are re-armed at the next read.
#include "engine/sa_db.h"

#include <algorithm>

#include "base/log.h"

namespace ike::engine {

const char* role_name(Role r) noexcept {
  return r == Role::Initiator ? "Initiator" : "Responder";
}

namespace {

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
  if (m_isakmp_at.count(key) != 0) (void)remove_isakmp(key);
  auto it = m_isakmp.emplace(key, std::move(sa)).first;
  m_isakmp_at.emplace(key, it);
  m_isakmp_by_peer.add(it->second);
  m_touched_isakmp.push_back(key);
  m_changes.push_back(key);
  return it->second;
}

IsakmpSa* SaDb::find_isakmp(const base::CookiePair& c) {
  auto it = m_isakmp_at.find(c);
  if (it == m_isakmp_at.end()) return nullptr;
  touch(m_touched_isakmp, c, m_isakmp_at);
  return &it->second->second;
}

const IsakmpSa* SaDb::find_isakmp(const base::CookiePair& c) const {
  auto it = m_isakmp_at.find(c);
  return it == m_isakmp_at.end() ? nullptr : &it->second->second;
}

const IsakmpSa* SaDb::find_isakmp_by_icookie(const base::Cookie& icookie,
                                             const base::IpAddress& peer) const {
  for (auto it = m_isakmp.lower_bound(base::CookiePair{icookie, base::Cookie{}});
       it != m_isakmp.end() && it->first.initiator == icookie; ++it) {
    if (it->second.peer.address == peer) return &it->second;
  }
  return nullptr;
}

const IsakmpSa* SaDb::find_isakmp_by_peer(const base::IpAddress& peer,
                                          const base::IpAddress* local) const {
  return m_isakmp_by_peer.newest(peer, local);
}

IsakmpSa* SaDb::find_isakmp_by_peer(const base::IpAddress& peer, const base::IpAddress* local) {
  const IsakmpSa* sa = std::as_const(*this).find_isakmp_by_peer(peer, local);
  return sa == nullptr ? nullptr : find_isakmp(sa->cookies);
}

std::vector<base::CookiePair> SaDb::isakmp_with_peer(const base::IpAddress& peer) const {
  return m_isakmp_by_peer.with_peer(peer);
}

std::optional<IsakmpSa> SaDb::remove_isakmp(const base::CookiePair& key) {
  // A copy: callers often pass the SA's own `cookies`, freed by the erase below (ASan found
  // this through XAUTH's failure path).
  const base::CookiePair c = key;
  auto at = m_isakmp_at.find(c);
  if (at == m_isakmp_at.end()) return std::nullopt;
  auto it = at->second;
  m_isakmp_at.erase(at);
  m_isakmp_by_peer.remove(it->second);  // while the record it points to is intact
  IsakmpSa sa = std::move(it->second);
  m_isakmp.erase(it);
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
  auto at = m_isakmp_at.find(c);
  if (at == m_isakmp_at.end()) return;
  auto it = at->second;
  if (it->second.peer.address != peer.address) {
    m_isakmp_by_peer.move_peer(it->second, peer);
    m_changes.push_back(c);
  }
  it->second.peer = peer;  // the port alone: not a key
}

void SaDb::mark_isakmp_fading(const base::CookiePair& c) {
  auto it = m_isakmp_at.find(c);
  if (it == m_isakmp_at.end()) return;
  it->second->second.flags |= kSaFlagFading;
  m_fading.insert(c);
}

// ------------------------------------------------------------------------------ IPsec SAs

IpsecSa& SaDb::add_ipsec(IpsecSa sa) {
  base::Spi key = sa.in_spi;
  if (auto at = m_ipsec_at.find(key); at != m_ipsec_at.end()) {
    // qm_on_spi keeps inbound SPIs unique; a clash here would lose the older SA silently.
    IKE_LOG_WARN("IPsec SA {} with inbound SPI 0x{:08x} replaced by {} with the same SPI",
                 at->second->second.name, key.value, sa.name);
    (void)remove_ipsec(key);
  }
  auto it = m_ipsec.emplace(key, std::move(sa)).first;
  m_ipsec_at.emplace(key, it);
  m_ipsec_index.add(it->second);
  m_touched_ipsec.push_back(key);
  return it->second;
}

IpsecSa* SaDb::find_ipsec_by_in_spi(base::Spi spi) {
  auto it = m_ipsec_at.find(spi);
  if (it == m_ipsec_at.end()) return nullptr;
  touch(m_touched_ipsec, spi, m_ipsec_at);
  return &it->second->second;
}

const IpsecSa* SaDb::find_ipsec_by_in_spi(base::Spi spi) const {
  auto it = m_ipsec_at.find(spi);
  return it == m_ipsec_at.end() ? nullptr : &it->second->second;
}

// The lowest inbound SPI among the SAs with this peer and outbound SPI (a peer reusing an SPI).
IpsecSa* SaDb::find_ipsec_by_peer_spi(const base::IpAddress& peer, base::Spi out_spi) {
  auto in = m_ipsec_index.by_peer_out(peer, out_spi);
  return in ? find_ipsec_by_in_spi(*in) : nullptr;
}

IpsecSa* SaDb::find_ipsec_by_ref(base::Spi spi, const base::IpAddress& dst) {
  auto in = m_ipsec_index.by_ref(spi, dst);
  return in ? find_ipsec_by_in_spi(*in) : nullptr;
}

std::vector<base::Spi> SaDb::ipsec_with_peer(const base::IpAddress& peer) const {
  return m_ipsec_index.with_peer(peer);
}

std::vector<base::Spi> SaDb::ipsec_with_peer_and_name(const base::IpAddress& peer,
                                                      const std::string& name) const {
  return m_ipsec_index.with_peer_and_name(peer, name);
}

std::optional<IpsecSa> SaDb::remove_ipsec(base::Spi in_spi) {
  auto at = m_ipsec_at.find(in_spi);
  if (at == m_ipsec_at.end()) return std::nullopt;
  auto it = at->second;
  m_ipsec_at.erase(at);
  m_ipsec_index.remove(it->second);  // while the record it points to is intact
  IpsecSa sa = std::move(it->second);
  m_ipsec.erase(it);
  m_ipsec_timers.forget(in_spi);
  return sa;
}

void SaDb::set_ipsec_peer(base::Spi in_spi, const base::SockAddr& peer) {
  auto it = m_ipsec_at.find(in_spi);
  if (it == m_ipsec_at.end()) return;
  m_ipsec_index.move_peer(it->second->second, peer);
}

std::size_t SaDb::ipsec_count_for(const std::string& connection) const {
  return m_ipsec_index.count_for(connection);
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
