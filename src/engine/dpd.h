// Dead Peer Detection (RFC 3706) driven by idleness, as isakmpd's dpd.c: when nothing
// authenticated arrived from a peer for DPD-check-interval seconds, R-U-THERE is sent over the
// newest ISAKMP SA with the peer (only if the peer sent the DPD vendor ID); an unanswered probe
// is repeated every 5 s (DPD_RETRANS_WAIT) and after 5 probes (DPD_RETRANS_MAX) the peer is
// dead and DPD-action runs: clear, hold or restart. Sequence numbers start at a full 32-bit
// random value (isakmpd masks it to 15 bits) and increase by one per probe. Idleness is "no
// authenticated inbound IKE message" (EngineImpl::run_row calls heard()); TODO(#5): also use the
// kernel SA last-use time (XFRM lifetime current.use_time) as isakmpd does. Owns the per-ISAKMP
// SA probe state and a DeadlineIndex of the probing SAs (issue #7: next_deadline() and a tick
// visit only due SAs; new/removed SAs come from SaDb::take_isakmp_changes(), the settings of a
// peer section are cached per ConfDb::generation()); the SAs themselves stay in the SaDb.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"
#include "base/ids.h"
#include "base/result.h"
#include "conf/conf_db.h"
#include "engine/deadline_index.h"

namespace ike::engine {

class EngineImpl;

inline constexpr int kDpdRetransWait = 5;  // seconds between unanswered probes (dpd.c)
inline constexpr int kDpdRetransMax = 5;   // probes without an answer before the peer is dead

// What happens to a dead peer's SAs and connections (DPD-action).
enum class DpdAction : uint8_t {
  Clear,    // delete SAs and flows; the Check-interval watchdog brings Connections back
  Hold,     // delete SAs, keep the flows, do not renegotiate until `c` (ACQUIRE: TODO(#5))
  Restart,  // delete SAs and flows and re-initiate the peer's Connections at once
};
const char* dpd_action_name(DpdAction a) noexcept;
// "clear" | "hold" | "restart" (case-insensitive). Errors: Config naming the value.
[[nodiscard]] base::Result<DpdAction> parse_dpd_action(std::string_view text);

struct DpdSettings {
  base::Seconds interval{0};  // 0: DPD off
  DpdAction action = DpdAction::Clear;
};
// [<peer>]:DPD-check-interval / DPD-action, falling back to the [General] tags. Invalid values
// are logged and treated as absent.
DpdSettings dpd_settings(const conf::ConfDb& conf, std::string_view peer_section);

class DeadPeerDetector {
 public:
  // An authenticated message arrived over ISAKMP SA `c`: the peer is alive.
  void heard(const base::CookiePair& c, base::TimePoint now);
  // Sends due probes, declares dead peers and runs their action.
  void on_tick(EngineImpl& e, base::TimePoint now);
  std::optional<base::TimePoint> next_deadline(const EngineImpl& e) const;
  // The next sequence number for SA `c` (tests, reports); nullopt before the first probe.
  std::optional<uint32_t> next_seq(const base::CookiePair& c) const;

 private:
  struct Probe {
    base::TimePoint last_heard{};
    std::optional<uint32_t> next_seq;  // drawn at the first probe
    int sent = 0;                      // probes of the current episode
    base::TimePoint next_at{};         // when the next probe / the verdict is due
    base::Seconds interval{0};         // last known DPD-check-interval (heard() re-arms)
  };
  Probe& state_for(const EngineImpl& e, const base::CookiePair& c);
  void peer_dead(EngineImpl& e, const base::CookiePair& c, DpdAction action, base::TimePoint now);
  // Settings of the SA if it probes (peer sent the VID, interval > 0, newest with its peer).
  std::optional<DpdSettings> probing(const EngineImpl& e, const base::CookiePair& c) const;
  std::optional<base::TimePoint> deadline_of(const EngineImpl& e, const base::CookiePair& c) const;
  // Arms new/changed SAs (SaDb change log); a new configuration generation re-arms every SA.
  void refresh(const EngineImpl& e) const;

  // Pruned when the SA goes (refresh); never iterated. Looked up for every datagram (heard()).
  mutable std::unordered_map<base::CookiePair, Probe> m_probes;
  mutable DeadlineIndex<base::CookiePair> m_timers;
  mutable std::map<std::string, DpdSettings, conf::CaseLess> m_settings;  // per peer section
  mutable std::optional<uint64_t> m_generation;  // of m_settings / the armed timers
};

}  // namespace ike::engine
