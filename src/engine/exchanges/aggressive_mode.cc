// Aggressive Mode with pre-shared keys (RFC 2409 §5.4, exchange type 4) and RSA signatures
// (§5.1), both roles:
//
//   Initiator                                 Responder
//   HDR, SA, KE, Ni, IDii, VID(DPD)      -->                                        AM1
//                                        <--  HDR, SA, KE, Nr, IDir, HASH_R, VID    AM2
//   HDR*, HASH_I                         -->                                        AM3
//
// NAT-T (RFC 3947 §3.1/§3.2/§4, nat_t.h): the NAT-T VIDs go in AM1 and the chosen one in AM2;
// the NAT-D payloads go in AM2 and AM3 (not AM1: the responder cookie is not known yet):
//   HDR, SA, KE, Ni, IDii, VID(DPD), VID(RFC), VID(d03), VID(d02)           -->  port 500
//        <--  HDR, SA, KE, Nr, IDir, HASH_R, VID(DPD), VID(RFC), NAT-D(I), NAT-D(R)  port 500
//   HDR*, HASH_I, NAT-D(R), NAT-D(I)     -->  from/to the NAT-T port when a NAT was detected
// The initiator evaluates AM2's NAT-D and floats before sending AM3 (its NAT-D then hashes the
// floated addresses, as strongSwan does); the responder evaluates AM3's against the addresses
// AM3 arrived on and follows the float.
//
// With RSA_SIG (auth_signature.h): AM1 adds CERT_REQ per CA, AM2 carries IDir, [CERT,] SIG_R
// [, CERT_REQ] and AM3 [CERT,] SIG_I instead of the HASHes; SKEYID = prf(Ni_b | Nr_b, g^xy):
//   HDR, SA, KE, Ni, IDii [, CERT_REQ]  -->
//                                       <--  HDR, SA, KE, Nr, IDir, [CERT,] SIG_R [, CERT_REQ]
//   HDR*, [CERT,] SIG_I                 -->
// SKEYID = prf(pre-shared-key, Ni_b | Nr_b); HASH_I/HASH_R per keymat.h. isakmpd parity:
//  * EXCHANGE_TYPE=AGGRESSIVE in the peer's ISAKMP-configuration section selects AM for an
//    initiator; a responder answers AM only for peers so configured (AM is off otherwise:
//    its PSK hash is offline-crackable, reliability.md classes 18/21).
//  * every transform of the offer must carry the same GROUP_DESCRIPTION, since the KE in AM1
//    is computed before the responder chooses (RFC 2409 §5.4: "the Diffie-Hellman group ...
//    MUST be the same"); the responder checks this and the KE length.
//  * INITIAL-CONTACT is never sent in AM and a received one fails the exchange.
//  * the responder's PSK: the peer's Authentication, else the section named after IDii.
//  * AM3 is sent encrypted; it is accepted encrypted or in the clear (peers differ).
// CVE-2023-30570 class: an AM1 carrying our responder cookie lands on the AM3 row and is
// dropped by its payload rule; a resent AM1 is answered from the cache only when it is a byte
// duplicate; half-open responder exchanges are capped per peer address.
// The authentication step (auth_payloads / verify_auth) switches on the negotiated method.
#include "engine/exchanges/aggressive_mode.h"

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

wire::Header am_header(const base::CookiePair& c) {
  return phase1_header(c, wire::ExchangeType::Aggressive);
}

// isakmpd rejects a received INITIAL-CONTACT in Aggressive Mode.
base::Status reject_initial_contact(const Inbound& in, const char* msg) {
  for (const auto* n : in.all<wire::NotifyPayload>()) {
    if (n->type == static_cast<uint16_t>(NotifyType::InitialContact)) {
      return base::make_error(ErrorCode::BadValue, NotifyType::None,
                              "{}: INITIAL-CONTACT is not allowed in Aggressive Mode", msg);
    }
  }
  return base::ok();
}

