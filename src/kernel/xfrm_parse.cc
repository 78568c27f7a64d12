// Bounded parsers for what the kernel sends on NETLINK_XFRM (see xfrm_message.h): the message
// walk, NLMSG_ERROR, the ALLOCSPI reply, SA and policy dump entries, ACQUIRE and EXPIRE. Kernel
// replies get the network-input discipline: each message is copied into aligned storage, its
// fixed part is checked against nlmsg_len before use, attributes are walked with
// mnl_attr_parse (which stops at the first attribute that overruns its container) and each one
// we read is size-checked before its payload is copied out. Keys in SA dumps are never copied.
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

#include "kernel/xfrm_algorithms.h"
#include "kernel/xfrm_message.h"

namespace ike::kernel::xfrm {

using base::ErrorCode;
using base::NotifyType;

namespace {

// One message in 8-aligned storage so libmnl and the struct copies see aligned memory.
class AlignedMessage {
 public:
  explicit AlignedMessage(const NetlinkMessage& m)
      : m_storage((m.raw.size() + 7) / 8, 0), m_size(m.raw.size()) {
    std::memcpy(m_storage.data(), m.raw.data(), m.raw.size());
  }
  const nlmsghdr* nlh() const { return reinterpret_cast<const nlmsghdr*>(m_storage.data()); }
  std::size_t payload_size() const { return m_size - sizeof(nlmsghdr); }
  const uint8_t* payload() const {
    return reinterpret_cast<const uint8_t*>(m_storage.data()) + sizeof(nlmsghdr);
  }

 private:
  std::vector<uint64_t> m_storage;
  std::size_t m_size;
};

template <class T>
base::Result<T> fixed_part(const AlignedMessage& a, std::string_view what) {
  if (a.payload_size() < sizeof(T)) {
    return make_error(ErrorCode::Truncated, NotifyType::None,
                      "{}: {} payload bytes, need {}", what, a.payload_size(), sizeof(T));
  }
  T v;
  std::memcpy(&v, a.payload(), sizeof(T));
  return v;
}

// The fixed heads of xfrm_algo / xfrm_algo_aead (the kernel structs end in flexible arrays).
struct AlgHead {
  char alg_name[64];
  uint32_t alg_key_len;  // bits
};
struct AeadHead {
  char alg_name[64];
  uint32_t alg_key_len;  // bits
  uint32_t alg_icv_len;  // bits
};
static_assert(sizeof(AlgHead) == sizeof(xfrm_algo) && sizeof(AeadHead) == sizeof(xfrm_algo_aead));

constexpr std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

using AttrTable = std::array<const nlattr*, XFRMA_MAX + 1>;

int collect_attr(const nlattr* attr, void* data) {
  auto* table = static_cast<AttrTable*>(data);
  const uint16_t type = mnl_attr_get_type(attr);
  if (type <= XFRMA_MAX && (*table)[type] == nullptr) (*table)[type] = attr;
  return MNL_CB_OK;
}

// Attributes after a fixed part of `offset` bytes.
base::Result<AttrTable> attributes(const AlignedMessage& a, std::size_t offset,
                                   std::string_view what) {
  AttrTable table{};
  if (a.payload_size() < align4(offset)) return table;  // no attributes
  if (mnl_attr_parse(a.nlh(), static_cast<unsigned>(align4(offset)), collect_attr, &table) <
      MNL_CB_STOP) {
    return make_error(ErrorCode::BadLength, NotifyType::None, "{}: bad attribute list", what);
  }
  return table;
}

// The attribute payload copied into T when it is at least sizeof(T) long.
template <class T>
base::Result<T> attr_struct(const nlattr* attr, std::string_view what) {
  if (mnl_attr_get_payload_len(attr) < sizeof(T)) {
    return make_error(ErrorCode::Truncated, NotifyType::None,
                      "{}: attribute {} has {} bytes, need {}", what, mnl_attr_get_type(attr),
                      mnl_attr_get_payload_len(attr), sizeof(T));
  }
  T v;
  std::memcpy(&v, mnl_attr_get_payload(attr), sizeof(T));
  return v;
}

std::string_view alg_name(const char (&name)[64]) {
  return {name, strnlen(name, sizeof(name))};
}

base::Result<base::IpAddress> from_xfrm(const xfrm_address_t& x, uint16_t family,
                                        std::string_view what) {
  const auto* b = reinterpret_cast<const uint8_t*>(&x);
  if (family == AF_INET) return base::IpAddress::v4_bytes({b, 4});
  if (family == AF_INET6) return base::IpAddress::v6({b, 16});
  return make_error(ErrorCode::Unsupported, NotifyType::None, "{}: address family {}", what,
                    family);
}

base::Result<base::IpsecProtocol> from_proto(uint8_t p, std::string_view what) {
  switch (p) {
    case IPPROTO_ESP: return base::IpsecProtocol::Esp;
    case IPPROTO_AH: return base::IpsecProtocol::Ah;
    case IPPROTO_COMP: return base::IpsecProtocol::Ipcomp;
    default: break;
  }
  return make_error(ErrorCode::Unsupported, NotifyType::None, "{}: IPsec protocol {}", what, p);
}

base::Result<std::pair<base::TrafficSelector, base::TrafficSelector>> from_selector(
    const xfrm_selector& sel, uint16_t fallback_family, std::string_view what) {
  const uint16_t family = sel.family != 0 ? sel.family : fallback_family;
  IKE_TRY(base::IpAddress s, from_xfrm(sel.saddr, family, what));
  IKE_TRY(base::IpAddress d, from_xfrm(sel.daddr, family, what));
  const unsigned width = family == AF_INET ? 32 : 128;
  if (sel.prefixlen_s > width || sel.prefixlen_d > width) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "{}: selector prefix {}/{} > {}",
                      what, sel.prefixlen_s, sel.prefixlen_d, width);
  }
  base::TrafficSelector src{s, sel.prefixlen_s, sel.proto, ntohs(sel.sport & sel.sport_mask)};
  base::TrafficSelector dst{d, sel.prefixlen_d, sel.proto, ntohs(sel.dport & sel.dport_mask)};
  return std::pair{src, dst};
}

