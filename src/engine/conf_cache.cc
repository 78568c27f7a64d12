// ConfCache (conf_cache.h): the [Phase 1] address index, rebuilt when the ConfDb generation
// moves. Exact-spelling tags win over other spellings of the same address, as in
// find_phase1_peer_for_address (peer_config.cc), which stays the uncached reference. The
// [Phase 2] responder index, rebuilt the same way; find_responder_connection is its reference.
#include "engine/conf_cache.h"

#include <cctype>
#include <string_view>

#include "base/log.h"
#include "engine/ipsec_id.h"

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

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

void ConfCache::log_shadowed() const {
  // A few lines name the pairs; a generated file with thousands of duplicates gets a count.
  constexpr std::size_t kNamed = 8;
  for (std::size_t i = 0; i < m_phase2_shadowed.size() && i < kNamed; ++i) {
    const Shadowed& s = m_phase2_shadowed[i];
    IKE_LOG_WARN("connection [{}] is never chosen for a peer's Quick Mode: [{}] comes before it "
                 "in [Phase 2] with the same ISAKMP-peer, Local-ID and Remote-ID",
                 s.section, s.shadowed_by);
  }
  if (m_phase2_shadowed.size() > kNamed) {
    IKE_LOG_WARN("{} more connections are shadowed the same way (first: [{}])",
                 m_phase2_shadowed.size() - kNamed, m_phase2_shadowed[kNamed].section);
  }
}

void ConfCache::rebuild_phase2(const conf::ConfDb& conf) const {
  m_phase2.clear();
  m_phase2_index.clear();
  m_phase2_shadowed.clear();
  const std::vector<std::string> candidates = responder_candidates(conf);
  m_phase2_candidates = candidates.size();
  m_phase2.reserve(candidates.size());
  for (const auto& name : candidates) {
    // As find_responder_connection: a candidate whose sections or IDs fail to load is skipped
    // (the failure depends on the configuration only, so it holds for the whole generation).
    auto c = load_connection_config(conf, name);
    if (!c) {
      IKE_LOG_DEBUG(Policy, 10, "responder index: skipping [{}]: {}", name, c.error().detail);
      continue;
    }
    Phase2Entry entry;
    bool ok = true;
    for (auto [id, out] : {std::pair{&c->local_id, &entry.local},
                           std::pair{&c->remote_id, &entry.remote}}) {
      if (id->empty()) continue;
      auto sel = ipsec_id_selector(conf, *id);
      if (!sel) {
        IKE_LOG_DEBUG(Policy, 10, "responder index: skipping [{}]: {}", name, sel.error().detail);
        ok = false;
        break;
      }
      *out = *sel;
    }
    if (!ok) continue;
    Phase2Key key{lower(c->isakmp_peer), entry.local, entry.remote};
    entry.connection = std::move(*c);
    auto [it, fresh] = m_phase2_index.try_emplace(std::move(key), m_phase2.size());
    if (!fresh) {  // the first one wins; a name listed twice is not a rule of its own
      const std::string& first = m_phase2[it->second].connection.section;
      if (lower(first) != lower(entry.connection.section)) {
        m_phase2_shadowed.push_back({entry.connection.section, first});
      }
      continue;
    }
    m_phase2.push_back(std::move(entry));
  }
  log_shadowed();
  m_phase2_generation = conf.generation();
  ++m_phase2_rebuilds;
}

base::Result<ResponderMatch> ConfCache::responder_connection(
    const conf::ConfDb& conf, std::string_view phase1_peer, const base::IpAddress& local_address,
    const base::IpAddress& peer_address, const wire::IdPayload* idci,
    const wire::IdPayload* idcr) const {
  IKE_TRY(ConnectionSelectors want,
          responder_wanted_selectors(local_address, peer_address, idci, idcr));
  if (m_phase2_generation != conf.generation()) rebuild_phase2(conf);
  // A candidate matches under one of up to 8 keys: its ISAKMP-peer is ours or unset, and each
  // ID is the wanted selector or absent while the wanted selector is the phase-1 address.
  const std::string peer = lower(phase1_peer);
  const bool local_is_host = want.local == phase1_host_selector(local_address);
  const bool remote_is_host = want.remote == phase1_host_selector(peer_address);
  std::optional<std::size_t> best;
  for (const std::string* p : {&peer, static_cast<const std::string*>(nullptr)}) {
    if (p != nullptr && p->empty()) continue;  // an empty phase-1 name: only "any peer"
    for (int l = 0; l < (local_is_host ? 2 : 1); ++l) {
      for (int r = 0; r < (remote_is_host ? 2 : 1); ++r) {
        Phase2Key key{p != nullptr ? *p : std::string{},
                      l == 0 ? std::optional{want.local} : std::nullopt,
                      r == 0 ? std::optional{want.remote} : std::nullopt};
        auto it = m_phase2_index.find(key);
        if (it != m_phase2_index.end() && (!best || it->second < *best)) best = it->second;
      }
    }
  }
  if (!best) return no_responder_connection(want, phase1_peer, m_phase2_candidates);
  const Phase2Entry& e = m_phase2[*best];
  ConnectionSelectors sel{e.local.value_or(phase1_host_selector(local_address)),
                          e.remote.value_or(phase1_host_selector(peer_address))};
  IKE_LOG_DEBUG(Policy, 30, "responder_connection: [{}] matches {} <-> {}", e.connection.section,
                want.local.to_string(), want.remote.to_string());
  return ResponderMatch{e.connection, sel};
}

}  // namespace ike::engine
