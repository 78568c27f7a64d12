// The SA database (design §4.4: "the SaDb owns the SAs, exchanges refer to SAs by ID"): ISAKMP
// SAs keyed by their CookiePair (RFC 2408 §2.5.3) and IPsec SAs keyed by our inbound SPI, plus
// the in-memory contact list that decides when INITIAL-CONTACT is sent (isakmpd-features.md
// §1.12: only on the first contact with a peer since start). Plain records; no protocol logic.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/address.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/ipsec_types.h"
#include "engine/io.h"
#include "engine/iv_chain.h"
#include "engine/keymat.h"
#include "engine/nat_t_state.h"
#include "engine/negotiated.h"

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


struct IsakmpSa {
  base::CookiePair cookies;
  Role role = Role::Initiator;
  std::string name;  // the peer section ("peer-10.0.0.2")
  base::SockAddr local, peer;
  Phase1Suite suite;
  crypto::CipherAlg cipher = crypto::CipherAlg::Aes;  // suite.cipher(), resolved once
  Phase1Keys keys;            // SKEYID_d (KEYMAT), SKEYID_a (HASH(n)), enc key (RFC 2409 §5)
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
  // RSA_SIG: the verified certificate's "DN:/C=..." and "rsa-hex:" key (KeyNote requester).
  std::vector<std::string> peer_principals;
  // KeyNote credentials the peer sent in KEYNOTE CERT payloads (phase1_keynote.h), verified;
  // valid for this ISAKMP SA's phase 2 checks only. Null: none.
  std::shared_ptr<const std::vector<policy::Assertion>> peer_credentials;
  NatTState nat;                         // RFC 3947 (nat_t.h)
  std::optional<base::TimePoint> next_keepalive;  // RFC 3948 §2.3, side behind the NAT
};

struct IpsecSa {
  std::string name;  // connection name
  base::CookiePair parent;       // the ISAKMP SA that negotiated it
  base::MessageId message_id;    // its Quick Mode message id (`d` command)
  Role role = Role::Initiator;
  base::SockAddr local, peer;
  Phase2Suite suite;
  base::Spi in_spi, out_spi;     // first protocol of the suite
  std::vector<base::SaInstall> installed;  // every SA added (keys wiped when the record goes)
  std::vector<base::FlowInstall> flows;
  base::TimePoint established{};
  std::optional<base::TimePoint> soft_expiry;  // rekey.h: random 85-95 % of the lifetime
  std::optional<base::TimePoint> hard_expiry;
  uint64_t life_seconds = 0, life_kbytes = 0;
  uint32_t flags = kSaFlagReady;
  NatOa nat_oa;                  // RFC 3947 §5.2 original addresses the peer sent
};

class SaDb {
 public:
  // --- ISAKMP SAs ---
  IsakmpSa& add_isakmp(IsakmpSa sa);
  IsakmpSa* find_isakmp(const base::CookiePair& c);
  const IsakmpSa* find_isakmp(const base::CookiePair& c) const;
  // The newest established ISAKMP SA with this peer address, if any.
  IsakmpSa* find_isakmp_by_peer(const base::IpAddress& peer);
  std::optional<IsakmpSa> remove_isakmp(const base::CookiePair& c);
  const std::map<base::CookiePair, IsakmpSa>& isakmp_sas() const noexcept { return m_isakmp; }
  std::map<base::CookiePair, IsakmpSa>& isakmp_sas() noexcept { return m_isakmp; }

  // --- IPsec SAs (keyed by our inbound SPI) ---
  IpsecSa& add_ipsec(IpsecSa sa);
  IpsecSa* find_ipsec_by_in_spi(base::Spi spi);
  // Finds the SA whose inbound or outbound SPI is `spi` for this peer.
  IpsecSa* find_ipsec_by_peer_spi(const base::IpAddress& peer, base::Spi out_spi);
  std::optional<IpsecSa> remove_ipsec(base::Spi in_spi);
  const std::map<base::Spi, IpsecSa>& ipsec_sas() const noexcept { return m_ipsec; }
  std::map<base::Spi, IpsecSa>& ipsec_sas() noexcept { return m_ipsec; }
  std::size_t ipsec_count_for(const std::string& connection) const;

  // --- contact list (INITIAL-CONTACT) ---
  // True the first time a peer is seen since start; marks it as contacted.
  bool first_contact(const base::IpAddress& peer) { return m_contacted.insert(peer).second; }
  bool contacted(const base::IpAddress& peer) const { return m_contacted.count(peer) != 0; }

 private:
  std::map<base::CookiePair, IsakmpSa> m_isakmp;
  std::map<base::Spi, IpsecSa> m_ipsec;
  std::set<base::IpAddress> m_contacted;
};

}  // namespace ike::engine
