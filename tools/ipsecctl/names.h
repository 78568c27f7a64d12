// The name tables of ipsec.conf(5) as OpenBSD's ipsecctl defines them (parse.y authxfs, encxfs,
// compxfs, groupxfs; /etc/protocols and /etc/services for `proto` and `port`). Transform lookup
// keeps OpenBSD's parse_xf() semantics: the given word may be a prefix of a table name and the
// first entry in table order wins ("3des" -> "3des-cbc", "hmac-sha2" -> "hmac-sha2-256"). The
// protocol and service tables are built in (no NSS lookups), so output does not depend on the
// host's /etc files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace ike::ipsecctl {

enum class AuthXf : uint8_t { Unknown, None, HmacMd5, HmacRipemd160, HmacSha1, HmacSha2_256,
                              HmacSha2_384, HmacSha2_512 };
enum class EncXf : uint8_t { Unknown, None, TripleDesCbc, Aes, Aes128, Aes192, Aes256, AesCtr,
                             Aes128Ctr, Aes192Ctr, Aes256Ctr, Aes128Gcm, Aes192Gcm, Aes256Gcm,
                             Aes128Gmac, Aes192Gmac, Aes256Gmac, Blowfish, Cast128,
                             Chacha20Poly1305, Null };
enum class CompXf : uint8_t { Unknown, Deflate };
// GROUPXF_<n>: n is the IKE group number (RFC 2409 §6, RFC 3526, RFC 5903, RFC 5114/6932).
enum class GroupXf : uint8_t { Unknown = 255, None = 0, G1 = 1, G2 = 2, G5 = 5, G14 = 14,
                               G15 = 15, G16 = 16, G17 = 17, G18 = 18, G19 = 19, G20 = 20,
                               G21 = 21, G25 = 25, G26 = 26, G27 = 27, G28 = 28, G29 = 29,
                               G30 = 30 };

// One transform table row. keymin/keymax in bytes (enc keys include the 4-byte salt/nonce);
// noauth: the cipher authenticates itself; nostatic: not allowed with manual keys.
struct Xf {
  std::string_view name;
  uint8_t id;
  std::size_t keymin;
  std::size_t keymax;
  bool noauth;
  bool nostatic;
};

std::span<const Xf> auth_xfs();
std::span<const Xf> enc_xfs();
std::span<const Xf> comp_xfs();
std::span<const Xf> group_xfs();

// parse_xf(): prefix match, first entry wins; nullptr if nothing matches.
const Xf* parse_xf(std::string_view word, std::span<const Xf> table);
// Row by id (the canonical, first row for that id).
const Xf* xf_by_id(std::span<const Xf> table, uint8_t id);

inline AuthXf auth_id(const Xf& x) { return static_cast<AuthXf>(x.id); }
inline EncXf enc_id(const Xf& x) { return static_cast<EncXf>(x.id); }
inline GroupXf group_id(const Xf& x) { return static_cast<GroupXf>(x.id); }

// getprotobyname()/getprotobynumber() over OpenBSD's /etc/protocols names.
std::optional<uint8_t> protocol_by_name(std::string_view name);
std::optional<std::string_view> protocol_name(uint8_t number);

// getservbyname(name, "tcp") || (name, "udp"); getservbyport(port, proto) (proto 6 or 17).
std::optional<uint16_t> service_port(std::string_view name);
std::optional<std::string_view> service_name(uint16_t port, uint8_t proto);

}  // namespace ike::ipsecctl
