// The SA database (design §4.4: "the SaDb owns the SAs, exchanges refer to SAs by ID"): ISAKMP
// SAs keyed by their CookiePair (RFC 2408 §2.5.3) and IPsec SAs keyed by our inbound SPI, plus
// the in-memory contact list that decides when INITIAL-CONTACT is sent (isakmpd-features.md
// §1.12: only on the first contact with a peer since start). Plain records; no protocol logic.
// Issue #7 (100k SA pairs): every secondary lookup is an index (sa_db_index.h: ordered sets of
// record pointers by (peer, ...) and (connection, peer, SPI), a hash of (SPI, destination) ->
// pair for kernel events and DELETE, connection name -> count), and the per-SA timers
// (soft/hard lifetime, NAT-T keepalive) live in two DeadlineIndex heaps, so next_deadline() is
// O(1) amortised and a tick visits only the due SAs. Every SA handed out mutable (add, find*)
// is re-examined at the next next_deadline()/due*() (its timers may have moved earlier); peers
// change only through set_*_peer (the indexes follow). The indexes point into the records, so
// a record's keyed fields (name, SPIs, installed, cookies) never change once added, and an
// SaDb moves but does not copy.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/address.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/ipsec_types.h"
#include "base/keyed_hash.h"
#include "engine/deadline_index.h"
#include "engine/half_open.h"
#include "engine/io.h"
#include "engine/iv_chain.h"
#include "engine/keymat.h"
#include "engine/nat_t_state.h"
#include "engine/negotiated.h"
#include "engine/packed_principals.h"
#include "engine/sa_db_index.h"
#include "engine/xauth.h"

namespace ike::policy {
struct Assertion;
}  // namespace ike::policy

