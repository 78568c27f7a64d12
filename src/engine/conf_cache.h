// ConfCache: configuration lookups the engine would otherwise re-resolve per message, cached
// by ConfDb::generation() (issue #7). Today: the ISAKMP-peer section for a datagram's source
// address ([Phase 1]:<address>, any spelling of it, then [Phase 1]:Default; isakmpd's
// conf_get_str("Phase 1", address)), which find_phase1_peer_for_address answers by parsing
// every [Phase 1] tag. The cache builds an address -> section hash index once per generation
// (every committed `C` transaction and every reload start a new one), so a Main Mode or
// Aggressive Mode MM1/AM1 costs one hash lookup however many peers are configured.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/address.h"
#include "base/result.h"
#include "conf/conf_db.h"
#include "engine/half_open.h"

namespace ike::engine {

class ConfCache {
 public:
  // The same answer as find_phase1_peer_for_address(conf, peer) (peer_config.h).
  [[nodiscard]] base::Result<std::string> phase1_peer_for(const conf::ConfDb& conf,
                                                          const base::IpAddress& peer) const;
  // Index rebuilds so far (tests: a `C set` or a reload invalidates, a lookup does not).
  uint64_t rebuilds() const noexcept { return m_rebuilds; }

 private:
  void rebuild(const conf::ConfDb& conf) const;

  mutable std::optional<uint64_t> m_generation;
  mutable std::unordered_map<base::IpAddress, std::string, IpAddressHash> m_by_address;
  mutable std::string m_default;
  mutable uint64_t m_rebuilds = 0;
};

}  // namespace ike::engine
