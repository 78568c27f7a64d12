// NAT traversal for IKEv1 (RFC 3947, RFC 3948 §2.2/§4, draft-ietf-ipsec-nat-t-ike-02/03):
// the vendor IDs that negotiate it, the NAT-D hashes that detect a NAT, the float of IKE to the
// NAT-T port (4500 or -N), the tracking of the peer's translated address, the phase-2 UDP
// encapsulation modes and NAT-OA payloads, and the keepalive schedule (isakmpd-features.md §1.9).
//
//   Initiator                                    Responder
//   HDR, SA, VID(RFC), VID(d03), VID(d02) -->
//                                    <-- HDR, SA, VID(chosen version)
//   HDR, KE, Ni, NAT-D(R), NAT-D(I)  -->         (evaluated after MM3)
//                                    <-- HDR, KE, Nr, NAT-D(I), NAT-D(R)
//   (evaluated after MM4; a NAT on either side: both float to the NAT-T port)
//   HDR*, IDii, HASH_I  -->  port 4500 (non-ESP marker added/stripped by the daemon)
//                                    <-- HDR*, IDir, HASH_R   port 4500
//
// Each NAT-D is HASH(CKY-I | CKY-R | IP | Port) with the negotiated phase-1 hash (RFC 3947
// §3.2); the sender puts the hash of the remote (receiver's) address first, then its own.
// Aggressive Mode uses the same functions: the initiator adds nat_t_vendor_ids() to AM1; the
// responder calls nat_t_select_version() on AM1 and adds nat_t_reply_vendor_id() plus
// nat_d_payloads() to AM2; the initiator calls nat_t_accept_reply() and nat_t_evaluate() on AM2
// and adds nat_d_payloads() to AM3 (sent on the NAT-T port when floated); the responder calls
// nat_t_evaluate() on AM3. Pure functions plus the engine glue at the end; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/address.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/ipsec_types.h"
#include "base/result.h"
#include "crypto/provider.h"
#include "engine/io.h"
#include "engine/nat_t_state.h"
#include "engine/phase2_policy.h"
#include "wire/message.h"
#include "wire/payload.h"

