// The bounded parsed-certificate and verified-chain tables of certificate_cache.h.
#include "engine/certificate_cache.h"

namespace ike::engine {

namespace {

std::string as_key(base::ByteView der) {
  return std::string(reinterpret_cast<const char*>(der.data()), der.size());
}

void put_u64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Length-prefixed, so no two different chains serialise alike.
void put_der(std::string& out, const base::Bytes& der) {
  put_u64(out, der.size());
  out.append(reinterpret_cast<const char*>(der.data()), der.size());
}

}  // namespace

template <typename V>
V* CertificateCache::Lru<V>::find(const std::string& k) {
  auto it = map.find(k);
  if (it == map.end()) return nullptr;
  order.splice(order.begin(), order, it->second.age);  // now the most recent
  return &it->second.value;
}

template <typename V>
void CertificateCache::Lru<V>::put(std::string k, V v, std::size_t capacity) {
  if (capacity == 0) return;
  if (auto it = map.find(k); it != map.end()) {
    it->second.value = std::move(v);
    order.splice(order.begin(), order, it->second.age);
    return;
  }
  while (map.size() >= capacity) {  // evict the least recently used
    auto victim = map.find(*order.back());
    order.pop_back();
    map.erase(victim);
  }
  auto [it, inserted] = map.emplace(std::move(k), Slot{std::move(v), {}});
  order.push_front(&it->first);
  it->second.age = order.begin();
}

template <typename V>
void CertificateCache::Lru<V>::erase(const std::string& k) {
  auto it = map.find(k);
  if (it == map.end()) return;
  order.erase(it->second.age);
  map.erase(it);
}

base::Result<crypto::Certificate> CertificateCache::parse(base::ByteView der) {
  // Refused before anything is copied or looked up (crypto::kMaxCertificateSize).
  if (der.empty() || der.size() > crypto::kMaxCertificateSize) {
    return crypto::Certificate::from_der(der);
  }
  std::string key = as_key(der);
  {
    std::lock_guard lock(m_mu);
    if (const crypto::Certificate* c = m_parsed.find(key)) {
      ++m_stats.parse_hits;
      return *c;
    }
    ++m_stats.parse_misses;
  }
  IKE_TRY(crypto::Certificate cert, crypto::Certificate::from_der(der));
  std::lock_guard lock(m_mu);
  m_parsed.put(std::move(key), cert, m_capacity);
  return cert;
}

std::string CertificateCache::chain_key(const crypto::TrustStore& trust,
                                        const crypto::Certificate& leaf,
                                        std::span<const crypto::Certificate> intermediates,
                                        uint16_t method) {
  std::string key;
  std::size_t n = leaf.der().size() + 32;
  for (const auto& c : intermediates) n += c.der().size() + 8;
  key.reserve(n);
  put_u64(key, trust.generation());
  put_u64(key, (uint64_t{trust.accept_self_signed()} << 16) | method);
  put_u64(key, trust.crl_count());  // CRL checking on or off (per TrustStore object)
  put_der(key, leaf.der());
  put_u64(key, intermediates.size());
  for (const auto& c : intermediates) put_der(key, c.der());
  return key;
}

void CertificateCache::sync_generation(uint64_t generation) {
  if (generation == m_generation) return;
  if (!m_verified.map.empty()) ++m_stats.generation_flushes;
  m_verified = {};
  m_generation = generation;
}

std::optional<PeerKey> CertificateCache::find_verified(const std::string& key,
                                                       uint64_t generation, int64_t unix_time) {
  std::lock_guard lock(m_mu);
  sync_generation(generation);
  Verified* v = m_verified.find(key);
  if (v == nullptr) {
    ++m_stats.chain_misses;
    return std::nullopt;
  }
  if (!v->window.contains(unix_time)) {
    // Expired or not yet valid at this time: verify again (and fail with OpenSSL's detail).
    ++m_stats.chain_expired;
    ++m_stats.chain_misses;
    m_verified.erase(key);
    return std::nullopt;
  }
  ++m_stats.chain_hits;
  return v->key;
}

void CertificateCache::remember_verified(std::string key, uint64_t generation, PeerKey peer_key,
                                         crypto::ValidityWindow window) {
  if (window.not_before >= window.not_after) return;  // empty: nothing to reuse
  std::lock_guard lock(m_mu);
  sync_generation(generation);
  m_verified.put(std::move(key), Verified{std::move(peer_key), window}, m_capacity);
}

void CertificateCache::clear() {
  std::lock_guard lock(m_mu);
  m_parsed = {};
  m_verified = {};
}

CertificateCache::Stats CertificateCache::stats() const {
  std::lock_guard lock(m_mu);
  Stats s = m_stats;
  s.parsed_entries = m_parsed.map.size();
  s.chain_entries = m_verified.map.size();
  return s;
}

}  // namespace ike::engine
