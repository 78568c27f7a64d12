// PF_KEY v2 encoding and parsing (see pfkey_message.h). RFC 2367 §2.3 (sadb_msg, sadb_sa,
// sadb_lifetime, sadb_address, sadb_key, sadb_spirange), §3.1 (message contents per type);
// KAME/Linux extensions sadb_x_sa2 (mode), sadb_x_policy + sadb_x_ipsecrequest (SPD) and
// sadb_x_nat_t_type/port (RFC 3948 ESP-in-UDP); an SA bundle is several sadb_x_ipsecrequest
// in one policy. Algorithm numbers: <linux/pfkeyv2.h>; the encryption ids equal the RFC 2407
// ESP transform ids, the auth ids do not (table below).
#include "kernel/pfkey_message.h"

#include <arpa/inet.h>
#include <linux/ipsec.h>
#include <linux/pfkeyv2.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

#include "kernel/xfrm_algorithms.h"
#include "kernel/xfrm_message.h"  // template_order

namespace ike::kernel::pfkey {

using base::ErrorCode;
using base::NotifyType;

namespace {

constexpr std::size_t kWord = 8;  // RFC 2367: lengths count 64-bit words
constexpr uint8_t kAnyUpperProtocol = 255;  // IPSEC_ULPROTO_ANY / IPSEC_PROTO_ANY
constexpr uint8_t kDefaultReplayWindow = 16;

struct AuthMap {
  uint16_t auth_algorithm;  // RFC 2407 §4.5
  uint8_t sadb;             // SADB_AALG_* / SADB_X_AALG_*
};
constexpr std::array<AuthMap, 7> kAuth = {{
    {1, SADB_AALG_MD5HMAC}, {2, SADB_AALG_SHA1HMAC}, {5, SADB_X_AALG_SHA2_256HMAC},
    {6, SADB_X_AALG_SHA2_384HMAC}, {7, SADB_X_AALG_SHA2_512HMAC},
    {8, SADB_X_AALG_RIPEMD160HMAC}, {9, SADB_X_AALG_AES_XCBC_MAC},
}};

constexpr std::size_t pad8(std::size_t n) { return (n + kWord - 1) / kWord * kWord; }

template <class Buffer>
class Writer {
 public:
  explicit Writer(Buffer& b) : m_b(b) {}
  template <class T>
  void put(const T& v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    m_b.insert(m_b.end(), p, p + sizeof(T));
  }
  void raw(const void* p, std::size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    m_b.insert(m_b.end(), b, b + n);
  }
  void pad() { m_b.resize(pad8(m_b.size()), 0); }

 private:
  Buffer& m_b;
};

uint8_t satype(base::IpsecProtocol p) {
  switch (p) {
    case base::IpsecProtocol::Ah: return SADB_SATYPE_AH;
    case base::IpsecProtocol::Ipcomp: return SADB_X_SATYPE_IPCOMP;
    case base::IpsecProtocol::Esp: break;
  }
  return SADB_SATYPE_ESP;
}

uint16_t words(std::size_t bytes) { return static_cast<uint16_t>(bytes / kWord); }

template <class Buffer>
void put_header(Buffer& b, uint8_t type, uint8_t sat, uint32_t seq, uint32_t pid) {
  sadb_msg m{};
  m.sadb_msg_version = PF_KEY_V2;
  m.sadb_msg_type = type;
  m.sadb_msg_satype = sat;
  m.sadb_msg_seq = seq;
  m.sadb_msg_pid = pid;
  Writer<Buffer>(b).put(m);
}

template <class Buffer>
void finish(Buffer& b) {
  const uint16_t len = words(b.size());
  std::memcpy(b.data() + offsetof(sadb_msg, sadb_msg_len), &len, sizeof(len));
}

// sadb_address + sockaddr (port in the sockaddr), padded to 8.
template <class Buffer>
void put_address(Buffer& b, uint16_t exttype, const base::IpAddress& a, uint8_t prefix,
                 uint8_t proto, uint16_t port) {
  Writer<Buffer> w(b);
  const std::size_t start = b.size();
  sadb_address h{};
  h.sadb_address_exttype = exttype;
  h.sadb_address_proto = proto;
  h.sadb_address_prefixlen = prefix;
  w.put(h);
  if (a.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    std::memcpy(&sin.sin_addr, a.bytes().data(), 4);
    w.put(sin);
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    std::memcpy(&sin6.sin6_addr, a.bytes().data(), 16);
    w.put(sin6);
  }
  w.pad();
  const uint16_t len = words(b.size() - start);
  std::memcpy(b.data() + start, &len, sizeof(len));
}

template <class Buffer>
void put_sa_addresses(Buffer& b, const base::IpAddress& src, const base::IpAddress& dst) {
  const uint8_t full = src.is_v4() ? 32 : 128;
  put_address(b, SADB_EXT_ADDRESS_SRC, src, full, 0, 0);
  put_address(b, SADB_EXT_ADDRESS_DST, dst, full, 0, 0);
}

template <class Buffer>
void put_key(Buffer& b, uint16_t exttype, const base::SecureBytes& key) {
  const std::size_t start = b.size();
  sadb_key k{};
  k.sadb_key_exttype = exttype;
  k.sadb_key_bits = static_cast<uint16_t>(key.size() * 8);
  Writer<Buffer> w(b);
  w.put(k);
  w.raw(key.data(), key.size());
  w.pad();
  const uint16_t len = words(b.size() - start);
  std::memcpy(b.data() + start, &len, sizeof(len));
}

template <class Buffer>
void put_lifetime(Buffer& b, uint16_t exttype, uint64_t seconds, uint64_t bytes) {
  sadb_lifetime l{};
  l.sadb_lifetime_len = words(sizeof(l));
  l.sadb_lifetime_exttype = exttype;
  l.sadb_lifetime_bytes = bytes;
  l.sadb_lifetime_addtime = seconds;
  Writer<Buffer>(b).put(l);
}

base::Status check_families(const base::IpAddress& a, const base::IpAddress& b,
                            std::string_view what) {
  if (a.family() != b.family()) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "PF_KEY {}: {} and {} mix "
                      "address families", what, a.to_string(), b.to_string());
  }
  return base::ok();
}

}  // namespace