// RFC 2409 §5.4: all transforms of an AM offer use one group (the KE is already sent).
base::Result<uint16_t> single_group(const wire::SaPayload& sa) {
  std::optional<uint64_t> group;
  for (const auto& p : sa.proposals) {
    for (const auto& t : p.transforms) {
      const wire::Attribute* a = t.find(static_cast<uint16_t>(wire::IkeAttr::GroupDescription));
      std::optional<uint64_t> g = a != nullptr ? a->as_number() : std::nullopt;
      if (!g) {
        return base::make_error(ErrorCode::BadValue, NotifyType::NoProposalChosen,
                                "AM1 transform #{} has no GROUP_DESCRIPTION", t.number);
      }
      if (group && *group != *g) {
        return base::make_error(ErrorCode::BadValue, NotifyType::NoProposalChosen,
                                "AM1 transform #{} uses group {} but an earlier one {} "
                                "(Aggressive Mode needs one group)",
                                t.number, *g, *group);
      }
      group = g;
    }
  }
  if (!group) {
    return base::make_error(ErrorCode::BadValue, NotifyType::BadProposalSyntax,
                            "AM1 SA has no transforms");
  }
  return static_cast<uint16_t>(*group);
}

// HASH_I (initiator) or HASH_R (responder) over our own ID body: the authentication payloads,
// HASH for PRE_SHARED, [CERT,] SIG (RFC 2409 §5.1: the signature over that hash) for RSA_SIG.
base::Result<std::vector<wire::Payload>> auth_payloads(EngineImpl& e, Exchange& x) {
  MainModeData& mm = *x.mm;
  auto f = x.role == Role::Initiator ? &hash_i : &hash_r;
  base::Bytes hash = f(e.crypto(), auth_hash_alg(mm.suite), base::view(mm.keys.skeyid), base::view(mm.g_xi),
                       base::view(mm.g_xr), x.key.cookies, base::view(mm.sai_b),
                       base::view(mm.own_id_b));
  if (phase1_uses_signatures(mm)) {
    return sign_phase1(e.pki(), base::view(hash), *mm.own_id, mm.peer_cert_reqs,
                       static_cast<uint16_t>(mm.suite.auth_method));
  }
  return std::vector<wire::Payload>{wire::HashPayload{std::move(hash)}};
}

// Verifies the peer's HASH_R/SIG_R (initiator) or HASH_I/SIG_I (responder) over the peer's ID.
base::Status verify_auth(EngineImpl& e, Exchange& x, const base::CookiePair& cookies,
                         const Inbound& in) {
  MainModeData& mm = *x.mm;
  const auto* hash = in.find<wire::HashPayload>();
  const auto* sig = in.find<wire::SigPayload>();
  const char* what = x.role == Role::Responder ? "AM3" : "AM2";
  const bool rsa = phase1_uses_signatures(mm);
  if (rsa ? sig == nullptr || hash != nullptr : hash == nullptr || sig != nullptr) {
    return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                            "{}: {} needs {} (got HASH {}, SIG {})", what,
                            wire::registry_name_or_number(
                                wire::Registry::IkeAuthMethod,
                                static_cast<uint16_t>(mm.suite.auth_method)),
                            rsa ? "SIG and no HASH" : "HASH and no SIG",
                            hash != nullptr ? "yes" : "no", sig != nullptr ? "yes" : "no");
  }
  auto f = x.role == Role::Responder ? &hash_i : &hash_r;
  base::Bytes expected = f(e.crypto(), auth_hash_alg(mm.suite), base::view(mm.keys.skeyid),
                           base::view(mm.g_xi), base::view(mm.g_xr), cookies,
                           base::view(mm.sai_b), base::view(mm.peer_id_b));
  if (rsa) {
    auto how = verify_phase1_signature(e.pki(), *mm.peer_id, in.all<wire::CertPayload>(), *sig,
                                       base::view(expected), &mm.peer_principals,
                                       static_cast<uint16_t>(mm.suite.auth_method));
    if (!auth_check_passes(how.has_value())) {
      IKE_LOG_DEBUG(Exchange, 10, "{}: authentication failed for peer {} ({})", x.name,
                    x.peer.to_string(), how.error().detail);
      return how.error();
    }
    IKE_LOG_DEBUG(Exchange, 20, "{}: {} verified with {}", x.name,
                  x.role == Role::Responder ? "SIG_I" : "SIG_R",
                  how ? *how : std::string("fuzzing bypass"));
    return keynote_check_phase1(e, mm, in.all<wire::CertPayload>());
  }
  if (!auth_check_passes(
          crypto::constant_time_equal(base::view(expected), base::view(hash->data)))) {
    IKE_LOG_DEBUG(Exchange, 10, "{}: authentication failed for peer {} ({} mismatch)", x.name,
                  x.peer.to_string(), x.role == Role::Responder ? "HASH_I" : "HASH_R");
    return base::make_error(ErrorCode::Auth, NotifyType::InvalidHashInformation, "{} mismatch",
                            x.role == Role::Responder ? "HASH_I" : "HASH_R");
  }
  return base::ok();
}

}  // namespace

