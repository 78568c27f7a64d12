// Helpers shared by the exchange steps: building cleartext and encrypted messages (with a
// leading HASH computed over the payloads that follow it, RFC 2409 §5.5/§5.7), the
// Informational messages the engine sends (notifies, DELETE, DPD), SA teardown, and the
// initiation entry points of Main Mode and Quick Mode. Internal to src/engine.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "engine/exchange.h"
#include "engine/io.h"
#include "engine/phase1_policy.h"
#include "engine/sa_db.h"
#include "wire/message.h"

namespace ike::engine {

class EngineImpl;

// RFC 3706 §2: the DPD vendor ID (version 1.0).
inline constexpr uint8_t kDpdVendorId[16] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                                             0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};
inline constexpr std::size_t kNonceSize = 16;  // isakmpd: 16-byte nonces as initiator

struct Inbound;

// --- phase-1 helpers shared by Main Mode and Aggressive Mode ------------------------------
wire::Header phase1_header(const base::CookiePair& c, wire::ExchangeType exchange);
wire::VendorPayload dpd_vendor_id_payload();
bool has_dpd_vendor_id(const Inbound& in);
// RFC 2409 §5: "The length of nonce payload MUST be between 8 and 256 bytes inclusive."
[[nodiscard]] base::Status check_phase1_nonce(const wire::NoncePayload& n);
// The KE must have exactly the public-value length of the negotiated group
// (INVALID_KEY_INFORMATION otherwise).
[[nodiscard]] base::Status check_phase1_ke(EngineImpl& e, uint16_t group,
                                           const wire::KePayload& ke);
bool phase1_uses_signatures(const MainModeData& mm);
// The peer's CERT_REQ payloads of `in` (capped by the payload rules), kept for the CERT we send
// (auth_signature.h choose_local_certificate).
std::vector<wire::CertReqPayload> peer_cert_requests(const Inbound& in);
// What a responder can authenticate with as `our_id` for `peer` (select_phase1 skips the
// methods whose credential is missing): a pre-shared key (unless `psk_checked_later`: Aggressive
// Mode may find it in the section named after IDii), and for RSA_SIG/ECDSA a private key for
// our ID (PkiStore::missing_signature_credential). The answer refers to `e`, `peer` and
// `our_id`: use it while they live (the select_phase1 call).
Phase1Credentials phase1_credentials(EngineImpl& e, const PeerConfig& peer,
                                     const wire::IdPayload& our_id,
                                     bool psk_checked_later = false);
// g^xy, SKEYID (RFC 2409 §5: signature or pre-shared-key formula by the negotiated method) and
// the phase-1 keys, once both KE payloads and both nonces are known.
[[nodiscard]] base::Result<Phase1Keys> derive_phase1_exchange_keys(EngineImpl& e,
                                                                   MainModeData& mm,
                                                                   const base::CookiePair& c,
                                                                   base::ByteView peer_ke);
// A refused first phase-1 message (MM1/AM1): logs why, answers with the error's notify in the
// clear (RFC 2408 §5: no SA exists yet) and records the failure. No state is kept.
void refuse_phase1_offer(EngineImpl& e, const Inbound& in, std::string_view exchange_name,
                         const std::string& section, const base::Error& err);
// A new responder phase-1 exchange for `in` with a fresh responder cookie and its
// Exchange-max-time deadline; the caller fills the MainModeData.
Exchange new_phase1_responder(EngineImpl& e, const Inbound& in, wire::ExchangeType type,
                              State state, const std::string& section, base::TimePoint now);

struct Built {
  base::Bytes datagram;
  base::Bytes last_block;  // encrypted: the next IV of the chain
  base::Bytes cleartext;   // the message before encryption (E flag clear), for PacketLog
};

// Cleartext message (header.next_payload/length computed).
base::Bytes build_clear(const wire::Header& h, std::span<const wire::Payload> payloads);

// Encrypted message. With hash_len > 0 a HASH payload is placed first and filled with
// `hash_fn(after_hash)` where after_hash is every payload after it (generic headers included).
[[nodiscard]] base::Result<Built> build_encrypted(
    const crypto::Provider& p, crypto::CipherAlg cipher, base::ByteView key, base::ByteView iv,
    wire::Header h, std::span<const wire::Payload> payloads, std::size_t hash_len = 0,
    const std::function<base::Bytes(base::ByteView)>& hash_fn = {});

