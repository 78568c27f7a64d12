// Bounded PF_KEY v2 parsing (see pfkey_message.h): the sadb_msg header is checked (version 2,
// sadb_msg_len * 8 equal to the datagram), then each extension: its length is non-zero and
// within the remainder, its type is one RFC 2367 / Linux defines and appears once; structures
// are copied out only after their size was checked against the extension length.
#include <arpa/inet.h>
#include <linux/pfkeyv2.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <string_view>

#include "kernel/pfkey_message.h"
#include "kernel/xfrm_algorithms.h"

namespace ike::kernel::pfkey {

using base::ErrorCode;
using base::NotifyType;

namespace {

struct Parsed {
  sadb_msg hdr{};
  std::array<base::ByteView, SADB_EXT_MAX + 1> ext{};
};

base::Result<Parsed> parse(base::ByteView msg) {
  Parsed p;
  if (msg.size() < sizeof(sadb_msg)) {
    return make_error(ErrorCode::Truncated, NotifyType::None, "PF_KEY: {} bytes, header needs {}",
                      msg.size(), sizeof(sadb_msg));
  }
  std::memcpy(&p.hdr, msg.data(), sizeof(sadb_msg));
  if (p.hdr.sadb_msg_version != PF_KEY_V2) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "PF_KEY: version {}",
                      p.hdr.sadb_msg_version);
  }
  if (std::size_t{p.hdr.sadb_msg_len} * 8 != msg.size()) {
    return make_error(ErrorCode::BadLength, NotifyType::None,
                      "PF_KEY: sadb_msg_len {} words for a {}-byte message",
                      static_cast<unsigned>(p.hdr.sadb_msg_len),
                      msg.size());
  }
  std::size_t pos = sizeof(sadb_msg);
  while (pos < msg.size()) {
    const std::size_t left = msg.size() - pos;
    if (left < sizeof(sadb_ext)) {
      return make_error(ErrorCode::Truncated, NotifyType::None,
                        "PF_KEY: extension header at offset {} truncated", pos);
    }
    sadb_ext e;
    std::memcpy(&e, msg.data() + pos, sizeof(e));
    const std::size_t len = std::size_t{e.sadb_ext_len} * 8;
    const unsigned type = e.sadb_ext_type;
    if (len == 0 || len > left) {
      return make_error(ErrorCode::BadLength, NotifyType::None,
                        "PF_KEY: extension type {} at offset {}: length {} outside 8..{}",
                        type, pos, len, left);
    }
    if (e.sadb_ext_type == 0 || e.sadb_ext_type > SADB_EXT_MAX) {
      return make_error(ErrorCode::BadValue, NotifyType::None,
                        "PF_KEY: unknown extension type {} at offset {}", type, pos);
    }
    if (!p.ext[e.sadb_ext_type].empty()) {
      return make_error(ErrorCode::BadValue, NotifyType::None,
                        "PF_KEY: duplicate extension type {} at offset {}", type, pos);
    }
    p.ext[e.sadb_ext_type] = msg.subspan(pos, len);
    pos += len;
  }
  return p;
}

template <class T>
base::Result<T> ext_struct(const Parsed& p, uint16_t type, std::string_view what) {
  base::ByteView v = p.ext[type];
  if (v.empty()) {
    return make_error(ErrorCode::NotFound, NotifyType::None, "PF_KEY {}: extension {} missing",
                      what, type);
  }
  if (v.size() < sizeof(T)) {
    return make_error(ErrorCode::Truncated, NotifyType::None,
                      "PF_KEY {}: extension {} has {} bytes, need {}", what, type, v.size(),
                      sizeof(T));
  }
  T out;
  std::memcpy(&out, v.data(), sizeof(T));
  return out;
}