namespace ike::engine {

enum class Role : uint8_t { Initiator, Responder };
const char* role_name(Role r) noexcept;

// isakmpd sa.h flag bits, reported by `S` (isakmpd-features.md §1.18).
inline constexpr uint32_t kSaFlagReady = 0x01;
inline constexpr uint32_t kSaFlagStayalive = 0x02;
inline constexpr uint32_t kSaFlagReplaced = 0x04;  // a newer SA took over (rekey.h)
inline constexpr uint32_t kSaFlagFading = 0x10;    // soft lifetime passed
inline constexpr uint32_t kSaFlagDpd = 0x80;
inline constexpr uint32_t kSaFlagNatTEnable = 0x100;     // NAT detected, IKE floated
inline constexpr uint32_t kSaFlagNatTKeepalive = 0x200;  // we send the keepalives


// Our phase 2 over an ISAKMP SA waits (IsakmpSa::phase2_hold): until XAUTH succeeds
// (xauth_exchange.h) or a mode-config pull's REPLY arrives (exchanges/transaction.h). The owner
// of the hold ends it and starts the queued connections' Quick Modes.
struct Phase2Hold {
  enum class Until : uint8_t { XauthDone, ModeCfgReply };
  Until until = Until::XauthDone;
  base::MessageId request;          // ModeCfgReply: the pull's REQUEST
  std::vector<std::string> queued;  // connections whose Quick Modes wait
};

struct IsakmpSa {
  base::CookiePair cookies;
  Role role = Role::Initiator;
  std::string name;  // the peer section ("peer-10.0.0.2")
  base::SockAddr local, peer;
  Phase1Suite suite;
  crypto::CipherAlg cipher = crypto::CipherAlg::Aes;  // suite.cipher(), resolved once
  IsakmpSaKeys keys;           // SKEYID_d (KEYMAT), SKEYID_a (HASH(n)), enc key (RFC 2409 §5)
  IvChain iv;                 // phase-1 chain (final MM block) + one chain per QM/info M-ID
  base::TimePoint established{};
  std::optional<base::TimePoint> soft_expiry;  // rekey.h: random 85-95 % of the lifetime
  std::optional<base::TimePoint> hard_expiry;
  uint32_t flags = kSaFlagReady;
  bool peer_dpd = false;                 // the peer sent the DPD vendor ID
  std::optional<uint32_t> dpd_ack_seq;   // last R-U-THERE-ACK sequence received (RFC 3706)
  std::set<uint32_t> used_message_ids;   // phase-2/info message ids seen or used (uniqueness)
  base::Bytes peer_id;                   // IDir/IDii body as received (for reports)
  bool aggressive = false;               // phase 1 was Aggressive Mode (KeyNote phase_1)
  // RSA_SIG/ECDSA: the verified certificate's "DN:/C=..." and "rsa-hex:" key (KeyNote
  // requesters), packed (packed_principals.h).
  PackedPrincipals peer_principals;
  // KeyNote credentials the peer sent in KEYNOTE CERT payloads (phase1_keynote.h), verified;
  // valid for this ISAKMP SA's phase 2 checks only. Null: none.
  std::shared_ptr<const std::vector<policy::Assertion>> peer_credentials;
  NatTState nat;                         // RFC 3947 (nat_t.h)
  std::optional<base::TimePoint> next_keepalive;  // RFC 3948 §2.3, side behind the NAT
  // XAUTH methods only (xauth_exchange.h); behind a pointer: most SAs never have one.
  std::unique_ptr<XauthState> xauth;
  // Null unless our Quick Modes over this SA wait (Phase2Hold); qm_initiate queues into it.
  std::unique_ptr<Phase2Hold> phase2_hold;
};

// A kernel SA a pair added: what deleting it needs. The keys are not kept (issue #7: the
// record of an established pair is what `S`, DELETE and rekeying read, nothing more).
struct InstalledSa {
  base::SaRef ref;
  base::IpAddress src;
  bool inbound = false;
};

// IpsecSa::flow_dirs bit of a flow direction.
constexpr uint8_t flow_dir_bit(base::Direction d) noexcept {
  return static_cast<uint8_t>(1u << static_cast<unsigned>(d));
}

struct IpsecSa {
  std::string name;  // connection name
  base::CookiePair parent;       // the ISAKMP SA that negotiated it
  base::MessageId message_id;    // its Quick Mode message id (`d` command)
  Role role = Role::Initiator;
  base::SockAddr local, peer;
  Phase2Suite suite;
  base::Spi in_spi, out_spi;     // first protocol of the suite
  std::vector<InstalledSa> installed;  // per suite protocol: inbound, then outbound
  // The selectors the pair protects (from the Quick Mode IDs, else the hosts) and the flows it
  // installed (flow_dir_bit of each direction): ipsec_sa_flows() rebuilds those flows.
  base::TrafficSelector local_ts, peer_ts;
  uint8_t flow_dirs = 0;
  base::TimePoint established{};
  std::optional<base::TimePoint> soft_expiry;  // rekey.h: random 85-95 % of the lifetime
  std::optional<base::TimePoint> hard_expiry;
  uint64_t life_seconds = 0, life_kbytes = 0;
  uint32_t flags = kSaFlagReady;
  NatOa nat_oa;                  // RFC 3947 §5.2 original addresses the peer sent
};

// Keyed (base/keyed_hash.h): a peer's SPIs are its choice.
struct SpiHash {
  std::size_t operator()(base::Spi s) const noexcept { return base::keyed_hash(s.value); }
};
class SaDb {
 public:
  // --- ISAKMP SAs ---
  IsakmpSa& add_isakmp(IsakmpSa sa);
  IsakmpSa* find_isakmp(const base::CookiePair& c);
  const IsakmpSa* find_isakmp(const base::CookiePair& c) const;
  // The newest established ISAKMP SA with this peer address, if any (hash index); with `local`,
  // only an SA from that local address (two peer sections with one Address and different
  // Local-address values are two ISAKMP SAs, each for its own connections).
  IsakmpSa* find_isakmp_by_peer(const base::IpAddress& peer,
                                const base::IpAddress* local = nullptr);
  const IsakmpSa* find_isakmp_by_peer(const base::IpAddress& peer,
                                      const base::IpAddress* local = nullptr) const;
  // An ISAKMP SA negotiated with `peer` under initiator cookie `icookie` (O(log n): the map is
  // in cookie order, initiator cookie first). A message with that initiator cookie and a zero
  // responder cookie then repeats the first message of a completed phase 1.
  const IsakmpSa* find_isakmp_by_icookie(const base::Cookie& icookie,
                                         const base::IpAddress& peer) const;
  // Every ISAKMP SA with this peer address, in cookie order.
  std::vector<base::CookiePair> isakmp_with_peer(const base::IpAddress& peer) const;
  std::optional<IsakmpSa> remove_isakmp(const base::CookiePair& c);
  // Read-only: mutate through find_*() so the timer index sees the change.
  const std::map<base::CookiePair, IsakmpSa>& isakmp_sas() const noexcept { return m_isakmp; }
  // NAT rebinding (nat_t_engine.cc): moves the SA and the peer index.
  void set_isakmp_peer(const base::CookiePair& c, const base::SockAddr& peer);
  // Soft lifetime passed (kSaFlagFading): kept in a set rekey.cc walks instead of every SA.
  void mark_isakmp_fading(const base::CookiePair& c);
  const std::set<base::CookiePair>& fading_isakmp() const noexcept { return m_fading; }

