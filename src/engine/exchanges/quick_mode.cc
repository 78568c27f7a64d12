// Quick Mode (RFC 2409 §5.5), both roles, ESP/AH tunnel and transport, optional PFS:
//
//   Initiator                                   Responder
//   (GETSPI)
//   HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] -->
//                                               (GETSPI for the chosen proposal)
//                     <-- HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
//   HDR*, HASH(3)                               -->
//
//   HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ])
//   HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr ])
//   HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
//
// SPIs come from the kernel asynchronously (KernelGetSpi / on_kernel_reply). After QM3 (sent by
// the initiator, received by the responder) KEYMAT is derived per direction (inbound SA = our
// SPI, outbound = the peer's) and both SAs, then the flows, are installed (quick_mode_install.cc).
// Over a NAT (RFC 3947 §5): UDP-encapsulated modes, and NAT-OAi/NAT-OAr after the IDs in
// transport mode (nat_t.h); the NAT-OA the peer sends are recorded on the IPsec SA.
#include <fmt/format.h>

#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/exchanges/common.h"
#include "engine/exchanges/quick_mode_install.h"
#include "engine/fuzzing_hook.h"
#include "engine/ipsec_id.h"
#include "engine/keymat.h"
#include "engine/nat_t.h"
#include "engine/peer_config.h"
#include "engine/phase2_keynote.h"
#include "engine/phase2_policy.h"
#include "engine/xauth_exchange.h"

