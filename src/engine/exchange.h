// Exchanges in progress (isakmpd exchange.c): the per-exchange state of Main Mode and Quick
// Mode, keyed by (cookies, message id) as RFC 2408 §3.1 identifies them, with the retransmit
// cache and timers. An exchange refers to its ISAKMP SA by cookies, never by pointer (design
// §4.4). Finished exchanges whose last message we sent (responder MM6, initiator QM3) linger
// until their deadline so a retransmitted MM5/QM2 is answered from the cache. Owns the table
// and the plain records; the steps live in exchanges/*.cc. Phase-1 exchanges are also indexed
// by initiator cookie and the half-open responder ones counted per peer (half_open.h), so no
// lookup done per datagram scans the table (reliability.md class 18). Kernel requests are
// indexed by request id, so a kernel reply costs one hash lookup however many exchanges (live
// or lingering) the table holds (issue #7).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/address.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/notify_type.h"
#include "crypto/provider.h"
#include "engine/half_open.h"
#include "engine/iv_chain.h"
#include "engine/keymat.h"
#include "engine/mode_cfg.h"
#include "engine/nat_t_state.h"
#include "engine/negotiated.h"
#include "engine/peer_config.h"
#include "engine/phase1_policy.h"
#include "engine/phase2_policy.h"
#include "engine/retransmit.h"
#include "engine/sa_db.h"
#include "wire/message.h"