std::optional<std::string> id_section_name(const wire::IdPayload& id) {
  switch (static_cast<wire::IdType>(id.id_type)) {
    case wire::IdType::Ipv4Addr:
      if (id.data.size() != 4) return std::nullopt;
      return base::IpAddress::v4_bytes(base::view(id.data)).to_string();
    case wire::IdType::Ipv6Addr:
      if (id.data.size() != 16) return std::nullopt;
      return base::IpAddress::v6(base::view(id.data)).to_string();
    case wire::IdType::Fqdn:
    case wire::IdType::UserFqdn: {
      if (id.data.empty() || id.data.size() > 255) return std::nullopt;
      for (uint8_t c : id.data) {
        if (c <= 0x20 || c >= 0x7f || c == '[' || c == ']') return std::nullopt;
      }
      return std::string(id.data.begin(), id.data.end());
    }
    default:
      return std::nullopt;
  }
}

base::Result<base::SecureBytes> aggressive_psk(const conf::ConfDb& conf,
                                               std::string_view peer_section,
                                               const wire::IdPayload& idii) {
  if (auto v = conf.get(peer_section, "Authentication")) return decode_psk(peer_section, *v);
  std::optional<std::string> name = id_section_name(idii);
  if (name) {
    if (auto v = conf.get(*name, "Authentication")) return decode_psk(*name, *v);
  }
  return base::make_error(ErrorCode::Config, NotifyType::None,
                          "no pre-shared key: [{}]:Authentication missing and {}", peer_section,
                          name ? fmt::format("no [{}]:Authentication", *name)
                               : fmt::format("ID {} names no section", id_to_string(idii)));
}

base::Status phase1_initiate(EngineImpl& e, const std::string& peer_section,
                             std::vector<std::string> queued, base::TimePoint now) {
  IKE_TRY(PeerConfig peer, load_peer_config(e.conf(), peer_section));
  if (peer.exchange_type == wire::ExchangeType::Aggressive) {
    return am_initiate(e, peer_section, std::move(queued), now);
  }
  return mm_initiate(e, peer_section, std::move(queued), now);
}