base::Result<base::IpAddress> address(const Parsed& p, uint16_t type, std::string_view what) {
  IKE_TRY(sadb_address h, ext_struct<sadb_address>(p, type, what));
  base::ByteView v = p.ext[type].subspan(sizeof(sadb_address));
  if (v.size() < sizeof(sa_family_t)) {
    return make_error(ErrorCode::Truncated, NotifyType::None, "PF_KEY {}: empty address", what);
  }
  sa_family_t family;
  std::memcpy(&family, v.data(), sizeof(family));
  if (family == AF_INET && v.size() >= sizeof(sockaddr_in)) {
    sockaddr_in sin;
    std::memcpy(&sin, v.data(), sizeof(sin));
    if (h.sadb_address_prefixlen > 32) {
      return make_error(ErrorCode::BadValue, NotifyType::None, "PF_KEY {}: prefix {}", what,
                        static_cast<unsigned>(h.sadb_address_prefixlen));
    }
    return base::IpAddress::v4_bytes({reinterpret_cast<const uint8_t*>(&sin.sin_addr), 4});
  }
  if (family == AF_INET6 && v.size() >= sizeof(sockaddr_in6)) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, v.data(), sizeof(sin6));
    return base::IpAddress::v6({reinterpret_cast<const uint8_t*>(&sin6.sin6_addr), 16});
  }
  return make_error(ErrorCode::BadValue, NotifyType::None,
                    "PF_KEY {}: address family {} in {} bytes", what, family, v.size());
}

base::Result<base::IpsecProtocol> protocol(uint8_t sat, std::string_view what) {
  switch (sat) {
    case SADB_SATYPE_ESP: return base::IpsecProtocol::Esp;
    case SADB_SATYPE_AH: return base::IpsecProtocol::Ah;
    case SADB_X_SATYPE_IPCOMP: return base::IpsecProtocol::Ipcomp;
    default: break;
  }
  return make_error(ErrorCode::Unsupported, NotifyType::None, "PF_KEY {}: SA type {}", what, sat);
}

// The address with its prefix length, upper-layer protocol (255 = any) and port.
base::Result<base::TrafficSelector> selector(const Parsed& p, uint16_t type,
                                             std::string_view what) {
  IKE_TRY(sadb_address h, ext_struct<sadb_address>(p, type, what));
  IKE_TRY(base::IpAddress a, address(p, type, what));
  base::ByteView v = p.ext[type].subspan(sizeof(sadb_address));
  uint16_t port_n;  // sin_port and sin6_port sit at the same offset
  std::memcpy(&port_n, v.data() + offsetof(sockaddr_in, sin_port), sizeof(port_n));
  const unsigned width = a.is_v4() ? 32 : 128;
  if (h.sadb_address_prefixlen > width) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "PF_KEY {}: prefix {}", what,
                      static_cast<unsigned>(h.sadb_address_prefixlen));
  }
  const uint8_t proto = h.sadb_address_proto == 255 ? 0 : h.sadb_address_proto;
  return base::TrafficSelector{a, h.sadb_address_prefixlen, proto, ntohs(port_n)};
}

base::TrafficSelector host(const base::IpAddress& a) {
  return base::TrafficSelector{a, static_cast<uint8_t>(a.is_v4() ? 32 : 128), 0, 0};
}

}  // namespace

base::Result<Reply> parse_reply(base::ByteView msg) {
  IKE_TRY(Parsed p, parse(msg));
  Reply r;
  r.type = p.hdr.sadb_msg_type;
  r.error = p.hdr.sadb_msg_errno;
  r.satype = p.hdr.sadb_msg_satype;
  r.seq = p.hdr.sadb_msg_seq;
  r.pid = p.hdr.sadb_msg_pid;
  if (!p.ext[SADB_EXT_SA].empty()) {
    IKE_TRY(sadb_sa sa, ext_struct<sadb_sa>(p, SADB_EXT_SA, "reply"));
    r.spi = base::Spi{ntohl(sa.sadb_sa_spi)};
  }
  return r;
}