namespace ike::engine {

// Where an exchange stands: the last message sent (RFC 2409 §5.4/§5.5 numbering).
enum class State : uint8_t {
  None,           // no exchange yet (rows that create one)
  MmISent1,       // I: HDR, SA -->               waiting for MM2
  MmISent3,       // I: HDR, KE, Ni -->           waiting for MM4
  MmISent5,       // I: HDR*, IDii, HASH_I -->    waiting for MM6
  MmRSent2,       // R: <-- HDR, SA               waiting for MM3
  MmRSent4,       // R: <-- HDR, KE, Nr           waiting for MM5
  MmRDone,        // R: <-- HDR*, IDir, HASH_R    lingering (duplicate MM5 -> resend MM6)
  AmISent1,       // I: HDR, SA, KE, Ni, IDii -->             waiting for AM2
  AmIDone,        // I: HDR*, HASH_I -->          lingering (duplicate AM2 -> resend AM3)
  AmRSent2,       // R: <-- HDR, SA, KE, Nr, IDir, HASH_R     waiting for AM3
  AmRDone,        // R: AM3 accepted              lingering (late AM1/AM3 dropped)
  QmIWaitSpi,     // I: GETSPI issued, QM1 not sent yet
  QmISent1,       // I: HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] -->
  QmIDone,        // I: HDR*, HASH(3) -->         lingering (duplicate QM2 -> resend QM3)
  QmRWaitSpi,     // R: QM1 accepted, GETSPI issued
  QmRSent2,       // R: <-- HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
  CfgISent1,      // I: HDR*, HASH(1), ATTR(SET/REQUEST) -->   waiting for ACK/REPLY
  CfgRDone,       // R: <-- HDR*, HASH(2), ATTR(ACK/REPLY)     lingering (duplicate -> resend)
};
const char* state_name(State s) noexcept;

// Main Mode and Aggressive Mode: message id 0, MainModeData, phase-1 IV chain.
constexpr bool is_phase1_exchange(wire::ExchangeType t) noexcept {
  return t == wire::ExchangeType::IdProt || t == wire::ExchangeType::Aggressive;
}

struct ExchangeKey {
  base::CookiePair cookies;
  base::MessageId message_id;
  auto operator<=>(const ExchangeKey&) const = default;
};
// Keyed (base/keyed_hash.h): the initiator cookie and a Quick Mode's message id can be the peer's.
struct ExchangeKeyHash {
  std::size_t operator()(const ExchangeKey& k) const noexcept {
    return base::keyed_hash(k.cookies.initiator.order_value(),
                            k.cookies.responder.order_value() ^ k.message_id.value);
  }
};

// Main Mode working set (RFC 2409 §5: the values HASH_I/HASH_R and SKEYID need).
struct MainModeData {
  PeerConfig peer;                          // the ISAKMP-peer section (PSK, IDs)
  base::Bytes sai_b;                        // initiator's SA payload body
  Phase1Offer offer;                        // initiator: what we offered
  Phase1Suite suite;                        // chosen transform
  crypto::CipherAlg cipher = crypto::CipherAlg::Aes;
  std::unique_ptr<crypto::DhPrivate> dh;
  base::Bytes ni_b, nr_b;                   // nonce bodies
  base::Bytes g_xi, g_xr;                   // KE bodies
  Phase1Keys keys;
  IvChain iv;
  base::Bytes peer_id_b;                    // IDii_b / IDir_b received
  base::Bytes own_id_b;                     // Aggressive Mode: our IDii_b / IDir_b as sent
  std::optional<wire::IdPayload> own_id, peer_id;  // Aggressive Mode with RSA_SIG (SIG needs them)
  std::vector<wire::CertReqPayload> peer_cert_reqs;  // RSA_SIG: the peer's CERT_REQs (MM3/4, AM1/2)
  std::vector<std::string> peer_principals;  // RSA_SIG: KeyNote principals of the verified peer
  std::shared_ptr<const std::vector<policy::Assertion>> peer_credentials;  // KEYNOTE CERTs
  bool peer_dpd = false;
  bool peer_initial_contact = false;
  NatTState nat;                            // RFC 3947 (nat_t.h)
  std::vector<std::string> queued;          // connections waiting for this phase 1
};

// Quick Mode working set (RFC 2409 §5.5).
struct QuickModeData {
  std::string connection;
  base::CookiePair isakmp;                  // parent ISAKMP SA
  Phase2Offer offer;                        // initiator: the offer sent
  Phase2Choice choice;                      // responder: the proposal chosen from QM1
  Phase2Suite chosen;                       // the final suite (both SPIs)
  uint16_t pfs_group = 0;
  std::unique_ptr<crypto::DhPrivate> dh;
  base::SecureBytes g_qm_xy;                // PFS shared secret (empty without PFS)
  base::Bytes ni_b, nr_b;                   // initiator's / responder's nonce bodies
  base::Bytes peer_ke;                      // peer's KE body (PFS)
  std::optional<wire::IdPayload> idci, idcr;  // as sent / received (echoed by the responder)
  std::map<uint64_t, wire::ProtocolId> pending_spis;  // GETSPI request id -> protocol
  std::vector<ProtocolSpi> our_spis;
  uint8_t spis_in_use = 0;                  // GETSPI answers already an SA's (qm_on_spi)
  NatOa peer_nat_oa;                        // RFC 3947 §5.2 addresses the peer sent
};

struct Exchange {
  ExchangeKey key;
  wire::ExchangeType type = wire::ExchangeType::IdProt;
  Role role = Role::Initiator;
  State state = State::None;
  std::string name;                         // connection or peer section name
  base::SockAddr local, peer;
  base::TimePoint started{};
  base::TimePoint expires{};                // Exchange-max-time / linger deadline
  Retransmitter rtx;
  bool finished = false;                    // lingering for duplicates only
  bool peer_fragmentation = false;          // the peer sent the FRAGMENTATION VID (fragment_send.h)
  std::unique_ptr<MainModeData> mm;
  std::unique_ptr<QuickModeData> qm;
  std::unique_ptr<TransactionData> cfg;     // Transaction exchange (exchanges/transaction.h)
  // Messages of this exchange dropped as unverifiable (unverifiable.cc): count, the last one's
  // row ("MM5"), reason and the notify to send once if the exchange then fails.
  struct Unverifiable {
    int count = 0;
    std::string row, reason;
    bool psk_hint = false;                  // looks like a wrong pre-shared key
    base::NotifyType notify = base::NotifyType::None;
  } unverifiable;
  // ExchangeTable's bookkeeping: the deadline of this exchange's live heap entry (none yet),
  // and its slot in the table's list of exchanges touched since the heap was last refreshed.
  mutable std::optional<base::TimePoint> heap_deadline;
  mutable int32_t touched_slot = -1;
};

class ExchangeTable {
 public:
  Exchange& add(Exchange x);
  Exchange* find(const ExchangeKey& k);
  // Main Mode responder lookup for a retransmitted MM1 (responder cookie still zero).
  Exchange* find_responder_by_icookie(const base::Cookie& icookie, const base::SockAddr& peer);
  // Main Mode initiator lookup by initiator cookie only (MM2 carries the new responder cookie).
  Exchange* find_initiator_mm(const base::Cookie& icookie);
  // Re-keys an exchange (initiator learning the responder cookie from MM2).
  void rekey(const ExchangeKey& from, const ExchangeKey& to);
  // Records that the Quick Mode exchange k waits for kernel request `request_id` (GETSPI);
  // the exchange keeps the request in qm->pending_spis as well.
  void expect_request(uint64_t request_id, const ExchangeKey& k);
  // The exchange waiting for this kernel request: one hash lookup, verified against the
  // exchange's pending_spis, never a scan of the table. The index entry is consumed (a request
  // has exactly one reply), whether or not the exchange still waits for it.
  Exchange* find_by_request(uint64_t request_id);
  // Kernel requests indexed and not yet answered (tests: answered ones leave nothing behind).
  std::size_t indexed_requests() const noexcept { return m_by_request.size(); }
  // Exchanges examined by find_by_request since start-up (tests prove lookups do not scan).
  uint64_t request_lookup_visits() const noexcept { return m_request_visits; }
  // The keys of the exchanges over one ISAKMP SA (message id != 0: Quick Modes, informational
  // exchanges), in key order: a range of the ordered table (ExchangeKey orders by cookies
  // first), O(log n + k), never a scan of the whole table (issue #7: deleting an ISAKMP SA
  // walked every lingering exchange, a cost that grew with the handshakes served).
  std::vector<ExchangeKey> over_isakmp_sa(const base::CookiePair& cookies) const;
  // Exchanges examined by over_isakmp_sa since start-up (tests prove it does not scan).
  uint64_t cookie_range_visits() const noexcept { return m_cookie_visits; }
  void remove(const ExchangeKey& k);
  void clear();
  // A responder's phase 1 is authenticated (MM5/AM3 accepted): no longer half-open.
  void authenticated(const ExchangeKey& k);
  // Half-open responder phase-1 exchanges (half_open.h), maintained by add/remove/authenticated.
  const HalfOpenTable& half_open() const noexcept { return m_half_open; }
  std::size_t active_count() const;  // excludes lingering finished exchanges
  // Marks the exchange finished (lingering for duplicates only).
  void mark_finished(const ExchangeKey& k);
  // Quick Modes in flight (not finished) over the ISAKMP SA `c`: a counter kept by add, rekey,
  // mark_finished and remove, not a walk of the exchanges over it (which linger by the thousand
  // in a rekey storm; issue #7).
  std::size_t quick_modes_in_flight(const base::CookiePair& c) const;
  // A Quick Mode for `connection` is in flight (same counters, by connection name).
  bool quick_mode_running(const std::string& connection) const;
  // The unfinished Main Mode we initiated to `peer` (the lowest key if several), which a
  // connection to that peer queues on: an index kept with the counters, not a walk of the
  // table (issue #7: 10 000 connections to distinct peers made start-up, and every watchdog
  // check, quadratic: 1.9 s of walks at 10 000). With `local`, only one from that address.
  Exchange* initiator_main_mode_to(const base::IpAddress& peer,
                                   const base::IpAddress* local = nullptr);
  // Any unfinished exchange (phase 1, Quick Mode, informational, Transaction) over `c`.
  bool unfinished_over(const base::CookiePair& c) const;
  // Mutable access to every exchange: their deadlines are recomputed at the next
  // next_deadline()/due() (a full rebuild; read-only loops use the const overload).
  std::map<ExchangeKey, Exchange>& all() noexcept {
    m_all_dirty = true;
    return m_table;
  }
  const std::map<ExchangeKey, Exchange>& all() const noexcept { return m_table; }
  // The earliest deadline (Exchange-max-time/linger `expires`, or the retransmit timer) of any
  // exchange. A min-heap with lazy invalidation: every exchange handed out mutable (add, find*,
  // rekey) is re-examined here, stale heap entries are dropped when they reach the top, so the
  // cost is O(log n) per touched exchange instead of a scan of the table (issue #7).
  std::optional<base::TimePoint> next_deadline() const;
  // The exchanges whose deadline is at or before `now`, in key order (what the table's order
  // gave the timer before): the only ones a timer tick has to look at.
  std::vector<ExchangeKey> due(base::TimePoint now) const;
  // Heap entries examined by next_deadline()/due() since start-up (tests prove no scan).
  uint64_t deadline_visits() const noexcept { return m_deadline_visits; }
  // Exchanges started since start-up, by exchange type name ("ID_PROT", "QUICK_MODE", ...).
  std::map<std::string, uint64_t> started() const;