// HDR, SA, KE, Ni, IDii, VID -->
base::Status am_initiate(EngineImpl& e, const std::string& peer_section,
                         std::vector<std::string> queued, base::TimePoint now) {
  IKE_TRY(PeerConfig peer, load_peer_config(e.conf(), peer_section));
  if (!peer.address) {
    return base::make_error(ErrorCode::Config, NotifyType::None,
                            "[{}]:Address missing, cannot initiate", peer_section);
  }
  if (!peer.local_address && peer.id_section.empty() &&
      !e.conf().get("General", "Default-phase-1-ID")) {
    // IDii goes out in the first message: the address ID needs the local address now.
    return base::make_error(ErrorCode::Config, NotifyType::None,
                            "[{}]: Aggressive Mode needs Local-address or ID (IDii is in AM1)",
                            peer_section);
  }
  IKE_TRY(Phase1Offer offer, build_phase1_offer(e.conf(), peer_section, e.crypto()));
  const base::Bytes zero16(16, 0);
  base::IpAddress local_ip = peer.local_address ? *peer.local_address
                             : peer.address->is_v4() ? base::IpAddress{}
                                                     : base::IpAddress::v6(base::view(zero16));
  IKE_TRY(wire::IdPayload idii, local_phase1_id(e.conf(), peer.id_section, local_ip));
  bool offers_sig = false;
  for (const auto& s : offer.suites) {
    if (is_signature_method(s.auth_method)) {
      auto missing = e.pki() == nullptr
                         ? std::optional<std::string>("no signature credentials loaded")
                         : e.pki()->missing_signature_credential(
                               idii, static_cast<uint16_t>(s.auth_method));
      if (missing) {
        return base::make_error(ErrorCode::Config, NotifyType::None,
                                "[{}]: transform {} needs a private key: {}",
                                offer.configuration, s.to_string(), *missing);
      }
      offers_sig = true;
    } else if (s.auth_method != wire::IkeAuthMethod::PreShared) {
      return base::make_error(ErrorCode::Config, NotifyType::None,
                              "[{}]: Aggressive Mode is implemented with PRE_SHARED, RSA_SIG "
                              "and ECDSA_256/384/521 only (transform {})",
                              offer.configuration, s.to_string());
    } else if (!peer.has_psk) {
      return base::make_error(ErrorCode::Config, NotifyType::None,
                              "[{}]:Authentication missing (pre-shared key required by "
                              "transform {})",
                              peer_section, s.to_string());
    }
    if (s.dh_group != offer.suites.front().dh_group) {
      return base::make_error(ErrorCode::Config, NotifyType::None,
                              "[{}]:Transforms mix groups {} and {} (Aggressive Mode needs one)",
                              offer.configuration, dh_group_name(offer.suites.front().dh_group),
                              dh_group_name(s.dh_group));
    }
  }
  uint16_t group = offer.suites.front().dh_group;
  IKE_TRY(auto dh, e.crypto().dh_generate(group, e.rng()));
  Exchange x;
  x.key = ExchangeKey{base::CookiePair{e.new_cookie(), base::Cookie{}}, base::MessageId{0}};
  x.type = wire::ExchangeType::Aggressive;
  x.role = Role::Initiator;
  x.state = State::AmISent1;
  x.name = peer_section;
  x.peer = base::SockAddr{*peer.address, peer.port};
  x.local = base::SockAddr{local_ip, e.options().listen_port};
  x.started = now;
  x.expires = now + e.retransmit_policy().exchange_max_time;
  x.mm = std::make_unique<MainModeData>();
  MainModeData& mm = *x.mm;
  mm.sai_b = wire::encode_payload_body(offer.sa);
  mm.dh = std::move(dh);
  mm.g_xi = mm.dh->public_value();
  mm.ni_b.resize(kNonceSize);
  e.rng().fill(mm.ni_b);
  mm.own_id_b = wire::encode_payload_body(idii);
  std::vector<wire::Payload> payloads{offer.sa, wire::KePayload{mm.g_xi},
                                      wire::NoncePayload{mm.ni_b}, idii, dpd_vendor_id_payload(),
                                      fragmentation_vendor_id_payload()};
  apply_fragmentation_mode(peer, payloads);
  if (offers_sig) {
    for (auto& cr : certificate_requests(e.pki())) payloads.emplace_back(std::move(cr));
  }
  nat_t_add_offer_vids(e, payloads);
  mm.own_id = std::move(idii);
  mm.peer = std::move(peer);
  mm.offer = std::move(offer);
  mm.queued = std::move(queued);
  base::Bytes msg = build_clear(am_header(x.key.cookies), payloads);
  Exchange& stored = e.exchanges().add(std::move(x));
  IKE_LOG_DEBUG(Exchange, 10, "Aggressive Mode initiator {} -> {}, icookie {}, IDii {}",
                peer_section, stored.peer.to_string(), stored.key.cookies.initiator.hex(),
                id_to_string(*stored.mm->own_id));
  e.send_exchange_message(stored, std::move(msg), now, true);
  return base::ok();
}

