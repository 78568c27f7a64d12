// Main Mode with pre-shared keys (RFC 2409 §5.4) and RSA signatures (§5.1), both roles:
//
//   Initiator                          Responder
//   HDR, SA, VID(DPD)            -->                      MM1
//                                <--   HDR, SA, VID(DPD)  MM2
//   HDR, KE, Ni                  -->                      MM3
//                                <--   HDR, KE, Nr        MM4
//   HDR*, IDii, HASH_I [, N(IC)] -->                      MM5
//                                <--   HDR*, IDir, HASH_R [, N(IC)]  MM6
//
// With RSA_SIG (auth_signature.h): MM3/MM4 add one CERT_REQ per CA, MM5/MM6 carry
// IDii/IDir, [CERT,] SIG_I/SIG_R instead of the HASH, SKEYID = prf(Ni_b | Nr_b, g^xy).
// SKEYID = prf(pre-shared-key, Ni_b | Nr_b); HASH_I/HASH_R per keymat.h; INITIAL-CONTACT
// (RFC 2407 §4.6.3.3) on the first contact with a peer since start, after the HASH and not
// covered by it (isakmpd). Nonces are 16 bytes as initiator, the responder mirrors the length.
// NAT-T (RFC 3947: VIDs in MM1/MM2, NAT-D in MM3/MM4, float from MM5) is in nat_t.{h,cc}.
// Every step validates first and commits with accept().
#include <fmt/format.h>

#include "base/log.h"
#include "engine/auth_signature.h"
#include "engine/engine_impl.h"
#include "engine/exchanges/common.h"
#include "engine/exchanges/phase1_rollback.h"
#include "engine/fuzzing_hook.h"
#include "engine/fragment_send.h"
#include "engine/ipsec_id.h"
#include "engine/keymat.h"
#include "engine/phase1_keynote.h"
#include "engine/nat_t.h"
#include "engine/phase1_policy.h"

