// Informational exchange (RFC 2408 §4.8, RFC 2409 §5.7), DELETE (RFC 2408 §3.15), INITIAL-CONTACT
// (RFC 2407 §4.6.3.3) and Dead Peer Detection (RFC 3706):
//
//   HDR*, HASH(1), N/D -->          HASH(1) = prf(SKEYID_a, M-ID | N/D)
//
// A protected message is acted on only after its HASH(1) verified (CVE-2019-10155 class,
// reliability.md A1.6 #13); DELETEs are idempotent (#14); unprotected notifies are only logged,
// except that an error notify fails our own pending MM1/MM3 exchange with the same cookies.
#include <utility>

#include <fmt/format.h>

#include "base/hex.h"
#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/esp_keys.h"
#include "engine/exchanges/common.h"
#include "engine/exchanges/quick_mode_install.h"
#include "engine/fuzzing_hook.h"
#include "engine/keymat.h"
#include "engine/xauth_exchange.h"
#include "wire/registry.h"

namespace ike::engine {

namespace {

base::Status send_info_with_mid(EngineImpl& e, IsakmpSa& sa, std::vector<wire::Payload> payloads) {
  base::MessageId mid = e.new_message_id(sa);
  IKE_TRY(base::Bytes iv, sa.iv.exchange_iv(e.crypto(), sa.suite.hash, mid));
  wire::Header h;
  h.cookies = sa.cookies;
  h.exchange = wire::ExchangeType::Informational;
  h.message_id = mid;
  const crypto::Provider& p = e.crypto();
  crypto::HashAlg hash = sa.suite.hash;
  const base::ByteView skeyid_a = sa.keys.skeyid_a();
  auto built = build_encrypted(p, sa.cipher, sa.keys.enc_key(), base::view(iv), h,
                               payloads, crypto::hash_length(hash),
                               [&](base::ByteView after) {
                                 // RFC 2409 §5.7: HASH(1) = prf(SKEYID_a, M-ID | N/D)
                                 return informational_hash(p, hash, skeyid_a, mid,
                                                           after);
                               });
  sa.iv.end_exchange(mid);
  if (!built) return std::move(built).error();
  e.log_packet(sa.local, sa.peer, base::view(built->cleartext));
  e.send(sa.local, sa.peer, std::move(built->datagram));
  return base::ok();
}

bool is_error_notify(uint16_t type) { return type > 0 && type < 8192; }

}  // namespace

base::Status send_info_protected(EngineImpl& e, IsakmpSa& sa,
                                 std::vector<wire::Payload> payloads) {
  return send_info_with_mid(e, sa, std::move(payloads));
}

void send_notify_clear(EngineImpl& e, const base::SockAddr& local, const base::SockAddr& peer,
                       const base::CookiePair& cookies, base::NotifyType type) {
  // HDR, N -->   (RFC 2408 §5: no SA to protect it; the receiver may only log it)
  wire::Header h;
  h.cookies = cookies;
  h.exchange = wire::ExchangeType::Informational;
  wire::NotifyPayload n;
  n.protocol_id = static_cast<uint8_t>(wire::ProtocolId::Isakmp);
  n.type = static_cast<uint16_t>(type);
  n.spi = cookie_spi(cookies);
  std::vector<wire::Payload> payloads{n};
  IKE_LOG_DEBUG(Exchange, 10, "sending unprotected {} to {}", wire::to_string(type),
                peer.to_string());
  e.send(local, peer, build_clear(h, payloads));
}

void send_notify_protected(EngineImpl& e, IsakmpSa& sa, base::NotifyType type,
                           uint8_t protocol_id, base::Bytes spi, base::Bytes data) {
  wire::NotifyPayload n;
  n.protocol_id = protocol_id;
  n.type = static_cast<uint16_t>(type);
  n.spi = std::move(spi);
  n.data = std::move(data);
  auto st = send_info_with_mid(e, sa, {n});
  if (!st) IKE_LOG_WARN("cannot send {} to {}: {}", wire::to_string(type), sa.peer.to_string(),
                        st.error().detail);
}

void delete_ipsec_sa(EngineImpl& e, base::Spi in_spi, bool send_delete, std::string_view why) {
  std::optional<IpsecSa> gone = e.sas().remove_ipsec(in_spi);
  if (!gone) return;
  if (send_delete) {
    if (IsakmpSa* parent = e.sas().find_isakmp(gone->parent)) {
      // HDR*, HASH(1), D(protocol, SPI size 4, our inbound SPI) -->
      std::vector<wire::Payload> dels;
      for (const auto& proto : gone->suite.protocols) {
        wire::DeletePayload d;
        d.protocol_id = static_cast<uint8_t>(proto.protocol);
        d.spi_size = 4;
        d.spis.push_back(spi_bytes(proto.protocol, proto.our_spi));
        dels.emplace_back(std::move(d));
      }
      auto st = send_info_protected(e, *parent, std::move(dels));
      if (!st) IKE_LOG_WARN("cannot send DELETE for {}: {}", gone->name, st.error().detail);
    }
  }
  for (const auto& sa : gone->installed) {
    e.kernel(KernelDeleteSa{sa.ref, sa.src});
  }
  for (auto& f : ipsec_sa_flows(*gone)) e.kernel(KernelDeleteFlow{std::move(f)});
  IKE_LOG_DEBUG(Sa, 10, "IPsec SA {} spi {:08x}/{:08x} deleted: {}", gone->name,
                gone->in_spi.value, gone->out_spi.value, why);
  SaEvent ev{SaEvent::Kind::Phase2Deleted, gone->name, gone->local, gone->peer, gone->parent,
             gone->message_id, {gone->in_spi, gone->out_spi}, std::string(why)};
  e.event(std::move(ev));
}

void delete_isakmp_sa(EngineImpl& e, const base::CookiePair& key, bool send_delete,
                      std::string_view why) {
  // A copy: callers (XAUTH's failure path) pass the SA's own `cookies`, freed below.
  const base::CookiePair c = key;
  IsakmpSa* sa = e.sas().find_isakmp(c);
  if (sa == nullptr) return;
  // Reported if still pending; abandoning a pending XAUTH exchange below must not delete the
  // SA again (xauth_exchange.h).
  xauth_abandon(e, *sa, why);
  sa->phase2_hold.reset();  // the Quick Modes it held go with the SA
  if (send_delete) {
    // HDR*, HASH(1), D(PROTO_ISAKMP, SPI size 16, CKY-I | CKY-R) -->
    wire::DeletePayload d;
    d.protocol_id = static_cast<uint8_t>(wire::ProtocolId::Isakmp);
    d.spi_size = 16;
    d.spis.push_back(cookie_spi(c));
    auto st = send_info_protected(e, *sa, {d});
    if (!st) IKE_LOG_WARN("cannot send DELETE for {}: {}", sa->name, st.error().detail);
  }
  // Abandon the Quick Modes running over this SA.
  for (const auto& k : e.exchanges().over_isakmp_sa(c)) {
    Exchange* x = e.exchanges().find(k);
    if (x != nullptr && !x->finished) {
      e.fail_exchange(k, "ISAKMP SA deleted");
    } else {
      e.exchanges().remove(k);
    }
  }
  // The finished phase-1 exchange lingering to resend its last message (MM6/AM2 when the
  // peer's MM5/AM3 comes again) goes with the SA: an SA that is deleted is not to be
  // re-confirmed to a peer, and a peer that deleted it has it (issue #7: a peer that connects
  // and deletes left its Main Mode in the exchange table for Exchange-max-time, 30 000 of them
  // at 1000 handshakes/s, and every lookup walked them).
  const ExchangeKey phase1{c, base::MessageId{0}};
  if (const Exchange* x = e.exchanges().find(phase1); x != nullptr && x->finished) {
    e.exchanges().remove(phase1);
  }
  std::optional<IsakmpSa> gone = e.sas().remove_isakmp(c);
  IKE_LOG_DEBUG(Sa, 10, "ISAKMP SA {} {} deleted: {}", gone->name, c.hex(), why);
  SaEvent ev{SaEvent::Kind::Phase1Deleted, gone->name, gone->local, gone->peer, c,
             base::MessageId{}, {}, std::string(why)};
  e.event(std::move(ev));
}

void handle_unprotected_info(EngineImpl& e, const Datagram& d, const wire::Header& h,
                             base::TimePoint now) {
  (void)now;
  base::ByteView body = base::view(d.bytes).subspan(wire::kHeaderSize);
  auto payloads = wire::parse_payloads(h.next_payload, body, wire::kHeaderSize, false);
  if (!payloads) {
    e.drop(fmt::format("unprotected informational from {}: {}", d.peer.to_string(),
                       payloads.error().detail));
    return;
  }
  if (auto st = check_payloads(kRuleInfoUnprotected, false, *payloads); !st) {
    e.drop(fmt::format("unprotected informational from {}: {}", d.peer.to_string(),
                       st.error().detail));
    return;
  }
  bool acted = false;
  for (const auto& entry : *payloads) {
    const auto* n = std::get_if<wire::NotifyPayload>(&entry.value);
    if (n == nullptr) {
      IKE_LOG_INFO("ignoring unprotected DELETE from {}", d.peer.to_string());
      continue;
    }
    std::string name = wire::registry_name_or_number(wire::Registry::NotifyType, n->type);
    IKE_LOG_INFO("received unprotected notify {} from {} (cookies {})", name,
                 d.peer.to_string(), h.cookies.hex());
    if (!is_error_notify(n->type)) continue;
    // Our pending MM1/AM1 (responder cookie still unknown, or zero in the notify) or MM3.
    Exchange* x = e.exchanges().find_initiator_mm(h.cookies.initiator);
    if (x == nullptr || x->peer.address != d.peer.address || x->finished) continue;
    bool mm1 = x->state == State::MmISent1 || x->state == State::AmISent1;
    bool mm3 = x->state == State::MmISent3 && x->key.cookies.responder == h.cookies.responder;
    if (mm1 || mm3) {
      e.fail_exchange(x->key, fmt::format("peer {} sent {}", d.peer.to_string(), name));
      acted = true;
    }
  }
  if (!acted) {
    e.drop(fmt::format("unprotected informational from {} (logged only)", d.peer.to_string()));
  }
}

namespace {

void initial_contact(EngineImpl& e, const IsakmpSa& current) {
  // RFC 2407 §4.6.3.3: the peer rebooted; every SA with it except this one is stale. The
  // peer is the pair of addresses (isakmpd compares both ends): an SA with the same peer
  // address from another of our local addresses belongs to another peer section (a host
  // that is several peers of ours) and stays. Through SaDb's peer index, no walk of all SAs.
  const base::IpAddress local = current.local.address;
  std::vector<base::CookiePair> old_p1 = e.sas().isakmp_with_peer(current.peer.address);
  std::erase_if(old_p1, [&](const base::CookiePair& c) {
    const IsakmpSa* sa = std::as_const(e.sas()).find_isakmp(c);
    return c == current.cookies || sa == nullptr || sa->local.address != local;
  });
  std::vector<base::Spi> old_p2 = e.sas().ipsec_with_peer(current.peer.address);
  std::erase_if(old_p2, [&](base::Spi spi) {
    const IpsecSa* sa = std::as_const(e.sas()).find_ipsec_by_in_spi(spi);
    return sa == nullptr || sa->local.address != local;
  });
  for (auto spi : old_p2) delete_ipsec_sa(e, spi, false, "INITIAL-CONTACT");
  for (const auto& c : old_p1) delete_isakmp_sa(e, c, false, "INITIAL-CONTACT");
}

// The Quick Modes we initiated over ISAKMP SA `c` that an error notify from the peer ends. The
// notify travels in an Informational exchange of its own message id, so only its SPI can name
// the Quick Mode: a responder that refuses QM1 sends the SPI of the proposal it refused (RFC
// 2408 §3.14; isakmpd and this daemon send the first proposal's), which is one of ours. When
// the SPI names one of our QMs waiting for QM2, that one ends. Without such an SPI the notify
// ends the only QM waiting, and none when several wait (a rekey storm keeps 16 in flight per
// ISAKMP SA: ending them all for one refusal would fail 15 that the peer accepts); the
// refused one then ends when its retransmissions run out.
std::vector<ExchangeKey> quick_modes_failed_by(EngineImpl& e, const base::CookiePair& c,
                                               const wire::NotifyPayload& n) {
  std::vector<ExchangeKey> waiting, named;
  std::optional<base::Spi> spi;
  if (n.spi.size() == 4 || n.spi.size() == 2) {  // ESP/AH SPI, IPCOMP CPI
    uint32_t v = 0;
    for (uint8_t b : n.spi) v = (v << 8) | b;
    spi = base::Spi{v};
  }
  const auto& table = std::as_const(e.exchanges()).all();
  for (const auto& k : e.exchanges().over_isakmp_sa(c)) {
    auto it = table.find(k);
    if (it == table.end() || it->second.role != Role::Initiator ||
        it->second.state != State::QmISent1 || it->second.qm == nullptr) {
      continue;
    }
    waiting.push_back(k);
    for (const auto& ours : it->second.qm->our_spis) {
      if (spi && ours.spi == *spi && static_cast<uint8_t>(ours.protocol) == n.protocol_id) {
        named.push_back(k);
        break;
      }
    }
  }
  if (!named.empty()) return named;
  if (waiting.size() > 1) {
    IKE_LOG_WARN("notify {} names none of the {} Quick Modes waiting over the ISAKMP SA "
                 "(SPI {}); they end by their answers or their retransmission limits",
                 wire::registry_name_or_number(wire::Registry::NotifyType, n.type), waiting.size(),
                 n.spi.empty() ? std::string("none") : base::to_hex(n.spi));
    waiting.clear();
  }
  return waiting;
}

}  // namespace

void handle_initial_contact(EngineImpl& e, const base::CookiePair& current) {
  if (const IsakmpSa* sa = e.sas().find_isakmp(current)) initial_contact(e, *sa);
}

base::Status info_recv(EngineImpl& e, const Inbound& in, base::TimePoint now) {
  (void)now;
  const wire::Header& h = in.header;
  IsakmpSa* sa = e.sas().find_isakmp(h.cookies);
  if (sa == nullptr) {
    return base::make_error(base::ErrorCode::State, base::NotifyType::None, "no ISAKMP SA");
  }
  if (in.datagram->peer.address != sa->peer.address) {
    return base::make_error(base::ErrorCode::State, base::NotifyType::None,
                            "ISAKMP SA {} belongs to {}", h.cookies.hex(), sa->peer.to_string());
  }
  // RFC 2409 §5.7: verify HASH(1) = prf(SKEYID_a, M-ID | N/D) BEFORE acting.
  base::Bytes expected = informational_hash(e.crypto(), sa->suite.hash,
                                            sa->keys.skeyid_a(), h.message_id,
                                            in.after_hash());
  const auto* hash = in.find<wire::HashPayload>();
  if (!auth_check_passes(
          crypto::constant_time_equal(base::view(expected), base::view(hash->data)))) {
    return base::make_error(base::ErrorCode::Auth, base::NotifyType::InvalidHashInformation,
                            "informational HASH(1) mismatch");
  }
  phase1_confirmed_by_peer(e, sa->cookies);
  if (in.all<wire::NotifyPayload>().empty() && in.all<wire::DeletePayload>().empty()) {
    return base::make_error(base::ErrorCode::BadValue, base::NotifyType::PayloadMalformed,
                            "informational without NOTIFY or DELETE");
  }
  sa->used_message_ids.insert(h.message_id.value);
  base::CookiePair cookies = sa->cookies;
  bool delete_phase1 = false;
  for (const auto* n : in.all<wire::NotifyPayload>()) {
    std::string name = wire::registry_name_or_number(wire::Registry::NotifyType, n->type);
    auto type = static_cast<base::NotifyType>(n->type);
    if (type == base::NotifyType::RUThere) {
      // RFC 3706 §5: answer with R-U-THERE-ACK, same SPI (cookies) and sequence number.
      if (n->data.size() != 4 || n->spi != cookie_spi(cookies)) {
        IKE_LOG_WARN("malformed R-U-THERE from {}", sa->peer.to_string());
        continue;
      }
      send_notify_protected(e, *sa, base::NotifyType::RUThereAck,
                            static_cast<uint8_t>(wire::ProtocolId::Isakmp), cookie_spi(cookies),
                            n->data);
      sa = e.sas().find_isakmp(cookies);
    } else if (type == base::NotifyType::RUThereAck) {
      if (n->data.size() == 4 && n->spi == cookie_spi(cookies)) {
        sa->dpd_ack_seq = (uint32_t{n->data[0]} << 24) | (uint32_t{n->data[1]} << 16) |
                          (uint32_t{n->data[2]} << 8) | n->data[3];
        IKE_LOG_DEBUG(Exchange, 20, "R-U-THERE-ACK {} from {}", *sa->dpd_ack_seq,
                      sa->peer.to_string());
      }
    } else if (type == base::NotifyType::InitialContact) {
      initial_contact(e, *sa);
      sa = e.sas().find_isakmp(cookies);
    } else {
      IKE_LOG_INFO("received notify {} from {}", name, sa->peer.to_string());
      if (is_error_notify(n->type)) {
        for (const auto& k : quick_modes_failed_by(e, cookies, *n)) {
          e.fail_exchange(k, fmt::format("peer {} sent {}", sa->peer.to_string(), name));
        }
      }
    }
    if (sa == nullptr) return base::ok();
  }
  for (const auto* d : in.all<wire::DeletePayload>()) {
    if (d->protocol_id == static_cast<uint8_t>(wire::ProtocolId::Isakmp)) {
      if (d->spi_size != 16) {
        IKE_LOG_WARN("ISAKMP DELETE from {} with SPI size {}", sa->peer.to_string(), d->spi_size);
        continue;
      }
      for (const auto& spi : d->spis) {
        if (spi == cookie_spi(cookies)) {
          delete_phase1 = true;
        } else {
          // Another ISAKMP SA of the same peer (authenticated by this one).
          for (const auto& c : e.sas().isakmp_with_peer(sa->peer.address)) {
            if (cookie_spi(c) == spi) {
              delete_isakmp_sa(e, base::CookiePair(c), false, "peer DELETE");
              break;
            }
          }
        }
      }
      continue;
    }
    if (d->spi_size != 4) {
      IKE_LOG_WARN("IPsec DELETE from {} with SPI size {}", sa->peer.to_string(), d->spi_size);
      continue;
    }
    for (const auto& spi_b : d->spis) {
      base::Spi spi{(uint32_t{spi_b[0]} << 24) | (uint32_t{spi_b[1]} << 16) |
                    (uint32_t{spi_b[2]} << 8) | spi_b[3]};
      // The peer names the SPI it receives on: our outbound SPI.
      IpsecSa* p2 = e.sas().find_ipsec_by_peer_spi(sa->peer.address, spi);
      if (p2 == nullptr) {
        IKE_LOG_DEBUG(Sa, 20, "DELETE for unknown SPI {:08x} from {} (already gone)", spi.value,
                      sa->peer.to_string());
        continue;
      }
      delete_ipsec_sa(e, p2->in_spi, false, "peer DELETE");
    }
  }
  if (delete_phase1) delete_isakmp_sa(e, cookies, false, "peer DELETE");
  return base::ok();
}

}  // namespace ike::engine