base::Result<base::KernelEvent> parse_acquire(base::ByteView msg) {
  IKE_TRY(Parsed p, parse(msg));
  if (p.hdr.sadb_msg_type != SADB_ACQUIRE) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "PF_KEY: type {} is not ACQUIRE",
                      p.hdr.sadb_msg_type);
  }
  base::KernelEvent ev;
  ev.kind = base::KernelEvent::Kind::Acquire;
  IKE_TRY(ev.protocol, protocol(p.hdr.sadb_msg_satype, "ACQUIRE"));
  IKE_TRY(ev.local, address(p, SADB_EXT_ADDRESS_SRC, "ACQUIRE"));
  IKE_TRY(ev.peer, address(p, SADB_EXT_ADDRESS_DST, "ACQUIRE"));
  if (ev.local.family() != ev.peer.family()) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "PF_KEY ACQUIRE: mixed families");
  }
  ev.src_ts = host(ev.local);
  ev.dst_ts = host(ev.peer);
  return ev;
}

base::Result<base::KernelEvent> parse_expire(base::ByteView msg) {
  IKE_TRY(Parsed p, parse(msg));
  if (p.hdr.sadb_msg_type != SADB_EXPIRE) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "PF_KEY: type {} is not EXPIRE",
                      p.hdr.sadb_msg_type);
  }
  const bool hard = !p.ext[SADB_EXT_LIFETIME_HARD].empty();
  if (hard == !p.ext[SADB_EXT_LIFETIME_SOFT].empty()) {
    return make_error(ErrorCode::BadValue, NotifyType::None,
                      "PF_KEY EXPIRE: needs exactly one of the hard and soft lifetimes");
  }
  base::KernelEvent ev;
  ev.kind = hard ? base::KernelEvent::Kind::HardExpire : base::KernelEvent::Kind::SoftExpire;
  IKE_TRY(ev.protocol, protocol(p.hdr.sadb_msg_satype, "EXPIRE"));
  IKE_TRY(sadb_sa sa, ext_struct<sadb_sa>(p, SADB_EXT_SA, "EXPIRE"));
  ev.ref.protocol = ev.protocol;
  ev.ref.spi = base::Spi{ntohl(sa.sadb_sa_spi)};
  IKE_TRY(ev.src, address(p, SADB_EXT_ADDRESS_SRC, "EXPIRE"));
  IKE_TRY(ev.ref.dst, address(p, SADB_EXT_ADDRESS_DST, "EXPIRE"));
  return ev;
}