std::optional<uint8_t> sadb_auth_from_algorithm(uint16_t auth_algorithm) noexcept {
  for (const auto& a : kAuth) {
    if (a.auth_algorithm == auth_algorithm) return a.sadb;
  }
  return std::nullopt;
}

std::optional<uint16_t> auth_algorithm_from_sadb(uint8_t sadb_aalg) noexcept {
  for (const auto& a : kAuth) {
    if (a.sadb == sadb_aalg) return a.auth_algorithm;
  }
  return std::nullopt;
}

base::Result<base::Bytes> build_getspi(base::IpsecProtocol proto, const base::IpAddress& src,
                                       const base::IpAddress& dst, uint32_t seq, uint32_t pid,
                                       uint32_t min_spi, uint32_t max_spi) {
  IKE_TRY_VOID(check_families(src, dst, "GETSPI"));
  base::Bytes b;
  put_header(b, SADB_GETSPI, satype(proto), seq, pid);
  put_sa_addresses(b, src, dst);
  sadb_spirange r{};
  r.sadb_spirange_len = words(sizeof(r));
  r.sadb_spirange_exttype = SADB_EXT_SPIRANGE;
  r.sadb_spirange_min = min_spi;
  r.sadb_spirange_max = max_spi;
  Writer<base::Bytes>(b).put(r);
  finish(b);
  return b;
}