namespace ike::engine {

namespace {

using base::ErrorCode;
using base::NotifyType;

wire::Header mm_header(const base::CookiePair& c) {
  return phase1_header(c, wire::ExchangeType::IdProt);
}

// The negotiated method needs a credential we have: a PSK, or a private key for RSA_SIG (an EC
// key on the method's curve for ECDSA_256/384/521).
base::Status check_credentials(EngineImpl& e, const PeerConfig& peer, const Phase1Suite& suite,
                               const base::IpAddress& local) {
  if (is_signature_method(suite.auth_method)) {
    const auto method = static_cast<uint16_t>(suite.auth_method);
    IKE_TRY(wire::IdPayload our_id, local_phase1_id(e.conf(), peer.id_section, local));
    auto missing = e.pki() == nullptr ? std::optional<std::string>("no signature credentials loaded")
                                      : e.pki()->missing_signature_credential(our_id, method);
    if (missing) {
      return base::make_error(ErrorCode::Config, NotifyType::AuthenticationFailed,
                              "[{}]: {} chosen but {}", peer.section,
                              wire::registry_name_or_number(wire::Registry::IkeAuthMethod, method),
                              *missing);
    }
  } else if (!peer.has_psk) {
    return base::make_error(ErrorCode::Config, NotifyType::AuthenticationFailed,
                            "[{}]:Authentication missing (pre-shared key required)",
                            peer.section);
  }
  return base::ok();
}

// KE, nonce [, CERT_REQ per CA with RSA_SIG] (MM3/MM4).
std::vector<wire::Payload> ke_nonce_payloads(EngineImpl& e, const MainModeData& mm,
                                             const base::Bytes& ke, const base::Bytes& nonce) {
  std::vector<wire::Payload> payloads{wire::KePayload{ke}, wire::NoncePayload{nonce}};
  if (phase1_uses_signatures(mm)) {
    for (auto& cr : certificate_requests(e.pki())) payloads.emplace_back(std::move(cr));
  }
  return payloads;
}

base::Bytes random_bytes(EngineImpl& e, std::size_t n) {
  base::Bytes b(n);
  e.rng().fill(b);
  return b;
}

wire::NotifyPayload initial_contact_notify(const base::CookiePair& c) {
  wire::NotifyPayload n;
  n.protocol_id = static_cast<uint8_t>(wire::ProtocolId::Isakmp);
  n.type = static_cast<uint16_t>(NotifyType::InitialContact);
  n.spi = cookie_spi(c);
  return n;
}

bool has_initial_contact(const Inbound& in) {
  for (const auto* n : in.all<wire::NotifyPayload>()) {
    if (n->type == static_cast<uint16_t>(NotifyType::InitialContact)) return true;
  }
  return false;
}

// MM5/MM6 body: ID, HASH [, N(INITIAL-CONTACT)], encrypted with the phase-1 chain.
base::Result<base::Bytes> build_auth_message(EngineImpl& e, Exchange& x) {
  MainModeData& mm = *x.mm;
  IKE_TRY(wire::IdPayload id,
          local_phase1_id(e.conf(), mm.peer.id_section, x.local.address));
  base::Bytes id_b = wire::encode_payload_body(id);
  base::Bytes hash = x.role == Role::Initiator
                         ? hash_i(e.crypto(), auth_hash_alg(mm.suite), base::view(mm.keys.skeyid),
                                  base::view(mm.g_xi), base::view(mm.g_xr), x.key.cookies,
                                  base::view(mm.sai_b), base::view(id_b))
                         : hash_r(e.crypto(), auth_hash_alg(mm.suite), base::view(mm.keys.skeyid),
                                  base::view(mm.g_xi), base::view(mm.g_xr), x.key.cookies,
                                  base::view(mm.sai_b), base::view(id_b));
  std::vector<wire::Payload> payloads{id};
  if (phase1_uses_signatures(mm)) {
    // RFC 2409 §5.1: SIG_I / SIG_R = the signature over HASH_I / HASH_R.
    IKE_TRY(std::vector<wire::Payload> auth,
            sign_phase1(e.pki(), base::view(hash), id, mm.peer_cert_reqs,
                        static_cast<uint16_t>(mm.suite.auth_method)));
    for (auto& pl : auth) payloads.push_back(std::move(pl));
  } else {
    payloads.emplace_back(wire::HashPayload{std::move(hash)});
  }
  if (e.sas().first_contact(x.peer.address)) {
    payloads.emplace_back(initial_contact_notify(x.key.cookies));
  }
  IKE_TRY(Built built, build_encrypted(e.crypto(), mm.cipher, base::view(mm.keys.enc_key),
                                       base::view(mm.iv.phase1_iv()), mm_header(x.key.cookies),
                                       payloads));
  IKE_TRY_VOID(mm.iv.advance_phase1(base::view(built.last_block)));
  e.log_packet(x.local, x.peer, base::view(built.cleartext));
  return std::move(built.datagram);
}

// Verifies HASH_I (responder) or HASH_R (initiator) and the peer's ID.
base::Status verify_auth(EngineImpl& e, Exchange& x, const Inbound& in) {
  MainModeData& mm = *x.mm;
  const wire::PayloadEntry* id_entry = in.entry(wire::PayloadType::Id);
  const auto* id = in.find<wire::IdPayload>();
  const auto* hash = in.find<wire::HashPayload>();
  const auto* sig = in.find<wire::SigPayload>();
  const char* what = x.role == Role::Responder ? "MM5" : "MM6";
  if (phase1_uses_signatures(mm) ? sig == nullptr || hash != nullptr : hash == nullptr || sig != nullptr) {
    return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                            "{}: {} needs {} (got HASH {}, SIG {})", what,
                            wire::registry_name_or_number(
                                wire::Registry::IkeAuthMethod,
                                static_cast<uint16_t>(mm.suite.auth_method)),
                            phase1_uses_signatures(mm) ? "SIG and no HASH" : "HASH and no SIG",
                            hash != nullptr ? "yes" : "no", sig != nullptr ? "yes" : "no");
  }
  base::ByteView id_b = in.body_of(*id_entry);
  base::Bytes expected =
      x.role == Role::Responder
          ? hash_i(e.crypto(), auth_hash_alg(mm.suite), base::view(mm.keys.skeyid), base::view(mm.g_xi),
                   base::view(mm.g_xr), x.key.cookies, base::view(mm.sai_b), id_b)
          : hash_r(e.crypto(), auth_hash_alg(mm.suite), base::view(mm.keys.skeyid), base::view(mm.g_xi),
                   base::view(mm.g_xr), x.key.cookies, base::view(mm.sai_b), id_b);
  if (phase1_uses_signatures(mm)) {
    auto how = verify_phase1_signature(e.pki(), *id, in.all<wire::CertPayload>(), *sig,
                                       base::view(expected), &mm.peer_principals,
                                       static_cast<uint16_t>(mm.suite.auth_method));
    if (!auth_check_passes(how.has_value())) return how.error();
    IKE_LOG_DEBUG(Exchange, 20, "{}: {} verified with {}", x.name,
                  x.role == Role::Responder ? "SIG_I" : "SIG_R",
                  how ? *how : std::string("fuzzing bypass"));
    mm.peer_id_b = base::to_bytes(id_b);  // keynote_check_phase1: Credential-directory/<ID>
    IKE_TRY_VOID(keynote_check_phase1(e, mm, in.all<wire::CertPayload>()));
  } else if (!auth_check_passes(
                 crypto::constant_time_equal(base::view(expected), base::view(hash->data)))) {
    return base::make_error(ErrorCode::Auth, NotifyType::InvalidHashInformation, "{} mismatch",
                            x.role == Role::Responder ? "HASH_I" : "HASH_R");
  }
  IKE_TRY(Phase1IdCheck check, verify_peer_phase1_id(e.conf(), mm.peer.remote_id_section,
                                                      x.peer.address, *id));
  (void)check;
  mm.peer_id_b = base::to_bytes(id_b);
  mm.peer_initial_contact = has_initial_contact(in);
  return base::ok();
}

base::SockAddr unspecified_like(const base::IpAddress& peer, uint16_t port) {
  if (peer.is_v4()) return base::SockAddr{base::IpAddress{}, port};
  return base::SockAddr{base::IpAddress::v6(base::Bytes(16, 0)), port};
}

}  // namespace

