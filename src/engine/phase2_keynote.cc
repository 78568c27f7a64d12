// KeyNote Phase 2 check (see phase2_keynote.h): isakmpd's attribute spellings (OpenBSD
// isakmpd policy.c policy_callback), wire IDs to KeyNote ID descriptions, requester principals.
#include "engine/phase2_keynote.h"

#include "base/hex.h"
#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/ipsec_id.h"
#include "engine/peer_config.h"
#include "policy/signature.h"
#include "wire/message.h"

namespace ike::engine {

namespace {

struct Name {
  uint16_t id;
  const char* name;
};

// RFC 2407 §4.4.4 ESP transform ids (+ IANA RFC 3686, 4106, 4309, 4543).
constexpr Name kEsp[] = {{1, "des-iv64"}, {2, "des"},      {3, "3des"},       {4, "rc5"},
                         {5, "idea"},     {6, "cast"},     {7, "blowfish"},   {8, "3idea"},
                         {9, "des-iv32"}, {10, "rc4"},     {11, "null"},      {12, "aes"},
                         {13, "aes-ctr"}, {14, "aes-ccm-8"}, {15, "aes-ccm-12"},
                         {16, "aes-ccm-16"}, {18, "aes-gcm-8"}, {19, "aes-gcm-12"},
                         {20, "aes-gcm-16"}, {23, "aes-gmac"}};
// RFC 2407 §4.4.3 AH transform ids (+ IANA).
constexpr Name kAh[] = {{2, "md5"},      {3, "sha"},      {4, "des"},     {5, "sha2-256"},
                        {6, "sha2-384"}, {7, "sha2-512"}, {8, "ripemd"}};
// RFC 2407 §4.4.5 IPCOMP transform ids.
constexpr Name kComp[] = {{1, "oui"}, {2, "deflate"}, {3, "lzs"}, {4, "v42bis"}};
// RFC 2407 §4.5 AUTHENTICATION_ALGORITHM (+ IANA).
constexpr Name kAuth[] = {{1, "hmac-md5"},      {2, "hmac-sha"},      {3, "des-mac"},
                          {4, "kpdk"},          {5, "hmac-sha2-256"}, {6, "hmac-sha2-384"},
                          {7, "hmac-sha2-512"}, {8, "hmac-ripemd"}};

template <std::size_t N>
std::string lookup(const Name (&table)[N], uint16_t id) {
  for (const Name& n : table) {
    if (n.id == id) return n.name;
  }
  return fmt::format("unknown-{}", id);
}

std::string encapsulation_name(wire::EncapsulationMode m) {
  switch (m) {
    case wire::EncapsulationMode::Tunnel: return "tunnel";
    case wire::EncapsulationMode::Transport: return "transport";
    case wire::EncapsulationMode::UdpEncapTunnel:
    case wire::EncapsulationMode::UdpEncapTunnelDraft: return "udp-encap-tunnel";
    case wire::EncapsulationMode::UdpEncapTransport:
    case wire::EncapsulationMode::UdpEncapTransportDraft: return "udp-encap-transport";
  }
  return "unknown";
}

std::optional<base::IpAddress> addr(base::ByteView b) {
  if (b.size() == 4) return base::IpAddress::v4_bytes(b);
  if (b.size() == 16) return base::IpAddress::v6(b);
  return std::nullopt;
}

// isakmpd.policy(5) description of an ID payload (phase 1 ID or phase 2 selector).
policy::IpsecId describe_id(const wire::IdPayload& id) {
  policy::IpsecId out;
  base::ByteView d = base::view(id.data);
  const std::size_t half = d.size() / 2;
  switch (static_cast<wire::IdType>(id.id_type)) {
    case wire::IdType::Ipv4Addr:
    case wire::IdType::Ipv6Addr:
      if (auto a = addr(d)) out = policy::address_id(*a);
      break;
    case wire::IdType::Ipv4AddrSubnet:
    case wire::IdType::Ipv6AddrSubnet: {
      auto a = addr(d.subspan(0, half)), m = addr(d.subspan(half));
      if (a && m && d.size() % 2 == 0) out = policy::subnet_id(*a, *m);
      break;
    }
    case wire::IdType::Ipv4AddrRange:
    case wire::IdType::Ipv6AddrRange: {
      auto lo = addr(d.subspan(0, half)), hi = addr(d.subspan(half));
      if (lo && hi && d.size() % 2 == 0) out = policy::range_id(*lo, *hi);
      break;
    }
    case wire::IdType::Fqdn:
      out.type = "FQDN";
      out.value = std::string(base::as_chars(d));
      break;
    case wire::IdType::UserFqdn:
      out.type = "User FQDN";
      out.value = std::string(base::as_chars(d));
      break;
    case wire::IdType::DerAsn1Dn:
      out.type = "ASN1 DN";
      out.value = policy::dn_text(d);
      break;
    case wire::IdType::DerAsn1Gn: out.type = "ASN1 GN"; break;
    case wire::IdType::KeyId:
      out.type = "Key ID";
      out.value = base::to_hex(d);
      break;
  }
  if (out.type.empty()) out.type = fmt::format("unknown-{}", id.id_type);
  out.port = id.port;
  out.proto = id.protocol;
  return out;
}

policy::IpsecProtocolAttributes protocol_attributes(const Phase2Protocol& p, uint16_t group) {
  policy::IpsecProtocolAttributes a;
  a.present = true;
  a.alg = keynote_transform_name(p.protocol, p.transform_id);
  if (p.auth_algorithm != 0) a.auth_alg = keynote_auth_name(p.auth_algorithm);
  a.encapsulation = encapsulation_name(p.encapsulation);
  a.life_seconds = p.life_seconds;
  a.life_kbytes = p.life_kbytes;
  a.key_length = p.key_length_bits;
  a.group = group;
  return a;
}

}  // namespace

std::string keynote_transform_name(wire::ProtocolId protocol, uint8_t transform_id) {
  switch (protocol) {
    case wire::ProtocolId::IpsecEsp: return lookup(kEsp, transform_id);
    case wire::ProtocolId::IpsecAh: return lookup(kAh, transform_id);
    case wire::ProtocolId::Ipcomp: return lookup(kComp, transform_id);
    default: return fmt::format("unknown-{}", transform_id);
  }
}

std::string keynote_auth_name(uint16_t auth_algorithm) { return lookup(kAuth, auth_algorithm); }

std::optional<std::string> keynote_identity_name(const wire::IdPayload& id) {
  switch (static_cast<wire::IdType>(id.id_type)) {
    case wire::IdType::Ipv4Addr:
    case wire::IdType::Ipv6Addr:
      if (auto a = addr(base::view(id.data))) return a->to_string();
      return std::nullopt;
    case wire::IdType::Fqdn:
    case wire::IdType::UserFqdn:
      if (id.data.empty()) return std::nullopt;
      return std::string(base::as_chars(base::view(id.data)));
    default: return std::nullopt;
  }
}

std::shared_ptr<const std::vector<policy::Assertion>> keynote_credentials_for_peer(
    const policy::PolicyContext& policy, base::ByteView peer_id,
    std::shared_ptr<const std::vector<policy::Assertion>> received) {
  if (policy.identity_credentials.empty() || peer_id.empty()) return received;
  auto parsed = wire::parse_payload_body(wire::PayloadType::Id, peer_id, 0);
  if (!parsed) return received;
  const auto* id = std::get_if<wire::IdPayload>(&*parsed);
  if (id == nullptr) return received;
  auto name = keynote_identity_name(*id);
  if (!name) return received;
  auto it = policy.identity_credentials.find(*name);
  if (it == policy.identity_credentials.end() || !it->second) return received;
  IKE_LOG_DEBUG(Policy, 40, "KeyNote: {} credential(s) of Credential-directory/{}",
                it->second->size(), base::sanitize_for_log(*name, 64));
  if (!received || received->empty()) return it->second;
  auto merged = std::make_shared<std::vector<policy::Assertion>>(*received);
  merged->insert(merged->end(), it->second->begin(), it->second->end());
  return merged;
}

KeynotePhase2Context keynote_phase2_context(const EngineImpl& e, const IsakmpSa& sa,
                                            bool initiator, const wire::IdPayload* idci,
                                            const wire::IdPayload* idcr) {
  KeynotePhase2Context ctx;
  policy::IpsecPolicyInput& in = ctx.input;
  in.initiator = initiator;
  in.aggressive = sa.aggressive;
  in.phase1_group = sa.suite.dh_group;
  in.remote_ike_address = policy::padded_address(sa.peer.address);
  in.local_ike_address = policy::padded_address(sa.local.address);
  if (e.policy() != nullptr && e.policy()->wall_clock) in.now_unix = e.policy()->wall_clock();
  if (!sa.peer_id.empty()) {
    auto parsed = wire::parse_payload_body(wire::PayloadType::Id, base::view(sa.peer_id), 0);
    if (parsed) {
      if (const auto* id = std::get_if<wire::IdPayload>(&*parsed)) in.remote_id = describe_id(*id);
    }
  }
  auto peer = load_peer_config(e.conf(), sa.name);
  if (peer) {
    if (auto local = local_phase1_id(e.conf(), peer->id_section, sa.local.address)) {
      in.local_id = describe_id(*local);
    }
  }
  // Quick Mode IDs: IDci is the initiator's side; without IDs the IKE addresses.
  const wire::IdPayload* local_id = initiator ? idci : idcr;
  const wire::IdPayload* remote_id = initiator ? idcr : idci;
  in.local_filter = local_id != nullptr ? describe_id(*local_id)
                                        : policy::address_id(sa.local.address);
  in.remote_filter = remote_id != nullptr ? describe_id(*remote_id)
                                          : policy::address_id(sa.peer.address);
  if (sa.suite.auth_method == wire::IkeAuthMethod::PreShared) {
    if (peer && peer->has_psk) {
      ctx.requesters = policy::passphrase_principals(base::as_chars(base::view(peer->psk)));
    }
  } else {
    ctx.requesters = sa.peer_principals.unpack();
  }
  ctx.credentials = sa.peer_credentials;
  if (e.policy() != nullptr) {
    ctx.credentials =
        keynote_credentials_for_peer(*e.policy(), base::view(sa.peer_id), sa.peer_credentials);
  }
  return ctx;
}

base::Status keynote_check_phase2(const policy::PolicyContext& policy,
                                  const KeynotePhase2Context& ctx, const Phase2Suite& suite) {
  if (!policy.set) return base::ok();
  policy::IpsecPolicyInput in = ctx.input;
  for (const Phase2Protocol& p : suite.protocols) {
    policy::IpsecProtocolAttributes a = protocol_attributes(p, suite.pfs_group);
    switch (p.protocol) {
      case wire::ProtocolId::IpsecEsp: in.esp = a; break;
      case wire::ProtocolId::IpsecAh: in.ah = a; break;
      case wire::ProtocolId::Ipcomp: in.comp = a; break;
      default: break;
    }
  }
  policy::Query q;
  q.attributes = policy::ipsec_action_attributes(in);
  q.authorizers = ctx.requesters;
  if (ctx.credentials) q.extra = *ctx.credentials;
  auto r = policy.set->query(q);
  if (!r) {
    return base::make_error(base::ErrorCode::NoProposal, base::NotifyType::NoProposalChosen,
                            "KeyNote policy error for {}: {}", suite.to_string(),
                            r.error().detail);
  }
  IKE_LOG_DEBUG(Policy, 30, "KeyNote: {} -> \"{}\" ({} assertions evaluated)", suite.to_string(),
                r->value, r->assertions_evaluated);
  if (r->value == "true") return base::ok();
  return base::make_error(base::ErrorCode::NoProposal, base::NotifyType::NoProposalChosen,
                          "KeyNote policy result {} for {} ({} assertions evaluated{})",
                          r->value, suite.to_string(), r->assertions_evaluated,
                          r->step_cap_hit ? ", step budget exhausted" : "");
}

}  // namespace ike::engine
