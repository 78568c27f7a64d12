// Aggressive Mode (RFC 2409 §5.4, exchange type 4) entry points, payload rules and the
// responder's pre-shared-key lookup by phase-1 ID (isakmpd: the section named after the
// initiator's ID, e.g. [10.0.0.1], [foo.bar.org], [user@foo.bar.org], tag Authentication).
// The steps live in aggressive_mode.cc; the transition rows in transitions.cc.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "conf/conf_db.h"
#include "engine/payload_rules.h"
#include "engine/transitions.h"
#include "wire/payload.h"

namespace ike::engine {

// Half-open Aggressive Mode responder exchanges allowed per peer address (amplification and
// state-exhaustion guard, reliability.md classes 18/21). Further AM1s are dropped.
inline constexpr std::size_t kMaxHalfOpenAggressivePerPeer = 4;

extern const PayloadRule kRuleAm1;  // HDR, SA, KE, Ni, IDii [, VID...]
extern const PayloadRule kRuleAm2;  // HDR, SA, KE, Nr, IDir, HASH_R [, VID...] [, N...]
extern const PayloadRule kRuleAm3;  // HDR[*], HASH_I [, N...] [, VID...] (ENC optional)

// The configuration section an ID names for the PSK lookup ("10.0.0.1", "fd00::1",
// "foo.bar.org", "user@foo.bar.org"); nullopt for other ID types, malformed address data or
// names that are empty, longer than 255 bytes or hold non-printable bytes or brackets.
std::optional<std::string> id_section_name(const wire::IdPayload& id);

// The responder's pre-shared key for `peer_section` and the initiator's ID: the peer's
// Authentication tag, else the Authentication tag of the section named after the ID.
// Errors (Config, notify NONE) naming both places when neither holds a key.
[[nodiscard]] base::Result<base::SecureBytes> aggressive_psk(const conf::ConfDb& conf,
                                                             std::string_view peer_section,
                                                             const wire::IdPayload& idii);

// Initiator: HDR, SA, KE, Ni, IDii -->  (connections queued until phase 1 completes).
[[nodiscard]] base::Status am_initiate(EngineImpl& e, const std::string& peer_section,
                                       std::vector<std::string> queued, base::TimePoint now);

// Phase 1 as the peer's configuration asks: am_initiate for EXCHANGE_TYPE=AGGRESSIVE, else
// mm_initiate (connections, re-init, phase-1 and phase-2 rekeys all start phase 1 here).
[[nodiscard]] base::Status phase1_initiate(EngineImpl& e, const std::string& peer_section,
                                           std::vector<std::string> queued,
                                           base::TimePoint now);

base::Status am_r_recv1(EngineImpl&, const Inbound&, base::TimePoint);
base::Status am_i_recv2(EngineImpl&, Exchange&, const Inbound&, base::TimePoint);
base::Status am_r_recv3(EngineImpl&, Exchange&, const Inbound&, base::TimePoint);

}  // namespace ike::engine