base::Result<base::SaInstall> sa_from_info(const xfrm_usersa_info& info, std::string_view what) {
  base::SaInstall sa;
  IKE_TRY(sa.ref.protocol, from_proto(info.id.proto, what));
  IKE_TRY(sa.ref.dst, from_xfrm(info.id.daddr, info.family, what));
  IKE_TRY(sa.src, from_xfrm(info.saddr, info.family, what));
  sa.ref.spi = base::Spi{ntohl(info.id.spi)};
  return sa;
}

}  // namespace

base::Result<std::vector<NetlinkMessage>> split_messages(base::ByteView datagram) {
  std::vector<NetlinkMessage> out;
  std::size_t pos = 0;
  while (pos < datagram.size()) {
    if (out.size() >= kMaxMessagesPerDatagram) {
      return make_error(ErrorCode::TooMany, NotifyType::None,
                        "netlink datagram holds more than {} messages", kMaxMessagesPerDatagram);
    }
    const std::size_t left = datagram.size() - pos;
    if (left < sizeof(nlmsghdr)) {
      return make_error(ErrorCode::Truncated, NotifyType::None,
                        "netlink message at offset {}: {} bytes left, header needs {}", pos,
                        left, sizeof(nlmsghdr));
    }
    nlmsghdr h;
    std::memcpy(&h, datagram.data() + pos, sizeof(h));
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > left) {
      return make_error(ErrorCode::BadLength, NotifyType::None,
                        "netlink message at offset {}: nlmsg_len {} outside 16..{}", pos,
                        h.nlmsg_len, left);
    }
    NetlinkMessage m;
    m.type = h.nlmsg_type;
    m.flags = h.nlmsg_flags;
    m.seq = h.nlmsg_seq;
    m.pid = h.nlmsg_pid;
    m.raw = datagram.subspan(pos, h.nlmsg_len);
    m.payload = m.raw.subspan(sizeof(nlmsghdr));
    out.push_back(m);
    pos += std::min<std::size_t>(NLMSG_ALIGN(h.nlmsg_len), left);
  }
  return out;
}

base::Result<int> parse_error(const NetlinkMessage& m) {
  if (m.type != NLMSG_ERROR) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "netlink message type {} is not "
                      "NLMSG_ERROR", m.type);
  }
  IKE_TRY(int err, fixed_part<int>(AlignedMessage(m), "NLMSG_ERROR"));
  if (err > 0 || err < -4095) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "NLMSG_ERROR: error field {}", err);
  }
  return -err;
}

base::Result<base::Spi> parse_allocspi_reply(const NetlinkMessage& m) {
  if (m.type != XFRM_MSG_NEWSA) {
    return make_error(ErrorCode::BadValue, NotifyType::None,
                      "ALLOCSPI reply: message type {}, expected XFRM_MSG_NEWSA", m.type);
  }
  IKE_TRY(auto info, fixed_part<xfrm_usersa_info>(AlignedMessage(m), "ALLOCSPI reply"));
  const uint32_t spi = ntohl(info.id.spi);
  if (spi < 256 && info.id.proto != IPPROTO_COMP) {
    return make_error(ErrorCode::BadValue, NotifyType::None,
                      "ALLOCSPI reply: SPI {} is reserved (RFC 4303 §2.1)", spi);
  }
  return base::Spi{spi};
}

