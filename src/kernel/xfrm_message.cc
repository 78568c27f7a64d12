// XFRM request builders (see xfrm_message.h). Layouts follow <linux/xfrm.h> and iproute2's
// ip/xfrm_state.c and ip/xfrm_policy.c (the golden vectors were captured from `ip xfrm`): byte
// and packet limits XFRM_INF unless negotiated, add-expire lifetimes in seconds, addresses and
// SPIs in network order, everything else in host order. Lifetimes: hard = the negotiated value
// (RFC 2407 §4.5 SA Life Duration), soft = 90 % so the rekey starts before the SA dies.
#include "kernel/xfrm_message.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <sys/socket.h>

#include <fmt/core.h>

#include <algorithm>
#include <cstring>

#include "kernel/xfrm_algorithms.h"

namespace ike::kernel::xfrm {

using base::ErrorCode;
using base::NotifyType;

namespace {

constexpr std::size_t kBufferSize = 4096;
constexpr uint8_t kDefaultReplayWindow = 16;  // isakmpd's default (ipsec_set_policy)

uint16_t family_of(const base::IpAddress& a) { return a.is_v4() ? AF_INET : AF_INET6; }

xfrm_address_t to_xfrm(const base::IpAddress& a) {
  xfrm_address_t x{};
  std::memcpy(&x, a.bytes().data(), a.size());
  return x;
}

uint8_t proto_number(base::IpsecProtocol p) {
  switch (p) {
    case base::IpsecProtocol::Ah: return IPPROTO_AH;
    case base::IpsecProtocol::Ipcomp: return IPPROTO_COMP;
    case base::IpsecProtocol::Esp: break;
  }
  return IPPROTO_ESP;
}

bool is_unset(const base::TrafficSelector& ts) {
  return ts.network.is_unspecified() && ts.ip_protocol == 0 && ts.port == 0;
}

// RFC 4301 §4.4.1 selectors: addresses with prefixes, upper-layer protocol, ports.
base::Result<xfrm_selector> to_selector(const base::TrafficSelector& src,
                                        const base::TrafficSelector& dst) {
  xfrm_selector sel{};
  if (src.network.family() != dst.network.family()) {
    return make_error(ErrorCode::BadValue, NotifyType::None,
                      "selector {} -> {} mixes address families", src.to_string(),
                      dst.to_string());
  }
  const unsigned width = src.network.is_v4() ? 32 : 128;
  if (src.prefix > width || dst.prefix > width) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "selector {} -> {}: prefix > {}",
                      src.to_string(), dst.to_string(), width);
  }
  sel.family = family_of(src.network);
  sel.saddr = to_xfrm(src.network);
  sel.daddr = to_xfrm(dst.network);
  sel.prefixlen_s = src.prefix;
  sel.prefixlen_d = dst.prefix;
  sel.proto = src.ip_protocol != 0 ? src.ip_protocol : dst.ip_protocol;
  if (src.port != 0) {
    sel.sport = htons(src.port);
    sel.sport_mask = 0xffff;
  }
  if (dst.port != 0) {
    sel.dport = htons(dst.port);
    sel.dport_mask = 0xffff;
  }
  return sel;
}

template <class Buffer>
nlmsghdr* start(Buffer& buf, uint16_t type, uint16_t flags, uint32_t seq) {
  buf.assign(kBufferSize, 0);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  nlh->nlmsg_seq = seq;
  return nlh;
}

template <class Buffer>
Buffer finish(Buffer& buf, const nlmsghdr* nlh) {
  buf.resize(nlh->nlmsg_len);
  return std::move(buf);
}

// The fixed part after the netlink header (zeroed by libmnl).
template <class T>
T* put_extra(nlmsghdr* nlh) {
  return static_cast<T*>(mnl_nlmsg_put_extra_header(nlh, sizeof(T)));
}