// HDR, SA, VID -->
base::Status mm_initiate(EngineImpl& e, const std::string& peer_section,
                         std::vector<std::string> queued, base::TimePoint now) {
  IKE_TRY(PeerConfig peer, load_peer_config(e.conf(), peer_section));
  if (!peer.address) {
    return base::make_error(ErrorCode::Config, NotifyType::None,
                            "[{}]:Address missing, cannot initiate", peer_section);
  }
  if (!peer.has_psk && (e.pki() == nullptr ||
                        (!e.pki()->private_key && e.pki()->id_private_keys.empty() &&
                         !e.pki()->ec_private_key && e.pki()->id_ec_private_keys.empty()))) {
    return base::make_error(ErrorCode::Config, NotifyType::None,
                            "[{}]:Authentication missing (pre-shared key, RSA or EC private key "
                            "required)",
                            peer_section);
  }
  IKE_TRY(Phase1Offer offer, build_phase1_offer(e.conf(), peer_section, e.crypto()));
  Exchange x;
  x.key = ExchangeKey{base::CookiePair{e.new_cookie(), base::Cookie{}}, base::MessageId{0}};
  x.type = wire::ExchangeType::IdProt;
  x.role = Role::Initiator;
  x.state = State::MmISent1;
  x.name = peer_section;
  x.peer = base::SockAddr{*peer.address, peer.port};
  x.local = peer.local_address ? base::SockAddr{*peer.local_address, e.options().listen_port}
                               : unspecified_like(*peer.address, e.options().listen_port);
  x.started = now;
  x.expires = now + e.retransmit_policy().exchange_max_time;
  x.mm = std::make_unique<MainModeData>();
  x.mm->sai_b = wire::encode_payload_body(offer.sa);
  std::vector<wire::Payload> payloads{offer.sa, dpd_vendor_id_payload(),
                                      fragmentation_vendor_id_payload()};
  apply_fragmentation_mode(peer, payloads);
  nat_t_add_offer_vids(e, payloads);
  x.mm->peer = std::move(peer);
  x.mm->offer = std::move(offer);
  x.mm->queued = std::move(queued);
  base::Bytes msg = build_clear(mm_header(x.key.cookies), payloads);
  Exchange& stored = e.exchanges().add(std::move(x));
  IKE_LOG_DEBUG(Exchange, 10, "Main Mode initiator {} -> {}, icookie {}", peer_section,
                stored.peer.to_string(), stored.key.cookies.initiator.hex());
  e.send_exchange_message(stored, std::move(msg), now, true);
  return base::ok();
}

