// ConfCache (conf_cache.h): the [Phase 1] address index, rebuilt when the ConfDb generation
// moves. Exact-spelling tags win over other spellings of the same address, as in
// find_phase1_peer_for_address (peer_config.cc), which stays the uncached reference.
#include "engine/conf_cache.h"

#include <string_view>

namespace ike::engine {

void ConfCache::rebuild(const conf::ConfDb& conf) const {
  m_by_address.clear();
  m_default.clear();
  for (const auto& tag : conf.tags("Phase 1")) {
    auto a = base::IpAddress::parse(tag);
    if (!a) continue;
    auto v = conf.get("Phase 1", tag);
    if (!v || v->empty()) continue;
    // The canonical spelling (to_string) is what the uncached lookup tries first.
    if (tag == a->to_string()) {
      m_by_address.insert_or_assign(*a, *v);
    } else {
      m_by_address.try_emplace(*a, *v);
    }
  }
  if (auto def = conf.get("Phase 1", "Default"); def) m_default = *def;
  m_generation = conf.generation();
  ++m_rebuilds;
}

base::Result<std::string> ConfCache::phase1_peer_for(const conf::ConfDb& conf,
                                                     const base::IpAddress& peer) const {
  if (m_generation != conf.generation()) rebuild(conf);
  if (auto it = m_by_address.find(peer); it != m_by_address.end()) return it->second;
  if (!m_default.empty()) return m_default;
  return base::make_error(base::ErrorCode::NotFound, base::NotifyType::None,
                          "no [Phase 1] entry for {} and no [Phase 1]:Default", peer.to_string());
}

}  // namespace ike::engine