base::Result<base::KernelSaInfo> parse_sa(const NetlinkMessage& m) {
  constexpr std::string_view kWhat = "SA dump entry";
  AlignedMessage a(m);
  IKE_TRY(auto info, fixed_part<xfrm_usersa_info>(a, kWhat));
  base::KernelSaInfo out;
  IKE_TRY(out.sa, sa_from_info(info, kWhat));
  base::SaInstall& sa = out.sa;
  if (info.sel.family != 0) {
    IKE_TRY(auto ts, from_selector(info.sel, info.family, kWhat));
    sa.src_ts = ts.first;
    sa.dst_ts = ts.second;
  }
  sa.mode = info.mode == XFRM_MODE_TUNNEL ? base::EncapMode::Tunnel : base::EncapMode::Transport;
  sa.replay_window = info.replay_window;
  sa.life_seconds = info.lft.hard_add_expires_seconds;
  if (info.lft.hard_byte_limit != XFRM_INF) sa.life_kbytes = info.lft.hard_byte_limit / 1024;
  out.cur_bytes = info.curlft.bytes;
  out.cur_packets = info.curlft.packets;
  out.add_time = info.curlft.add_time;
  IKE_TRY(AttrTable attrs, attributes(a, sizeof(xfrm_usersa_info), kWhat));
  if (const nlattr* at = attrs[XFRMA_ALG_AEAD]) {
    IKE_TRY(auto alg, attr_struct<AeadHead>(at, kWhat));
    const auto icv = static_cast<uint16_t>(alg.alg_icv_len);
    if (auto e = xfrm_enc_by_name(alg_name(alg.alg_name), icv)) {
      sa.enc_transform_id = e->esp_transform_id;
      if (alg.alg_key_len >= e->salt_bytes * 8u) {
        sa.enc_key_bits = static_cast<uint16_t>(alg.alg_key_len - e->salt_bytes * 8u);
      }
    }
  } else if (const nlattr* ac = attrs[XFRMA_ALG_CRYPT]) {
    IKE_TRY(auto alg, attr_struct<AlgHead>(ac, kWhat));
    if (auto e = xfrm_enc_by_name(alg_name(alg.alg_name), 0)) {
      sa.enc_transform_id = e->esp_transform_id;
      if (alg.alg_key_len >= e->salt_bytes * 8u) {
        sa.enc_key_bits = static_cast<uint16_t>(alg.alg_key_len - e->salt_bytes * 8u);
      }
    }
  } else if (const nlattr* cc = attrs[XFRMA_ALG_COMP]) {
    IKE_TRY(auto alg, attr_struct<AlgHead>(cc, kWhat));
    if (auto c = xfrm_comp_by_name(alg_name(alg.alg_name))) {
      sa.enc_transform_id = c->ipcomp_transform_id;
    }
  }
  const nlattr* auth = attrs[XFRMA_ALG_AUTH_TRUNC];
  if (auth == nullptr) auth = attrs[XFRMA_ALG_AUTH];
  if (auth != nullptr) {
    IKE_TRY(auto alg, attr_struct<AlgHead>(auth, kWhat));  // name is the common prefix
    if (auto x = xfrm_auth_by_name(alg_name(alg.alg_name))) {
      sa.auth_algorithm = x->auth_algorithm;
    }
  }
  if (const nlattr* en = attrs[XFRMA_ENCAP]) {
    IKE_TRY(auto encap, attr_struct<xfrm_encap_tmpl>(en, kWhat));
    sa.udp_encap_src_port = ntohs(encap.encap_sport);
    sa.udp_encap_dst_port = ntohs(encap.encap_dport);
  }
  return out;
}