namespace ike::engine {

namespace {

using base::ErrorCode;
using base::NotifyType;

wire::Header qm_header(const ExchangeKey& k) {
  wire::Header h;
  h.cookies = k.cookies;
  h.exchange = wire::ExchangeType::QuickMode;
  h.message_id = k.message_id;
  return h;
}

base::Result<IsakmpSa*> parent_sa(EngineImpl& e, const Exchange& x) {
  IsakmpSa* sa = e.sas().find_isakmp(x.key.cookies);
  if (sa == nullptr) {
    return base::make_error(ErrorCode::State, NotifyType::None, "ISAKMP SA {} is gone",
                            x.key.cookies.hex());
  }
  return sa;
}

bool udp_encap_transport(const wire::SaPayload& sa) {
  for (const auto& p : sa.proposals) {
    for (const auto& t : p.transforms) {
      const wire::Attribute* a = t.find(static_cast<uint16_t>(wire::IpsecAttr::EncapsulationMode));
      auto v = a != nullptr ? a->as_number() : std::nullopt;
      if (v == static_cast<uint64_t>(wire::EncapsulationMode::UdpEncapTransport) ||
          v == static_cast<uint64_t>(wire::EncapsulationMode::UdpEncapTransportDraft)) {
        return true;
      }
    }
  }
  return false;
}

// RFC 3947 §5.2 NAT-OA in transport mode over a NAT.
void add_nat_oa(const IsakmpSa& sa, const Exchange& x, const wire::SaPayload& offer,
                std::vector<wire::Payload>& payloads) {
  if (!udp_encap_transport(offer)) return;
  for (auto& p : nat_oa_payloads(sa.nat, x.role == Role::Initiator, x.local.address,
                                 x.peer.address)) {
    payloads.push_back(std::move(p));
  }
}

// GETSPI answers already in use (qm_on_spi) before a Quick Mode gives up: random 32-bit SPIs
// repeat with a chance of (SAs held) / 2^32 each.
constexpr uint8_t kMaxSpisInUse = 8;

void request_spis(EngineImpl& e, Exchange& x, const std::vector<wire::ProtocolId>& protocols) {
  for (auto p : protocols) {
    // The SA we are allocating is inbound: src = the peer, dst = us.
    uint64_t id = e.kernel(KernelGetSpi{static_cast<base::IpsecProtocol>(p), x.peer.address,
                                        x.local.address});
    x.qm->pending_spis[id] = p;
    e.exchanges().expect_request(id, x.key);
  }
}

// HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] -->
base::Status send_qm1(EngineImpl& e, Exchange& x, base::TimePoint now) {
  QuickModeData& qm = *x.qm;
  IKE_TRY(IsakmpSa * sa, parent_sa(e, x));
  IKE_TRY(Phase2Offer offer,
          build_phase2_offer(e.conf(), qm.connection, qm.our_spis, e.crypto(),
                             Phase2Options{nat_t_udp_encap(sa->nat)}));
  IKE_TRY(ConnectionConfig conn, load_connection_config(e.conf(), qm.connection));
  qm.ni_b.assign(kNonceSize, 0);
  e.rng().fill(qm.ni_b);
  std::vector<wire::Payload> payloads{offer.sa, wire::NoncePayload{qm.ni_b}};
  qm.pfs_group = offer.pfs_group;
  if (offer.pfs_group != 0) {
    IKE_TRY(auto dh, e.crypto().dh_generate(offer.pfs_group, e.rng()));
    qm.dh = std::move(dh);
    payloads.emplace_back(wire::KePayload{qm.dh->public_value()});
  }
  if (!conn.local_id.empty() || !conn.remote_id.empty()) {
    IKE_TRY(ConnectionSelectors sel, connection_selectors(e.conf(), conn, x.local.address,
                                                          x.peer.address));
    wire::IdPayload idci = selector_to_id(sel.local);
    wire::IdPayload idcr = selector_to_id(sel.remote);
    if (!conn.local_id.empty()) {
      IKE_TRY(idci, ipsec_id_from_section(e.conf(), conn.local_id));
    }
    if (!conn.remote_id.empty()) {
      IKE_TRY(idcr, ipsec_id_from_section(e.conf(), conn.remote_id));
    }
    qm.idci = idci;
    qm.idcr = idcr;
    payloads.emplace_back(std::move(idci));
    payloads.emplace_back(std::move(idcr));
  }
  add_nat_oa(*sa, x, offer.sa, payloads);
  qm.offer = std::move(offer);
  IKE_TRY(base::Bytes iv, sa->iv.exchange_iv(e.crypto(), sa->suite.hash, x.key.message_id));
  const crypto::Provider& p = e.crypto();
  base::MessageId mid = x.key.message_id;
  IKE_TRY(Built built,
          build_encrypted(p, sa->cipher, sa->keys.enc_key(), base::view(iv),
                          qm_header(x.key), payloads, crypto::hash_length(sa->suite.hash),
                          [&](base::ByteView after) {
                            return qm_hash1(p, sa->suite.hash, sa->keys.skeyid_a(),
                                            mid, after);
                          }));
  IKE_TRY_VOID(sa->iv.advance_exchange(mid, base::view(built.last_block)));
  x.state = State::QmISent1;
  e.log_packet(x.local, x.peer, base::view(built.cleartext));
  e.send_exchange_message(x, std::move(built.datagram), now, true);
  return base::ok();
}

// <-- HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
base::Status send_qm2(EngineImpl& e, Exchange& x, base::TimePoint now) {
  QuickModeData& qm = *x.qm;
  IKE_TRY(IsakmpSa * sa, parent_sa(e, x));
  IKE_TRY(Phase2Reply reply, make_phase2_reply(qm.choice, qm.our_spis));
  qm.nr_b.assign(qm.ni_b.size(), 0);  // mirror the initiator's nonce length
  e.rng().fill(qm.nr_b);
  // Emplaced, not from an initializer list (which copies each element a second time); reply.sa
  // is copied once because add_nat_oa below still reads it.
  std::vector<wire::Payload> payloads;
  payloads.reserve(7);  // SA, Nonce, KE, IDci, IDcr, 2 NAT-OA
  payloads.emplace_back(reply.sa);
  payloads.emplace_back(wire::NoncePayload{qm.nr_b});
  if (qm.pfs_group != 0) {
    IKE_TRY(auto dh, e.crypto().dh_generate(qm.pfs_group, e.rng()));
    IKE_TRY(qm.g_qm_xy, dh->shared_secret(base::view(qm.peer_ke)));
    payloads.emplace_back(wire::KePayload{dh->public_value()});
    qm.dh = std::move(dh);
  }
  if (qm.idci) {
    payloads.emplace_back(*qm.idci);
    payloads.emplace_back(*qm.idcr);
  }
  add_nat_oa(*sa, x, reply.sa, payloads);
  qm.chosen = reply.suite;
  IKE_TRY(base::Bytes iv, sa->iv.exchange_iv(e.crypto(), sa->suite.hash, x.key.message_id));
  const crypto::Provider& p = e.crypto();
  base::MessageId mid = x.key.message_id;
  IKE_TRY(Built built,
          build_encrypted(p, sa->cipher, sa->keys.enc_key(), base::view(iv),
                          qm_header(x.key), payloads, crypto::hash_length(sa->suite.hash),
                          [&](base::ByteView after) {
                            return qm_hash2(p, sa->suite.hash, sa->keys.skeyid_a(),
                                            mid, base::view(qm.ni_b), after);
                          }));
  IKE_TRY_VOID(sa->iv.advance_exchange(mid, base::view(built.last_block)));
  x.state = State::QmRSent2;
  e.log_packet(x.local, x.peer, base::view(built.cleartext));
  e.send_exchange_message(x, std::move(built.datagram), now, true);
  return base::ok();
}

base::Status check_hash(base::ByteView expected, const Inbound& in, const char* what) {
  const auto* hash = in.find<wire::HashPayload>();
  if (!auth_check_passes(crypto::constant_time_equal(expected, base::view(hash->data)))) {
    return base::make_error(ErrorCode::Auth, NotifyType::InvalidHashInformation, "{} mismatch",
                            what);
  }
  return base::ok();
}

bool same_id(const wire::IdPayload& a, const wire::IdPayload& b) {
  return id_equal(a, b) && a.protocol == b.protocol && a.port == b.port;
}

// Fails a responder Quick Mode that authenticated but cannot be accepted: protected notify,
// ExchangeFailed (RFC 2408 §5: NO_PROPOSAL_CHOSEN / INVALID_ID_INFORMATION).
void reject_qm1(EngineImpl& e, IsakmpSa& sa, const Inbound& in, const base::Error& err,
                const std::string& name) {
  IKE_LOG_WARN("Quick Mode from {} rejected: {}", sa.peer.to_string(), err.detail);
  base::Bytes spi;
  uint8_t proto = static_cast<uint8_t>(wire::ProtocolId::IpsecEsp);
  if (const auto* sap = in.find<wire::SaPayload>(); sap != nullptr && !sap->proposals.empty()) {
    spi = sap->proposals.front().spi;
    proto = sap->proposals.front().protocol_id;
  }
  send_notify_protected(e, sa, err.notify == NotifyType::None ? NotifyType::NoProposalChosen
                                                              : err.notify,
                        proto, std::move(spi));
  ++e.mutable_stats().exchanges_failed;
  ++e.mutable_stats().failed_by_reason[std::string(failure_reason_category(err.detail))];
  e.event(SaEvent{SaEvent::Kind::ExchangeFailed, name, sa.local, sa.peer, sa.cookies,
                  in.header.message_id, {}, err.detail});
}

}  // namespace

base::Status qm_initiate(EngineImpl& e, IsakmpSa& sa, const std::string& connection,
                         base::TimePoint now) {
  // Queued until XAUTH succeeds or a mode-config pull's REPLY arrives.
  if (hold_quick_mode(sa, connection)) return base::ok();
  IKE_TRY(ConnectionConfig conn, load_connection_config(e.conf(), connection));
  (void)conn;
  IKE_TRY(std::vector<wire::ProtocolId> protocols,
          phase2_protocols_needed(e.conf(), connection));
  Exchange x;
  x.key = ExchangeKey{sa.cookies, e.new_message_id(sa)};
  x.type = wire::ExchangeType::QuickMode;
  x.role = Role::Initiator;
  x.state = State::QmIWaitSpi;
  x.name = connection;
  x.local = sa.local;
  x.peer = sa.peer;
  x.started = now;
  x.expires = now + e.retransmit_policy().exchange_max_time;
  x.qm = std::make_unique<QuickModeData>();
  x.qm->connection = connection;
  x.qm->isakmp = sa.cookies;
  Exchange& stored = e.exchanges().add(std::move(x));
  IKE_LOG_DEBUG(Exchange, 10, "Quick Mode initiator {} mid {:08x}", connection,
                stored.key.message_id.value);
  request_spis(e, stored, protocols);
  return base::ok();
}

void qm_on_spi(EngineImpl& e, Exchange& x, const KernelReply& reply, base::TimePoint now) {
  auto it = x.qm->pending_spis.find(reply.request_id);
  if (it == x.qm->pending_spis.end()) return;
  wire::ProtocolId proto = it->second;
  x.qm->pending_spis.erase(it);
  if (!reply.ok) {
    e.fail_exchange(x.key, fmt::format("GETSPI failed: {}", reply.error));
    return;
  }
  // RFC 3173 §3.3: the CPI is 16 bits (and values up to 255 are reserved for well-known
  // algorithms): a kernel handing out more for IPCOMP would make the 2-octet SPI field lie.
  if (proto == wire::ProtocolId::Ipcomp && (reply.allocated_spi.value > 0xffffu ||
                                            reply.allocated_spi.value < 256u)) {
    e.fail_exchange(x.key, fmt::format("GETSPI: IPCOMP CPI 0x{:x} outside 256..65535",
                                       reply.allocated_spi.value));
    return;
  }
  // The engine keys IPsec SAs by inbound SPI, and a kernel makes an SPI unique per
  // destination address only (XFRM ALLOCSPI, the null backend): with several local addresses
  // a GETSPI can return one that an SA on another address already has (bench/rekey_storm.sh:
  // 5 of 100 000 connections lost their SA to a newer one with the same inbound SPI). That SPI
  // is released and another one asked for.
  if (proto != wire::ProtocolId::Ipcomp &&
      std::as_const(e.sas()).find_ipsec_by_in_spi(reply.allocated_spi) != nullptr) {
    const auto kproto = static_cast<base::IpsecProtocol>(proto);
    e.kernel(KernelDeleteSa{base::SaRef{kproto, x.local.address, reply.allocated_spi},
                            x.peer.address});
    if (++x.qm->spis_in_use > kMaxSpisInUse) {
      e.fail_exchange(x.key, fmt::format("GETSPI returned {} SPIs already in use (last 0x{:08x})",
                                         x.qm->spis_in_use, reply.allocated_spi.value));
      return;
    }
    IKE_LOG_DEBUG(Exchange, 10, "{}: GETSPI 0x{:08x} is already an SA's inbound SPI, again",
                  x.qm->connection, reply.allocated_spi.value);
    request_spis(e, x, {proto});
    return;
  }
  x.qm->our_spis.push_back(ProtocolSpi{proto, reply.allocated_spi});
  if (!x.qm->pending_spis.empty()) return;
  base::Status st = x.role == Role::Initiator ? send_qm1(e, x, now) : send_qm2(e, x, now);
  if (!st) e.fail_exchange(x.key, st.error().detail);
}

// HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] -->   (responder; creates the exchange)
base::Status qm_r_recv1(EngineImpl& e, const Inbound& in, base::TimePoint now) {
  const wire::Header& h = in.header;
  IsakmpSa* sa = e.sas().find_isakmp(h.cookies);
  if (sa == nullptr) {
    return base::make_error(ErrorCode::State, NotifyType::None, "no ISAKMP SA");
  }
  if (in.datagram->peer.address != sa->peer.address && !sa->nat.floated) {
    return base::make_error(ErrorCode::State, NotifyType::None, "QM1 from a foreign address");
  }
  base::Bytes expected = qm_hash1(e.crypto(), sa->suite.hash, sa->keys.skeyid_a(),
                                  h.message_id, in.after_hash());
  IKE_TRY_VOID(check_hash(base::view(expected), in, "HASH(1)"));
  phase1_confirmed_by_peer(e, h.cookies);
  IKE_TRY_VOID(xauth_allows_phase2(*sa));  // draft-beaulieu-ike-xauth-02: not before XAUTH OK
  if (sa->used_message_ids.count(h.message_id.value) != 0) {
    return base::make_error(ErrorCode::State, NotifyType::InvalidMessageId,
                            "message id {:08x} already used on this ISAKMP SA",
                            h.message_id.value);
  }
  // Authenticated from here on: failures are answered with a protected notify.
  auto ids = in.all<wire::IdPayload>();
  if (ids.size() == 1) {
    reject_qm1(e, *sa, in,
               base::make_error(ErrorCode::BadValue, NotifyType::InvalidIdInformation,
                                "QM1 carries IDci without IDcr"),
               sa->name);
    return base::ok();
  }
  const wire::IdPayload* idci = ids.size() == 2 ? ids[0] : nullptr;
  const wire::IdPayload* idcr = ids.size() == 2 ? ids[1] : nullptr;
  auto match = e.conf_cache().responder_connection(e.conf(), sa->name, sa->local.address,
                                                  sa->peer.address, idci, idcr);
  if (!match) {
    reject_qm1(e, *sa, in, match.error(), sa->name);
    return base::ok();
  }
  const std::string& conn = match->connection.section;
  Phase2Options p2_options{nat_t_udp_encap(sa->nat)};
  p2_options.memo = &e.conf_memo();
  KeynotePhase2Context keynote;  // isakmpd.policy(5): each acceptable proposal is checked
  if (e.policy() != nullptr) {
    keynote = keynote_phase2_context(e, *sa, false, idci, idcr);
    p2_options.policy_check = [&](const Phase2Suite& s) {
      return keynote_check_phase2(*e.policy(), keynote, s);
    };
  }
  auto choice = select_phase2(e.conf(), conn, *in.find<wire::SaPayload>(), e.crypto(),
                              p2_options);
  if (!choice) {
    reject_qm1(e, *sa, in, choice.error(), conn);
    return base::ok();
  }
  auto nat_oa = parse_nat_oa(in.all<wire::NatOaPayload>(), true);
  if (!nat_oa) {
    reject_qm1(e, *sa, in, nat_oa.error(), conn);
    return base::ok();
  }
  const auto* ke = in.find<wire::KePayload>();
  const auto* ni = in.find<wire::NoncePayload>();
  uint16_t group = choice->suite.pfs_group;
  base::Status pfs_ok = base::ok();
  if (group != 0 && ke == nullptr) {
    pfs_ok = base::make_error(ErrorCode::BadValue, NotifyType::NoProposalChosen,
                              "PFS group {} chosen but QM1 has no KE", dh_group_name(group));
  } else if (group == 0 && ke != nullptr) {
    pfs_ok = base::make_error(ErrorCode::BadValue, NotifyType::NoProposalChosen,
                              "QM1 carries KE but the chosen proposal has no PFS group");
  } else if (ke != nullptr && ke->data.size() != e.crypto().dh_public_length(group)) {
    pfs_ok = base::make_error(ErrorCode::BadValue, NotifyType::InvalidKeyInformation,
                              "KE of {} bytes for {}", ke->data.size(), dh_group_name(group));
  } else if (ni->data.size() < 8 || ni->data.size() > 256) {
    pfs_ok = base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                              "nonce of {} bytes", ni->data.size());
  }
  if (!pfs_ok) {
    reject_qm1(e, *sa, in, pfs_ok.error(), conn);
    return base::ok();
  }
  sa->used_message_ids.insert(h.message_id.value);
  Exchange x;
  x.key = ExchangeKey{h.cookies, h.message_id};
  x.type = wire::ExchangeType::QuickMode;
  x.role = Role::Responder;
  x.state = State::QmRWaitSpi;
  x.name = conn;
  x.local = sa->local;
  x.peer = sa->peer;
  x.started = now;
  x.expires = now + e.retransmit_policy().exchange_max_time;
  x.qm = std::make_unique<QuickModeData>();
  x.qm->connection = conn;
  x.qm->isakmp = sa->cookies;
  x.qm->choice = std::move(*choice);
  x.qm->pfs_group = group;
  x.qm->peer_nat_oa = *nat_oa;
  x.qm->ni_b = ni->data;
  if (ke != nullptr) x.qm->peer_ke = ke->data;
  if (idci != nullptr) {
    x.qm->idci = *idci;
    x.qm->idcr = *idcr;
  }
  std::vector<wire::ProtocolId> protocols = x.qm->choice.protocols_needing_spi();
  Exchange& stored = e.exchanges().add(std::move(x));
  IKE_TRY_VOID(accept(e, stored, in));
  request_spis(e, stored, protocols);
  return base::ok();
}