void put_algo(nlmsghdr* nlh, uint16_t type, std::string_view name, base::ByteView key) {
  base::SecureBytes a(sizeof(xfrm_algo) + key.size(), 0);
  xfrm_algo hdr{};
  std::memcpy(hdr.alg_name, name.data(), std::min(name.size(), sizeof(hdr.alg_name) - 1));
  hdr.alg_key_len = static_cast<unsigned>(key.size() * 8);
  std::memcpy(a.data(), &hdr, sizeof(hdr));
  if (!key.empty()) std::memcpy(a.data() + sizeof(hdr), key.data(), key.size());
  mnl_attr_put(nlh, type, a.size(), a.data());
}

base::Status put_esp_algorithms(nlmsghdr* nlh, const base::SaInstall& sa) {
  auto enc = xfrm_enc_by_id(sa.enc_transform_id);
  if (!enc) {
    return make_error(ErrorCode::Unsupported, NotifyType::None,
                      "ESP transform id {} has no XFRM algorithm", sa.enc_transform_id);
  }
  const std::size_t want = sa.enc_key_bits / 8 + enc->salt_bytes;
  if (sa.enc_key_bits % 8 != 0 || (sa.enc_key_bits != 0 && sa.enc_key.size() != want)) {
    return make_error(ErrorCode::BadLength, NotifyType::None,
                      "{}: {} key bytes, expected {} ({} bits + {} salt bytes)",
                      enc->kernel_name, sa.enc_key.size(), want, sa.enc_key_bits,
                      enc->salt_bytes);
  }
  base::ByteView key(sa.enc_key.data(), sa.enc_key.size());
  if (enc->aead) {
    if (sa.auth_algorithm != 0) {
      return make_error(ErrorCode::BadValue, NotifyType::None,
                        "{} is combined mode: RFC 4106 §8.4 forbids auth algorithm {}",
                        enc->kernel_name, sa.auth_algorithm);
    }
    // struct xfrm_algo_aead { name[64]; key_len (bits); icv_len (bits); key[]; }
    base::SecureBytes a(sizeof(xfrm_algo_aead) + key.size(), 0);
    xfrm_algo_aead hdr{};
    std::memcpy(hdr.alg_name, enc->kernel_name.data(), enc->kernel_name.size());
    hdr.alg_key_len = static_cast<unsigned>(key.size() * 8);
    hdr.alg_icv_len = enc->icv_bits;
    std::memcpy(a.data(), &hdr, sizeof(hdr));
    std::memcpy(a.data() + sizeof(hdr), key.data(), key.size());
    mnl_attr_put(nlh, XFRMA_ALG_AEAD, a.size(), a.data());
    return base::ok();
  }
  put_algo(nlh, XFRMA_ALG_CRYPT, enc->kernel_name, key);
  return base::ok();
}

base::Status put_auth(nlmsghdr* nlh, const base::SaInstall& sa, uint16_t auth_id) {
  auto auth = xfrm_auth_by_id(auth_id);
  if (!auth) {
    return make_error(ErrorCode::Unsupported, NotifyType::None,
                      "authentication algorithm {} has no XFRM algorithm", auth_id);
  }
  if (sa.auth_key.empty()) {
    return make_error(ErrorCode::BadLength, NotifyType::None, "{}: empty key",
                      auth->kernel_name);
  }
  // struct xfrm_algo_auth { name[64]; key_len (bits); trunc_len (bits); key[]; }
  base::SecureBytes a(sizeof(xfrm_algo_auth) + sa.auth_key.size(), 0);
  xfrm_algo_auth hdr{};
  std::memcpy(hdr.alg_name, auth->kernel_name.data(), auth->kernel_name.size());
  hdr.alg_key_len = static_cast<unsigned>(sa.auth_key.size() * 8);
  hdr.alg_trunc_len = auth->trunc_bits;  // RFC 4868 §2.3 / RFC 2404 §3
  std::memcpy(a.data(), &hdr, sizeof(hdr));
  std::memcpy(a.data() + sizeof(hdr), sa.auth_key.data(), sa.auth_key.size());
  mnl_attr_put(nlh, XFRMA_ALG_AUTH_TRUNC, a.size(), a.data());
  return base::ok();
}