base::Result<base::FlowInstall> parse_policy(const NetlinkMessage& m) {
  constexpr std::string_view kWhat = "policy dump entry";
  AlignedMessage a(m);
  IKE_TRY(auto pol, fixed_part<xfrm_userpolicy_info>(a, kWhat));
  base::FlowInstall f;
  switch (pol.dir) {
    case XFRM_POLICY_IN: f.direction = base::Direction::In; break;
    case XFRM_POLICY_OUT: f.direction = base::Direction::Out; break;
    case XFRM_POLICY_FWD: f.direction = base::Direction::Fwd; break;
    default:
      return make_error(ErrorCode::Unsupported, NotifyType::None, "{}: direction {} (socket "
                        "policy)", kWhat, pol.dir);
  }
  IKE_TRY(auto ts, from_selector(pol.sel, pol.sel.family, kWhat));
  f.src_ts = ts.first;
  f.dst_ts = ts.second;
  IKE_TRY(AttrTable attrs, attributes(a, sizeof(xfrm_userpolicy_info), kWhat));
  if (pol.action == XFRM_POLICY_BLOCK) {
    f.type = base::FlowType::Deny;
    return f;
  }
  if (attrs[XFRMA_TMPL] == nullptr) {
    f.type = base::FlowType::Bypass;
    return f;
  }
  constexpr std::size_t kMaxTemplates = 6;  // XFRM_MAX_DEPTH (kernel include/net/xfrm.h)
  // XFRMA_TMPL holds an array of templates (an SA bundle: IPCOMP, ESP, AH, template_order).
  const nlattr* ta = attrs[XFRMA_TMPL];
  const std::size_t tlen = mnl_attr_get_payload_len(ta);
  if (tlen == 0 || tlen % sizeof(xfrm_user_tmpl) != 0 || tlen / sizeof(xfrm_user_tmpl) > kMaxTemplates) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "{}: XFRMA_TMPL of {} bytes (1 to "
                      "{} templates of {})", kWhat, tlen, kMaxTemplates, sizeof(xfrm_user_tmpl));
  }
  std::vector<xfrm_user_tmpl> tmpls(tlen / sizeof(xfrm_user_tmpl));
  std::memcpy(tmpls.data(), mnl_attr_get_payload(ta), tlen);
  // The flow's protocol is the template carrying the mode (the first); the others its bundle.
  const xfrm_user_tmpl& t = tmpls.front();
  IKE_TRY(f.protocol, from_proto(t.id.proto, kWhat));
  for (std::size_t i = 1; i < tmpls.size(); ++i) {
    IKE_TRY(base::IpsecProtocol p, from_proto(tmpls[i].id.proto, kWhat));
    f.bundle.push_back(p);
  }
  f.mode = t.mode == XFRM_MODE_TUNNEL ? base::EncapMode::Tunnel : base::EncapMode::Transport;
  // "use" when every template is optional (a bundle's inbound IPCOMP alone does not count).
  const bool all_optional = std::all_of(tmpls.begin(), tmpls.end(),
                                        [](const xfrm_user_tmpl& x) { return x.optional != 0; });
  f.type = all_optional ? base::FlowType::Use : base::FlowType::Require;
  const uint16_t family = t.family != 0 ? t.family : pol.sel.family;
  IKE_TRY(base::IpAddress saddr, from_xfrm(t.saddr, family, kWhat));
  IKE_TRY(base::IpAddress daddr, from_xfrm(t.id.daddr, family, kWhat));
  const bool out = f.direction == base::Direction::Out;
  f.local = out ? saddr : daddr;
  f.peer = out ? daddr : saddr;
  return f;
}

base::Result<base::KernelEvent> parse_acquire(const NetlinkMessage& m) {
  constexpr std::string_view kWhat = "XFRM_MSG_ACQUIRE";
  if (m.type != XFRM_MSG_ACQUIRE) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "{}: message type {}", kWhat, m.type);
  }
  IKE_TRY(auto acq, fixed_part<xfrm_user_acquire>(AlignedMessage(m), kWhat));
  base::KernelEvent ev;
  ev.kind = base::KernelEvent::Kind::Acquire;
  IKE_TRY(ev.protocol, from_proto(acq.id.proto, kWhat));
  // The policy's selector is the flow the connection was configured with; acq.sel is the
  // packet's own 5-tuple (used when the policy selector is absent).
  const xfrm_selector& sel = acq.policy.sel.family != 0 ? acq.policy.sel : acq.sel;
  IKE_TRY(ev.peer, from_xfrm(acq.id.daddr, sel.family, kWhat));
  IKE_TRY(ev.local, from_xfrm(acq.saddr, sel.family, kWhat));
  IKE_TRY(auto ts, from_selector(sel, sel.family, kWhat));
  ev.src_ts = ts.first;
  ev.dst_ts = ts.second;
  return ev;
}

base::Result<base::KernelEvent> parse_expire(const NetlinkMessage& m) {
  constexpr std::string_view kWhat = "XFRM_MSG_EXPIRE";
  if (m.type != XFRM_MSG_EXPIRE) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "{}: message type {}", kWhat, m.type);
  }
  IKE_TRY(auto exp, fixed_part<xfrm_user_expire>(AlignedMessage(m), kWhat));
  IKE_TRY(base::SaInstall sa, sa_from_info(exp.state, kWhat));
  base::KernelEvent ev;
  ev.kind = exp.hard ? base::KernelEvent::Kind::HardExpire : base::KernelEvent::Kind::SoftExpire;
  ev.protocol = sa.ref.protocol;
  ev.ref = sa.ref;
  ev.src = sa.src;
  return ev;
}

}  // namespace ike::kernel::xfrm
