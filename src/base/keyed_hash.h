// Hashes for the tables indexed by values a peer chooses: its initiator cookie, its source
// address, the SPIs and message ids it picks (issue #7: "hash lookups by cookie/SPI/peer";
// reliability.md: all input is hostile). An unkeyed hash (libstdc++'s std::hash<uint64_t> is the
// identity, FNV-1a is public) lets a peer send values that land in one bucket, and every lookup
// then walks that chain (hash flooding). These are keyed with 256 random bits drawn once per
// process (getrandom(2)), so which values collide is unknown to a peer.
//
// The key changes every run, so iteration over an unordered table keyed by these differs from
// run to run: nothing whose order reaches a datagram, a report or a log iterates one (the
// engine's ordered maps stay the iteration order; sa_db.h, exchange.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"

namespace ike::base {

// Two 64-bit words to a hash: a keyed multiply of each word, combined and mixed by the
// MurmurHash3 64-bit finaliser (so that all bits of the result depend on all input bits; the
// table's bucket is the hash modulo a prime).
std::size_t keyed_hash(uint64_t a, uint64_t b = 0) noexcept;
// Any bytes (8-byte words chained through keyed_hash, the length mixed in).
std::size_t keyed_hash(ByteView bytes) noexcept;

}  // namespace ike::base
