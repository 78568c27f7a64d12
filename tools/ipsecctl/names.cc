// Tables of names.h, in OpenBSD parse.y order (the order is part of the prefix-match contract).
#include "names.h"

#include <array>

namespace ike::ipsecctl {
namespace {

constexpr uint8_t u(AuthXf x) { return static_cast<uint8_t>(x); }
constexpr uint8_t u(EncXf x) { return static_cast<uint8_t>(x); }
constexpr uint8_t u(GroupXf x) { return static_cast<uint8_t>(x); }

constexpr std::array kAuth{
    Xf{"unknown", u(AuthXf::Unknown), 0, 0, false, false},
    Xf{"none", u(AuthXf::None), 0, 0, false, false},
    Xf{"hmac-md5", u(AuthXf::HmacMd5), 16, 16, false, false},
    Xf{"hmac-ripemd160", u(AuthXf::HmacRipemd160), 20, 20, false, false},
    Xf{"hmac-sha1", u(AuthXf::HmacSha1), 20, 20, false, false},
    Xf{"hmac-sha2-256", u(AuthXf::HmacSha2_256), 32, 32, false, false},
    Xf{"hmac-sha2-384", u(AuthXf::HmacSha2_384), 48, 48, false, false},
    Xf{"hmac-sha2-512", u(AuthXf::HmacSha2_512), 64, 64, false, false},
};

constexpr std::array kEnc{
    Xf{"unknown", u(EncXf::Unknown), 0, 0, false, false},
    Xf{"none", u(EncXf::None), 0, 0, false, false},
    Xf{"3des-cbc", u(EncXf::TripleDesCbc), 24, 24, false, false},
    Xf{"aes", u(EncXf::Aes), 16, 32, false, false},
    Xf{"aes-128", u(EncXf::Aes128), 16, 16, false, false},
    Xf{"aes-192", u(EncXf::Aes192), 24, 24, false, false},
    Xf{"aes-256", u(EncXf::Aes256), 32, 32, false, false},
    Xf{"aesctr", u(EncXf::AesCtr), 16 + 4, 32 + 4, false, true},
    Xf{"aes-128-ctr", u(EncXf::Aes128Ctr), 16 + 4, 16 + 4, false, true},
    Xf{"aes-192-ctr", u(EncXf::Aes192Ctr), 24 + 4, 24 + 4, false, true},
    Xf{"aes-256-ctr", u(EncXf::Aes256Ctr), 32 + 4, 32 + 4, false, true},
    Xf{"aes-128-gcm", u(EncXf::Aes128Gcm), 16 + 4, 16 + 4, true, true},
    Xf{"aes-192-gcm", u(EncXf::Aes192Gcm), 24 + 4, 24 + 4, true, true},
    Xf{"aes-256-gcm", u(EncXf::Aes256Gcm), 32 + 4, 32 + 4, true, true},
    Xf{"aes-128-gmac", u(EncXf::Aes128Gmac), 16 + 4, 16 + 4, true, true},
    Xf{"aes-192-gmac", u(EncXf::Aes192Gmac), 24 + 4, 24 + 4, true, true},
    Xf{"aes-256-gmac", u(EncXf::Aes256Gmac), 32 + 4, 32 + 4, true, true},
    Xf{"blowfish", u(EncXf::Blowfish), 5, 56, false, false},
    Xf{"cast128", u(EncXf::Cast128), 5, 16, false, false},
    Xf{"chacha20-poly1305", u(EncXf::Chacha20Poly1305), 32 + 4, 32 + 4, true, true},
    Xf{"null", u(EncXf::Null), 0, 0, false, false},
};

constexpr std::array kComp{
    Xf{"unknown", static_cast<uint8_t>(CompXf::Unknown), 0, 0, false, false},
    Xf{"deflate", static_cast<uint8_t>(CompXf::Deflate), 0, 0, false, false},
};

constexpr std::array kGroup{
    Xf{"unknown", u(GroupXf::Unknown), 0, 0, false, false},
    Xf{"none", u(GroupXf::None), 0, 0, false, false},
    Xf{"modp768", u(GroupXf::G1), 768, 0, false, false},
    Xf{"grp1", u(GroupXf::G1), 768, 0, false, false},
    Xf{"modp1024", u(GroupXf::G2), 1024, 0, false, false},
    Xf{"grp2", u(GroupXf::G2), 1024, 0, false, false},
    Xf{"modp1536", u(GroupXf::G5), 1536, 0, false, false},
    Xf{"grp5", u(GroupXf::G5), 1536, 0, false, false},
    Xf{"modp2048", u(GroupXf::G14), 2048, 0, false, false},
    Xf{"grp14", u(GroupXf::G14), 2048, 0, false, false},
    Xf{"modp3072", u(GroupXf::G15), 3072, 0, false, false},
    Xf{"grp15", u(GroupXf::G15), 3072, 0, false, false},
    Xf{"modp4096", u(GroupXf::G16), 4096, 0, false, false},
    Xf{"grp16", u(GroupXf::G16), 4096, 0, false, false},
    Xf{"modp6144", u(GroupXf::G17), 6144, 0, false, false},
    Xf{"grp17", u(GroupXf::G17), 6144, 0, false, false},
    Xf{"modp8192", u(GroupXf::G18), 8192, 0, false, false},
    Xf{"grp18", u(GroupXf::G18), 8192, 0, false, false},
    Xf{"ecp256", u(GroupXf::G19), 256, 0, false, false},
    Xf{"grp19", u(GroupXf::G19), 256, 0, false, false},
    Xf{"ecp384", u(GroupXf::G20), 384, 0, false, false},
    Xf{"grp20", u(GroupXf::G20), 384, 0, false, false},
    Xf{"ecp521", u(GroupXf::G21), 521, 0, false, false},
    Xf{"grp21", u(GroupXf::G21), 521, 0, false, false},
    Xf{"ecp192", u(GroupXf::G25), 192, 0, false, false},
    Xf{"grp25", u(GroupXf::G25), 192, 0, false, false},
    Xf{"ecp224", u(GroupXf::G26), 224, 0, false, false},
    Xf{"grp26", u(GroupXf::G26), 224, 0, false, false},
    Xf{"bp224", u(GroupXf::G27), 224, 0, false, false},
    Xf{"grp27", u(GroupXf::G27), 224, 0, false, false},
    Xf{"bp256", u(GroupXf::G28), 256, 0, false, false},
    Xf{"grp28", u(GroupXf::G28), 256, 0, false, false},
    Xf{"bp384", u(GroupXf::G29), 384, 0, false, false},
    Xf{"grp29", u(GroupXf::G29), 384, 0, false, false},
    Xf{"bp512", u(GroupXf::G30), 512, 0, false, false},
    Xf{"grp30", u(GroupXf::G30), 512, 0, false, false},
};

struct Proto {
  std::string_view name;
  uint8_t number;
};
// OpenBSD /etc/protocols (the names getprotobynumber() returns first).
constexpr std::array kProtocols{
    Proto{"ip", 0},          Proto{"icmp", 1},        Proto{"igmp", 2},
    Proto{"ggp", 3},         Proto{"ipencap", 4},     Proto{"st", 5},
    Proto{"tcp", 6},         Proto{"egp", 8},         Proto{"igp", 9},
    Proto{"pup", 12},        Proto{"udp", 17},        Proto{"hmp", 20},
    Proto{"xns-idp", 22},    Proto{"rdp", 27},        Proto{"iso-tp4", 29},
    Proto{"dccp", 33},       Proto{"xtp", 36},        Proto{"ddp", 37},
    Proto{"idpr-cmtp", 38},  Proto{"ipv6", 41},       Proto{"ipv6-route", 43},
    Proto{"ipv6-frag", 44},  Proto{"idrp", 45},       Proto{"rsvp", 46},
    Proto{"gre", 47},        Proto{"esp", 50},        Proto{"ah", 51},
    Proto{"mobile", 55},     Proto{"skip", 57},       Proto{"ipv6-icmp", 58},
    Proto{"ipv6-nonxt", 59}, Proto{"ipv6-opts", 60},  Proto{"rspf", 73},
    Proto{"vmtp", 81},       Proto{"eigrp", 88},      Proto{"ospf", 89},
    Proto{"ax.25", 93},      Proto{"ipip", 94},       Proto{"etherip", 97},
    Proto{"encap", 98},      Proto{"pim", 103},       Proto{"ipcomp", 108},
    Proto{"carp", 112},      Proto{"l2tp", 115},      Proto{"isis", 124},
    Proto{"sctp", 132},      Proto{"fc", 133},        Proto{"mpls-in-ip", 137},
    Proto{"pfsync", 240},
};

struct Service {
  std::string_view name;
  uint16_t port;
  bool tcp;
  bool udp;
};
// A subset of OpenBSD /etc/services (the well-known ports people put in ipsec.conf).
constexpr std::array kServices{
    Service{"ftp-data", 20, true, false}, Service{"ftp", 21, true, false},
    Service{"ssh", 22, true, true},       Service{"telnet", 23, true, false},
    Service{"smtp", 25, true, false},     Service{"domain", 53, true, true},
    Service{"bootps", 67, false, true},   Service{"bootpc", 68, false, true},
    Service{"tftp", 69, false, true},     Service{"www", 80, true, true},
    Service{"http", 80, true, true},      Service{"kerberos", 88, true, true},
    Service{"pop3", 110, true, false},    Service{"sunrpc", 111, true, true},
    Service{"auth", 113, true, false},    Service{"nntp", 119, true, false},
    Service{"ntp", 123, false, true},     Service{"netbios-ns", 137, true, true},
    Service{"netbios-dgm", 138, false, true}, Service{"netbios-ssn", 139, true, false},
    Service{"imap", 143, true, false},    Service{"snmp", 161, false, true},
    Service{"snmp-trap", 162, false, true}, Service{"bgp", 179, true, false},
    Service{"ldap", 389, true, true},     Service{"https", 443, true, true},
    Service{"isakmp", 500, false, true},  Service{"syslog", 514, false, true},
    Service{"submission", 587, true, false}, Service{"ldaps", 636, true, false},
    Service{"imaps", 993, true, false},   Service{"pop3s", 995, true, false},
    Service{"openvpn", 1194, true, true}, Service{"l2tp", 1701, false, true},
    Service{"radius", 1812, false, true}, Service{"radacct", 1813, false, true},
    Service{"nfsd", 2049, true, true},    Service{"ipsec-nat-t", 4500, false, true},
};

}  // namespace

std::span<const Xf> auth_xfs() { return kAuth; }
std::span<const Xf> enc_xfs() { return kEnc; }
std::span<const Xf> comp_xfs() { return kComp; }
std::span<const Xf> group_xfs() { return kGroup; }

const Xf* parse_xf(std::string_view word, std::span<const Xf> table) {
  // OpenBSD: strncmp(name, xfs[i].name, strlen(name)) == 0, i.e. `word` is a prefix.
  for (const Xf& x : table) {
    if (x.name.substr(0, word.size()) == word && word.size() <= x.name.size()) return &x;
  }
  return nullptr;
}

const Xf* xf_by_id(std::span<const Xf> table, uint8_t id) {
  for (const Xf& x : table) {
    if (x.id == id) return &x;
  }
  return nullptr;
}

std::optional<uint8_t> protocol_by_name(std::string_view name) {
  for (const Proto& p : kProtocols) {
    if (p.name == name) return p.number;
  }
  return std::nullopt;
}

std::optional<std::string_view> protocol_name(uint8_t number) {
  for (const Proto& p : kProtocols) {
    if (p.number == number) return p.name;
  }
  return std::nullopt;
}

std::optional<uint16_t> service_port(std::string_view name) {
  for (const Service& s : kServices) {
    if (s.name == name && s.tcp) return s.port;
  }
  for (const Service& s : kServices) {
    if (s.name == name && s.udp) return s.port;
  }
  return std::nullopt;
}

std::optional<std::string_view> service_name(uint16_t port, uint8_t proto) {
  for (const Service& s : kServices) {
    if (s.port == port && ((proto == 6 && s.tcp) || (proto == 17 && s.udp))) return s.name;
  }
  return std::nullopt;
}

}  // namespace ike::ipsecctl
