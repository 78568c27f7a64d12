// HalfOpenTable: per-address counts and age order of half-open responder exchanges, addresses
// bucketed by count for the eviction choice; the [General] limits.
#include "engine/half_open.h"

#include <algorithm>

#include "base/keyed_hash.h"

namespace ike::engine {

namespace {

std::size_t clamp_tag(const conf::ConfDb& conf, std::string_view tag, int64_t fallback,
                      int64_t lo, int64_t hi) {
  int64_t v = conf.get_num_or("General", tag, fallback);
  return static_cast<std::size_t>(std::clamp(v, lo, hi));
}

}  // namespace

HalfOpenLimits HalfOpenLimits::from_conf(const conf::ConfDb& conf,
                                         base::Seconds exchange_max_time) {
  HalfOpenLimits l;
  l.per_peer = clamp_tag(conf, "Max-half-open-per-peer", kDefaultMaxHalfOpenPerPeer, 1, 4096);
  l.global = clamp_tag(conf, "Max-half-open", kDefaultMaxHalfOpen, 1, 1 << 20);
  l.global = std::max(l.global, l.per_peer);
  // A half-open exchange never outlives an exchange (Exchange-max-time bounds them all).
  int64_t max = std::max<int64_t>(1, exchange_max_time.count());
  l.max_time = base::Seconds{
      static_cast<int64_t>(clamp_tag(conf, "Half-open-max-time", kDefaultHalfOpenMaxTime, 1,
                                     max))};
  return l;
}

std::size_t IpAddressHash::operator()(const base::IpAddress& a) const noexcept {
  // Keyed (keyed_hash.h): source addresses are the peer's choice, spoofed ones included. The
  // bytes' length tells IPv4 from IPv6.
  return base::keyed_hash(a.bytes());
}

void HalfOpenTable::track(const base::CookiePair& key, const base::IpAddress& peer) {
  if (!m_exchanges.emplace(key, peer).second) return;
  auto [it, created] = m_peers.try_emplace(peer);
  Peer& p = it->second;
  p.keys.push_back(key);
  ++p.live;
  if (created) {
    if (m_buckets.size() < 2) m_buckets.resize(2);
    m_buckets[1].push_back(peer);
    p.in_bucket = std::prev(m_buckets[1].end());
  } else {
    move_bucket(peer, p, p.live - 1);
  }
}

void HalfOpenTable::untrack(const base::CookiePair& key) {
  auto x = m_exchanges.find(key);
  if (x == m_exchanges.end()) return;
  base::IpAddress peer = x->second;
  m_exchanges.erase(x);
  auto it = m_peers.find(peer);
  if (it == m_peers.end()) return;
  Peer& p = it->second;
  --p.live;
  if (p.live == 0) {
    m_buckets[1].erase(p.in_bucket);
    m_peers.erase(it);
    while (m_buckets.size() > 2 && m_buckets.back().empty()) m_buckets.pop_back();
    return;
  }
  move_bucket(peer, p, p.live + 1);
  compact(p);
}

void HalfOpenTable::clear() {
  m_exchanges.clear();
  m_peers.clear();
  m_buckets.clear();
}

void HalfOpenTable::move_bucket(const base::IpAddress& addr, Peer& p, std::size_t from) {
  if (m_buckets.size() <= p.live) m_buckets.resize(p.live + 1);
  m_buckets[from].erase(p.in_bucket);
  m_buckets[p.live].push_back(addr);
  p.in_bucket = std::prev(m_buckets[p.live].end());
  while (m_buckets.size() > 2 && m_buckets.back().empty()) m_buckets.pop_back();
}

// Keeps the oldest entry live (victim() reads it) and the deque within 2x the live count.
void HalfOpenTable::compact(Peer& p) {
  auto stale = [&](const base::CookiePair& k) { return m_exchanges.count(k) == 0; };
  while (!p.keys.empty() && stale(p.keys.front())) p.keys.pop_front();
  if (p.keys.size() > 2 * p.live + 8) {
    std::erase_if(p.keys, stale);
  }
}

std::size_t HalfOpenTable::count(const base::IpAddress& peer) const {
  auto it = m_peers.find(peer);
  return it == m_peers.end() ? 0 : it->second.live;
}

std::size_t HalfOpenTable::max_per_peer() const {
  for (std::size_t n = m_buckets.size(); n > 1; --n) {
    if (!m_buckets[n - 1].empty()) return n - 1;
  }
  return 0;
}

std::optional<base::CookiePair> HalfOpenTable::victim() const {
  std::size_t n = max_per_peer();
  if (n == 0) return std::nullopt;
  const Peer& p = m_peers.at(m_buckets[n].front());
  return p.keys.front();
}

}  // namespace ike::engine
