// The registry tables of wire/registry.h: one constexpr (value, name, RFC) table per Registry,
// sorted by value (checked at compile time), and the lookups used by the parser, the dumper, the
// logs and the configuration. Names are the isakmpd constant-table spellings (isakmp_num.cst,
// ipsec_num.cst) so isakmpd.conf symbols such as AES_CBC or MODP_2048 map through
// registry_value(). Sources: RFC 2407 §4.4-4.6, RFC 2408 §3.1/§3.14.1, RFC 2409 App. A,
// RFC 3526, RFC 3706, RFC 3947, RFC 4106/4543/4868, RFC 5114, RFC 5903, RFC 6932, RFC 8031,
// draft-ietf-ipsec-isakmp-mode-cfg-05, draft-beaulieu-ike-xauth-02.
#include "wire/registry.h"

#include <fmt/core.h>

#include <array>
#include <iterator>

namespace ike::wire {
namespace {

using E = RegistryEntry;

constexpr std::string_view k2407 = "RFC 2407";
constexpr std::string_view k2408 = "RFC 2408";
constexpr std::string_view k2409 = "RFC 2409 App. A";

constexpr std::array kExchangeTypes{
    E{0, "NONE", k2408},         E{1, "BASE", k2408},         E{2, "ID_PROT", k2408},
    E{3, "AUTH_ONLY", k2408},    E{4, "AGGRESSIVE", k2408},   E{5, "INFO", k2408},
    E{6, "TRANSACTION", "draft-ietf-ipsec-isakmp-mode-cfg-05"},
    E{32, "QUICK_MODE", "RFC 2409"}, E{33, "NEW_GROUP_MODE", "RFC 2409"},
};

constexpr std::array kPayloadTypes{
    E{0, "NONE", k2408},      E{1, "SA", k2408},        E{2, "PROPOSAL", k2408},
    E{3, "TRANSFORM", k2408}, E{4, "KEY_EXCH", k2408},  E{5, "ID", k2408},
    E{6, "CERT", k2408},      E{7, "CERT_REQ", k2408},  E{8, "HASH", k2408},
    E{9, "SIG", k2408},       E{10, "NONCE", k2408},    E{11, "NOTIFY", k2408},
    E{12, "DELETE", k2408},   E{13, "VENDOR", k2408},
    E{14, "ATTRIBUTE", "draft-ietf-ipsec-isakmp-mode-cfg-05"},
    E{15, "SAK", "RFC 3547"}, E{16, "SAT", "RFC 3547"}, E{17, "KD", "RFC 3547"},
    E{18, "SEQ", "RFC 3547"}, E{19, "POP", "RFC 3547"}, E{20, "NAT_D", "RFC 3947"},
    E{21, "NAT_OA", "RFC 3947"}, E{130, "NAT_D_DRAFT", "draft-ietf-ipsec-nat-t-ike-02"},
    E{131, "NAT_OA_DRAFT", "draft-ietf-ipsec-nat-t-ike-02"},
    E{132, "FRAG", "Cisco/strongSwan IKEv1 fragmentation"},
};

constexpr std::array kNotifyTypes{
    E{1, "INVALID_PAYLOAD_TYPE", k2408},     E{2, "DOI_NOT_SUPPORTED", k2408},
    E{3, "SITUATION_NOT_SUPPORTED", k2408},  E{4, "INVALID_COOKIE", k2408},
    E{5, "INVALID_MAJOR_VERSION", k2408},    E{6, "INVALID_MINOR_VERSION", k2408},
    E{7, "INVALID_EXCHANGE_TYPE", k2408},    E{8, "INVALID_FLAGS", k2408},
    E{9, "INVALID_MESSAGE_ID", k2408},       E{10, "INVALID_PROTOCOL_ID", k2408},
    E{11, "INVALID_SPI", k2408},             E{12, "INVALID_TRANSFORM_ID", k2408},
    E{13, "ATTRIBUTES_NOT_SUPPORTED", k2408}, E{14, "NO_PROPOSAL_CHOSEN", k2408},
    E{15, "BAD_PROPOSAL_SYNTAX", k2408},     E{16, "PAYLOAD_MALFORMED", k2408},
    E{17, "INVALID_KEY_INFORMATION", k2408}, E{18, "INVALID_ID_INFORMATION", k2408},
    E{19, "INVALID_CERT_ENCODING", k2408},   E{20, "INVALID_CERTIFICATE", k2408},
    E{21, "CERT_TYPE_UNSUPPORTED", k2408},   E{22, "INVALID_CERT_AUTHORITY", k2408},
    E{23, "INVALID_HASH_INFORMATION", k2408}, E{24, "AUTHENTICATION_FAILED", k2408},
    E{25, "INVALID_SIGNATURE", k2408},       E{26, "ADDRESS_NOTIFICATION", k2408},
    E{27, "NOTIFY_SA_LIFETIME", k2408},      E{28, "CERTIFICATE_UNAVAILABLE", k2408},
    E{29, "UNSUPPORTED_EXCHANGE_TYPE", k2408}, E{30, "UNEQUAL_PAYLOAD_LENGTHS", k2408},
    E{16384, "CONNECTED", k2408},            E{24576, "RESPONDER_LIFETIME", k2407},
    E{24577, "REPLAY_STATUS", k2407},        E{24578, "INITIAL_CONTACT", k2407},
    E{36136, "R_U_THERE", "RFC 3706"},       E{36137, "R_U_THERE_ACK", "RFC 3706"},
};

constexpr std::array kProtocolIds{
    E{1, "PROTO_ISAKMP", k2407}, E{2, "IPSEC_AH", k2407}, E{3, "IPSEC_ESP", k2407},
    E{4, "IPCOMP", k2407},
};

constexpr std::array kAhTransformIds{
    E{2, "MD5", k2407},      E{3, "SHA", k2407},      E{4, "DES", k2407},
    E{5, "SHA2_256", "RFC 4868"}, E{6, "SHA2_384", "RFC 4868"}, E{7, "SHA2_512", "RFC 4868"},
    E{8, "RIPEMD", "RFC 2857"},
};

constexpr std::array kEspTransformIds{
    E{1, "DES_IV64", k2407},  E{2, "DES", k2407},     E{3, "3DES", k2407},
    E{4, "RC5", k2407},       E{5, "IDEA", k2407},    E{6, "CAST", k2407},
    E{7, "BLOWFISH", k2407},  E{8, "3IDEA", k2407},   E{9, "DES_IV32", k2407},
    E{10, "RC4", k2407},      E{11, "NULL", k2407},   E{12, "AES", "RFC 3602"},
    E{13, "AES_CTR", "RFC 3686"}, E{14, "AES_CCM_8", "RFC 4309"},
    E{15, "AES_CCM_12", "RFC 4309"}, E{16, "AES_CCM_16", "RFC 4309"},
    E{18, "AES_GCM_8", "RFC 4106"}, E{19, "AES_GCM_12", "RFC 4106"},
    E{20, "AES_GCM_16", "RFC 4106"}, E{21, "SEED", "RFC 4196"}, E{22, "CAMELLIA", "RFC 4312"},
    E{23, "NULL_AUTH_AES_GMAC", "RFC 4543"},
};

constexpr std::array kIpcompTransformIds{
    E{1, "OUI", k2407}, E{2, "DEFLATE", k2407}, E{3, "LZS", k2407}, E{4, "V42BIS", k2407},
};

constexpr std::array kIkeAttrs{
    E{1, "ENCRYPTION_ALGORITHM", k2409}, E{2, "HASH_ALGORITHM", k2409},
    E{3, "AUTHENTICATION_METHOD", k2409}, E{4, "GROUP_DESCRIPTION", k2409},
    E{5, "GROUP_TYPE", k2409},           E{6, "GROUP_PRIME", k2409},
    E{7, "GROUP_GENERATOR_ONE", k2409},  E{8, "GROUP_GENERATOR_TWO", k2409},
    E{9, "GROUP_CURVE_A", k2409},        E{10, "GROUP_CURVE_B", k2409},
    E{11, "LIFE_TYPE", k2409},           E{12, "LIFE_DURATION", k2409},
    E{13, "PRF", k2409},                 E{14, "KEY_LENGTH", k2409},
    E{15, "FIELD_SIZE", k2409},          E{16, "GROUP_ORDER", k2409},
    E{17, "BLOCK_SIZE", k2409},
};

constexpr std::array kIkeEncryptions{
    E{1, "DES_CBC", k2409},  E{2, "IDEA_CBC", k2409}, E{3, "BLOWFISH_CBC", k2409},
    E{4, "RC5_R16_B64_CBC", k2409}, E{5, "3DES_CBC", k2409}, E{6, "CAST_CBC", k2409},
    E{7, "AES_CBC", "RFC 3602"}, E{8, "CAMELLIA_CBC", "RFC 4312"},
};

constexpr std::array kIkeHashes{
    E{1, "MD5", k2409},      E{2, "SHA", k2409},      E{3, "TIGER", k2409},
    E{4, "SHA2_256", "RFC 4868"}, E{5, "SHA2_384", "RFC 4868"}, E{6, "SHA2_512", "RFC 4868"},
};

constexpr std::string_view kXauth = "draft-beaulieu-ike-xauth-02";
constexpr std::string_view kHybrid = "draft-ietf-ipsec-isakmp-hybrid-auth-05";
constexpr std::array kIkeAuthMethods{
    E{1, "PRE_SHARED", k2409},   E{2, "DSS", k2409},        E{3, "RSA_SIG", k2409},
    E{4, "RSA_ENC", k2409},      E{5, "RSA_ENC_REV", k2409}, E{6, "EL_GAMAL_ENC", k2409},
    E{7, "EL_GAMAL_ENC_REV", k2409}, E{8, "ECDSA_SIG", k2409},
    E{9, "ECDSA_256", "RFC 4754"}, E{10, "ECDSA_384", "RFC 4754"},
    E{11, "ECDSA_521", "RFC 4754"},
    E{64221, "HYBRID_INIT_RSA", kHybrid}, E{64222, "HYBRID_RESP_RSA", kHybrid},
    E{64223, "HYBRID_INIT_DSS", kHybrid}, E{64224, "HYBRID_RESP_DSS", kHybrid},
    E{65001, "XAUTH_INIT_PRE_SHARED", kXauth}, E{65002, "XAUTH_RESP_PRE_SHARED", kXauth},
    E{65003, "XAUTH_INIT_DSS", kXauth},        E{65004, "XAUTH_RESP_DSS", kXauth},
    E{65005, "XAUTH_INIT_RSA", kXauth},        E{65006, "XAUTH_RESP_RSA", kXauth},
    E{65007, "XAUTH_INIT_RSA_ENC", kXauth},    E{65008, "XAUTH_RESP_RSA_ENC", kXauth},
    E{65009, "XAUTH_INIT_RSA_REV_ENC", kXauth}, E{65010, "XAUTH_RESP_RSA_REV_ENC", kXauth},
};

constexpr std::array kDhGroups{
    E{1, "MODP_768", "RFC 2409 §6.1"},   E{2, "MODP_1024", "RFC 2409 §6.2"},
    E{3, "EC2N_155", "RFC 2409 §6.3"},   E{4, "EC2N_185", "RFC 2409 §6.4"},
    E{5, "MODP_1536", "RFC 3526"},       E{14, "MODP_2048", "RFC 3526"},
    E{15, "MODP_3072", "RFC 3526"},      E{16, "MODP_4096", "RFC 3526"},
    E{17, "MODP_6144", "RFC 3526"},      E{18, "MODP_8192", "RFC 3526"},
    E{19, "ECP_256", "RFC 5903"},        E{20, "ECP_384", "RFC 5903"},
    E{21, "ECP_521", "RFC 5903"},        E{22, "MODP_1024_160", "RFC 5114"},
    E{23, "MODP_2048_224", "RFC 5114"},  E{24, "MODP_2048_256", "RFC 5114"},
    E{25, "ECP_192", "RFC 5114"},        E{26, "ECP_224", "RFC 5114"},
    E{27, "BP_224", "RFC 6932"},         E{28, "BP_256", "RFC 6932"},
    E{29, "BP_384", "RFC 6932"},         E{30, "BP_512", "RFC 6932"},
    E{31, "CURVE25519", "RFC 8031"},     E{32, "CURVE448", "RFC 8031"},
};

constexpr std::array kLifeTypes{E{1, "SECONDS", k2409}, E{2, "KILOBYTES", k2409}};

constexpr std::array kIpsecAttrs{
    E{1, "SA_LIFE_TYPE", k2407},       E{2, "SA_LIFE_DURATION", k2407},
    E{3, "GROUP_DESCRIPTION", k2407},  E{4, "ENCAPSULATION_MODE", k2407},
    E{5, "AUTHENTICATION_ALGORITHM", k2407}, E{6, "KEY_LENGTH", k2407},
    E{7, "KEY_ROUNDS", k2407},         E{8, "COMPRESS_DICTIONARY_SIZE", k2407},
    E{9, "COMPRESS_PRIVATE_ALGORITHM", k2407}, E{10, "ECN_TUNNEL", "RFC 3168"},
    E{11, "EXTENDED_SEQUENCE_NUMBER", "RFC 4304"},
};

constexpr std::array kEncapsulationModes{
    E{1, "TUNNEL", k2407}, E{2, "TRANSPORT", k2407}, E{3, "UDP_ENCAP_TUNNEL", "RFC 3947"},
    E{4, "UDP_ENCAP_TRANSPORT", "RFC 3947"},
    E{61443, "UDP_ENCAP_TUNNEL_DRAFT", "draft-ietf-ipsec-nat-t-ike-02"},
    E{61444, "UDP_ENCAP_TRANSPORT_DRAFT", "draft-ietf-ipsec-nat-t-ike-02"},
};

constexpr std::array kIpsecAuthAlgs{
    E{1, "HMAC_MD5", k2407},  E{2, "HMAC_SHA", k2407},  E{3, "DES_MAC", k2407},
    E{4, "KPDK", k2407},      E{5, "HMAC_SHA2_256", "RFC 4868"},
    E{6, "HMAC_SHA2_384", "RFC 4868"}, E{7, "HMAC_SHA2_512", "RFC 4868"},
    E{8, "HMAC_RIPEMD", "RFC 2857"}, E{9, "AES_XCBC_MAC", "RFC 3566"},
    E{11, "AES_GMAC_128", "RFC 4543"}, E{12, "AES_GMAC_192", "RFC 4543"},
    E{13, "AES_GMAC_256", "RFC 4543"},
};

constexpr std::array kIdTypes{
    E{1, "IPV4_ADDR", k2407},   E{2, "FQDN", k2407},            E{3, "USER_FQDN", k2407},
    E{4, "IPV4_ADDR_SUBNET", k2407}, E{5, "IPV6_ADDR", k2407},  E{6, "IPV6_ADDR_SUBNET", k2407},
    E{7, "IPV4_RANGE", k2407},  E{8, "IPV6_RANGE", k2407},      E{9, "DER_ASN1_DN", k2407},
    E{10, "DER_ASN1_GN", k2407}, E{11, "KEY_ID", k2407},
};

constexpr std::array kCertEncodings{
    E{0, "NONE", k2408},     E{1, "PKCS", k2408},     E{2, "PGP", k2408},
    E{3, "DNS", k2408},      E{4, "X509_SIG", k2408}, E{5, "X509_KE", k2408},
    E{6, "KERBEROS", k2408}, E{7, "CRL", k2408},      E{8, "ARL", k2408},
    E{9, "SPKI", k2408},     E{10, "X509_ATTR", k2408}, E{11, "KEYNOTE", "RFC 2408 (isakmpd)"},
    E{12, "HASH_URL_X509", "IANA"}, E{13, "HASH_URL_BUNDLE", "IANA"},
};

constexpr std::string_view kModeCfg = "draft-ietf-ipsec-isakmp-mode-cfg-05";
constexpr std::array kCfgTypes{
    E{0, "RESERVED", kModeCfg}, E{1, "REQUEST", kModeCfg}, E{2, "REPLY", kModeCfg},
    E{3, "SET", kModeCfg},      E{4, "ACK", kModeCfg},
};

constexpr std::array kCfgAttrs{
    E{1, "INTERNAL_IP4_ADDRESS", kModeCfg},  E{2, "INTERNAL_IP4_NETMASK", kModeCfg},
    E{3, "INTERNAL_IP4_DNS", kModeCfg},      E{4, "INTERNAL_IP4_NBNS", kModeCfg},
    E{5, "INTERNAL_ADDRESS_EXPIRY", kModeCfg}, E{6, "INTERNAL_IP4_DHCP", kModeCfg},
    E{7, "APPLICATION_VERSION", kModeCfg},   E{8, "INTERNAL_IP6_ADDRESS", kModeCfg},
    E{9, "INTERNAL_IP6_NETMASK", kModeCfg},  E{10, "INTERNAL_IP6_DNS", kModeCfg},
    E{11, "INTERNAL_IP6_NBNS", kModeCfg},    E{12, "INTERNAL_IP6_DHCP", kModeCfg},
    E{13, "INTERNAL_IP4_SUBNET", kModeCfg},  E{14, "SUPPORTED_ATTRIBUTES", kModeCfg},
    E{15, "INTERNAL_IP6_SUBNET", kModeCfg},
    E{16520, "XAUTH_TYPE", kXauth},          E{16521, "XAUTH_USER_NAME", kXauth},
    E{16522, "XAUTH_USER_PASSWORD", kXauth}, E{16523, "XAUTH_PASSCODE", kXauth},
    E{16524, "XAUTH_MESSAGE", kXauth},       E{16525, "XAUTH_CHALLENGE", kXauth},
    E{16526, "XAUTH_DOMAIN", kXauth},        E{16527, "XAUTH_STATUS", kXauth},
    E{16528, "XAUTH_NEXT_PIN", kXauth},      E{16529, "XAUTH_ANSWER", kXauth},
};

constexpr std::array kGroupTypes{E{1, "MODP", k2409}, E{2, "ECP", k2409}, E{3, "EC2N", k2409}};

// Extra spellings accepted by registry_value() only (never printed).
struct Alias {
  Registry registry;
  std::string_view name;
  uint32_t value;
};
constexpr std::array kAliases{
    Alias{Registry::EspTransformId, "AES_GMAC", 23},  // isakmpd / ipsecctl spelling
};

template <std::size_t N>
constexpr bool sorted_unique(const std::array<E, N>& t) {
  for (std::size_t i = 1; i < N; ++i) {
    if (t[i - 1].value >= t[i].value) return false;
  }
  return true;
}
static_assert(sorted_unique(kExchangeTypes) && sorted_unique(kPayloadTypes) &&
              sorted_unique(kNotifyTypes) && sorted_unique(kProtocolIds) &&
              sorted_unique(kAhTransformIds) && sorted_unique(kEspTransformIds) &&
              sorted_unique(kIpcompTransformIds) && sorted_unique(kIkeAttrs) &&
              sorted_unique(kIkeEncryptions) && sorted_unique(kIkeHashes) &&
              sorted_unique(kIkeAuthMethods) && sorted_unique(kDhGroups) &&
              sorted_unique(kLifeTypes) && sorted_unique(kIpsecAttrs) &&
              sorted_unique(kEncapsulationModes) && sorted_unique(kIpsecAuthAlgs) &&
              sorted_unique(kIdTypes) && sorted_unique(kCertEncodings) &&
              sorted_unique(kCfgTypes) && sorted_unique(kCfgAttrs) && sorted_unique(kGroupTypes));

constexpr char ascii_upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

constexpr bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_upper(a[i]) != ascii_upper(b[i])) return false;
  }
  return true;
}

}  // namespace