// Protected Informational exchange over `sa` (RFC 2409 §5.7):
//   HDR*, HASH(1), N/D -->   HASH(1) = prf(SKEYID_a, M-ID | N/D)
// with a fresh message id and its own IV.
[[nodiscard]] base::Status send_info_protected(EngineImpl& e, IsakmpSa& sa,
                                               std::vector<wire::Payload> payloads);
// An unprotected notify (no ISAKMP SA: RFC 2408 §5; e.g. NO_PROPOSAL_CHOSEN answering MM1).
void send_notify_clear(EngineImpl& e, const base::SockAddr& local, const base::SockAddr& peer,
                       const base::CookiePair& cookies, base::NotifyType type);
// A protected notify about a Quick Mode (protocol/SPI of the proposal) or phase 1.
void send_notify_protected(EngineImpl& e, IsakmpSa& sa, base::NotifyType type,
                           uint8_t protocol_id, base::Bytes spi, base::Bytes data = {});
// The ISAKMP SA "SPI" of notifies and DELETE: CKY-I | CKY-R (RFC 2408 §3.14/§3.15).
base::Bytes cookie_spi(const base::CookiePair& c);

// Deletes an IPsec SA: DELETE (our inbound SPI) when asked and the parent ISAKMP SA exists,
// kernel SA/flow deletion, Phase2Deleted event. Idempotent (unknown SPI: no-op).
void delete_ipsec_sa(EngineImpl& e, base::Spi in_spi, bool send_delete, std::string_view why);
// Deletes an ISAKMP SA: DELETE when asked, Phase1Deleted, and its exchanges abandoned.
void delete_isakmp_sa(EngineImpl& e, const base::CookiePair& c, bool send_delete,
                      std::string_view why);

// Unencrypted Informational: logged only; an error notify fails our pending MM1/MM3 exchange
// with those cookies.
void handle_unprotected_info(EngineImpl& e, const Datagram& d, const wire::Header& h,
                             base::TimePoint now);

// RFC 2407 §4.6.3.3 INITIAL-CONTACT (authenticated): deletes every other SA with the peer of
// ISAKMP SA `current` (no DELETE is sent: the peer forgot them).
void handle_initial_contact(EngineImpl& e, const base::CookiePair& current);

// The peer sent a message over ISAKMP SA `c` with a fresh message id whose HASH verified. Its
// IV comes from the last CBC block of the final phase-1 message (RFC 2409 Appendix B), so the
// peer holds our MM6: the responder Main Mode lingering to resend MM6 (MmRDone) is removed now
// instead of at Exchange-max-time. Issue #7: with RSA_SIG an MM6 carries our certificate, and
// a burst of handshakes kept ~2 KB per new SA pair in lingering exchanges for Exchange-max-time.
void phase1_confirmed_by_peer(EngineImpl& e, const base::CookiePair& c);

// Ends the IV chain of a QM exchange (no-op for Main Mode).
void end_exchange_iv(EngineImpl& e, const ExchangeKey& key);

// Main Mode initiator: HDR, SA, VID -->  (connections queued until phase 1 completes).
[[nodiscard]] base::Status mm_initiate(EngineImpl& e, const std::string& peer_section,
                                       std::vector<std::string> queued, base::TimePoint now);
// Quick Mode initiator over an established ISAKMP SA: GETSPI, then QM1.
[[nodiscard]] base::Status qm_initiate(EngineImpl& e, IsakmpSa& sa,
                                       const std::string& connection, base::TimePoint now);
// A GETSPI answer for a Quick Mode waiting in QmIWaitSpi / QmRWaitSpi.
void qm_on_spi(EngineImpl& e, Exchange& x, const KernelReply& reply, base::TimePoint now);

// Phase 1 complete (either role): stores the ISAKMP SA, emits Phase1Established/KeyMaterial,
// handles a received INITIAL-CONTACT, and starts the queued Quick Modes.
void phase1_established(EngineImpl& e, Exchange& x, base::TimePoint now);

}  // namespace ike::engine
