// Rule -> SaInstall/FlowInstall conversion; see kernel_rules.h.
#include "kernel_rules.h"

#include <fmt/core.h>

#include <optional>
#include <string_view>

#include "kernel/algorithm_names.h"
#include "kernel/xfrm_algorithms.h"

namespace ike::ipsecctl {
namespace {

using base::ErrorCode;
using base::NotifyType;

// Wire ids are at most 8 bits in RFC 2407 §4.4.3-§4.5 registries (ESP/AH transform ids,
// AUTHENTICATION_ALGORITHM values); the searches below walk that whole range.
constexpr uint16_t kMaxRegistryId = 255;

base::Result<base::IpAddress> to_ip(const HostAddr& h) {
  switch (h.af) {
    case Af::Inet: return base::IpAddress::v4_bytes(base::ByteView(h.addr.data(), 4));
    case Af::Inet6: return base::IpAddress::v6(base::ByteView(h.addr.data(), 16));
    case Af::Unspec: break;
  }
  return base::make_error(ErrorCode::BadValue, NotifyType::None,
                          "address {} has no family (any)", h.name);
}

base::IpAddress unspecified(base::Family f) {
  static constexpr uint8_t kZero[16] = {};
  return f == base::Family::V4 ? base::IpAddress::v4(0) : base::IpAddress::v6(kZero);
}

base::Result<base::TrafficSelector> selector(const HostAddr& h, uint8_t proto, uint16_t port) {
  IKE_TRY(base::IpAddress a, to_ip(h));
  return base::TrafficSelector{a, static_cast<uint8_t>(h.bits), proto, port};
}

std::optional<base::IpsecProtocol> protocol_of(SaType t) {
  switch (t) {
    case SaType::Esp: return base::IpsecProtocol::Esp;
    case SaType::Ah: return base::IpsecProtocol::Ah;
    case SaType::Ipcomp: return base::IpsecProtocol::Ipcomp;
    case SaType::Tcpmd5:
    case SaType::Ipip: break;
  }
  return std::nullopt;
}

base::FlowType flow_type(FlowType t) {
  switch (t) {
    case FlowType::Use: return base::FlowType::Use;
    case FlowType::Acquire: return base::FlowType::Acquire;
    case FlowType::Deny: return base::FlowType::Deny;
    case FlowType::Bypass: return base::FlowType::Bypass;
    case FlowType::DontAcq: return base::FlowType::DontAcq;
    case FlowType::Require:
    case FlowType::Unknown: break;  // parse.y default
  }
  return base::FlowType::Require;
}

// ipsec.conf(5) encryption name + key bits -> the spelling kernel::ipsecctl_enc_name() gives:
// "3des-cbc" -> "3des"; "aes", "aes-256", "aesctr", "aes-128-gcm" -> "aes-<bits>[-ctr|-gcm]".
std::string kernel_spelling(std::string_view name, unsigned bits) {
  if (name == "3des-cbc") return "3des";
  if (name.substr(0, 3) != "aes") return std::string(name);
  std::string_view rest = name.substr(3);
  for (std::string_view size : {"-128", "-192", "-256"}) {
    if (rest.substr(0, 4) == size) rest.remove_prefix(4);
  }
  if (!rest.empty() && rest.front() != '-') return fmt::format("aes-{}-{}", bits, rest);
  return fmt::format("aes-{}{}", bits, rest);
}

struct EncChoice {
  uint16_t id = 0;
  uint16_t bits = 0;
};

// RFC 2407 §4.4.4 ESP transform id of an ipsec.conf cipher with a key of `key_bytes` (salt
// included for CTR/GCM/GMAC, RFC 3686 §5.1 / RFC 4106 §8.1).
std::optional<EncChoice> enc_choice(const Xf& enc, std::size_t key_bytes) {
  for (uint16_t id = 1; id <= kMaxRegistryId; ++id) {
    const auto alg = kernel::xfrm_enc_by_id(id);
    const std::size_t salt = alg ? alg->salt_bytes : 0;
    if (key_bytes < salt) continue;
    const auto bits = static_cast<uint16_t>((key_bytes - salt) * 8);
    if (kernel::ipsecctl_enc_name(id, bits) == kernel_spelling(enc.name, bits)) {
      return EncChoice{id, bits};
    }
  }
  return std::nullopt;
}

// RFC 2407 §4.5 AUTHENTICATION_ALGORITHM of an ipsec.conf auth name ("none" -> 0).
std::optional<uint16_t> auth_choice(const Xf& auth) {
  for (uint16_t id = 0; id <= kMaxRegistryId; ++id) {
    if (kernel::ipsecctl_auth_name(id) == auth.name) return id;
  }
  return std::nullopt;
}

// RFC 2407 §4.4.3 AH transform id implying `auth_algorithm` (AH_SHA -> HMAC-SHA).
std::optional<uint16_t> ah_transform_for(uint16_t auth_algorithm) {
  for (uint16_t id = 1; id <= kMaxRegistryId; ++id) {
    if (kernel::auth_algorithm_for_ah_transform(id) == auth_algorithm) return id;
  }
  return std::nullopt;
}

base::Error refuse(const Rule& r, std::string_view why) {
  return base::Error{ErrorCode::Unsupported, NotifyType::None,
                     fmt::format("{}: {}", describe_rule(r), why)};
}

constexpr std::string_view kTcpmd5 =
    "tcpmd5 SAs cannot be installed on Linux: there is no kernel SA database for TCP MD5 "
    "signatures (RFC 2385); the key is the per-socket TCP_MD5SIG option, set by the program "
    "that owns the TCP connection (e.g. bgpd)";
constexpr std::string_view kIpip =
    "ipip SAs and flows have no XFRM counterpart: Linux accepts XFRM states from user space "
    "only for ESP, AH and IPComp (its IP-in-IP states are internal to IPComp tunnels); use an "
    "esp or ah SA in tunnel mode";

bool same_host(const HostAddr& a, const HostAddr& b) {
  return a.af == b.af && a.addr == b.addr;
}

}  // namespace

std::string describe_rule(const Rule& r) {
  switch (r.type) {
    case RuleType::Flow:
      return fmt::format("flow {} {} from {} to {}", satype_name(r.satype),
                         direction_name(r.direction), r.src.name, r.dst.name);
    case RuleType::Sa:
      return fmt::format("{}{} SA from {} to {} spi 0x{:08x}", satype_name(r.satype),
                         r.satype == SaType::Tcpmd5        ? ""
                         : r.tmode == TMode::Transport ? " transport"
                                                       : " tunnel",
                         r.src.name, r.dst.name, r.spi);
    case RuleType::Bundle:
      return fmt::format("bundle of {} to {} spi 0x{:08x} with {} to {} spi 0x{:08x}",
                         satype_name(r.proto1), r.dst.name, r.spi, satype_name(r.proto2),
                         r.dst2.name, r.spi2);
    case RuleType::Ike: break;
  }
  return fmt::format("ike {} from {} to {}", satype_name(r.satype), r.src.name, r.dst.name);
}

base::Result<base::SaInstall> sa_install(const Rule& r) {
  if (r.type != RuleType::Sa) return refuse(r, "not an SA rule");
  if (r.satype == SaType::Tcpmd5) return refuse(r, kTcpmd5);
  const auto proto = protocol_of(r.satype);
  if (!proto) return refuse(r, kIpip);
  base::SaInstall s;
  s.ref.protocol = *proto;
  IKE_TRY(s.ref.dst, to_ip(r.dst));
  IKE_TRY(s.src, to_ip(r.src));
  s.ref.spi = base::Spi{r.spi};
  s.mode = r.tmode == TMode::Transport ? base::EncapMode::Transport : base::EncapMode::Tunnel;
  if (r.udpencap) {
    if (*proto != base::IpsecProtocol::Esp) return refuse(r, "udpencap applies to esp only");
    // RFC 3948 §2.1: ESP in UDP from 4500 to the peer's port (ipsec.conf "udpencap port N").
    s.udp_encap_src_port = 4500;
    s.udp_encap_dst_port = r.udpdport != 0 ? r.udpdport : 4500;
  }
  const Transforms xfs = r.xfs.value_or(Transforms{});
  switch (*proto) {
    case base::IpsecProtocol::Esp: {
      if (xfs.enc == nullptr) return refuse(r, "no encryption transform");
      const std::size_t key_bytes = r.enckey ? r.enckey->size() : 0;
      const auto enc = enc_choice(*xfs.enc, key_bytes);
      if (!enc) {
        return refuse(r, fmt::format("enc {} with a {}-bit key has no RFC 2407 ESP transform "
                                     "id in the kernel backend's tables",
                                     xfs.enc->name, key_bytes * 8));
      }
      s.enc_transform_id = enc->id;
      s.enc_key_bits = enc->bits;
      if (r.enckey) s.enc_key = *r.enckey;
      break;
    }
    case base::IpsecProtocol::Ah: break;
    case base::IpsecProtocol::Ipcomp: {
      // RFC 2407 §4.4.5 IPCOMP transform id (IPCOMP_DEFLATE = 2), carried in enc_transform_id.
      const std::string_view comp = xfs.comp != nullptr ? xfs.comp->name : "deflate";
      const auto alg = kernel::xfrm_comp_by_name(comp);
      if (!alg) return refuse(r, fmt::format("comp {} has no XFRM algorithm", comp));
      s.enc_transform_id = alg->ipcomp_transform_id;
      return s;
    }
  }
  if (xfs.auth != nullptr) {
    const auto auth = auth_choice(*xfs.auth);
    if (!auth) {
      return refuse(r, fmt::format("auth {} has no RFC 2407 authentication algorithm in the "
                                   "kernel backend's tables", xfs.auth->name));
    }
    s.auth_algorithm = *auth;
    if (r.authkey) s.auth_key = *r.authkey;
  }
  if (*proto == base::IpsecProtocol::Ah) {
    const auto ah = ah_transform_for(s.auth_algorithm);
    if (s.auth_algorithm == 0 || !ah) {
      return refuse(r, fmt::format("auth {} has no RFC 2407 AH transform",
                                   xfs.auth != nullptr ? xfs.auth->name : "none"));
    }
    s.ah_transform_id = *ah;
  }
  return s;
}

base::Result<std::vector<base::FlowInstall>> flow_installs(const Rule& r, base::EncapMode mode) {
  if (r.type != RuleType::Flow) return refuse(r, "not a flow rule");
  if (r.direction != Direction::In && r.direction != Direction::Out) {
    return refuse(r, "flow without a direction");
  }
  base::FlowInstall f;
  f.direction = r.direction == Direction::In ? base::Direction::In : base::Direction::Out;
  f.type = flow_type(r.flowtype);
  const bool has_template = f.type != base::FlowType::Deny && f.type != base::FlowType::Bypass;
  const auto proto = protocol_of(r.satype);
  if (!proto && has_template) return refuse(r, kIpip);
  f.protocol = proto.value_or(base::IpsecProtocol::Esp);
  f.mode = mode;
  IKE_TRY(f.src_ts, selector(r.src, r.proto, r.sport));
  IKE_TRY(f.dst_ts, selector(r.dst, r.proto, r.dport));
  f.local = unspecified(f.src_ts.network.family());
  f.peer = f.local;
  if (has_template) {
    if (!r.peer) {
      return refuse(r, "no peer: an XFRM template needs the remote tunnel endpoint "
                       "(peer any is not supported)");
    }
    IKE_TRY(f.peer, to_ip(*r.peer));
    // Without `local` the kernel picks the source address when it resolves the template.
    f.local = unspecified(f.peer.family());
    if (r.local) {
      IKE_TRY(f.local, to_ip(*r.local));
    }
  }
  std::vector<base::FlowInstall> out{f};
  if (f.direction == base::Direction::In && mode == base::EncapMode::Tunnel) {
    f.direction = base::Direction::Fwd;
    out.push_back(f);
  }
  return out;
}

base::EncapMode flow_mode(const Rule& flow, const std::vector<Rule>& rules) {
  if (!flow.peer) return base::EncapMode::Tunnel;
  for (const Rule& r : rules) {
    if (r.type != RuleType::Sa || r.satype != flow.satype || r.tmode != TMode::Transport) continue;
    if (same_host(r.src, *flow.peer) || same_host(r.dst, *flow.peer)) {
      return base::EncapMode::Transport;
    }
  }
  return base::EncapMode::Tunnel;
}

KernelPlan plan_kernel_rules(const std::vector<Rule>& rules) {
  KernelPlan plan;
  auto fail = [&](const Rule& r, const base::Error& e) {
    plan.errors.push_back(fmt::format("rule {}: {}", r.nr, e.detail));
  };
  for (const Rule& r : rules) {
    switch (r.type) {
      case RuleType::Ike: break;
      case RuleType::Bundle:
        plan.warnings.push_back(fmt::format(
            "rule {}: {}: not installed (XFRM has no SA groups; the SAs are installed alone)",
            r.nr, describe_rule(r)));
        break;
      case RuleType::Sa: {
        auto sa = sa_install(r);
        if (!sa) {
          fail(r, sa.error());
          break;
        }
        plan.sas.push_back(PlannedSa{r.nr, std::move(*sa)});
        break;
      }
      case RuleType::Flow: {
        auto flows = flow_installs(r, flow_mode(r, rules));
        if (!flows) {
          fail(r, flows.error());
          break;
        }
        for (auto& f : *flows) plan.flows.push_back(PlannedFlow{r.nr, f});
        break;
      }
    }
  }
  return plan;
}

}  // namespace ike::ipsecctl