 private:
  void unindex(const ExchangeKey& k);
  void unindex_requests(const Exchange& x);
  void touch(const Exchange& x) const;
  void untouch_all() const noexcept;
  void refresh_deadlines() const;
  static base::TimePoint deadline_of(const Exchange& x) noexcept;

  struct DeadlineEntry {
    base::TimePoint at;
    ExchangeKey key;
    bool operator>(const DeadlineEntry& o) const noexcept { return at > o.at; }
  };

  // Adds (or removes) an unfinished exchange stored under `cookies` to the counters.
  void count_unfinished(const base::CookiePair& cookies, const Exchange& x, bool add);

  using Table = std::map<ExchangeKey, Exchange>;
  Table::iterator locate(const ExchangeKey& k);
  Table::const_iterator locate(const ExchangeKey& k) const;

  // The exchanges in key order (iteration, the range of one ISAKMP SA), and a hash index of
  // the same nodes (map iterators are stable until erased) for the lookups every datagram and
  // timer makes: O(1) instead of a walk of a tree as deep as the exchanges held (issue #7;
  // bench/responder_bench BM_ResponderHandshakeHolding measures a handshake at 1k-100k pairs).
  Table m_table;
  std::unordered_map<ExchangeKey, Table::iterator, ExchangeKeyHash> m_index;
  // Unfinished exchanges per cookie pair; unfinished Quick Modes per ISAKMP SA and per
  // connection name (the burst limits and "already rekeying" checks of connect and rekey).
  std::unordered_map<base::CookiePair, std::size_t> m_unfinished;
  std::unordered_map<base::CookiePair, std::size_t> m_qm_in_flight;
  std::unordered_map<std::string, std::size_t> m_qm_by_connection;
  // Unfinished Main Modes we initiated, by peer address -> their cookies.
  std::unordered_multimap<base::IpAddress, base::CookiePair, IpAddressHash> m_mm_initiators;
  mutable uint64_t m_cookie_visits = 0;
  std::array<uint64_t, 256> m_started{};  // by exchange type value (u8), named by started()
  // Phase-1 exchanges by initiator cookie -> their full cookie pair (lookups verify).
  std::unordered_multimap<base::Cookie, base::CookiePair> m_by_icookie;
  HalfOpenTable m_half_open;
  // Kernel request id (GETSPI) -> the Quick Mode exchange waiting for it.
  std::unordered_map<uint64_t, ExchangeKey> m_by_request;
  uint64_t m_request_visits = 0;
  // Deadline min-heap (std::greater): entries whose exchange went or whose deadline moved are
  // stale and dropped lazily; m_touched are re-pushed before the heap is read. m_touched holds
  // the exchanges themselves (map nodes do not move; remove() clears a removed one's slot), so
  // the refresh does not look each one up again in the table (issue #7).
  mutable std::vector<DeadlineEntry> m_deadlines;
  mutable std::vector<const Exchange*> m_touched;
  mutable bool m_all_dirty = false;
  mutable uint64_t m_deadline_visits = 0;
};

}  // namespace ike::engine