base::Result<base::KernelSaInfo> parse_sa_entry(base::ByteView msg) {
  constexpr std::string_view kWhat = "SA dump entry";
  IKE_TRY(Parsed p, parse(msg));
  base::KernelSaInfo out;
  base::SaInstall& sa = out.sa;
  IKE_TRY(sa.ref.protocol, protocol(p.hdr.sadb_msg_satype, kWhat));
  IKE_TRY(sadb_sa s, ext_struct<sadb_sa>(p, SADB_EXT_SA, kWhat));
  sa.ref.spi = base::Spi{ntohl(s.sadb_sa_spi)};
  IKE_TRY(sa.src, address(p, SADB_EXT_ADDRESS_SRC, kWhat));
  IKE_TRY(sa.ref.dst, address(p, SADB_EXT_ADDRESS_DST, kWhat));
  sa.replay_window = s.sadb_sa_replay;
  if (sa.ref.protocol != base::IpsecProtocol::Ah) sa.enc_transform_id = s.sadb_sa_encrypt;
  if (sa.ref.protocol == base::IpsecProtocol::Esp && !p.ext[SADB_EXT_KEY_ENCRYPT].empty()) {
    IKE_TRY(sadb_key k, ext_struct<sadb_key>(p, SADB_EXT_KEY_ENCRYPT, kWhat));
    auto enc = xfrm_enc_by_id(sa.enc_transform_id);
    const unsigned salt_bits = enc ? enc->salt_bytes * 8u : 0u;
    if (k.sadb_key_bits >= salt_bits) {
      sa.enc_key_bits = static_cast<uint16_t>(k.sadb_key_bits - salt_bits);  // without salt
    }
  }
  sa.auth_algorithm = auth_algorithm_from_sadb(s.sadb_sa_auth).value_or(0);
  if (!p.ext[SADB_EXT_LIFETIME_HARD].empty()) {
    IKE_TRY(sadb_lifetime l, ext_struct<sadb_lifetime>(p, SADB_EXT_LIFETIME_HARD, kWhat));
    sa.life_seconds = l.sadb_lifetime_addtime;
    sa.life_kbytes = l.sadb_lifetime_bytes / 1024;
  }
  if (!p.ext[SADB_EXT_LIFETIME_CURRENT].empty()) {
    IKE_TRY(sadb_lifetime l, ext_struct<sadb_lifetime>(p, SADB_EXT_LIFETIME_CURRENT, kWhat));
    out.cur_bytes = l.sadb_lifetime_bytes;
    out.cur_packets = l.sadb_lifetime_allocations;
    out.add_time = l.sadb_lifetime_addtime;
  }
  if (!p.ext[SADB_X_EXT_SA2].empty()) {
    IKE_TRY(sadb_x_sa2 m, ext_struct<sadb_x_sa2>(p, SADB_X_EXT_SA2, kWhat));
    sa.mode = m.sadb_x_sa2_mode == 2 ? base::EncapMode::Tunnel : base::EncapMode::Transport;
  }
  if (!p.ext[SADB_X_EXT_NAT_T_SPORT].empty() && !p.ext[SADB_X_EXT_NAT_T_DPORT].empty()) {
    IKE_TRY(auto sp, ext_struct<sadb_x_nat_t_port>(p, SADB_X_EXT_NAT_T_SPORT, kWhat));
    IKE_TRY(auto dp, ext_struct<sadb_x_nat_t_port>(p, SADB_X_EXT_NAT_T_DPORT, kWhat));
    sa.udp_encap_src_port = ntohs(sp.sadb_x_nat_t_port_port);
    sa.udp_encap_dst_port = ntohs(dp.sadb_x_nat_t_port_port);
  }
  return out;
}

namespace {

// The two sockaddrs after a tunnel-mode sadb_x_ipsecrequest (source, destination of the
// outer header), bounded by the request's length.
base::Status tunnel_endpoints(base::ByteView addrs, base::FlowInstall& f, std::string_view what) {
  base::IpAddress ends[2];
  std::size_t pos = 0;
  for (auto& end : ends) {
    if (addrs.size() - pos < sizeof(sa_family_t)) {
      return make_error(ErrorCode::Truncated, NotifyType::None,
                        "PF_KEY {}: tunnel addresses truncated", what);
    }
    sa_family_t fam;
    std::memcpy(&fam, addrs.data() + pos, sizeof(fam));
    const std::size_t need = fam == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    if ((fam != AF_INET && fam != AF_INET6) || addrs.size() - pos < need) {
      return make_error(ErrorCode::BadValue, NotifyType::None,
                        "PF_KEY {}: tunnel address family {} in {} bytes", what, fam,
                        addrs.size() - pos);
    }
    end = fam == AF_INET ? base::IpAddress::v4_bytes(addrs.subspan(pos + 4, 4))
                         : base::IpAddress::v6(addrs.subspan(pos + 8, 16));
    pos += need;
  }
  const bool out = f.direction == base::Direction::Out;
  f.local = out ? ends[0] : ends[1];
  f.peer = out ? ends[1] : ends[0];
  return base::ok();
}

}  // namespace

