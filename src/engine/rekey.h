// Lifetimes and rekeying (isakmpd sa.c soft/hard timers, features §1.12): every SA with a
// lifetime in seconds gets a soft timeout at a random 85-95 % of it. At the soft timeout of an
// IPsec SA of a connection in [Phase 2]:Connections a new Quick Mode starts (over the newest
// ISAKMP SA with the peer, or after a new Main Mode when that one is fading or gone); at the
// soft timeout of an ISAKMP SA a new Main Mode starts when Connections use the peer, and the
// old ISAKMP SA is deleted (DELETE sent) once a newer one exists and no exchange uses it.
// When a new IPsec SA pair is installed, the pair it replaces is deleted (DELETE sent, kernel
// SAs removed, flows kept). Rekey collisions (both sides rekey at once, two new pairs): the
// pair with the lower (Quick Mode message id, ISAKMP cookies) survives on both sides, so in
// the end exactly one pair per direction remains. Stateless: the timers live in the SaDb.
#pragma once

#include <cstdint>
#include <optional>

#include "base/clock.h"
#include "base/ids.h"
#include "base/random.h"

namespace ike::engine {

class EngineImpl;

// isakmpd sa.c: soft = life * (850 + rand() % 101) / 1000 (85.0 % .. 95.0 %); nullopt when
// `life_seconds` is 0 (no lifetime).
std::optional<base::TimePoint> soft_expiry_after(base::Random& rng, base::TimePoint now,
                                                 uint64_t life_seconds);

// install_phase2 hook: marks the SA stay-alive when its connection is active and deletes the
// SA pair it replaces (or the losing duplicate of a rekey collision).
void phase2_installed(EngineImpl& e, base::Spi in_spi, base::TimePoint now);
// phase1_established hook: deletes fading ISAKMP SAs with the peer that are no longer used.
void phase1_installed(EngineImpl& e, const base::CookiePair& fresh, base::TimePoint now);

// Soft timeouts due at `now` (SaDb::due_*: only those SAs are visited): start rekeys, mark SAs
// fading, retire unused ISAKMP SAs. The deadlines are in SaDb::next_deadline().
void rekey_tick(EngineImpl& e, base::TimePoint now);

}  // namespace ike::engine
