// SaDb lookups. Linear scans are fine for the secondary keys (peer address, outbound SPI): the
// number of SAs per daemon is small, and the primary keys are ordered maps.
#include "engine/sa_db.h"

namespace ike::engine {

const char* role_name(Role r) noexcept {
  return r == Role::Initiator ? "Initiator" : "Responder";
}

IsakmpSa& SaDb::add_isakmp(IsakmpSa sa) {
  base::CookiePair key = sa.cookies;
  auto [it, inserted] = m_isakmp.insert_or_assign(key, std::move(sa));
  (void)inserted;
  return it->second;
}

IsakmpSa* SaDb::find_isakmp(const base::CookiePair& c) {
  auto it = m_isakmp.find(c);
  return it == m_isakmp.end() ? nullptr : &it->second;
}

const IsakmpSa* SaDb::find_isakmp(const base::CookiePair& c) const {
  auto it = m_isakmp.find(c);
  return it == m_isakmp.end() ? nullptr : &it->second;
}

IsakmpSa* SaDb::find_isakmp_by_peer(const base::IpAddress& peer) {
  IsakmpSa* best = nullptr;
  for (auto& [c, sa] : m_isakmp) {
    if (sa.peer.address == peer && (best == nullptr || sa.established > best->established)) {
      best = &sa;
    }
  }
  return best;
}

std::optional<IsakmpSa> SaDb::remove_isakmp(const base::CookiePair& c) {
  auto it = m_isakmp.find(c);
  if (it == m_isakmp.end()) return std::nullopt;
  IsakmpSa sa = std::move(it->second);
  m_isakmp.erase(it);
  return sa;
}

IpsecSa& SaDb::add_ipsec(IpsecSa sa) {
  base::Spi key = sa.in_spi;
  auto [it, inserted] = m_ipsec.insert_or_assign(key, std::move(sa));
  (void)inserted;
  return it->second;
}

IpsecSa* SaDb::find_ipsec_by_in_spi(base::Spi spi) {
  auto it = m_ipsec.find(spi);
  return it == m_ipsec.end() ? nullptr : &it->second;
}

IpsecSa* SaDb::find_ipsec_by_peer_spi(const base::IpAddress& peer, base::Spi out_spi) {
  for (auto& [in, sa] : m_ipsec) {
    if (sa.peer.address == peer && sa.out_spi == out_spi) return &sa;
  }
  return nullptr;
}

std::optional<IpsecSa> SaDb::remove_ipsec(base::Spi in_spi) {
  auto it = m_ipsec.find(in_spi);
  if (it == m_ipsec.end()) return std::nullopt;
  IpsecSa sa = std::move(it->second);
  m_ipsec.erase(it);
  return sa;
}

std::size_t SaDb::ipsec_count_for(const std::string& connection) const {
  std::size_t n = 0;
  for (const auto& [spi, sa] : m_ipsec) {
    if (sa.name == connection) ++n;
  }
  return n;
}

}  // namespace ike::engine