base::Result<base::SecureBytes> build_add_sa(const base::SaInstall& sa, uint32_t seq,
                                             uint32_t pid, bool update) {
  IKE_TRY_VOID(check_families(sa.src, sa.ref.dst, "add SA"));
  sadb_sa s{};
  s.sadb_sa_len = words(sizeof(s));
  s.sadb_sa_exttype = SADB_EXT_SA;
  s.sadb_sa_spi = htonl(sa.ref.spi.value);
  s.sadb_sa_state = SADB_SASTATE_MATURE;
  const bool keyed = sa.ref.protocol != base::IpsecProtocol::Ipcomp;
  s.sadb_sa_replay = keyed ? (sa.replay_window == 0 ? kDefaultReplayWindow : sa.replay_window) : 0;
  uint16_t auth_id = sa.auth_algorithm;
  if (sa.ref.protocol == base::IpsecProtocol::Ah && auth_id == 0) {
    auth_id = auth_algorithm_for_ah_transform(sa.ah_transform_id).value_or(0);
  }
  if (auth_id != 0) {
    auto aalg = sadb_auth_from_algorithm(auth_id);
    if (!aalg) {
      return make_error(ErrorCode::Unsupported, NotifyType::None,
                        "PF_KEY: authentication algorithm {} has no SADB id", auth_id);
    }
    s.sadb_sa_auth = *aalg;
  } else if (sa.ref.protocol == base::IpsecProtocol::Ah) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "PF_KEY: AH SA without algorithm");
  }
  if (sa.ref.protocol == base::IpsecProtocol::Esp) {
    auto enc = xfrm_enc_by_id(sa.enc_transform_id);  // SADB_EALG_* == RFC 2407 ids
    if (!enc) {
      return make_error(ErrorCode::Unsupported, NotifyType::None,
                        "PF_KEY: ESP transform id {} unknown", sa.enc_transform_id);
    }
    s.sadb_sa_encrypt = static_cast<uint8_t>(sa.enc_transform_id);
  } else if (sa.ref.protocol == base::IpsecProtocol::Ipcomp) {
    if (!xfrm_comp_by_id(sa.enc_transform_id)) {
      return make_error(ErrorCode::Unsupported, NotifyType::None,
                        "PF_KEY: IPCOMP transform id {} unknown", sa.enc_transform_id);
    }
    s.sadb_sa_encrypt = static_cast<uint8_t>(sa.enc_transform_id);  // SADB_X_CALG_*
  }
  base::SecureBytes b;
  b.reserve(512);
  put_header(b, update ? SADB_UPDATE : SADB_ADD, satype(sa.ref.protocol), seq, pid);
  Writer<base::SecureBytes> w(b);
  w.put(s);
  if (sa.life_seconds != 0 || sa.life_kbytes != 0) {
    const uint64_t bytes = sa.life_kbytes * 1024;
    put_lifetime(b, SADB_EXT_LIFETIME_HARD, sa.life_seconds, bytes);
    put_lifetime(b, SADB_EXT_LIFETIME_SOFT, sa.life_seconds * 9 / 10, bytes * 9 / 10);
  }
  put_sa_addresses(b, sa.src, sa.ref.dst);
  if (s.sadb_sa_auth != 0) put_key(b, SADB_EXT_KEY_AUTH, sa.auth_key);
  if (sa.ref.protocol == base::IpsecProtocol::Esp && !sa.enc_key.empty()) {
    put_key(b, SADB_EXT_KEY_ENCRYPT, sa.enc_key);
  }
  sadb_x_sa2 sa2{};
  sa2.sadb_x_sa2_len = words(sizeof(sa2));
  sa2.sadb_x_sa2_exttype = SADB_X_EXT_SA2;
  sa2.sadb_x_sa2_mode = sa.mode == base::EncapMode::Tunnel ? IPSEC_MODE_TUNNEL
                                                           : IPSEC_MODE_TRANSPORT;
  w.put(sa2);
  if (sa.udp_encap_dst_port != 0 || sa.udp_encap_src_port != 0) {
    sadb_x_nat_t_type t{};
    t.sadb_x_nat_t_type_len = words(sizeof(t));
    t.sadb_x_nat_t_type_exttype = SADB_X_EXT_NAT_T_TYPE;
    t.sadb_x_nat_t_type_type = UDP_ENCAP_ESPINUDP;
    w.put(t);
    for (auto [ext, port] : {std::pair{SADB_X_EXT_NAT_T_SPORT, sa.udp_encap_src_port},
                             std::pair{SADB_X_EXT_NAT_T_DPORT, sa.udp_encap_dst_port}}) {
      sadb_x_nat_t_port p{};
      p.sadb_x_nat_t_port_len = words(sizeof(p));
      p.sadb_x_nat_t_port_exttype = static_cast<uint16_t>(ext);
      p.sadb_x_nat_t_port_port = htons(port);
      w.put(p);
    }
  }
  finish(b);
  return b;
}

base::Result<base::Bytes> build_delete_sa(const base::SaRef& ref, const base::IpAddress& src,
                                          uint32_t seq, uint32_t pid) {
  IKE_TRY_VOID(check_families(src, ref.dst, "DELETE"));
  base::Bytes b;
  put_header(b, SADB_DELETE, satype(ref.protocol), seq, pid);
  sadb_sa s{};
  s.sadb_sa_len = words(sizeof(s));
  s.sadb_sa_exttype = SADB_EXT_SA;
  s.sadb_sa_spi = htonl(ref.spi.value);
  Writer<base::Bytes>(b).put(s);
  put_sa_addresses(b, src, ref.dst);
  finish(b);
  return b;
}

