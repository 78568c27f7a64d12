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

}  // namespace ike::kernel::pfkey