xfrm_lifetime_cfg lifetime(uint64_t seconds, uint64_t kbytes) {
  xfrm_lifetime_cfg lft{};
  lft.soft_byte_limit = lft.hard_byte_limit = XFRM_INF;
  lft.soft_packet_limit = lft.hard_packet_limit = XFRM_INF;
  lft.hard_add_expires_seconds = seconds;
  lft.soft_add_expires_seconds = seconds * 9 / 10;
  if (kbytes != 0 && kbytes < XFRM_INF / 1024) {
    lft.hard_byte_limit = kbytes * 1024;
    lft.soft_byte_limit = kbytes * 1024 * 9 / 10;
  }
  return lft;
}

}  // namespace

base::Result<base::Bytes> build_allocspi(base::IpsecProtocol proto, const base::IpAddress& src,
                                         const base::IpAddress& dst, uint32_t seq,
                                         uint32_t min_spi, uint32_t max_spi) {
  if (src.family() != dst.family() || min_spi > max_spi) {
    return make_error(ErrorCode::BadValue, NotifyType::None,
                      "allocspi {} {}->{} range 0x{:x}..0x{:x}: bad request",
                      base::ipsec_protocol_name(proto), src.to_string(), dst.to_string(),
                      min_spi, max_spi);
  }
  base::Bytes buf;
  nlmsghdr* nlh = start(buf, XFRM_MSG_ALLOCSPI, NLM_F_REQUEST, seq);
  auto* spi = put_extra<xfrm_userspi_info>(nlh);
  spi->info.id.daddr = to_xfrm(dst);
  spi->info.id.proto = proto_number(proto);
  spi->info.saddr = to_xfrm(src);
  spi->info.family = family_of(dst);
  spi->min = min_spi;
  spi->max = max_spi;
  return finish(buf, nlh);
}

base::Result<base::SecureBytes> build_add_sa(const base::SaInstall& sa, uint32_t seq,
                                             bool update) {
  if (sa.src.family() != sa.ref.dst.family()) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "SA endpoints mix families");
  }
  base::SecureBytes buf;
  nlmsghdr* nlh = start(buf, update ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA,
                        NLM_F_REQUEST | NLM_F_ACK, seq);
  auto* info = put_extra<xfrm_usersa_info>(nlh);
  if (!is_unset(sa.src_ts) || !is_unset(sa.dst_ts)) {
    IKE_TRY(xfrm_selector sel, to_selector(sa.src_ts, sa.dst_ts));
    info->sel = sel;
  }
  info->id.daddr = to_xfrm(sa.ref.dst);
  info->id.spi = htonl(sa.ref.spi.value);
  info->id.proto = proto_number(sa.ref.protocol);
  info->saddr = to_xfrm(sa.src);
  info->lft = lifetime(sa.life_seconds, sa.life_kbytes);
  info->family = family_of(sa.ref.dst);
  info->mode = sa.mode == base::EncapMode::Tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
  const bool keyed = sa.ref.protocol != base::IpsecProtocol::Ipcomp;
  // Anti-replay (RFC 4303 §3.4.3) stays on for keyed SAs: 0 means the isakmpd default.
  info->replay_window = keyed && sa.replay_window == 0 ? kDefaultReplayWindow : sa.replay_window;
  if (!keyed) info->replay_window = 0;
  switch (sa.ref.protocol) {
    case base::IpsecProtocol::Esp: {
      IKE_TRY_VOID(put_esp_algorithms(nlh, sa));
      if (sa.auth_algorithm != 0) IKE_TRY_VOID(put_auth(nlh, sa, sa.auth_algorithm));
      break;
    }
    case base::IpsecProtocol::Ah: {
      uint16_t auth = sa.auth_algorithm;
      if (auth == 0) auth = auth_algorithm_for_ah_transform(sa.ah_transform_id).value_or(0);
      IKE_TRY_VOID(put_auth(nlh, sa, auth));
      break;
    }
    case base::IpsecProtocol::Ipcomp: {
      // The IPCOMP transform id (RFC 2407 §4.4.5) travels in enc_transform_id.
      auto comp = xfrm_comp_by_id(sa.enc_transform_id);
      if (!comp) {
        return make_error(ErrorCode::Unsupported, NotifyType::None,
                          "IPCOMP transform id {} has no XFRM algorithm", sa.enc_transform_id);
      }
      put_algo(nlh, XFRMA_ALG_COMP, comp->kernel_name, {});
      break;
    }
  }
  if (sa.udp_encap_dst_port != 0 || sa.udp_encap_src_port != 0) {
    if (sa.ref.protocol != base::IpsecProtocol::Esp) {
      return make_error(ErrorCode::BadValue, NotifyType::None,
                        "RFC 3948 UDP encapsulation applies to ESP only");
    }
    xfrm_encap_tmpl encap{};
    encap.encap_type = UDP_ENCAP_ESPINUDP;  // RFC 3948 §2.1 (non-IKE marker variant)
    encap.encap_sport = htons(sa.udp_encap_src_port);
    encap.encap_dport = htons(sa.udp_encap_dst_port);
    mnl_attr_put(nlh, XFRMA_ENCAP, sizeof(encap), &encap);
  }
  if (sa.set_mark_mask != 0) {  // isakmpd PF-Tag: mark what the SA outputs (decrypted)
    mnl_attr_put_u32(nlh, XFRMA_SET_MARK, sa.set_mark);
    mnl_attr_put_u32(nlh, XFRMA_SET_MARK_MASK, sa.set_mark_mask);
  }
  if (nlh->nlmsg_len > kBufferSize) {
    return make_error(ErrorCode::Internal, NotifyType::None, "NEWSA overflows its buffer");
  }
  return finish(buf, nlh);
}

