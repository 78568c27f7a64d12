// Rule construction and expansion; see rule_expand.h. Port of OpenBSD sbin/ipsecctl/parse.y.
#include "rule_expand.h"

#include <arpa/inet.h>
#include <fmt/core.h>

#include "host.h"

namespace ike::ipsecctl {
namespace {

constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;

Rule reverse_flow(const Rule& r) {
  Rule rev;
  rev.type = RuleType::Flow;
  rev.direction = r.direction == Direction::Out ? Direction::In : Direction::Out;
  rev.flowtype = r.flowtype;
  rev.src = r.dst;
  rev.dst = r.src;
  rev.sport = r.dport;
  rev.dport = r.sport;
  rev.local = r.local;
  rev.peer = r.peer;
  rev.satype = r.satype;
  rev.proto = r.proto;
  rev.has_auth = r.has_auth;
  rev.srcid = r.srcid;
  rev.dstid = r.dstid;
  rev.srcid_type = r.srcid_type;
  rev.dstid_type = r.dstid_type;
  return rev;
}

}  // namespace

IdType id_type(const std::optional<std::string>& id) {
  if (!id) return IdType::Unknown;
  unsigned char buf[16];
  if (inet_pton(AF_INET, id->c_str(), buf) == 1) return IdType::Ipv4;
  if (inet_pton(AF_INET6, id->c_str(), buf) == 1) return IdType::Ipv6;
  if (id->find('@') != std::string::npos) return IdType::Ufqdn;
  return IdType::Fqdn;
}

bool RuleExpander::flow(FlowSpec f) {
  Rule r;
  r.type = RuleType::Flow;
  r.direction = f.dir == Direction::InOut ? Direction::Out : f.dir;
  r.satype = f.satype;
  r.proto = f.proto;
  r.sport = f.sport;
  r.dport = f.dport;
  if ((f.sport != 0 || f.dport != 0) && f.proto != kTcp && f.proto != kUdp) {
    m_ctx.error("no protocol supplied with source/destination ports");
    return false;
  }
  FlowType type = f.type;
  if (type == FlowType::Unknown) {
    type = (f.satype == SaType::Ipcomp || f.satype == SaType::Ipip) ? FlowType::Use
                                                                      : FlowType::Require;
  }
  r.flowtype = type;
  if (type != FlowType::Deny && type != FlowType::Bypass) {
    r.has_auth = true;
    r.srcid = f.srcid;
    r.dstid = f.dstid;
    r.srcid_type = id_type(f.srcid);
    r.dstid_type = id_type(f.dstid);
  }
  (void)expand(std::move(r), f.src, f.dst, &f.peers, f.dir, nullptr, std::nullopt);
  return true;
}

bool RuleExpander::validate_sa(uint32_t spi, SaType satype, std::optional<Transforms>& xfs,
                               const std::optional<base::SecureBytes>& authkey,
                               const std::optional<base::SecureBytes>& enckey, TMode tmode) {
  if (spi == 0) {
    m_ctx.error("no SPI specified");
    return false;
  }
  if (satype == SaType::Ah) {
    if (!xfs) {
      m_ctx.error("no transforms specified");
      return false;
    }
    if (xfs->auth == nullptr) xfs->auth = xf_by_id(auth_xfs(), static_cast<uint8_t>(AuthXf::HmacSha2_256));
    if (xfs->enc != nullptr) {
      m_ctx.error("ah does not provide encryption");
      return false;
    }
    if (xfs->comp != nullptr) {
      m_ctx.error("ah does not provide compression");
      return false;
    }
  }
  if (satype == SaType::Esp) {
    if (!xfs) {
      m_ctx.error("no transforms specified");
      return false;
    }
    if (xfs->comp != nullptr) {
      m_ctx.error("esp does not provide compression");
      return false;
    }
    if (xfs->enc == nullptr) xfs->enc = xf_by_id(enc_xfs(), static_cast<uint8_t>(EncXf::Aes));
    if (xfs->enc->nostatic) {
      m_ctx.error(fmt::format("{} is disallowed with static keys", xfs->enc->name));
      return false;
    }
    if (xfs->enc->noauth && xfs->auth != nullptr) {
      m_ctx.error(fmt::format("authentication is implicit for {}", xfs->enc->name));
      return false;
    }
    if (!xfs->enc->noauth && xfs->auth == nullptr) {
      xfs->auth = xf_by_id(auth_xfs(), static_cast<uint8_t>(AuthXf::HmacSha2_256));
    }
  }
  if (satype == SaType::Ipcomp) {
    if (!xfs) {
      m_ctx.error("no transform specified");
      return false;
    }
    if (xfs->auth != nullptr || xfs->enc != nullptr) {
      m_ctx.error("no encryption or authentication with ipcomp");
      return false;
    }
    if (xfs->comp == nullptr) xfs->comp = xf_by_id(comp_xfs(), static_cast<uint8_t>(CompXf::Deflate));
  }
  if (satype == SaType::Ipip) {
    if (xfs && (xfs->auth != nullptr || xfs->enc != nullptr || xfs->comp != nullptr)) {
      m_ctx.error("no encryption, authentication or compression with ipip");
      return false;
    }
  }
  if (satype == SaType::Tcpmd5 && !authkey && tmode != TMode::Transport) {
    m_ctx.error("authentication key needed for tcpmd5");
    return false;
  }
  if (xfs && xfs->auth != nullptr) {
    if (!authkey && auth_id(*xfs->auth) != AuthXf::None) {
      m_ctx.error("no authentication key specified");
      return false;
    }
    if (authkey && authkey->size() != xfs->auth->keymin) {
      m_ctx.error(fmt::format("wrong authentication key length, needs to be {} bits",
                              xfs->auth->keymin * 8));
      return false;
    }
  }
  if (xfs && xfs->enc != nullptr) {
    if (!enckey && enc_id(*xfs->enc) != EncXf::Null) {
      m_ctx.error("no encryption key specified");
      return false;
    }
    if (enckey) {
      if (enckey->size() < xfs->enc->keymin) {
        m_ctx.error(fmt::format("encryption key too short ({} bits), minimum {} bits",
                                enckey->size() * 8, xfs->enc->keymin * 8));
        return false;
      }
      if (xfs->enc->keymax < enckey->size()) {
        m_ctx.error(fmt::format("encryption key too long ({} bits), maximum {} bits",
                                enckey->size() * 8, xfs->enc->keymax * 8));
        return false;
      }
    }
  }
  return true;
}

ExpandResult RuleExpander::sa(SaSpec s) {
  std::optional<Transforms> xfs;
  if (!s.no_xfs) xfs = s.xfs;
  if (!validate_sa(s.spi_out, s.satype, xfs, s.authkey_out, s.enckey_out, s.tmode)) {
    return ExpandResult::Rejected;
  }
  Rule r;
  r.type = RuleType::Sa;
  r.satype = s.satype;
  r.tmode = s.tmode;
  r.spi = s.spi_out;
  r.udpencap = s.udpencap;
  r.udpdport = s.udpdport;
  r.xfs = xfs;
  r.authkey = std::move(s.authkey_out);
  r.enckey = std::move(s.enckey_out);
  const bool reverse = s.spi_in != 0 || s.authkey_in || s.enckey_in;
  if (!expand(std::move(r), s.src, s.dst, nullptr, Direction::Unknown, reverse ? &s : nullptr,
              s.bundle)) {
    return ExpandResult::Fatal;
  }
  return ExpandResult::Ok;
}

ExpandResult RuleExpander::ike(IkeSpec k) {
  Rule r;
  r.type = RuleType::Ike;
  r.proto = k.proto;
  r.sport = k.sport;
  r.dport = k.dport;
  if ((k.sport != 0 || k.dport != 0) && k.proto != kTcp && k.proto != kUdp) {
    m_ctx.error("no protocol supplied with source/destination ports");
    return ExpandResult::Rejected;
  }
  r.satype = k.satype;
  r.tmode = k.tmode;
  r.ikemode = k.mode;
  r.p1ie = k.p1ie;
  r.p1xfs = k.p1xfs;
  r.p1life = k.p1life;
  if (k.p2xfs && k.p2xfs->enc != nullptr && k.p2xfs->enc->noauth && k.p2xfs->auth != nullptr) {
    m_ctx.error(fmt::format("authentication is implicit for {}", k.p2xfs->enc->name));
    return ExpandResult::Rejected;
  }
  r.p2xfs = k.p2xfs;
  r.p2life = k.p2life;
  r.has_auth = true;
  r.srcid = k.srcid;
  r.dstid = k.dstid;
  r.srcid_type = id_type(k.srcid);
  r.dstid_type = id_type(k.dstid);
  r.ikeauth = k.auth;
  r.psk = k.psk;
  r.tag = k.tag;
  if (!expand(std::move(r), k.src, k.dst, &k.peers, Direction::Unknown, nullptr, std::nullopt)) {
    return ExpandResult::Fatal;
  }
  return ExpandResult::Ok;
}

bool RuleExpander::expand(Rule proto, const HostList& src_in, const HostList& dst_in,
                          const Peers* peers, Direction direction, const SaSpec* reverse_sa,
                          const std::optional<std::string>& bundle) {
  if (families_mismatch(src_in, dst_in)) {
    m_ctx.error("source/destination address families do not match");
    return true;
  }
  HostList srcs = src_in;
  HostList dsts = dst_in;
  expand_any(srcs);
  expand_any(dsts);
  int added = 0;
  for (const auto& src : srcs) {
    for (const auto& dst : dsts) {
      if (src.af != dst.af) continue;
      Rule r = proto;
      r.src = src;
      r.dst = dst;
      if (peers != nullptr && !set_rule_peers(r, *peers)) return true;
      Rule copy = r;
      m_ctx.add(std::move(r));
      if (bundle && !add_sabundle(copy, *bundle)) return false;
      if (direction == Direction::InOut) {
        m_ctx.add(reverse_flow(copy));
      } else if (reverse_sa != nullptr) {
        std::optional<Transforms> xfs = copy.xfs;
        if (!validate_sa(reverse_sa->spi_in, copy.satype, xfs, reverse_sa->authkey_in,
                         reverse_sa->enckey_in, copy.tmode)) {
          return false;
        }
        Rule rev;
        rev.type = RuleType::Sa;
        rev.satype = copy.satype;
        rev.tmode = copy.tmode;
        rev.src = copy.dst;
        rev.dst = copy.src;
        rev.spi = reverse_sa->spi_in;
        rev.udpencap = copy.udpencap;
        rev.udpdport = copy.udpdport;
        rev.xfs = xfs;
        rev.authkey = reverse_sa->authkey_in;
        rev.enckey = reverse_sa->enckey_in;
        Rule rev_copy = rev;
        m_ctx.add(std::move(rev));
        if (bundle && !add_sabundle(rev_copy, *bundle)) return false;
      }
      ++added;
    }
  }
  if (added == 0) m_ctx.error("rule expands to no valid combination");
  return true;
}

bool RuleExpander::set_rule_peers(Rule& r, const Peers& peers) {
  if (r.type == RuleType::Flow && (r.flowtype == FlowType::Deny || r.flowtype == FlowType::Bypass)) {
    return true;
  }
  r.local = peers.src;
  r.peer = peers.dst;
  if (!r.peer) {
    // The peer defaults to the remote host, which must then be a host address.
    if (r.direction == Direction::In) {
      if (!r.src.netaddress) r.peer = r.src;
    } else {
      if (!r.dst.netaddress) r.peer = r.dst;
    }
  }
  if (r.type == RuleType::Flow && !r.peer) {
    m_ctx.error("no peer specified for destination " + r.dst.name);
    return false;
  }
  if (r.peer && r.peer->af == Af::Unspec) r.peer.reset();  // peer any: the default peer
  if (r.type == RuleType::Ike && !r.peer) {
    // All rules using the default peer must configure it the same way (warn only).
    if (!m_default_peer_rule) {
      m_default_peer_rule = r;
    } else {
      const Rule& p = *m_default_peer_rule;
      if (p.local.has_value() != r.local.has_value() ||
          (p.local && r.local && p.local->name != r.local->name)) {
        m_ctx.warn("default peer local mismatch");
      }
      if (p.ikeauth != r.ikeauth) m_ctx.warn("default peer phase 1 auth mismatch");
      if (p.ikeauth == IkeAuthType::Psk && r.ikeauth == IkeAuthType::Psk && p.psk != r.psk) {
        m_ctx.warn("default peer psk mismatch");
      }
      if (p.p1ie != r.p1ie) m_ctx.warn("default peer phase 1 mode mismatch");
      if (p.p1life.seconds != r.p1life.seconds) {
        m_ctx.warn("default peer phase 1 lifetime mismatch");
      }
      if (p.p1life.bytes != r.p1life.bytes) m_ctx.warn("default peer phase 1 lifevol mismatch");
    }
  }
  return true;
}

bool RuleExpander::add_sabundle(const Rule& r, const std::string& bundle) {
  for (auto& head : m_bundles) {
    if (head.src == r.src.name && head.dst == r.dst.name && head.bundle == bundle) {
      Rule b;
      b.type = RuleType::Bundle;
      b.proto1 = head.last_satype;
      b.dst = head.last_dst;
      b.spi = head.last_spi;
      b.proto2 = r.satype;
      b.dst2 = r.dst;
      b.spi2 = r.spi;
      head.last_satype = r.satype;
      head.last_dst = r.dst;
      head.last_spi = r.spi;
      m_ctx.add(std::move(b));
      return true;
    }
  }
  if (m_bundles.size() >= 4096) return false;
  m_bundles.push_back(BundleHead{r.src.name, r.dst.name, bundle, r.satype, r.dst, r.spi});
  return true;
}

}  // namespace ike::ipsecctl
