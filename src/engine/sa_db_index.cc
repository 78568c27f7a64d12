// SaDb's secondary indexes (sa_db_index.h): sets of record pointers ordered by the records'
// own fields, so an entry costs one set node and no key copy.
#include "engine/sa_db_index.h"

#include <algorithm>
#include <compare>
#include <utility>

#include "base/keyed_hash.h"
#include "engine/sa_db.h"

namespace ike::engine {

namespace {

std::strong_ordering compare_prefix(const IpsecSa& a, const IpsecIndex::NamePeerProbe& p) {
  if (auto c = std::string_view(a.name) <=> p.name; c != 0) return c;
  if (p.peer == nullptr) return std::strong_ordering::equal;
  return a.peer.address <=> *p.peer;
}

std::strong_ordering compare_prefix(const IpsecSa& a, const IpsecIndex::PeerOutProbe& p) {
  if (auto c = a.peer.address <=> *p.peer; c != 0) return c;
  if (!p.out) return std::strong_ordering::equal;
  return a.out_spi <=> *p.out;
}

// The (SPI, destination) a ref entry names.
IpsecIndex::RefProbe ref_of(const IpsecIndex::RefEntry& e) {
  const IpsecSa& sa = *e.sa;
  if (e.which == IpsecIndex::kInSpiRef) return {sa.in_spi.value, &sa.local.address};
  if (e.which == IpsecIndex::kOutSpiRef) return {sa.out_spi.value, &sa.peer.address};
  const auto& ref = sa.installed[e.which].ref;
  return {ref.spi.value, &ref.dst};
}

}  // namespace

// ------------------------------------------------------------------------------ comparators

bool IpsecIndex::ByNamePeer::operator()(const IpsecSa* a, const IpsecSa* b) const noexcept {
  if (auto c = compare_prefix(*a, NamePeerProbe{b->name, &b->peer.address}); c != 0) return c < 0;
  return a->in_spi < b->in_spi;
}
bool IpsecIndex::ByNamePeer::operator()(const IpsecSa* a,
                                        const NamePeerProbe& p) const noexcept {
  return compare_prefix(*a, p) < 0;
}
bool IpsecIndex::ByNamePeer::operator()(const NamePeerProbe& p,
                                        const IpsecSa* a) const noexcept {
  return compare_prefix(*a, p) > 0;
}

bool IpsecIndex::ByPeerOut::operator()(const IpsecSa* a, const IpsecSa* b) const noexcept {
  if (auto c = compare_prefix(*a, PeerOutProbe{&b->peer.address, b->out_spi}); c != 0) {
    return c < 0;
  }
  return a->in_spi < b->in_spi;
}
bool IpsecIndex::ByPeerOut::operator()(const IpsecSa* a, const PeerOutProbe& p) const noexcept {
  return compare_prefix(*a, p) < 0;
}
bool IpsecIndex::ByPeerOut::operator()(const PeerOutProbe& p, const IpsecSa* a) const noexcept {
  return compare_prefix(*a, p) > 0;
}

std::size_t IpsecIndex::RefHash::operator()(const RefProbe& p) const noexcept {
  return base::keyed_hash(IpAddressHash{}(*p.dst), p.spi);
}
std::size_t IpsecIndex::RefHash::operator()(const RefEntry& e) const noexcept {
  return (*this)(ref_of(e));
}

bool IpsecIndex::RefEq::operator()(const RefEntry& a, const RefProbe& b) const noexcept {
  const RefProbe ka = ref_of(a);
  return ka.spi == b.spi && *ka.dst == *b.dst;
}
bool IpsecIndex::RefEq::operator()(const RefProbe& a, const RefEntry& b) const noexcept {
  return (*this)(b, a);
}
bool IpsecIndex::RefEq::operator()(const RefEntry& a, const RefEntry& b) const noexcept {
  return (*this)(a, ref_of(b));
}

bool IsakmpPeerIndex::ByPeerCookies::operator()(const IsakmpSa* a,
                                                const IsakmpSa* b) const noexcept {
  if (auto c = a->peer.address <=> b->peer.address; c != 0) return c < 0;
  return a->cookies < b->cookies;
}
bool IsakmpPeerIndex::ByPeerCookies::operator()(const IsakmpSa* a,
                                                const base::IpAddress& peer) const noexcept {
  return a->peer.address < peer;
}
bool IsakmpPeerIndex::ByPeerCookies::operator()(const base::IpAddress& peer,
                                                const IsakmpSa* a) const noexcept {
  return peer < a->peer.address;
}

// ------------------------------------------------------------------------------ IPsec

void IpsecIndex::link(const IpsecSa& sa) {
  m_by_name_peer.insert(&sa);
  m_by_peer_out.insert(&sa);
  // A key already present stays with the pair that added it first.
  for (uint32_t i = 0; i < sa.installed.size(); ++i) m_by_ref.insert(RefEntry{&sa, i});
  m_by_ref.insert(RefEntry{&sa, kInSpiRef});
  m_by_ref.insert(RefEntry{&sa, kOutSpiRef});
}

void IpsecIndex::unlink(const IpsecSa& sa) {
  m_by_name_peer.erase(&sa);
  m_by_peer_out.erase(&sa);
  auto one = [&](uint32_t which) {
    // Only the entries this pair owns: another pair may hold a key it shares.
    auto it = m_by_ref.find(ref_of(RefEntry{&sa, which}));
    if (it != m_by_ref.end() && it->sa == &sa) m_by_ref.erase(it);
  };
  for (uint32_t i = 0; i < sa.installed.size(); ++i) one(i);
  one(kInSpiRef);
  one(kOutSpiRef);
}

void IpsecIndex::add(const IpsecSa& sa) {
  link(sa);
  ++m_per_name.try_emplace(std::string_view(sa.name), 0).first->second;
}

void IpsecIndex::remove(const IpsecSa& sa) {
  unlink(sa);
  auto it = m_per_name.find(std::string_view(sa.name));
  if (it == m_per_name.end()) return;
  if (--it->second == 0) {
    m_per_name.erase(it);
    return;
  }
  if (it->first.data() != sa.name.data()) return;  // the key views another SA's name
  // The key views the departing SA's name: re-point it at a remaining SA of that name (the
  // first in m_by_name_peer; one exists since the count is not zero). No rehash: equal text.
  auto other = m_by_name_peer.lower_bound(NamePeerProbe{sa.name, nullptr});
  auto node = m_per_name.extract(it);
  node.key() = std::string_view((*other)->name);
  m_per_name.insert(std::move(node));
}

void IpsecIndex::move_peer(IpsecSa& sa, const base::SockAddr& peer) {
  unlink(sa);
  sa.peer = peer;
  link(sa);
}

std::optional<base::Spi> IpsecIndex::by_peer_out(const base::IpAddress& peer,
                                                 base::Spi out_spi) const {
  auto it = m_by_peer_out.lower_bound(PeerOutProbe{&peer, out_spi});
  if (it == m_by_peer_out.end() || (*it)->peer.address != peer || (*it)->out_spi != out_spi) {
    return std::nullopt;
  }
  return (*it)->in_spi;
}

std::optional<base::Spi> IpsecIndex::by_ref(base::Spi spi, const base::IpAddress& dst) const {
  auto it = m_by_ref.find(RefProbe{spi.value, &dst});
  if (it == m_by_ref.end()) return std::nullopt;
  return it->sa->in_spi;
}

std::vector<base::Spi> IpsecIndex::with_peer(const base::IpAddress& peer) const {
  // The peer's range is in (out SPI, in SPI) order: sorting its k entries keeps O(k log k).
  auto [first, last] = m_by_peer_out.equal_range(PeerOutProbe{&peer, std::nullopt});
  std::vector<base::Spi> out;
  for (auto it = first; it != last; ++it) out.push_back((*it)->in_spi);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<base::Spi> IpsecIndex::with_peer_and_name(const base::IpAddress& peer,
                                                      std::string_view name) const {
  auto [first, last] = m_by_name_peer.equal_range(NamePeerProbe{name, &peer});
  std::vector<base::Spi> out;
  for (auto it = first; it != last; ++it) out.push_back((*it)->in_spi);  // in SPI order
  return out;
}

std::size_t IpsecIndex::count_for(std::string_view name) const {
  auto it = m_per_name.find(name);
  return it == m_per_name.end() ? 0 : it->second;
}

// ------------------------------------------------------------------------------ ISAKMP

void IsakmpPeerIndex::add(const IsakmpSa& sa) { m_by_peer.insert(&sa); }

void IsakmpPeerIndex::remove(const IsakmpSa& sa) { m_by_peer.erase(&sa); }

void IsakmpPeerIndex::move_peer(IsakmpSa& sa, const base::SockAddr& peer) {
  m_by_peer.erase(&sa);
  sa.peer = peer;
  m_by_peer.insert(&sa);
}

const IsakmpSa* IsakmpPeerIndex::newest(const base::IpAddress& peer,
                                        const base::IpAddress* local) const {
  auto [first, last] = m_by_peer.equal_range(peer);
  const IsakmpSa* best = nullptr;
  for (auto it = first; it != last; ++it) {
    if (local != nullptr && (*it)->local.address != *local) continue;
    // Cookie order: a strictly newer one wins, so among equals the lowest cookies stay.
    if (best == nullptr || (*it)->established > best->established) best = *it;
  }
  return best;
}

std::vector<base::CookiePair> IsakmpPeerIndex::with_peer(const base::IpAddress& peer) const {
  auto [first, last] = m_by_peer.equal_range(peer);
  std::vector<base::CookiePair> out;
  for (auto it = first; it != last; ++it) out.push_back((*it)->cookies);
  return out;
}

}  // namespace ike::engine
