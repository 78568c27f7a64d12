// NAT traversal: vendor IDs, NAT-D, UDP-encapsulation modes and NAT-OA (RFC 3947, drafts 02/03),
// RFC 3948 ESP-in-UDP ports. Pure functions; the engine glue is in nat_t_engine.cc.
#include "engine/nat_t.h"

#include <algorithm>
#include <fmt/format.h>

#include "wire/registry.h"

namespace ike::engine {

namespace {

using base::ErrorCode;
using base::NotifyType;

bool vid_is(const wire::VendorPayload& v, const uint8_t (&id)[16]) {
  return v.data.size() == 16 && std::equal(v.data.begin(), v.data.end(), std::begin(id));
}

wire::VendorPayload vid(const uint8_t (&id)[16]) {
  return wire::VendorPayload{base::Bytes(std::begin(id), std::end(id))};
}

wire::NatOaPayload oa_payload(const base::IpAddress& a, bool draft) {
  wire::NatOaPayload p;
  p.id_type = static_cast<uint8_t>(a.is_v4() ? wire::IdType::Ipv4Addr : wire::IdType::Ipv6Addr);
  p.address = base::to_bytes(a.bytes());
  p.draft = draft;
  return p;
}

}  // namespace

const char* nat_t_version_name(NatTVersion v) noexcept {
  switch (v) {
    case NatTVersion::None: return "none";
    case NatTVersion::Draft02: return "draft-02";
    case NatTVersion::Draft03: return "draft-03";
    case NatTVersion::Rfc: return "rfc3947";
  }
  return "?";
}

std::string NatTState::to_string() const {
  if (version == NatTVersion::None) return "nat-t none";
  std::string s = fmt::format("nat-t {}", nat_t_version_name(version));
  if (local_behind_nat) s += ", local behind NAT";
  if (peer_behind_nat) s += ", peer behind NAT";
  if (!detected()) s += ", no NAT";
  if (floated) s += ", floated";
  return s;
}

std::vector<wire::Payload> nat_t_vendor_ids() {
  return {vid(kNatTVidRfc), vid(kNatTVidDraft03), vid(kNatTVidDraft02)};
}

NatTVersion nat_t_select_version(std::span<const wire::VendorPayload* const> vids) noexcept {
  NatTVersion best = NatTVersion::None;
  for (const auto* v : vids) {
    NatTVersion got = vid_is(*v, kNatTVidRfc)       ? NatTVersion::Rfc
                      : vid_is(*v, kNatTVidDraft03) ? NatTVersion::Draft03
                      : vid_is(*v, kNatTVidDraft02) ? NatTVersion::Draft02
                                                    : NatTVersion::None;
    if (static_cast<uint8_t>(got) > static_cast<uint8_t>(best)) best = got;
  }
  return best;
}

std::optional<wire::VendorPayload> nat_t_reply_vendor_id(NatTVersion v) {
  switch (v) {
    case NatTVersion::Rfc: return vid(kNatTVidRfc);
    case NatTVersion::Draft03: return vid(kNatTVidDraft03);
    case NatTVersion::Draft02: return vid(kNatTVidDraft02);
    case NatTVersion::None: break;
  }
  return std::nullopt;
}

NatTVersion nat_t_accept_reply(std::span<const wire::VendorPayload* const> vids) noexcept {
  // A responder that echoes several (isakmpd itself sends all three): the best one wins.
  return nat_t_select_version(vids);
}

base::Bytes nat_d_hash(const crypto::Provider& p, crypto::HashAlg h,
                       const base::CookiePair& cookies, const base::SockAddr& addr) {
  // RFC 3947 §3.2: HASH = HASH(CKY-I | CKY-R | IP | Port)
  const uint8_t port[2] = {static_cast<uint8_t>(addr.port >> 8),
                           static_cast<uint8_t>(addr.port & 0xff)};
  const base::ByteView parts[] = {
      base::ByteView(cookies.initiator.bytes.data(), cookies.initiator.bytes.size()),
      base::ByteView(cookies.responder.bytes.data(), cookies.responder.bytes.size()),
      addr.address.bytes(), base::ByteView(port, 2)};
  return p.hash(h, parts);
}

std::vector<wire::Payload> nat_d_payloads(const crypto::Provider& p, crypto::HashAlg h,
                                          const base::CookiePair& cookies, NatTVersion v,
                                          const base::SockAddr& local,
                                          const base::SockAddr& peer) {
  const bool draft = v == NatTVersion::Draft02 || v == NatTVersion::Draft03;
  // RFC 3947 §3.2: "The first NAT-D payload contains the remote end's IP address and port
  // (i.e., the destination address of the UDP packet). The remaining NAT-D payloads contain
  // possible local-end IP addresses and ports".
  return {wire::NatDPayload{nat_d_hash(p, h, cookies, peer), draft},
          wire::NatDPayload{nat_d_hash(p, h, cookies, local), draft}};
}

base::Status nat_t_evaluate(const crypto::Provider& p, crypto::HashAlg h,
                            const base::CookiePair& cookies, const base::SockAddr& local,
                            const base::SockAddr& peer,
                            std::span<const wire::NatDPayload* const> natd, NatTState& state) {
  if (state.version == NatTVersion::None || natd.empty()) return base::ok();
  if (natd.size() < 2) {
    return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                            "one NAT-D payload (RFC 3947 §3.2 needs the destination's and at "
                            "least one source hash)");
  }
  for (std::size_t i = 0; i < natd.size(); ++i) {
    if (natd[i]->draft != state.draft()) {
      return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                              "NAT-D #{} is payload type {} but {} was negotiated", i + 1,
                              natd[i]->draft ? 130 : 20, nat_t_version_name(state.version));
    }
  }
  // The first hash is of our address as the peer saw it: a mismatch means our packets are
  // translated (RFC 3947 §3.2: "this end is behind a NAT").
  base::Bytes ours = nat_d_hash(p, h, cookies, local);
  bool local_nat = !crypto::constant_time_equal(base::view(ours), base::view(natd[0]->hash));
  base::Bytes theirs = nat_d_hash(p, h, cookies, peer);
  bool peer_matched = false;
  for (std::size_t i = 1; i < natd.size(); ++i) {
    peer_matched |= crypto::constant_time_equal(base::view(theirs), base::view(natd[i]->hash));
  }
  state.local_behind_nat = local_nat;
  state.peer_behind_nat = !peer_matched;
  return base::ok();
}

