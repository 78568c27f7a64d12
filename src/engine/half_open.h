// Half-open responder exchanges (reliability.md class 18, CVE-2016-5361 / CVE-2004-0222 class):
// a Main Mode or Aggressive Mode responder exchange created by an MM1/AM1 whose phase 1 is not
// authenticated yet. RFC 2408 §2.5.3 ("anti-clogging") warns that a responder keeping state for
// unauthenticated first messages can be exhausted; IKEv1 has no stateless responder cookie, so
// the state is bounded instead: `[General]:Max-half-open-per-peer` per source address (a new
// MM1/AM1 over it is refused), `[General]:Max-half-open` overall (a new one evicts, see
// HalfOpenTable::victim) and `[General]:Half-open-max-time`, a shorter life than
// Exchange-max-time. The table is an index beside ExchangeTable (which calls track/untrack), so
// every operation is O(1) or O(per-peer cap): hash maps per address and per exchange, and
// addresses bucketed by their count; never a scan of the exchanges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/address.h"
#include "base/clock.h"
#include "base/ids.h"
#include "conf/conf_db.h"

namespace ike::engine {

struct ExchangeKey;

inline constexpr int64_t kDefaultMaxHalfOpenPerPeer = 16;
inline constexpr int64_t kDefaultMaxHalfOpen = 2048;
inline constexpr int64_t kDefaultHalfOpenMaxTime = 30;  // seconds

struct HalfOpenLimits {
  std::size_t per_peer = kDefaultMaxHalfOpenPerPeer;
  std::size_t global = kDefaultMaxHalfOpen;
  base::Seconds max_time{kDefaultHalfOpenMaxTime};
  // [General]:Max-half-open-per-peer (1..4096), Max-half-open (1..1048576, at least the
  // per-peer value), Half-open-max-time (1..Exchange-max-time s); out-of-range values are
  // clamped, garbage falls back to the default (ConfDb logs it).
  static HalfOpenLimits from_conf(const conf::ConfDb& conf, base::Seconds exchange_max_time);
};

struct IpAddressHash {
  std::size_t operator()(const base::IpAddress& a) const noexcept;
};

class HalfOpenTable {
 public:
  // Phase-1 exchanges are keyed by cookies (message id 0).
  void track(const base::CookiePair& key, const base::IpAddress& peer);
  // No-op for keys not tracked (finished, initiator or Quick Mode exchanges).
  void untrack(const base::CookiePair& key);
  void clear();

  std::size_t size() const noexcept { return m_exchanges.size(); }
  bool contains(const base::CookiePair& key) const { return m_exchanges.count(key) != 0; }
  std::size_t count(const base::IpAddress& peer) const;
  std::size_t peer_count() const noexcept { return m_peers.size(); }
  // The largest per-address count (O(per-peer cap)).
  std::size_t max_per_peer() const;

  // The exchange to evict when the global cap is reached. Policy: the oldest half-open exchange
  // of the address holding the most half-open exchanges (among equals, the address that
  // reached that count first). A flood from many addresses thus pays with its own state, and a
  // peer with one exchange in progress loses it only once every address is down to one: each
  // legitimate peer (one MM1 at a time, RFC 2408 §2.5.3) keeps its fair share of the table.
  std::optional<base::CookiePair> victim() const;

 private:
  struct Peer {
    std::deque<base::CookiePair> keys;  // oldest first; entries already untracked are skipped
    std::size_t live = 0;
    std::list<base::IpAddress>::iterator in_bucket;
  };
  void move_bucket(const base::IpAddress& addr, Peer& p, std::size_t from);
  void compact(Peer& p);

  std::unordered_map<base::CookiePair, base::IpAddress> m_exchanges;
  std::unordered_map<base::IpAddress, Peer, IpAddressHash> m_peers;
  // m_buckets[n]: addresses with n live half-open exchanges, in the order they reached n.
  std::vector<std::list<base::IpAddress>> m_buckets;
};

}  // namespace ike::engine
