// FIFO command generator; see ike_config.h. Port of OpenBSD sbin/ipsecctl/ike.c (2017).
#include "ike_config.h"

#include <fmt/core.h>

#include "host.h"

namespace ike::ipsecctl {
namespace {

class Out {
 public:
  template <class... Args>
  void set(fmt::format_string<Args...> f, Args&&... args) {
    m_lines.push_back("C set " + fmt::format(f, std::forward<Args>(args)...) + " force");
  }
  template <class... Args>
  void line(fmt::format_string<Args...> f, Args&&... args) {
    m_lines.push_back(fmt::format(f, std::forward<Args>(args)...));
  }
  std::vector<std::string> take() { return std::move(m_lines); }

 private:
  std::vector<std::string> m_lines;
};

base::Error illegal(std::string_view what, std::string_view name) {
  return base::make_error(base::ErrorCode::Unsupported, base::NotifyType::None, "illegal {} {}",
                          what, name);
}

const char* group_desc(GroupXf g) {
  switch (g) {
    case GroupXf::G1: return "MODP_768";
    case GroupXf::G2: return "MODP_1024";
    case GroupXf::G5: return "MODP_1536";
    case GroupXf::G14: return "MODP_2048";
    case GroupXf::G15: return "MODP_3072";
    case GroupXf::G16: return "MODP_4096";
    case GroupXf::G17: return "MODP_6144";
    case GroupXf::G18: return "MODP_8192";
    case GroupXf::G19: return "ECP_256";
    case GroupXf::G20: return "ECP_384";
    case GroupXf::G21: return "ECP_521";
    case GroupXf::G25: return "ECP_192";
    case GroupXf::G26: return "ECP_224";
    case GroupXf::G27: return "BP_224";
    case GroupXf::G28: return "BP_256";
    case GroupXf::G29: return "BP_384";
    case GroupXf::G30: return "BP_512";
    default: return nullptr;
  }
}

// The transform name carries the offered key length: "AES" + "128" of "128,128:256".
std::string keylen_prefix(const char* key_length) {
  if (key_length == nullptr) return {};
  std::string_view k(key_length);
  auto comma = k.find(',');
  return comma == std::string_view::npos ? std::string() : std::string(k.substr(0, comma));
}

void section_peer(const Rule& r, const IkeNames& n, Out& o) {
  if (r.peer) {
    o.set("[Phase 1]:{}={}", r.peer->name, n.p1name);
  } else {
    o.set("[Phase 1]:Default={}", n.p1name);
  }
  o.set("[{}]:Phase=1", n.p1name);
  if (r.peer) o.set("[{}]:Address={}", n.p1name, r.peer->name);
  if (r.local) o.set("[{}]:Local-address={}", n.p1name, r.local->name);
  if (r.ikeauth == IkeAuthType::Psk) o.set("[{}]:Authentication={}", n.p1name, r.psk);
}

base::Status section_p1(const Rule& r, const IkeNames& n, Out& o) {
  const char* exchange_type = r.p1ie == IkeExch::Aggressive ? "AGGRESSIVE" : "ID_PROT";
  o.set("[{}]:Configuration=phase1-{}", n.p1name, n.p1name);
  o.set("[phase1-{}]:EXCHANGE_TYPE={}", n.p1name, exchange_type);

  const char* enc_alg = "AES";
  const char* key_length = "128,128:256";
  if (r.p1xfs && r.p1xfs->enc) {
    key_length = nullptr;
    switch (enc_id(*r.p1xfs->enc)) {
      case EncXf::TripleDesCbc: enc_alg = "3DES"; break;
      case EncXf::Aes: enc_alg = "AES"; key_length = "128,128:256"; break;
      case EncXf::Aes128: enc_alg = "AES"; key_length = "128,128:128"; break;
      case EncXf::Aes192: enc_alg = "AES"; key_length = "192,192:192"; break;
      case EncXf::Aes256: enc_alg = "AES"; key_length = "256,256:256"; break;
      case EncXf::Blowfish: enc_alg = "BLOWFISH"; key_length = "128,96:192"; break;
      case EncXf::Cast128: enc_alg = "CAST"; break;
      default: return illegal("transform", r.p1xfs->enc->name);
    }
  }
  const char* auth_alg = "SHA";
  if (r.p1xfs && r.p1xfs->auth) {
    switch (auth_id(*r.p1xfs->auth)) {
      case AuthXf::HmacMd5: auth_alg = "MD5"; break;
      case AuthXf::HmacSha1: auth_alg = "SHA"; break;
      case AuthXf::HmacSha2_256: auth_alg = "SHA2_256"; break;
      case AuthXf::HmacSha2_384: auth_alg = "SHA2_384"; break;
      case AuthXf::HmacSha2_512: auth_alg = "SHA2_512"; break;
      default: return illegal("transform", r.p1xfs->auth->name);
    }
  }
  const char* group = "MODP_3072";
  if (r.p1xfs && r.p1xfs->group) {
    group = group_desc(group_id(*r.p1xfs->group));
    if (group == nullptr) return illegal("group", r.p1xfs->group->name);
  }
  const char* auth_method = r.ikeauth == IkeAuthType::Psk ? "PRE_SHARED" : "RSA_SIG";

  const std::string xf = fmt::format("phase1-transform-{}-{}-{}-{}{}-{}", n.p1name, auth_method,
                                     auth_alg, enc_alg, keylen_prefix(key_length), group);
  o.line("C add [phase1-{}]:Transforms={} force", n.p1name, xf);
  o.set("[{}]:AUTHENTICATION_METHOD={}", xf, auth_method);
  o.set("[{}]:HASH_ALGORITHM={}", xf, auth_alg);
  o.set("[{}]:ENCRYPTION_ALGORITHM={}_CBC", xf, enc_alg);
  if (key_length != nullptr) o.set("[{}]:KEY_LENGTH={}", xf, key_length);
  o.set("[{}]:GROUP_DESCRIPTION={}", xf, group);
  if (r.p1life.seconds != -1) {
    o.set("[{}]:Life={}-life", xf, xf);
    o.set("[{}-life]:LIFE_TYPE=SECONDS", xf);
    o.set("[{}-life]:LIFE_DURATION={}", xf, r.p1life.seconds);
  } else {
    o.set("[{}]:Life=LIFE_MAIN_MODE", xf);
  }
  if (r.p1life.bytes != -1) {
    o.set("[{}-life]:LIFE_TYPE=KILOBYTES", xf);
    o.set("[{}-life]:LIFE_DURATION={}", xf, r.p1life.bytes / 1024);
  }
  return base::ok();
}

void section_idtype(const std::string& id, IdType type, Out& o) {
  const char* p = nullptr;
  switch (type) {
    case IdType::Fqdn: p = "FQDN"; break;
    case IdType::Ufqdn: p = "USER_FQDN"; break;
    case IdType::Ipv4: p = "IPV4_ADDR"; break;
    case IdType::Ipv6: p = "IPV6_ADDR"; break;
    default: return;
  }
  o.set("[id-{}]:ID-type={}", id, p);
  if (type == IdType::Fqdn || type == IdType::Ufqdn) {
    o.set("[id-{}]:Name={}", id, id);
  } else {
    o.set("[id-{}]:Address={}", id, id);
  }
}

void section_ids(const Rule& r, const IkeNames& n, std::string_view hostname, Out& o) {
  if (!r.has_auth) return;
  std::optional<std::string> srcid = r.srcid;
  IdType srcid_type = r.srcid_type;
  if (r.ikemode == IkeMode::Dynamic && !srcid) {
    srcid = std::string(hostname);
    srcid_type = IdType::Fqdn;
  }
  if (srcid) {
    o.set("[{}]:ID=id-{}", n.p1name, *srcid);
    section_idtype(*srcid, srcid_type, o);
  }
  if (r.dstid) {
    o.set("[{}]:Remote-ID=id-{}", n.p1name, *r.dstid);
    section_idtype(*r.dstid, r.dstid_type, o);
  }
}

void section_ipsec(const Rule& r, const IkeNames& n, Out& o) {
  o.set("[{}]:Phase=2", n.p2name);
  o.set("[{}]:ISAKMP-peer={}", n.p2name, n.p1name);
  o.set("[{}]:Configuration=phase2-{}", n.p2name, n.p2name);
  o.set("[{}]:Local-ID={}", n.p2name, n.p2lid);
  if (!n.p2nid.empty()) o.set("[{}]:NAT-ID={}", n.p2name, n.p2nid);
  o.set("[{}]:Remote-ID={}", n.p2name, n.p2rid);
  if (r.tag) o.set("[{}]:PF-Tag={}", n.p2name, *r.tag);
}

base::Status section_p2(const Rule& r, const IkeNames& n, Out& o) {
  o.set("[phase2-{}]:EXCHANGE_TYPE=QUICK_MODE", n.p2name);
  o.set("[phase2-{}]:Suites=phase2-suite-{}", n.p2name, n.p2name);
  const char* proto = r.satype == SaType::Esp ? "ESP" : r.satype == SaType::Ah ? "AH" : nullptr;
  if (proto == nullptr) return illegal("satype", satype_name(r.satype));
  o.set("[phase2-suite-{}]:Protocols=phase2-protocol-{}", n.p2name, n.p2name);
  o.set("[phase2-protocol-{}]:PROTOCOL_ID=IPSEC_{}", n.p2name, proto);

  const char* enc_alg = nullptr;
  const char* key_length = nullptr;
  bool needauth = true;
  if (r.p2xfs && r.p2xfs->enc) {
    if (r.satype != SaType::Esp) return illegal("transform", r.p2xfs->enc->name);
    switch (enc_id(*r.p2xfs->enc)) {
      case EncXf::TripleDesCbc: enc_alg = "3DES"; break;
      case EncXf::Aes: enc_alg = "AES"; key_length = "128,128:256"; break;
      case EncXf::Aes128: enc_alg = "AES"; key_length = "128,128:128"; break;
      case EncXf::Aes192: enc_alg = "AES"; key_length = "192,192:192"; break;
      case EncXf::Aes256: enc_alg = "AES"; key_length = "256,256:256"; break;
      case EncXf::AesCtr:
      case EncXf::Aes128Ctr: enc_alg = "AES_CTR"; key_length = "128,128:128"; break;
      case EncXf::Aes192Ctr: enc_alg = "AES_CTR"; key_length = "192,192:192"; break;
      case EncXf::Aes256Ctr: enc_alg = "AES_CTR"; key_length = "256,256:256"; break;
      case EncXf::Aes128Gcm: enc_alg = "AES_GCM_16"; key_length = "128,128:128"; needauth = false; break;
      case EncXf::Aes192Gcm: enc_alg = "AES_GCM_16"; key_length = "192,192:192"; needauth = false; break;
      case EncXf::Aes256Gcm: enc_alg = "AES_GCM_16"; key_length = "256,256:256"; needauth = false; break;
      case EncXf::Aes128Gmac: enc_alg = "AES_GMAC"; key_length = "128,128:128"; needauth = false; break;
      case EncXf::Aes192Gmac: enc_alg = "AES_GMAC"; key_length = "192,192:192"; needauth = false; break;
      case EncXf::Aes256Gmac: enc_alg = "AES_GMAC"; key_length = "256,256:256"; needauth = false; break;
      case EncXf::Blowfish: enc_alg = "BLOWFISH"; key_length = "128,96:192"; break;
      case EncXf::Cast128: enc_alg = "CAST"; break;
      case EncXf::Null: enc_alg = "NULL"; break;
      default: return illegal("transform", r.p2xfs->enc->name);
    }
  } else if (r.satype == SaType::Esp) {
    enc_alg = "AES";
    key_length = "128,128:256";
  }
  const char* auth_alg = nullptr;
  if (r.p2xfs && r.p2xfs->auth) {
    switch (auth_id(*r.p2xfs->auth)) {
      case AuthXf::HmacMd5: auth_alg = "MD5"; break;
      case AuthXf::HmacRipemd160: auth_alg = "RIPEMD"; break;
      case AuthXf::HmacSha1: auth_alg = "SHA"; break;
      case AuthXf::HmacSha2_256: auth_alg = "SHA2_256"; break;
      case AuthXf::HmacSha2_384: auth_alg = "SHA2_384"; break;
      case AuthXf::HmacSha2_512: auth_alg = "SHA2_512"; break;
      default: return illegal("transform", r.p2xfs->auth->name);
    }
  } else if (needauth) {
    auth_alg = "SHA2_256";
  }
  const char* group = "MODP_3072";
  if (r.p2xfs && r.p2xfs->group) {
    GroupXf g = group_id(*r.p2xfs->group);
    group = g == GroupXf::None ? nullptr : group_desc(g);
    if (g != GroupXf::None && group == nullptr) return illegal("group", r.p2xfs->group->name);
  }
  const char* mode = r.tmode == TMode::Tunnel ? "TUNNEL" : "TRANSPORT";
  const std::string xf = fmt::format("phase2-transform-{}-{}{}-{}-{}-{}", n.p2name,
                                     enc_alg != nullptr ? enc_alg : "NONE",
                                     keylen_prefix(key_length),
                                     auth_alg != nullptr ? auth_alg : "NONE",
                                     group != nullptr ? group : "NONE", mode);
  o.set("[phase2-protocol-{}]:Transforms={}", n.p2name, xf);
  o.set("[{}]:TRANSFORM_ID={}", xf,
        r.satype == SaType::Ah ? (auth_alg != nullptr ? auth_alg : "NONE") : enc_alg);
  if (key_length != nullptr) o.set("[{}]:KEY_LENGTH={}", xf, key_length);
  o.set("[{}]:ENCAPSULATION_MODE={}", xf, mode);
  if (auth_alg != nullptr) o.set("[{}]:AUTHENTICATION_ALGORITHM=HMAC_{}", xf, auth_alg);
  if (group != nullptr) o.set("[{}]:GROUP_DESCRIPTION={}", xf, group);
  if (r.p2life.seconds != -1) {
    o.set("[{}]:Life={}-life", xf, xf);
    o.set("[{}-life]:LIFE_TYPE=SECONDS", xf);
    o.set("[{}-life]:LIFE_DURATION={}", xf, r.p2life.seconds);
  } else {
    o.set("[{}]:Life=LIFE_QUICK_MODE", xf);
  }
  if (r.p2life.bytes != -1) {
    o.set("[{}-life]:LIFE_TYPE=KILOBYTES", xf);
    o.set("[{}-life]:LIFE_DURATION={}", xf, r.p2life.bytes / 1024);
  }
  return base::ok();
}

void section_p2id(const HostAddr& h, const std::string& section, Out& o) {
  std::string name = h.name;
  if (auto slash = name.rfind('/'); slash != std::string::npos) name.resize(slash);
  const int v = h.af == Af::Inet ? 4 : 6;
  if (h.netaddress) {
    o.set("[{}]:ID-type=IPV{}_ADDR_SUBNET", section, v);
    o.set("[{}]:Network={}", section, name);
    o.set("[{}]:Netmask={}", section, format_mask(h));
  } else {
    o.set("[{}]:ID-type=IPV{}_ADDR", section, v);
    o.set("[{}]:Address={}", section, name);
  }
}

void section_p2ids(const Rule& r, const IkeNames& n, Out& o) {
  section_p2id(r.src, n.p2lid, o);
  if (r.src.srcnat) {
    HostAddr nat = *r.src.srcnat;
    nat.af = r.src.af;
    section_p2id(nat, n.p2nid, o);
  }
  section_p2id(r.dst, n.p2rid, o);
  if (r.proto != 0) {
    o.set("[{}]:Protocol={}", n.p2lid, r.proto);
    o.set("[{}]:Protocol={}", n.p2rid, r.proto);
  }
  if (r.sport != 0) o.set("[{}]:Port={}", n.p2lid, r.sport);
  if (r.dport != 0) o.set("[{}]:Port={}", n.p2rid, r.dport);
}

}  // namespace

IkeNames ike_names(const Rule& r) {
  IkeNames n;
  if (r.peer) {
    n.p1name = r.local ? fmt::format("peer-{}-local-{}", r.peer->name, r.local->name)
                       : fmt::format("peer-{}", r.peer->name);
  } else {
    n.p1name = "peer-default";
  }
  std::string sproto = r.proto != 0 ? fmt::format("={}", r.proto) : std::string();
  std::string ssport = r.sport != 0 ? fmt::format(":{}", r.sport) : std::string();
  std::string sdport = r.dport != 0 ? fmt::format(":{}", r.dport) : std::string();
  n.p2lid = fmt::format("from-{}{}{}", r.src.name, sproto, ssport);
  n.p2rid = fmt::format("to-{}{}{}", r.dst.name, sproto, sdport);
  n.p2name = n.p2lid + "-" + n.p2rid;
  if (r.src.srcnat && !r.src.srcnat->name.empty()) {
    n.p2nid = fmt::format("nat-{}{}{}", r.src.srcnat->name, sproto, ssport);
  }
  return n;
}

base::Result<std::vector<std::string>> ike_config_lines(const Rule& r, IkeAction action,
                                                        std::string_view hostname) {
  const IkeNames n = ike_names(r);
  Out o;
  if (action == IkeAction::Delete) {
    // ike_delete_config(): phase-1, suite, protocol, transform and ID sections stay.
    o.line("t {}", n.p2name);
    o.line("C rmv [Phase 2]:{}={}",
           r.ikemode == IkeMode::Passive ? "Passive-Connections" : "Connections", n.p2name);
    o.line("C rms [{}]", n.p2name);
    o.line("C rms [phase2-{}]", n.p2name);
    return o.take();
  }
  if (r.ikemode == IkeMode::Dynamic) {
    o.set("[General]:Check-interval=30");
    o.set("[General]:DPD-check-interval=5");
  }
  section_peer(r, n, o);
  if (auto s = section_p1(r, n, o); !s) return s.error();
  section_ids(r, n, hostname, o);
  section_ipsec(r, n, o);
  if (auto s = section_p2(r, n, o); !s) return s.error();
  section_p2ids(r, n, o);
  o.line("C add [Phase 2]:{}={}",
         r.ikemode == IkeMode::Passive ? "Passive-Connections" : "Connections", n.p2name);
  return o.take();
}

}  // namespace ike::ipsecctl
