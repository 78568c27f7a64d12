// NAT traversal engine glue (RFC 3947 §3-§4, RFC 3948 §2.3): vendor IDs in MM1/MM2, NAT-D in
// MM3/MM4 and their evaluation, the float to the NAT-T port (initiator after MM4, responder
// following the initiator's MM5), NAT rebinding on established ISAKMP SAs, and keepalives from
// the side behind the NAT. The daemon adds/strips the non-ESP marker; the engine only chooses
// ports. Packets that still arrive on port 500 after the float are accepted (isakmpd discards
// them, including INFO; accepting is friendlier to peers that answer where they were asked),
// but only datagrams on the NAT-T port move the tracked peer address.
#include <fmt/format.h>

#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/nat_t.h"

namespace ike::engine {

uint16_t nat_t_port(const EngineImpl& e) noexcept { return e.options().nat_t_port; }

void nat_t_add_offer_vids(const EngineImpl& e, std::vector<wire::Payload>& payloads) {
  if (!e.options().nat_traversal) return;  // -T: no vendor IDs (isakmpd)
  for (auto& v : nat_t_vendor_ids()) payloads.push_back(std::move(v));
}

void nat_t_on_offer(const EngineImpl& e, const Inbound& in, NatTState& state,
                    std::vector<wire::Payload>& reply) {
  if (!e.options().nat_traversal) return;
  state.version = nat_t_select_version(in.all<wire::VendorPayload>());
  if (auto v = nat_t_reply_vendor_id(state.version)) reply.emplace_back(std::move(*v));
}

void nat_t_on_reply(const EngineImpl& e, const Inbound& in, NatTState& state) {
  if (!e.options().nat_traversal) return;
  state.version = nat_t_accept_reply(in.all<wire::VendorPayload>());
}

void nat_t_add_nat_d(const EngineImpl& e, const Exchange& x, crypto::HashAlg h,
                     const NatTState& state, std::vector<wire::Payload>& payloads) {
  if (state.version == NatTVersion::None) return;
  for (auto& p : nat_d_payloads(e.crypto(), h, x.key.cookies, state.version, x.local, x.peer)) {
    payloads.push_back(std::move(p));
  }
}

base::Status nat_t_on_nat_d(const EngineImpl& e, const Exchange& x, crypto::HashAlg h,
                            const Inbound& in, NatTState& state) {
  const Datagram& d = *in.datagram;
  NatTState next = state;
  IKE_TRY_VOID(nat_t_evaluate(e.crypto(), h, x.key.cookies, d.local, d.peer,
                              in.all<wire::NatDPayload>(), next));
  state = next;
  if (state.version != NatTVersion::None) {
    IKE_LOG_DEBUG(Exchange, 10, "{} with {}: {}", x.name, d.peer.to_string(), state.to_string());
  }
  return base::ok();
}

void nat_t_initiator_float(const EngineImpl& e, Exchange& x, NatTState& state) {
  if (!state.detected() || state.floated) return;
  // RFC 3947 §4: the initiator "MUST ... change ports" to 4500 once a NAT is detected; Main
  // Mode from message 5 on.
  x.local.port = nat_t_port(e);
  x.peer.port = nat_t_port(e);
  state.floated = true;
}

void nat_t_follow_float(const EngineImpl& e, Exchange& x, const Inbound& in, NatTState& state) {
  const Datagram& d = *in.datagram;
  if (state.version == NatTVersion::None || d.local.port != nat_t_port(e)) return;
  if (x.local == d.local && x.peer == d.peer) return;
  // RFC 3947 §4: the responder answers from its NAT-T port to the address/port the initiator's
  // floated message came from (the NAT's new mapping).
  IKE_LOG_DEBUG(Exchange, 10, "{}: peer floated to {} (was {})", x.name, d.peer.to_string(),
                x.peer.to_string());
  x.local = d.local;
  x.peer = d.peer;
  state.floated = true;
}

std::optional<NatRebind> nat_t_rebind_begin(EngineImpl& e, const wire::Header& h,
                                            const Datagram& d, Exchange* x) {
  IsakmpSa* sa = e.sas().find_isakmp(h.cookies);
  if (sa == nullptr || !sa->nat.floated || d.local.port != nat_t_port(e) || d.peer == sa->peer) {
    return std::nullopt;
  }
  NatRebind r{sa->peer, d.peer};
  e.sas().set_isakmp_peer(h.cookies, d.peer);
  if (x != nullptr && x->peer == r.old_peer) x->peer = d.peer;
  return r;
}

void nat_t_rebind_end(EngineImpl& e, const wire::Header& h, const NatRebind& r, bool accepted) {
  IsakmpSa* sa = e.sas().find_isakmp(h.cookies);
  Exchange* x = e.exchanges().find({h.cookies, h.message_id});
  if (!accepted) {
    if (sa != nullptr && sa->peer == r.new_peer) e.sas().set_isakmp_peer(h.cookies, r.old_peer);
    if (x != nullptr && x->peer == r.new_peer) x->peer = r.old_peer;
    return;
  }
  if (sa == nullptr) return;
  IKE_LOG_INFO("{}: peer {} moved to {} (NAT rebinding)", sa->name, r.old_peer.to_string(),
               r.new_peer.to_string());
  const SaDb& db = e.sas();
  for (auto spi : db.ipsec_with_peer(r.old_peer.address)) {
    const IpsecSa* ipsec = db.find_ipsec_by_in_spi(spi);
    if (ipsec->parent == sa->cookies && ipsec->peer == r.old_peer) {
      e.sas().set_ipsec_peer(spi, r.new_peer);
    }
  }
  for (auto& [k, ex] : e.exchanges().all()) {
    if (k.cookies == sa->cookies && ex.peer == r.old_peer) ex.peer = r.new_peer;
  }
  // TODO(#5): move the installed ESP-in-UDP SAs' encap port too (XFRM_MSG_UPDSA / MIGRATE).
}

void nat_t_schedule_keepalive(const EngineImpl& e, IsakmpSa& sa, base::TimePoint now) {
  int64_t secs = e.conf().get_num_or("General", "NAT-T-Keepalive", kDefaultNatTKeepaliveSeconds);
  // RFC 3948 §4: keepalives are sent by the side behind the NAT.
  if (secs <= 0 || !sa.nat.local_behind_nat || !sa.nat.floated) {
    sa.next_keepalive.reset();
    return;
  }
  sa.next_keepalive = now + base::Seconds{secs};
}

void nat_t_send_keepalives(EngineImpl& e, base::TimePoint now) {
  // Only the ISAKMP SAs whose timer passed (SaDb's deadline heap; next_deadline() has them).
  for (const auto& c : e.sas().due_isakmp(now)) {
    IsakmpSa* sa = e.sas().find_isakmp(c);
    if (sa == nullptr || !sa->next_keepalive || now < *sa->next_keepalive) continue;
    // RFC 3948 §2.3: a NAT-keepalive packet is one octet 0xFF, without the non-ESP marker.
    SendDatagram ka{sa->local, sa->peer, base::Bytes{0xff}};
    ka.keepalive = true;
    e.emit(std::move(ka));
    IKE_LOG_DEBUG(Transport, 30, "NAT-T keepalive to {}", sa->peer.to_string());
    nat_t_schedule_keepalive(e, *sa, now);
  }
}

}  // namespace ike::engine