UdpEncap nat_t_udp_encap(const NatTState& s) noexcept {
  if (!s.detected()) return UdpEncap::None;
  return s.draft() ? UdpEncap::Draft : UdpEncap::Rfc;
}

std::vector<wire::Payload> nat_oa_payloads(const NatTState& s, bool initiator,
                                           const base::IpAddress& ours,
                                           const base::IpAddress& theirs) {
  if (!s.detected()) return {};
  if (s.draft()) return {oa_payload(ours, true)};
  // RFC 3947 §5.2: "NAT-OAi ... the IP address of the initiator" then NAT-OAr of the responder.
  const base::IpAddress& i = initiator ? ours : theirs;
  const base::IpAddress& r = initiator ? theirs : ours;
  return {oa_payload(i, false), oa_payload(r, false)};
}

base::Result<NatOa> parse_nat_oa(std::span<const wire::NatOaPayload* const> oa,
                                 bool peer_is_initiator) {
  NatOa out;
  std::vector<base::IpAddress> addrs;
  for (std::size_t i = 0; i < oa.size(); ++i) {
    const auto& p = *oa[i];
    const bool v4 = p.id_type == static_cast<uint8_t>(wire::IdType::Ipv4Addr);
    const bool v6 = p.id_type == static_cast<uint8_t>(wire::IdType::Ipv6Addr);
    if ((!v4 && !v6) || p.address.size() != (v4 ? 4U : 16U)) {
      return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                              "NAT-OA #{}: ID type {} with {} address bytes (RFC 3947 §5.2: "
                              "ID_IPV4_ADDR or ID_IPV6_ADDR)",
                              i + 1, p.id_type, p.address.size());
    }
    addrs.push_back(v4 ? base::IpAddress::v4_bytes(base::view(p.address))
                       : base::IpAddress::v6(base::view(p.address)));
  }
  if (addrs.size() == 1) {  // draft: the sender's original source address
    (peer_is_initiator ? out.initiator : out.responder) = addrs[0];
  } else if (addrs.size() == 2) {
    out.initiator = addrs[0];
    out.responder = addrs[1];
  }
  return out;
}

bool nat_t_translated_id_ok(const wire::IdPayload& got, const wire::IdPayload& sent,
                            const std::optional<base::IpAddress>& nat_oa) noexcept {
  auto host = [](const wire::IdPayload& id) {
    return id.id_type == static_cast<uint8_t>(wire::IdType::Ipv4Addr) ||
           id.id_type == static_cast<uint8_t>(wire::IdType::Ipv6Addr);
  };
  if (!nat_oa || !host(got) || !host(sent) || got.protocol != sent.protocol ||
      got.port != sent.port) {
    return false;
  }
  auto oa = nat_oa->bytes();
  return got.data.size() == oa.size() && std::equal(oa.begin(), oa.end(), got.data.begin());
}

void nat_t_fill_sa_install(const NatTState& s, const base::SockAddr& local,
                           const base::SockAddr& peer, bool inbound,
                           base::SaInstall& sa) noexcept {
  if (!s.detected() || !s.floated) return;
  // RFC 3948 §2.1: ESP in UDP between the floated IKE ports.
  sa.udp_encap_src_port = inbound ? peer.port : local.port;
  sa.udp_encap_dst_port = inbound ? local.port : peer.port;
}

}  // namespace ike::engine