  // --- IPsec SAs (keyed by our inbound SPI) ---
  IpsecSa& add_ipsec(IpsecSa sa);
  IpsecSa* find_ipsec_by_in_spi(base::Spi spi);
  const IpsecSa* find_ipsec_by_in_spi(base::Spi spi) const;
  // Finds the SA whose outbound SPI is `out_spi` for this peer (hash index).
  IpsecSa* find_ipsec_by_peer_spi(const base::IpAddress& peer, base::Spi out_spi);
  // The pair holding the kernel SA (spi, dst): one of its installed SAs, our inbound SPI at
  // our address or the peer's SPI at the peer's address (kernel EXPIRE events).
  IpsecSa* find_ipsec_by_ref(base::Spi spi, const base::IpAddress& dst);
  // Every IPsec SA with this peer address, in SPI order.
  std::vector<base::Spi> ipsec_with_peer(const base::IpAddress& peer) const;
  // The IPsec SAs of connection `name` with this peer address, in SPI order (the pairs a fresh
  // one replaces: rekey.cc). O(log n + k) whatever the peer's other SAs.
  std::vector<base::Spi> ipsec_with_peer_and_name(const base::IpAddress& peer,
                                                  const std::string& name) const;
  std::optional<IpsecSa> remove_ipsec(base::Spi in_spi);
  const std::map<base::Spi, IpsecSa>& ipsec_sas() const noexcept { return m_ipsec; }
  void set_ipsec_peer(base::Spi in_spi, const base::SockAddr& peer);
  std::size_t ipsec_count_for(const std::string& connection) const;

  // --- timers (soft/hard lifetimes of both kinds, NAT-T keepalives of ISAKMP SAs) ---
  std::optional<base::TimePoint> next_deadline() const;
  // The SAs with a timer at or before `now`, in (deadline, key) order. They stay due until the
  // caller's action moves the timer (through find_*), so every consumer may ask.
  std::vector<base::CookiePair> due_isakmp(base::TimePoint now) const;
  std::vector<base::Spi> due_ipsec(base::TimePoint now) const;
  // Heap entries examined so far (tests prove a tick does not scan).
  uint64_t deadline_visits() const noexcept {
    return m_isakmp_timers.visits() + m_ipsec_timers.visits();
  }
  static std::optional<base::TimePoint> deadline_of(const IsakmpSa& sa) noexcept;
  static std::optional<base::TimePoint> deadline_of(const IpsecSa& sa) noexcept;

  // ISAKMP SAs added, removed, or that became the newest with their peer since the last call
  // (DPD arms its probes from this; dpd.h).
  std::vector<base::CookiePair> take_isakmp_changes() const { return std::exchange(m_changes, {}); }

  // --- contact list (INITIAL-CONTACT) ---
  // True the first time a peer is seen since start; marks it as contacted.
  bool first_contact(const base::IpAddress& peer) { return m_contacted.insert(peer).second; }
  bool contacted(const base::IpAddress& peer) const { return m_contacted.count(peer) != 0; }

 private:
  void refresh_timers() const;

  // The SAs in key order (iteration: reports, shutdown), and a hash index of the same nodes
  // (stable until erased) for the lookups every datagram, timer and kernel event makes: O(1)
  // instead of a walk of a tree as deep as the SAs held (issue #7, BM_ResponderHandshakeHolding).
  using IsakmpMap = std::map<base::CookiePair, IsakmpSa>;
  using IpsecMap = std::map<base::Spi, IpsecSa>;
  IsakmpMap m_isakmp;
  IpsecMap m_ipsec;
  std::unordered_map<base::CookiePair, IsakmpMap::iterator> m_isakmp_at;
  std::unordered_map<base::Spi, IpsecMap::iterator, SpiHash> m_ipsec_at;
  std::unordered_set<base::IpAddress, IpAddressHash> m_contacted;  // never iterated
  // Point into the map nodes above (stable until erased): unlinked before an erase.
  IsakmpPeerIndex m_isakmp_by_peer;
  IpsecIndex m_ipsec_index;
  std::set<base::CookiePair> m_fading;
  mutable DeadlineIndex<base::CookiePair> m_isakmp_timers;
  mutable DeadlineIndex<base::Spi, SpiHash> m_ipsec_timers;
  mutable std::vector<base::CookiePair> m_touched_isakmp;
  mutable std::vector<base::Spi> m_touched_ipsec;
  mutable std::vector<base::CookiePair> m_changes;
};

}  // namespace ike::engine