// HDR, SA, VID -->  (responder; creates the exchange)   <-- HDR, SA, VID
base::Status mm_r_recv1(EngineImpl& e, const Inbound& in, base::TimePoint now) {
  const Datagram& d = *in.datagram;
  IKE_TRY(std::string section, e.conf_cache().phase1_peer_for(e.conf(), d.peer.address));
  IKE_TRY(PeerConfig peer, load_peer_config(e.conf(), section));
  // Floods (half_open.h): Max-half-open-per-peer refuses before any work is done.
  IKE_TRY_VOID(e.half_open_admit(d.peer.address));
  // Transforms whose authentication method lacks a credential (no PSK; RSA_SIG without a private
  // key for the ID we would use) are skipped: NO_PROPOSAL_CHOSEN names the missing credential.
  IKE_TRY(wire::IdPayload our_id, local_phase1_id(e.conf(), peer.id_section, d.local.address));
  const Phase1Credentials creds = phase1_credentials(e, peer, our_id);
  const wire::PayloadEntry* sa_entry = in.entry(wire::PayloadType::Sa);
  auto choice =
      select_phase1(e.conf(), section, *in.find<wire::SaPayload>(), e.crypto(), &creds,
                    &e.conf_memo());
  if (!choice) {
    refuse_phase1_offer(e, in, "Main Mode", section, choice.error());
    return base::ok();
  }
  IKE_TRY(crypto::CipherAlg cipher, choice->suite.cipher());
  IKE_TRY_VOID(check_credentials(e, peer, choice->suite, d.local.address));
  base::TimePoint half_open_deadline = e.half_open_make_room(now);  // Max-half-open
  Exchange x = new_phase1_responder(e, in, wire::ExchangeType::IdProt, State::MmRSent2,
                                    section, now);
  x.expires = half_open_deadline;  // Half-open-max-time until MM5 authenticates
  x.mm->peer = std::move(peer);
  x.mm->sai_b = base::to_bytes(in.body_of(*sa_entry));
  x.mm->suite = choice->suite;
  x.mm->cipher = cipher;
  x.mm->peer_dpd = has_dpd_vendor_id(in);
  x.peer_fragmentation = has_fragmentation_vendor_id(in);
  Exchange& stored = e.exchanges().add(std::move(x));
  IKE_TRY_VOID(accept(e, stored, in));
  IKE_LOG_DEBUG(Exchange, 10, "Main Mode responder for {} ({}): chose {}", d.peer.to_string(),
                section, choice->suite.to_string());
  // Built by moves: an initializer list would copy the SA payload and both vendor IDs.
  std::vector<wire::Payload> payloads;
  payloads.reserve(6);  // SA, 2 VIDs, NAT-T VID, slack
  payloads.emplace_back(std::move(choice->reply));
  payloads.emplace_back(dpd_vendor_id_payload());
  payloads.emplace_back(fragmentation_vendor_id_payload());
  apply_fragmentation_mode(stored.mm->peer, payloads);
  nat_t_on_offer(e, in, stored.mm->nat, payloads);
  e.send_exchange_message(stored, build_clear(mm_header(stored.key.cookies), payloads), now,
                          true);
  return base::ok();
}

// <-- HDR, SA, VID    then   HDR, KE, Ni [, NAT-D, NAT-D] -->
base::Status mm_i_recv2(EngineImpl& e, Exchange& x, const Inbound& in, base::TimePoint now) {
  MainModeData& mm = *x.mm;
  IKE_TRY(Phase1Suite suite, accept_phase1_reply(mm.offer, *in.find<wire::SaPayload>()));
  IKE_TRY(crypto::CipherAlg cipher, suite.cipher());
  IKE_TRY_VOID(check_credentials(e, mm.peer, suite, in.datagram->local.address));
  IKE_TRY(auto dh, e.crypto().dh_generate(suite.dh_group, e.rng()));
  // Commit: the exchange learns the responder cookie.
  e.exchanges().rekey(x.key, ExchangeKey{in.header.cookies, base::MessageId{0}});
  IKE_TRY_VOID(accept(e, x, in));
  if (x.local.address.is_unspecified()) x.local = in.datagram->local;  // learn our address
  mm.suite = suite;
  mm.cipher = cipher;
  mm.peer_dpd = has_dpd_vendor_id(in);
  x.peer_fragmentation = has_fragmentation_vendor_id(in);
  nat_t_on_reply(e, in, mm.nat);
  mm.dh = std::move(dh);
  mm.g_xi = mm.dh->public_value();
  mm.ni_b = random_bytes(e, kNonceSize);
  std::vector<wire::Payload> payloads = ke_nonce_payloads(e, mm, mm.g_xi, mm.ni_b);
  nat_t_add_nat_d(e, x, mm.suite.hash, mm.nat, payloads);
  x.state = State::MmISent3;
  e.send_exchange_message(x, build_clear(mm_header(x.key.cookies), payloads), now, true);
  return base::ok();
}