base::Result<base::FlowInstall> parse_policy_entry(base::ByteView msg) {
  constexpr std::string_view kWhat = "SPD dump entry";
  IKE_TRY(Parsed p, parse(msg));
  base::FlowInstall f;
  IKE_TRY(f.src_ts, selector(p, SADB_EXT_ADDRESS_SRC, kWhat));
  IKE_TRY(f.dst_ts, selector(p, SADB_EXT_ADDRESS_DST, kWhat));
  IKE_TRY(sadb_x_policy pol, ext_struct<sadb_x_policy>(p, SADB_X_EXT_POLICY, kWhat));
  switch (pol.sadb_x_policy_dir) {
    case 1: f.direction = base::Direction::In; break;
    case 2: f.direction = base::Direction::Out; break;
    case 3: f.direction = base::Direction::Fwd; break;
    default:
      return make_error(ErrorCode::Unsupported, NotifyType::None, "PF_KEY {}: direction {}",
                        kWhat, static_cast<unsigned>(pol.sadb_x_policy_dir));
  }
  if (pol.sadb_x_policy_type == 0) {  // IPSEC_POLICY_DISCARD
    f.type = base::FlowType::Deny;
    return f;
  }
  base::ByteView rest = p.ext[SADB_X_EXT_POLICY].subspan(sizeof(sadb_x_policy));
  if (pol.sadb_x_policy_type != 2 || rest.size() < sizeof(sadb_x_ipsecrequest)) {
    f.type = base::FlowType::Bypass;
    return f;
  }
  // One sadb_x_ipsecrequest per protocol of an SA bundle (build_spd_add); the first carries
  // the flow's mode and tunnel endpoints, the others are its bundle.
  constexpr std::size_t kMaxRequests = 6;  // XFRM_MAX_DEPTH, as af_key accepts
  bool all_use = true;
  for (std::size_t n = 0; !rest.empty(); ++n) {
    if (n == kMaxRequests) {
      return make_error(ErrorCode::BadValue, NotifyType::None,
                        "PF_KEY {}: more than {} ipsecrequests", kWhat, kMaxRequests);
    }
    if (rest.size() < sizeof(sadb_x_ipsecrequest)) {
      return make_error(ErrorCode::Truncated, NotifyType::None,
                        "PF_KEY {}: {} bytes after ipsecrequest {}, want {}", kWhat, rest.size(),
                        n, sizeof(sadb_x_ipsecrequest));
    }
    sadb_x_ipsecrequest r;
    std::memcpy(&r, rest.data(), sizeof(r));
    if (r.sadb_x_ipsecrequest_len < sizeof(r) || r.sadb_x_ipsecrequest_len > rest.size()) {
      return make_error(ErrorCode::BadLength, NotifyType::None,
                        "PF_KEY {}: ipsecrequest {} length {} outside {}..{}", kWhat, n,
                        static_cast<unsigned>(r.sadb_x_ipsecrequest_len), sizeof(r),
                        rest.size());
    }
    base::IpsecProtocol proto;
    switch (r.sadb_x_ipsecrequest_proto) {
      case IPPROTO_ESP: proto = base::IpsecProtocol::Esp; break;
      case IPPROTO_AH: proto = base::IpsecProtocol::Ah; break;
      case IPPROTO_COMP: proto = base::IpsecProtocol::Ipcomp; break;
      default:
        return make_error(ErrorCode::Unsupported, NotifyType::None,
                          "PF_KEY {}: ipsecrequest {} protocol {}", kWhat, n,
                          static_cast<unsigned>(r.sadb_x_ipsecrequest_proto));
    }
    all_use = all_use && r.sadb_x_ipsecrequest_level == 1;  // IPSEC_LEVEL_USE
    const base::ByteView addrs = rest.subspan(sizeof(r), r.sadb_x_ipsecrequest_len - sizeof(r));
    rest = rest.subspan(r.sadb_x_ipsecrequest_len);
    if (n > 0) {
      f.bundle.push_back(proto);
      continue;
    }
    f.protocol = proto;
    f.mode = r.sadb_x_ipsecrequest_mode == 2 ? base::EncapMode::Tunnel
                                             : base::EncapMode::Transport;
    if (f.mode == base::EncapMode::Tunnel) {
      IKE_TRY_VOID(tunnel_endpoints(addrs, f, kWhat));
    }
  }
  f.type = all_use ? base::FlowType::Use : base::FlowType::Require;
  return f;
}

}  // namespace ike::kernel::pfkey