std::span<const RegistryEntry> registry_table(Registry r) noexcept {
  switch (r) {
    case Registry::ExchangeType: return kExchangeTypes;
    case Registry::PayloadType: return kPayloadTypes;
    case Registry::NotifyType: return kNotifyTypes;
    case Registry::ProtocolId: return kProtocolIds;
    case Registry::AhTransformId: return kAhTransformIds;
    case Registry::EspTransformId: return kEspTransformIds;
    case Registry::IpcompTransformId: return kIpcompTransformIds;
    case Registry::IkeAttr: return kIkeAttrs;
    case Registry::IkeEncryption: return kIkeEncryptions;
    case Registry::IkeHash: return kIkeHashes;
    case Registry::IkeAuthMethod: return kIkeAuthMethods;
    case Registry::DhGroup: return kDhGroups;
    case Registry::LifeType: return kLifeTypes;
    case Registry::IpsecAttr: return kIpsecAttrs;
    case Registry::EncapsulationMode: return kEncapsulationModes;
    case Registry::IpsecAuthAlg: return kIpsecAuthAlgs;
    case Registry::IdType: return kIdTypes;
    case Registry::CertEncoding: return kCertEncodings;
    case Registry::CfgType: return kCfgTypes;
    case Registry::CfgAttr: return kCfgAttrs;
    case Registry::GroupType: return kGroupTypes;
  }
  return {};
}