// HDR, SA, KE, Ni, IDii [, CERT_REQ] -->   then   <-- HDR, SA, KE, Nr, IDir, HASH_R / [CERT,] SIG_R, VID
base::Status am_r_recv1(EngineImpl& e, const Inbound& in, base::TimePoint now) {
  const Datagram& d = *in.datagram;
  IKE_TRY(std::string section, e.conf_cache().phase1_peer_for(e.conf(), d.peer.address));
  IKE_TRY(PeerConfig peer, load_peer_config(e.conf(), section));
  if (peer.exchange_type != wire::ExchangeType::Aggressive) {
    return base::make_error(ErrorCode::Config, NotifyType::None,
                            "Aggressive Mode refused: [{}]:EXCHANGE_TYPE of [{}] is not "
                            "AGGRESSIVE",
                            peer.configuration, section);
  }
  // Floods (half_open.h): the general per-peer cap, and AM's own smaller one (each AM1 costs
  // a DH and an AM2 several times its size: amplification, reliability.md class 18).
  IKE_TRY_VOID(e.half_open_admit(d.peer.address));
  if (std::size_t n = e.exchanges().half_open().count(d.peer.address);
      n >= kMaxHalfOpenAggressivePerPeer) {
    ++e.mutable_stats().half_open_refused;
    return base::make_error(ErrorCode::TooMany, NotifyType::None,
                            "{} half-open exchanges from {} already (Aggressive Mode: {})", n,
                            d.peer.address.to_string(), kMaxHalfOpenAggressivePerPeer);
  }
  const auto* sa = in.find<wire::SaPayload>();
  const auto* ke = in.find<wire::KePayload>();
  const auto* ni = in.find<wire::NoncePayload>();
  const wire::PayloadEntry* id_entry = in.entry(wire::PayloadType::Id);
  const auto* idii = in.find<wire::IdPayload>();
  IKE_TRY_VOID(check_phase1_nonce(*ni));
  IKE_TRY(Phase1IdCheck idcheck, verify_peer_phase1_id(e.conf(), peer.remote_id_section,
                                                        d.peer.address, *idii));
  (void)idcheck;
  IKE_TRY(wire::IdPayload idir, local_phase1_id(e.conf(), peer.id_section, d.local.address));
  // Methods without a credential are skipped (NO_PROPOSAL_CHOSEN names it). The PSK may also
  // come from the section named after IDii (aggressive_psk), so only signatures are filtered.
  const Phase1Credentials creds = phase1_credentials(e, peer, idir, /*psk_checked_later=*/true);
  auto group = single_group(*sa);
  auto choice = group ? select_phase1(e.conf(), section, *sa, e.crypto(), &creds,
                                      &e.conf_memo())
                      : base::Result<Phase1Choice>(group.error());
  if (choice && choice->suite.auth_method != wire::IkeAuthMethod::PreShared &&
             !is_signature_method(choice->suite.auth_method)) {
    choice = base::make_error(ErrorCode::Unsupported, NotifyType::NoProposalChosen,
                              "Aggressive Mode with {} is not implemented (PRE_SHARED, "
                              "RSA_SIG, ECDSA_256/384/521 only)",
                              choice->suite.to_string());
  }
  if (choice) {
    if (auto st = check_phase1_ke(e, choice->suite.dh_group, *ke); !st) choice = st.error();
  }
  if (!choice) {
    refuse_phase1_offer(e, in, "Aggressive Mode", section, choice.error());
    return base::ok();
  }
  const bool rsa = is_signature_method(choice->suite.auth_method);  // RSA_SIG or ECDSA
  base::SecureBytes psk;
  if (!rsa) {
    IKE_TRY(base::SecureBytes k, aggressive_psk(e.conf(), section, *idii));
    psk = std::move(k);
  }
  IKE_TRY(crypto::CipherAlg cipher, choice->suite.cipher());
  IKE_TRY(auto dh, e.crypto().dh_generate(choice->suite.dh_group, e.rng()));
  base::TimePoint half_open_deadline = e.half_open_make_room(now);  // Max-half-open
  Exchange x = new_phase1_responder(e, in, wire::ExchangeType::Aggressive, State::AmRSent2,
                                    section, now);
  x.expires = half_open_deadline;  // Half-open-max-time until AM3 authenticates
  MainModeData& mm = *x.mm;
  mm.peer = std::move(peer);
  if (!rsa) {
    mm.peer.psk = std::move(psk);
    mm.peer.has_psk = true;
  }
  mm.sai_b = base::to_bytes(in.body_of(*in.entry(wire::PayloadType::Sa)));
  mm.suite = choice->suite;
  mm.cipher = cipher;
  mm.peer_dpd = has_dpd_vendor_id(in);
  x.peer_fragmentation = has_fragmentation_vendor_id(in);
  mm.dh = std::move(dh);
  mm.g_xi = ke->data;
  mm.g_xr = mm.dh->public_value();
  mm.ni_b = ni->data;
  mm.nr_b.resize(ni->data.size());  // mirror the initiator's nonce length
  e.rng().fill(mm.nr_b);
  mm.peer_id_b = base::to_bytes(in.body_of(*id_entry));
  mm.own_id_b = wire::encode_payload_body(idir);
  mm.own_id = idir;
  mm.peer_id = *idii;
  mm.peer_cert_reqs = peer_cert_requests(in);
  IKE_TRY(Phase1Keys keys, derive_phase1_exchange_keys(e, mm, x.key.cookies, base::view(ke->data)));
  mm.keys = std::move(keys);
  mm.iv = IvChain(mm.keys.iv);
  IKE_TRY(std::vector<wire::Payload> auth, auth_payloads(e, x));
  std::vector<wire::Payload> payloads{choice->reply, wire::KePayload{mm.g_xr},
                                      wire::NoncePayload{mm.nr_b}, idir};
  for (auto& pl : auth) payloads.push_back(std::move(pl));  // HASH_R or [CERT,] SIG_R
  payloads.emplace_back(dpd_vendor_id_payload());
  payloads.emplace_back(fragmentation_vendor_id_payload());
  apply_fragmentation_mode(mm.peer, payloads);
  if (rsa) {
    for (auto& cr : certificate_requests(e.pki())) payloads.emplace_back(std::move(cr));
  }
  nat_t_on_offer(e, in, mm.nat, payloads);
  // RFC 3947 §3.2: NAT-D in AM2, over the complete cookie pair.
  nat_t_add_nat_d(e, x, mm.suite.hash, mm.nat, payloads);
  Exchange& stored = e.exchanges().add(std::move(x));
  IKE_TRY_VOID(accept(e, stored, in));
  IKE_LOG_DEBUG(Exchange, 10, "Aggressive Mode responder for {} ({}), IDii {}: chose {}",
                d.peer.to_string(), section, id_to_string(*idii), choice->suite.to_string());
  e.send_exchange_message(stored, build_clear(am_header(stored.key.cookies), payloads), now,
                          true);
  return base::ok();
}