namespace {

base::Result<base::Bytes> build_spd(const base::FlowInstall& flow, uint8_t type, uint32_t seq,
                                    uint32_t pid, bool with_request) {
  IKE_TRY_VOID(check_families(flow.src_ts.network, flow.dst_ts.network, "SPD"));
  base::Bytes b;
  put_header(b, type, SADB_SATYPE_UNSPEC, seq, pid);
  auto ulp = [](const base::TrafficSelector& ts) {
    return ts.ip_protocol != 0 ? ts.ip_protocol : kAnyUpperProtocol;
  };
  put_address(b, SADB_EXT_ADDRESS_SRC, flow.src_ts.network, flow.src_ts.prefix,
              ulp(flow.src_ts), flow.src_ts.port);
  put_address(b, SADB_EXT_ADDRESS_DST, flow.dst_ts.network, flow.dst_ts.prefix,
              ulp(flow.dst_ts), flow.dst_ts.port);
  const std::size_t start = b.size();
  sadb_x_policy pol{};
  pol.sadb_x_policy_exttype = SADB_X_EXT_POLICY;
  switch (flow.direction) {
    case base::Direction::In: pol.sadb_x_policy_dir = IPSEC_DIR_INBOUND; break;
    case base::Direction::Out: pol.sadb_x_policy_dir = IPSEC_DIR_OUTBOUND; break;
    case base::Direction::Fwd: pol.sadb_x_policy_dir = IPSEC_DIR_FWD; break;
  }
  const bool ipsec = flow.type != base::FlowType::Deny && flow.type != base::FlowType::Bypass;
  pol.sadb_x_policy_type = flow.type == base::FlowType::Deny     ? IPSEC_POLICY_DISCARD
                           : flow.type == base::FlowType::Bypass ? IPSEC_POLICY_NONE
                                                                 : IPSEC_POLICY_IPSEC;
  Writer<base::Bytes> w(b);
  w.put(pol);
  if (with_request && ipsec) {
    IKE_TRY_VOID(check_families(flow.local, flow.peer, "SPD tunnel"));
    // An SA bundle (RFC 2408 §4.2: ESP+AH, ESP+IPCOMP, ...) is one sadb_x_ipsecrequest per
    // protocol in one policy, in the order the kernel applies them on output (KAME setkey
    // "ipcomp/tunnel/A-B/require esp/transport//require"; Linux af_key turns request i into
    // xfrm template i): IPCOMP innermost, ESP, AH outermost, as the XFRM backend orders its
    // templates (template_order). Only the first request carries the flow's mode and the
    // tunnel endpoints; the others are transport mode over its outer header.
    IKE_TRY(std::vector<base::IpsecProtocol> protos, xfrm::template_order(flow));
    const bool out = flow.direction == base::Direction::Out;
    for (std::size_t i = 0; i < protos.size(); ++i) {
      const std::size_t req = b.size();
      sadb_x_ipsecrequest r{};
      r.sadb_x_ipsecrequest_proto = protos[i] == base::IpsecProtocol::Ah      ? IPPROTO_AH
                                    : protos[i] == base::IpsecProtocol::Ipcomp ? IPPROTO_COMP
                                                                                : IPPROTO_ESP;
      const bool tunnel = i == 0 && flow.mode == base::EncapMode::Tunnel;
      r.sadb_x_ipsecrequest_mode = tunnel ? IPSEC_MODE_TUNNEL : IPSEC_MODE_TRANSPORT;
      // RFC 3173 §2.2: a sender need not compress small packets, so an inbound IPCOMP request
      // of a bundle is optional (level use), like the XFRM template.
      const bool optional = flow.type == base::FlowType::Use ||
                            flow.type == base::FlowType::Acquire ||
                            (protos.size() > 1 && protos[i] == base::IpsecProtocol::Ipcomp &&
                             !out);
      r.sadb_x_ipsecrequest_level = optional ? IPSEC_LEVEL_USE : IPSEC_LEVEL_REQUIRE;
      w.put(r);
      if (tunnel) {
        for (const auto& a : {out ? flow.local : flow.peer, out ? flow.peer : flow.local}) {
          if (a.is_v4()) {
            sockaddr_in sin{};
            sin.sin_family = AF_INET;
            std::memcpy(&sin.sin_addr, a.bytes().data(), 4);
            w.put(sin);
          } else {
            sockaddr_in6 sin6{};
            sin6.sin6_family = AF_INET6;
            std::memcpy(&sin6.sin6_addr, a.bytes().data(), 16);
            w.put(sin6);
          }
        }
      }
      w.pad();
      const uint16_t rlen = static_cast<uint16_t>(b.size() - req);  // bytes, not words (KAME)
      std::memcpy(b.data() + req, &rlen, sizeof(rlen));
    }
  }
  const uint16_t len = words(b.size() - start);
  std::memcpy(b.data() + start, &len, sizeof(len));
  finish(b);
  return b;
}

}  // namespace

base::Result<base::Bytes> build_spd_add(const base::FlowInstall& flow, uint32_t seq,
                                        uint32_t pid, bool update) {
  return build_spd(flow, update ? SADB_X_SPDUPDATE : SADB_X_SPDADD, seq, pid, true);
}

base::Result<base::Bytes> build_spd_delete(const base::FlowInstall& flow, uint32_t seq,
                                           uint32_t pid) {
  return build_spd(flow, SADB_X_SPDDELETE, seq, pid, false);
}

}  // namespace ike::kernel::pfkey
