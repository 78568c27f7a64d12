// IKEv1 fragmentation glue (fragment_send.h): vendor ID, size limit, splitting on send and the
// checked receive path. The exchanges call fragmentation_vendor_id_payload() and
// has_fragmentation_vendor_id() next to their DPD vendor ID; EngineImpl::send() asks
// fragments_for() and EngineImpl::on_datagram() hands payload-132 datagrams to on_fragment().
#include "engine/fragment_send.h"

#include <fmt/format.h>

#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/transitions.h"
#include "wire/fragment.h"

namespace ike::engine {

wire::VendorPayload fragmentation_vendor_id_payload() {
  return wire::VendorPayload{base::Bytes(wire::kFragmentationVendorId.begin(),
                                         wire::kFragmentationVendorId.end())};
}

bool has_fragmentation_vendor_id(const Inbound& in) {
  for (const auto* v : in.all<wire::VendorPayload>()) {
    if (wire::is_fragmentation_vendor_id(base::view(v->data))) return true;
  }
  return false;
}

void apply_fragmentation_mode(const PeerConfig& peer, std::vector<wire::Payload>& payloads) {
  if (peer.fragmentation != FragmentationMode::No) return;
  std::erase_if(payloads, [](const wire::Payload& p) {
    const auto* v = std::get_if<wire::VendorPayload>(&p);
    return v != nullptr && wire::is_fragmentation_vendor_id(base::view(v->data));
  });
}

std::size_t max_unfragmented_datagram(const conf::ConfDb& conf, const base::SockAddr& local,
                                      const base::SockAddr& peer, uint16_t nat_t_port) {
  const bool v6 = !peer.address.is_v4();
  const std::size_t fallback = v6 ? kDefaultFragmentSizeV6 : kDefaultFragmentSizeV4;
  const int64_t configured =
      conf.get_num_or("General", "IKE-fragment-size", static_cast<int64_t>(fallback));
  std::size_t size = fallback;
  if (configured >= static_cast<int64_t>(kMinFragmentSize) &&
      configured <= static_cast<int64_t>(wire::kMaxMessageSize)) {
    size = static_cast<std::size_t>(configured);
  }
  const std::size_t ip_header = v6 ? 40 : 20;
  constexpr std::size_t kUdpHeader = 8;
  const std::size_t marker = local.port == nat_t_port ? 4 : 0;  // RFC 3948 §2.2 non-ESP marker
  return size - ip_header - kUdpHeader - marker;
}

namespace {

// The Fragmentation mode of the peer that `cookies` belong to: the exchange's loaded peer
// config, else the ISAKMP SA's peer section (re-read: it may have changed); yes when unknown.
FragmentationMode fragment_mode_for(EngineImpl& e, const Exchange* x,
                                    const base::CookiePair& cookies) {
  if (x != nullptr && x->mm) return x->mm->peer.fragmentation;
  if (const auto* sa = e.sas().find_isakmp(cookies)) {
    return fragmentation_mode(e.conf(), sa->name).value_or(FragmentationMode::Yes);
  }
  return FragmentationMode::Yes;
}

// The exchange that `bytes` belongs to, by its peer's Fragmentation: force always (phase-1
// exchanges only: later messages carry no certificates), yes when the peer announced
// fragmentation, no never. The responder's MM6 leaves after its MainModeData went to the
// ISAKMP SA, so the mode comes from the SA's peer section then.
bool peer_accepts_fragments(EngineImpl& e, base::ByteView bytes) {
  auto h = wire::parse_header(bytes);
  if (!h) return false;
  const Exchange* x = e.exchanges().find(ExchangeKey{h->cookies, h->message_id});
  if (x == nullptr) return false;
  switch (fragment_mode_for(e, x, h->cookies)) {
    case FragmentationMode::No: return false;
    case FragmentationMode::Force:
      return x->type == wire::ExchangeType::IdProt || x->type == wire::ExchangeType::Aggressive;
    case FragmentationMode::Yes: break;
  }
  return x->peer_fragmentation;
}

}  // namespace

std::vector<base::Bytes> fragments_for(EngineImpl& e, const base::SockAddr& local,
                                       const base::SockAddr& peer, base::ByteView bytes) {
  const std::size_t limit =
      max_unfragmented_datagram(e.conf(), local, peer, e.options().nat_t_port);
  if (bytes.size() <= limit || !peer_accepts_fragments(e, bytes)) return {};
  FragmentState& fs = e.fragments();
  const uint16_t id = fs.next_id;
  fs.next_id = static_cast<uint16_t>(fs.next_id == 0xffff ? 1 : fs.next_id + 1);
  auto parts = wire::split_into_fragments(bytes, id, limit);
  if (!parts) {
    IKE_LOG_WARN("sending {} bytes to {} unfragmented: {}", bytes.size(), peer.to_string(),
                 parts.error().detail);
    return {};
  }
  IKE_LOG_DEBUG(Message, 10, "message of {} bytes to {} sent in {} fragments (id {})",
                bytes.size(), peer.to_string(), parts->size(), id);
  return std::move(*parts);
}

std::optional<base::Bytes> on_fragment(EngineImpl& e, const Datagram& d, base::TimePoint now) {
  auto f = wire::parse_fragment(base::view(d.bytes));
  if (!f) {
    e.drop(fmt::format("fragment from {}: {}", d.peer.to_string(), f.error().detail));
    return std::nullopt;
  }
  // Only for an SA being negotiated or established: fragments for unknown cookies would let
  // anyone fill the reassembly table without ever having sent MM1.
  // Our phase-1 initiator exchange is still keyed with a zero responder cookie when the
  // peer's first answer (AM2 with CERT) arrives in fragments.
  const Exchange* x = e.exchanges().find(ExchangeKey{f->header.cookies, base::MessageId{0}});
  if (x == nullptr) x = e.exchanges().find_initiator_mm(f->header.cookies.initiator);
  const bool known = x != nullptr || e.sas().find_isakmp(f->header.cookies) != nullptr;
  if (!known) {
    e.drop(fmt::format("fragment from {}: no exchange or ISAKMP SA for cookies {}",
                       d.peer.to_string(), f->header.cookies.hex()));
    return std::nullopt;
  }
  // [<peer>]:Fragmentation=no: we never announced it, so the peer's fragments are refused
  // before they take reassembly memory (counted: dropped_by_reason "fragment_refused").
  if (fragment_mode_for(e, x, f->header.cookies) == FragmentationMode::No) {
    e.drop(fmt::format("fragment from {}: fragmentation disabled for this peer (cookies {})",
                       d.peer.to_string(), f->header.cookies.hex()));
    return std::nullopt;
  }
  auto out = e.fragments().reassembler.insert(*f, now);
  switch (out.kind) {
    case FragmentReassembler::Outcome::Kind::Stored:
      return std::nullopt;
    case FragmentReassembler::Outcome::Kind::Dropped:
      e.drop(fmt::format("fragment from {}: {}", d.peer.to_string(), out.reason));
      return std::nullopt;
    case FragmentReassembler::Outcome::Kind::Complete:
      break;
  }
  auto inner = wire::parse_header(base::view(out.message));
  if (!inner) {
    e.drop(fmt::format("reassembled message from {}: {}", d.peer.to_string(),
                       inner.error().detail));
    return std::nullopt;
  }
  if (inner->cookies != f->header.cookies || inner->next_payload == wire::PayloadType::Fragment) {
    e.drop(fmt::format("reassembled message from {}: cookies {} differ from the fragments' {} "
                       "or it is a fragment itself",
                       d.peer.to_string(), inner->cookies.hex(), f->header.cookies.hex()));
    return std::nullopt;
  }
  IKE_LOG_DEBUG(Message, 10, "reassembled {} bytes from {} (fragment id {})",
                out.message.size(), d.peer.to_string(), f->id);
  return std::move(out.message);
}

}  // namespace ike::engine