// <-- HDR, SA, KE, Nr, IDir, HASH_R [, NAT-D, NAT-D]   then   HDR*, HASH_I [, NAT-D, NAT-D] -->
base::Status am_i_recv2(EngineImpl& e, Exchange& x, const Inbound& in, base::TimePoint now) {
  MainModeData& mm = *x.mm;
  IKE_TRY_VOID(reject_initial_contact(in, "AM2"));
  IKE_TRY(Phase1Suite suite, accept_phase1_reply(mm.offer, *in.find<wire::SaPayload>()));
  IKE_TRY(crypto::CipherAlg cipher, suite.cipher());
  const auto* ke = in.find<wire::KePayload>();
  const auto* nr = in.find<wire::NoncePayload>();
  const auto* idir = in.find<wire::IdPayload>();
  IKE_TRY_VOID(check_phase1_nonce(*nr));
  IKE_TRY_VOID(check_phase1_ke(e, suite.dh_group, *ke));
  Phase1Rollback rollback(mm);  // HASH_R needs the keys of AM2 itself before accept()
  mm.suite = suite;
  mm.cipher = cipher;
  mm.g_xr = ke->data;
  mm.nr_b = nr->data;
  mm.peer_id_b = base::to_bytes(in.body_of(*in.entry(wire::PayloadType::Id)));
  mm.peer_id = *idir;
  mm.peer_cert_reqs = peer_cert_requests(in);
  base::CookiePair cookies = in.header.cookies;
  IKE_TRY(Phase1Keys keys, derive_phase1_exchange_keys(e, mm, cookies, base::view(ke->data)));
  mm.keys = std::move(keys);
  // HASH_R covers the full cookie pair of this message (the exchange is still keyed half-open).
  IKE_TRY_VOID(verify_auth(e, x, cookies, in));
  IKE_TRY(Phase1IdCheck idcheck, verify_peer_phase1_id(e.conf(), mm.peer.remote_id_section,
                                                        x.peer.address, *idir));
  (void)idcheck;
  // NAT-T: the version AM2's VID chose and its NAT-D, over the full cookie pair of AM2 (the
  // exchange is still keyed half-open, so nat_t_evaluate rather than nat_t_on_nat_d).
  NatTState nat = mm.nat;
  nat_t_on_reply(e, in, nat);
  IKE_TRY_VOID(nat_t_evaluate(e.crypto(), suite.hash, cookies, in.datagram->local,
                              in.datagram->peer, in.all<wire::NatDPayload>(), nat));
  // Commit: the exchange learns the responder cookie.
  e.exchanges().rekey(x.key, ExchangeKey{cookies, base::MessageId{0}});
  IKE_TRY_VOID(accept(e, x, in));
  rollback.commit();
  if (x.local.address.is_unspecified()) x.local = in.datagram->local;  // learn our address
  mm.iv = IvChain(mm.keys.iv);
  mm.peer_dpd = has_dpd_vendor_id(in);
  x.peer_fragmentation = has_fragmentation_vendor_id(in);
  mm.nat = nat;
  if (mm.nat.version != NatTVersion::None) {
    IKE_LOG_DEBUG(Exchange, 10, "{} with {}: {}", x.name, x.peer.to_string(),
                  mm.nat.to_string());
  }
  // RFC 3947 §4: a NAT was detected: AM3 goes from our NAT-T port to the peer's.
  nat_t_initiator_float(e, x, mm.nat);
  IKE_TRY(std::vector<wire::Payload> payloads, auth_payloads(e, x));  // HASH_I or [CERT,] SIG_I
  nat_t_add_nat_d(e, x, mm.suite.hash, mm.nat, payloads);
  IKE_TRY(Built built, build_encrypted(e.crypto(), mm.cipher, base::view(mm.keys.enc_key),
                                       base::view(mm.iv.phase1_iv()), am_header(x.key.cookies),
                                       payloads));
  IKE_TRY_VOID(mm.iv.advance_phase1(base::view(built.last_block)));
  x.state = State::AmIDone;
  e.log_packet(x.local, x.peer, base::view(built.cleartext));
  e.send_exchange_message(x, std::move(built.datagram), now, false);
  ExchangeKey key = x.key;
  phase1_established(e, x, now);
  // Linger: a lost AM3 shows up as a retransmitted AM2, answered from the cache.
  e.finish_exchange(key, now, true);
  return base::ok();
}

// HDR[*], HASH_I [, NAT-D, NAT-D] -->
base::Status am_r_recv3(EngineImpl& e, Exchange& x, const Inbound& in, base::TimePoint now) {
  IKE_TRY_VOID(reject_initial_contact(in, "AM3"));
  Phase1Rollback rollback(*x.mm);  // verify_auth records the peer's KeyNote principals
  IKE_TRY_VOID(verify_auth(e, x, x.key.cookies, in));
  NatTState nat = x.mm->nat;
  IKE_TRY_VOID(nat_t_on_nat_d(e, x, x.mm->suite.hash, in, nat));
  IKE_TRY_VOID(accept(e, x, in));
  rollback.commit();
  x.mm->nat = nat;
  nat_t_follow_float(e, x, in, x.mm->nat);
  x.state = State::AmRDone;
  ExchangeKey key = x.key;
  phase1_established(e, x, now);
  e.finish_exchange(key, now, true);
  return base::ok();
}

}  // namespace ike::engine