base::Result<base::Bytes> build_delete_sa(const base::SaRef& ref, const base::IpAddress& src,
                                          uint32_t seq) {
  if (src.family() != ref.dst.family()) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "{}: endpoints mix families",
                      describe_sa("delete", ref, src));
  }
  base::Bytes buf;
  nlmsghdr* nlh = start(buf, XFRM_MSG_DELSA, NLM_F_REQUEST | NLM_F_ACK, seq);
  auto* id = put_extra<xfrm_usersa_id>(nlh);
  id->daddr = to_xfrm(ref.dst);
  id->spi = htonl(ref.spi.value);
  id->family = family_of(ref.dst);
  id->proto = proto_number(ref.protocol);
  xfrm_address_t s = to_xfrm(src);
  mnl_attr_put(nlh, XFRMA_SRCADDR, sizeof(s), &s);
  return finish(buf, nlh);
}

namespace {

uint8_t dir_number(base::Direction d) {
  switch (d) {
    case base::Direction::In: return XFRM_POLICY_IN;
    case base::Direction::Fwd: return XFRM_POLICY_FWD;
    case base::Direction::Out: break;
  }
  return XFRM_POLICY_OUT;
}

}  // namespace

base::Result<std::vector<base::IpsecProtocol>> template_order(const base::FlowInstall& flow) {
  std::vector<base::IpsecProtocol> all{flow.protocol};
  all.insert(all.end(), flow.bundle.begin(), flow.bundle.end());
  std::vector<base::IpsecProtocol> out;
  for (auto p : {base::IpsecProtocol::Ipcomp, base::IpsecProtocol::Esp, base::IpsecProtocol::Ah}) {
    const auto n = std::count(all.begin(), all.end(), p);
    if (n > 1) {
      return make_error(ErrorCode::BadValue, NotifyType::None, "{}: {} twice in the bundle",
                        describe_flow("add", flow), base::ipsec_protocol_name(p));
    }
    if (n == 1) out.push_back(p);
  }
  if (out.size() != all.size()) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "{}: unknown protocol in the bundle",
                      describe_flow("add", flow));
  }
  return out;
}

