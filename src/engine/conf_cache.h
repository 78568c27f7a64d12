// ConfCache: configuration lookups the engine would otherwise re-resolve per message, cached
// by ConfDb::generation() (issue #7). Today: the ISAKMP-peer section for a datagram's source
// address ([Phase 1]:<address>, any spelling of it, then [Phase 1]:Default; isakmpd's
// conf_get_str("Phase 1", address)), which find_phase1_peer_for_address answers by parsing
// every [Phase 1] tag. The cache builds an address -> section hash index once per generation
// (every committed `C` transaction and every reload start a new one), so a Main Mode or
// Aggressive Mode MM1/AM1 costs one hash lookup however many peers are configured.
// And the responder's Quick Mode connection lookup (find_responder_connection): the [Phase 2]
// candidates are loaded once per generation and indexed by (ISAKMP-peer, Local-ID selector,
// Remote-ID selector), an absent peer or ID being a wildcard (any peer; the phase-1 address as a
// host); a QM1 then costs at most eight ordered-map lookups instead of loading every candidate's
// sections (O(K^2) per Quick Mode before, 29 s CPU for a 1001-SA rekey storm).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <map>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/address.h"
#include "base/result.h"
#include "conf/conf_db.h"
#include "engine/half_open.h"
#include "engine/peer_config.h"
#include "wire/payload.h"

namespace ike::engine {

class ConfCache {
 public:
  // The same answer as find_phase1_peer_for_address(conf, peer) (peer_config.h).
  [[nodiscard]] base::Result<std::string> phase1_peer_for(const conf::ConfDb& conf,
                                                          const base::IpAddress& peer) const;
  // The same answer as find_responder_connection(conf, ...) (peer_config.h): the first
  // candidate in [Phase 2] order whose ISAKMP-peer (if set) is `phase1_peer` and whose selectors
  // equal the Quick Mode's IDs. O(log K).
  [[nodiscard]] base::Result<ResponderMatch> responder_connection(
      const conf::ConfDb& conf, std::string_view phase1_peer,
      const base::IpAddress& local_address, const base::IpAddress& peer_address,
      const wire::IdPayload* idci, const wire::IdPayload* idcr) const;

  // A candidate that a responder never selects: an earlier one in [Phase 2] order has the same
  // ISAKMP-peer, Local-ID and Remote-ID (two rules for one pair of networks). Found by the last
  // [Phase 2] index build and logged there as a warning.
  struct Shadowed {
    std::string section;      // the candidate never selected
    std::string shadowed_by;  // the earlier candidate with the same key
  };
  const std::vector<Shadowed>& phase2_shadowed() const noexcept { return m_phase2_shadowed; }

  // Index rebuilds so far (tests: a `C set` or a reload invalidates, a lookup does not).
  uint64_t rebuilds() const noexcept { return m_rebuilds; }
  uint64_t phase2_rebuilds() const noexcept { return m_phase2_rebuilds; }

 private:
  void rebuild(const conf::ConfDb& conf) const;
  void rebuild_phase2(const conf::ConfDb& conf) const;
  void log_shadowed() const;

  // A loadable candidate: its config and its Local-ID / Remote-ID selectors (nullopt: the
  // phase-1 address as a host, filled in per Quick Mode).
  struct Phase2Entry {
    ConnectionConfig connection;
    std::optional<base::TrafficSelector> local;
    std::optional<base::TrafficSelector> remote;
  };
  // Lower-cased ISAKMP-peer ("" = any), Local-ID and Remote-ID selectors (nullopt = address).
  struct Phase2Key {
    std::string peer;
    std::optional<base::TrafficSelector> local;
    std::optional<base::TrafficSelector> remote;
    auto operator<=>(const Phase2Key&) const = default;
  };

  mutable std::optional<uint64_t> m_generation;
  mutable std::unordered_map<base::IpAddress, std::string, IpAddressHash> m_by_address;
  mutable std::string m_default;
  mutable uint64_t m_rebuilds = 0;

  mutable std::optional<uint64_t> m_phase2_generation;
  mutable std::vector<Phase2Entry> m_phase2;          // loadable candidates, in match order
  mutable std::map<Phase2Key, std::size_t> m_phase2_index;  // -> first entry with that key
  mutable std::size_t m_phase2_candidates = 0;        // listed, loadable or not (error text)
  mutable std::vector<Shadowed> m_phase2_shadowed;
  mutable uint64_t m_phase2_rebuilds = 0;
};

}  // namespace ike::engine