std::optional<std::string_view> registry_name(Registry r, uint32_t value) noexcept {
  for (const auto& e : registry_table(r)) {
    if (e.value == value) return e.name;
    if (e.value > value) break;  // tables are sorted (static_assert above)
  }
  return std::nullopt;
}

std::string registry_name_or_number(Registry r, uint32_t value) {
  std::string out;
  append_registry_name(out, r, value);
  return out;
}

void append_registry_name(std::string& out, Registry r, uint32_t value) {
  if (auto name = registry_name(r, value)) {
    out += *name;
  } else {
    fmt::format_to(std::back_inserter(out), "unknown ({})", value);
  }
}

std::optional<uint32_t> registry_value(Registry r, std::string_view name) noexcept {
  for (const auto& e : registry_table(r)) {
    if (iequal(e.name, name)) return e.value;
  }
  for (const auto& a : kAliases) {
    if (a.registry == r && iequal(a.name, name)) return a.value;
  }
  return std::nullopt;
}

std::string to_string(ExchangeType v) {
  return registry_name_or_number(Registry::ExchangeType, static_cast<uint32_t>(v));
}

std::string to_string(PayloadType v) {
  return registry_name_or_number(Registry::PayloadType, static_cast<uint32_t>(v));
}

std::string to_string(NotifyType v) {
  return registry_name_or_number(Registry::NotifyType, static_cast<uint32_t>(v));
}

}  // namespace ike::wire