base::Result<base::Bytes> build_add_policy(const base::FlowInstall& flow, uint32_t seq,
                                           bool update) {
  IKE_TRY(xfrm_selector sel, to_selector(flow.src_ts, flow.dst_ts));
  base::Bytes buf;
  nlmsghdr* nlh = start(buf, update ? XFRM_MSG_UPDPOLICY : XFRM_MSG_NEWPOLICY,
                        NLM_F_REQUEST | NLM_F_ACK, seq);
  auto* pol = put_extra<xfrm_userpolicy_info>(nlh);
  pol->sel = sel;
  pol->lft = lifetime(0, 0);
  pol->dir = dir_number(flow.direction);
  pol->action = flow.type == base::FlowType::Deny ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW;
  if (flow.type == base::FlowType::Deny || flow.type == base::FlowType::Bypass) {
    return finish(buf, nlh);
  }
  if (flow.local.family() != flow.peer.family()) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "{}: endpoints mix families",
                      describe_flow("add", flow));
  }
  IKE_TRY(std::vector<base::IpsecProtocol> protos, template_order(flow));
  // One XFRMA_TMPL attribute holding the templates in the order the kernel applies them on
  // output (xfrm_tmpl_resolve: template 0 first = innermost): IPCOMP, ESP, AH -- as strongSwan's
  // kernel_netlink does. Only the first carries the negotiated mode; the others wrap its outer
  // header in transport mode (the SAs are installed the same way, quick_mode_install.cc).
  std::vector<xfrm_user_tmpl> tmpls(protos.size());
  const bool out = flow.direction == base::Direction::Out;
  for (std::size_t i = 0; i < protos.size(); ++i) {
    xfrm_user_tmpl& t = tmpls[i];
    t.id.daddr = to_xfrm(out ? flow.peer : flow.local);
    t.saddr = to_xfrm(out ? flow.local : flow.peer);
    t.id.proto = proto_number(protos[i]);
    t.family = family_of(flow.local);
    t.mode = i == 0 && flow.mode == base::EncapMode::Tunnel ? XFRM_MODE_TUNNEL
                                                            : XFRM_MODE_TRANSPORT;
    // ipsec.conf(5): "use" lets traffic pass when no SA exists (XFRM level use = optional).
    // RFC 3173 §2.2: a sender need not compress small packets, so an inbound IPCOMP template
    // is optional in a bundle (strongSwan does the same).
    t.optional = flow.type == base::FlowType::Use || flow.type == base::FlowType::Acquire ||
                 (protos.size() > 1 && protos[i] == base::IpsecProtocol::Ipcomp && !out);
    t.aalgos = t.ealgos = t.calgos = ~0u;
  }
  mnl_attr_put(nlh, XFRMA_TMPL, sizeof(xfrm_user_tmpl) * tmpls.size(), tmpls.data());
  return finish(buf, nlh);
}

base::Result<base::Bytes> build_delete_policy(const base::FlowInstall& flow, uint32_t seq) {
  IKE_TRY(xfrm_selector sel, to_selector(flow.src_ts, flow.dst_ts));
  base::Bytes buf;
  nlmsghdr* nlh = start(buf, XFRM_MSG_DELPOLICY, NLM_F_REQUEST | NLM_F_ACK, seq);
  auto* id = put_extra<xfrm_userpolicy_id>(nlh);
  id->sel = sel;
  id->dir = dir_number(flow.direction);
  return finish(buf, nlh);
}

base::Bytes build_dump_sa(uint32_t seq) {
  base::Bytes buf;
  nlmsghdr* nlh = start(buf, XFRM_MSG_GETSA, NLM_F_REQUEST | NLM_F_DUMP, seq);
  mnl_nlmsg_put_extra_header(nlh, sizeof(xfrm_usersa_info));
  return finish(buf, nlh);
}

base::Bytes build_dump_policy(uint32_t seq) {
  base::Bytes buf;
  nlmsghdr* nlh = start(buf, XFRM_MSG_GETPOLICY, NLM_F_REQUEST | NLM_F_DUMP, seq);
  mnl_nlmsg_put_extra_header(nlh, sizeof(xfrm_userpolicy_info));
  return finish(buf, nlh);
}

std::string describe_sa(std::string_view op, const base::SaRef& ref,
                        const base::IpAddress& src) {
  return fmt::format("{} {} SA spi 0x{:08x} {}->{}", op, base::ipsec_protocol_name(ref.protocol),
                     ref.spi.value, src.to_string(), ref.dst.to_string());
}

std::string describe_flow(std::string_view op, const base::FlowInstall& flow) {
  return fmt::format("{} {}", op, flow.to_string());
}

}  // namespace ike::kernel::xfrm