// HDR, KE, Ni [, NAT-D, NAT-D] -->    then   <-- HDR, KE, Nr [, NAT-D, NAT-D]
base::Status mm_r_recv3(EngineImpl& e, Exchange& x, const Inbound& in, base::TimePoint now) {
  MainModeData& mm = *x.mm;
  const auto* ke = in.find<wire::KePayload>();
  const auto* ni = in.find<wire::NoncePayload>();
  IKE_TRY_VOID(check_phase1_nonce(*ni));
  IKE_TRY_VOID(check_phase1_ke(e, mm.suite.dh_group, *ke));
  NatTState nat = mm.nat;
  IKE_TRY_VOID(nat_t_on_nat_d(e, x, mm.suite.hash, in, nat));
  IKE_TRY(auto dh, e.crypto().dh_generate(mm.suite.dh_group, e.rng()));
  Phase1Rollback rollback(mm);  // SKEYID needs the working set filled before accept()
  mm.dh = std::move(dh);
  mm.g_xi = ke->data;
  mm.g_xr = mm.dh->public_value();
  mm.ni_b = ni->data;
  mm.nr_b = random_bytes(e, ni->data.size());  // mirror the initiator's nonce length
  IKE_TRY(Phase1Keys keys, derive_phase1_exchange_keys(e, mm, x.key.cookies, base::view(ke->data)));
  IKE_TRY_VOID(accept(e, x, in));
  rollback.commit();
  mm.keys = std::move(keys);
  mm.iv = IvChain(mm.keys.iv);
  mm.nat = nat;
  mm.peer_cert_reqs = peer_cert_requests(in);
  std::vector<wire::Payload> payloads = ke_nonce_payloads(e, mm, mm.g_xr, mm.nr_b);
  nat_t_add_nat_d(e, x, mm.suite.hash, mm.nat, payloads);
  x.state = State::MmRSent4;
  e.send_exchange_message(x, build_clear(mm_header(x.key.cookies), payloads), now, true);
  return base::ok();
}

// <-- HDR, KE, Nr    then   HDR*, IDii, HASH_I [, N(INITIAL-CONTACT)] -->
base::Status mm_i_recv4(EngineImpl& e, Exchange& x, const Inbound& in, base::TimePoint now) {
  MainModeData& mm = *x.mm;
  const auto* ke = in.find<wire::KePayload>();
  const auto* nr = in.find<wire::NoncePayload>();
  IKE_TRY_VOID(check_phase1_nonce(*nr));
  IKE_TRY_VOID(check_phase1_ke(e, mm.suite.dh_group, *ke));
  NatTState nat = mm.nat;
  IKE_TRY_VOID(nat_t_on_nat_d(e, x, mm.suite.hash, in, nat));
  Phase1Rollback rollback(mm);  // SKEYID needs the working set filled before accept()
  mm.g_xr = ke->data;
  mm.nr_b = nr->data;
  IKE_TRY(Phase1Keys keys, derive_phase1_exchange_keys(e, mm, x.key.cookies, base::view(ke->data)));
  IKE_TRY_VOID(accept(e, x, in));
  rollback.commit();
  mm.keys = std::move(keys);
  mm.iv = IvChain(mm.keys.iv);
  mm.nat = nat;
  mm.peer_cert_reqs = peer_cert_requests(in);
  nat_t_initiator_float(e, x, mm.nat);
  IKE_TRY(base::Bytes msg, build_auth_message(e, x));
  x.state = State::MmISent5;
  e.send_exchange_message(x, std::move(msg), now, true);
  return base::ok();
}

// HDR*, IDii, HASH_I -->    then   <-- HDR*, IDir, HASH_R [, N(INITIAL-CONTACT)]
base::Status mm_r_recv5(EngineImpl& e, Exchange& x, const Inbound& in, base::TimePoint now) {
  Phase1Rollback rollback(*x.mm);  // verify_auth records the peer's KeyNote principals
  IKE_TRY_VOID(verify_auth(e, x, in));
  IKE_TRY_VOID(accept(e, x, in));
  rollback.commit();
  nat_t_follow_float(e, x, in, x.mm->nat);
  IKE_TRY(base::Bytes msg, build_auth_message(e, x));
  x.state = State::MmRDone;
  e.send_exchange_message(x, std::move(msg), now, false);
  phase1_established(e, x, now);
  e.finish_exchange(x.key, now, true);
  return base::ok();
}

// <-- HDR*, IDir, HASH_R [, N(INITIAL-CONTACT)]
base::Status mm_i_recv6(EngineImpl& e, Exchange& x, const Inbound& in, base::TimePoint now) {
  Phase1Rollback rollback(*x.mm);  // verify_auth records the peer's KeyNote principals
  IKE_TRY_VOID(verify_auth(e, x, in));
  IKE_TRY_VOID(accept(e, x, in));
  rollback.commit();
  ExchangeKey key = x.key;
  phase1_established(e, x, now);
  e.finish_exchange(key, now, false);
  return base::ok();
}

}  // namespace ike::engine