// <-- HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]    then   HDR*, HASH(3) -->
base::Status qm_i_recv2(EngineImpl& e, Exchange& x, const Inbound& in, base::TimePoint now) {
  QuickModeData& qm = *x.qm;
  IKE_TRY(IsakmpSa * sa, parent_sa(e, x));
  base::MessageId mid = x.key.message_id;
  base::Bytes expected = qm_hash2(e.crypto(), sa->suite.hash, sa->keys.skeyid_a(),
                                  mid, base::view(qm.ni_b), in.after_hash());
  IKE_TRY_VOID(check_hash(base::view(expected), in, "HASH(2)"));
  phase1_confirmed_by_peer(e, sa->cookies);
  // Authenticated: a reply we cannot accept ends the exchange.
  auto fail = [&](const std::string& why) {
    e.fail_exchange(x.key, why);
    return base::ok();
  };
  auto suite = accept_phase2_reply(qm.offer, *in.find<wire::SaPayload>());
  if (!suite) return fail(suite.error().detail);
  if (e.policy() != nullptr) {  // isakmpd checks the responder's choice too
    auto keynote = keynote_phase2_context(e, *sa, true, qm.idci ? &*qm.idci : nullptr,
                                          qm.idcr ? &*qm.idcr : nullptr);
    if (auto st = keynote_check_phase2(*e.policy(), keynote, *suite); !st) {
      return fail(st.error().detail);
    }
  }
  const auto* ke = in.find<wire::KePayload>();
  if ((qm.pfs_group != 0) != (ke != nullptr)) {
    return fail(qm.pfs_group != 0 ? "QM2 lacks the PFS KE" : "QM2 carries an unexpected KE");
  }
  auto ids = in.all<wire::IdPayload>();
  auto nat_oa = parse_nat_oa(in.all<wire::NatOaPayload>(), false);
  if (!nat_oa) return fail(nat_oa.error().detail);
  if (qm.idci) {
    // Over a NAT the responder may echo our host ID translated (nat_t.h).
    auto id_ok = [&](const wire::IdPayload& got, const wire::IdPayload& sent,
                     const std::optional<base::IpAddress>& oa) {
      return same_id(got, sent) || nat_t_translated_id_ok(got, sent, oa);
    };
    if (ids.size() != 2 || !id_ok(*ids[0], *qm.idci, nat_oa->initiator) ||
        !id_ok(*ids[1], *qm.idcr, nat_oa->responder)) {
      return fail("QM2 IDs differ from IDci/IDcr sent (INVALID_ID_INFORMATION)");
    }
  } else if (!ids.empty()) {
    return fail("QM2 carries IDs we did not send (INVALID_ID_INFORMATION)");
  }
  const auto* nr = in.find<wire::NoncePayload>();
  if (nr->data.size() < 8 || nr->data.size() > 256) return fail("QM2 nonce size out of range");
  if (ke != nullptr) {
    auto g = qm.dh->shared_secret(base::view(ke->data));
    if (!g) return fail(g.error().detail);
    qm.g_qm_xy = std::move(*g);
  }
  IKE_TRY_VOID(accept(e, x, in));
  qm.nr_b = nr->data;
  qm.chosen = std::move(*suite);
  qm.peer_nat_oa = *nat_oa;
  // RFC 2409 §5.5: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
  base::Bytes hash3 = qm_hash3(e.crypto(), sa->suite.hash, sa->keys.skeyid_a(), mid,
                               base::view(qm.ni_b), base::view(qm.nr_b));
  std::vector<wire::Payload> payloads{wire::HashPayload{std::move(hash3)}};
  IKE_TRY(base::Bytes iv, sa->iv.exchange_iv(e.crypto(), sa->suite.hash, mid));
  IKE_TRY(Built built, build_encrypted(e.crypto(), sa->cipher, sa->keys.enc_key(),
                                       base::view(iv), qm_header(x.key), payloads));
  x.state = State::QmIDone;
  e.log_packet(x.local, x.peer, base::view(built.cleartext));
  e.send_exchange_message(x, std::move(built.datagram), now, false);
  ExchangeKey key = x.key;
  if (auto st = install_phase2(e, x, *sa, now); !st) {
    e.fail_exchange(key, st.error().detail);
    return base::ok();
  }
  e.finish_exchange(key, now, true);
  return base::ok();
}

// HDR*, HASH(3) -->
base::Status qm_r_recv3(EngineImpl& e, Exchange& x, const Inbound& in, base::TimePoint now) {
  QuickModeData& qm = *x.qm;
  IKE_TRY(IsakmpSa * sa, parent_sa(e, x));
  base::Bytes expected = qm_hash3(e.crypto(), sa->suite.hash, sa->keys.skeyid_a(),
                                  x.key.message_id, base::view(qm.ni_b), base::view(qm.nr_b));
  IKE_TRY_VOID(check_hash(base::view(expected), in, "HASH(3)"));
  IKE_TRY_VOID(accept(e, x, in));
  ExchangeKey key = x.key;
  if (auto st = install_phase2(e, x, *sa, now); !st) {
    e.fail_exchange(key, st.error().detail);
    return base::ok();
  }
  e.finish_exchange(key, now, false);
  return base::ok();
}

}  // namespace ike::engine