namespace ike::engine {

// RFC 3947 §3.1 / the drafts: MD5 of the version strings.
inline constexpr uint8_t kNatTVidRfc[16] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                                            0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
inline constexpr uint8_t kNatTVidDraft03[16] = {0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f,
                                                0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56};
// MD5("draft-ietf-ipsec-nat-t-ike-02\n") (with the newline, as every implementation sends it).
inline constexpr uint8_t kNatTVidDraft02[16] = {0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e,
                                                0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f};

inline constexpr uint16_t kDefaultNatTPort = 4500;          // RFC 3947 §4
inline constexpr int64_t kDefaultNatTKeepaliveSeconds = 20;  // [General]:NAT-T-Keepalive

// --- vendor IDs (RFC 3947 §3.1) ---------------------------------------------------------
// Everything we support, preferred first (isakmpd sends all three unless -T).
std::vector<wire::Payload> nat_t_vendor_ids();
// The best version both sides support given the peer's vendor IDs (RFC over draft-03 over
// draft-02); None when the peer sent no NAT-T vendor ID.
NatTVersion nat_t_select_version(std::span<const wire::VendorPayload* const> vids) noexcept;
// The responder's answer: exactly the chosen version's vendor ID (none for None).
std::optional<wire::VendorPayload> nat_t_reply_vendor_id(NatTVersion v);
// Initiator: the version the responder's vendor IDs select (None if it sent none).
NatTVersion nat_t_accept_reply(std::span<const wire::VendorPayload* const> vids) noexcept;

// --- NAT-D (RFC 3947 §3.2) --------------------------------------------------------------
// HASH(CKY-I | CKY-R | IP | Port), port in network byte order.
base::Bytes nat_d_hash(const crypto::Provider& p, crypto::HashAlg h,
                       const base::CookiePair& cookies, const base::SockAddr& addr);
// The two NAT-D payloads we send: the peer's address first, then ours (type 20, or 130 for a
// draft version).
std::vector<wire::Payload> nat_d_payloads(const crypto::Provider& p, crypto::HashAlg h,
                                          const base::CookiePair& cookies, NatTVersion v,
                                          const base::SockAddr& local,
                                          const base::SockAddr& peer);
// Evaluates the peer's NAT-D payloads as received on `local` from `peer` and sets
// local_behind_nat / peer_behind_nat. RFC 3947 §3.2: "If there are no NAT-D payloads received,
// the other end does not support NAT-T" -> nothing detected. Errors (PAYLOAD_MALFORMED): a
// single NAT-D, or NAT-D of the other kind than negotiated (RFC type 20 vs draft 130).
[[nodiscard]] base::Status nat_t_evaluate(const crypto::Provider& p, crypto::HashAlg h,
                                          const base::CookiePair& cookies,
                                          const base::SockAddr& local,
                                          const base::SockAddr& peer,
                                          std::span<const wire::NatDPayload* const> natd,
                                          NatTState& state);

// --- phase 2 (RFC 3947 §5) --------------------------------------------------------------
// UDP encapsulation modes when a NAT was detected: RFC values 3/4, or 61443/61444 for a draft.
UdpEncap nat_t_udp_encap(const NatTState& s) noexcept;
// RFC 3947 §5.2: in transport mode the initiator and the responder send NAT-OAi (the initiator's
// original address) then NAT-OAr (the responder's); the drafts carry one NAT-OA, the sender's own
// original source address. `ours`/`theirs` as we know them (ours = our local address).
std::vector<wire::Payload> nat_oa_payloads(const NatTState& s, bool initiator,
                                           const base::IpAddress& ours,
                                           const base::IpAddress& theirs);
// The original addresses a peer's NAT-OA payloads carry; errors name the bad payload.
[[nodiscard]] base::Result<NatOa> parse_nat_oa(std::span<const wire::NatOaPayload* const> oa,
                                               bool peer_is_initiator);
// Transport mode over a NAT: a responder (strongSwan) may echo a host ID it translated to the
// address the NAT gave it, which is the NAT-OA it sends for that side (RFC 3947 §5.2). True
// when `got` is a host address ID equal to `nat_oa` and `sent` was a host address ID too.
bool nat_t_translated_id_ok(const wire::IdPayload& got, const wire::IdPayload& sent,
                            const std::optional<base::IpAddress>& nat_oa) noexcept;
// RFC 3948 ESP-in-UDP: the ports of an SA installed over a floated ISAKMP SA.
void nat_t_fill_sa_install(const NatTState& s, const base::SockAddr& local,
                           const base::SockAddr& peer, bool inbound, base::SaInstall& sa) noexcept;

// --- engine glue ------------------------------------------------------------------------
class EngineImpl;
struct Exchange;
struct IsakmpSa;
struct Inbound;

// The NAT-T port the engine floats to (EngineOptions::nat_t_port).
uint16_t nat_t_port(const EngineImpl& e) noexcept;
// Main Mode: adds our vendor IDs to MM1 (unless -T).
void nat_t_add_offer_vids(const EngineImpl& e, std::vector<wire::Payload>& payloads);
// Responder MM1 -> state.version; adds the reply vendor ID to MM2.
void nat_t_on_offer(const EngineImpl& e, const Inbound& in, NatTState& state,
                    std::vector<wire::Payload>& reply);
// Initiator MM2 -> state.version.
void nat_t_on_reply(const EngineImpl& e, const Inbound& in, NatTState& state);
// MM3/MM4: appends NAT-D payloads when a version was negotiated.
void nat_t_add_nat_d(const EngineImpl& e, const Exchange& x, crypto::HashAlg h,
                     const NatTState& state, std::vector<wire::Payload>& payloads);
// MM3 (responder) / MM4 (initiator): evaluates the NAT-D payloads into `state` (unchanged on
// error). Validation only: call before accept().
[[nodiscard]] base::Status nat_t_on_nat_d(const EngineImpl& e, const Exchange& x,
                                          crypto::HashAlg h, const Inbound& in,
                                          NatTState& state);
// Initiator after MM4 (AM: after AM2) was accepted: when a NAT was detected, the next message
// goes from our NAT-T port to the peer's (RFC 3947 §4).
void nat_t_initiator_float(const EngineImpl& e, Exchange& x, NatTState& state);
// Responder: a message of the exchange arrived on the NAT-T port (MM5 after the initiator
// floated): our replies follow it to the port and address it came from.
void nat_t_follow_float(const EngineImpl& e, Exchange& x, const Inbound& in, NatTState& state);
// NAT rebinding on an established, floated ISAKMP SA: a protected message that arrived on the
// NAT-T port from another address/port moves the SA's (and the exchange's) peer there before
// the step runs, so its answer follows the new mapping; nat_t_rebind_end keeps the move only if
// the step authenticated the message, else restores the old peer.
struct NatRebind {
  base::SockAddr old_peer, new_peer;
};
std::optional<NatRebind> nat_t_rebind_begin(EngineImpl& e, const wire::Header& h,
                                            const Datagram& d, Exchange* x);
void nat_t_rebind_end(EngineImpl& e, const wire::Header& h, const NatRebind& r, bool accepted);
// Keepalives (RFC 3948 §2.3, one 0xFF octet) from the side behind the NAT every
// [General]:NAT-T-Keepalive seconds (0 disables).
void nat_t_schedule_keepalive(const EngineImpl& e, IsakmpSa& sa, base::TimePoint now);
void nat_t_send_keepalives(EngineImpl& e, base::TimePoint now);
// (their deadlines are in SaDb::next_deadline(): IsakmpSa::next_keepalive)

}  // namespace ike::engine
