// The Diffie-Hellman groups this implementation supports, by IKE GROUP_DESCRIPTION value
// (RFC 2409 §6 groups 1-2, RFC 3526 groups 5 and 14-18, RFC 5903 groups 19-21, RFC 5114 §2.6/2.7
// groups 25-26, RFC 6932 Brainpool groups 27-30, RFC 8031 Curve25519 group 31), with the KE
// payload length and the private-exponent length policy for MODP groups. One constexpr table;
// the wire registry names the values, this table says what crypto can do with them.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace ike::crypto {

enum class DhKind : uint8_t { Modp, Ecp, Curve25519 };

struct DhGroupInfo {
  uint16_t id;             // IKE GROUP_DESCRIPTION value
  std::string_view name;   // isakmpd.conf(5) name: MODP_2048, ECP_256, BP_224, CURVE25519
  DhKind kind;
  uint16_t field_bits;     // prime length (MODP) or field size (ECP/X25519) in bits
  // MODP only: bits of the private exponent (see dh_groups.cc for the table's rationale).
  uint16_t private_bits;
  // The SN of the curve for ECP groups ("prime256v1", "brainpoolP224r1"); empty otherwise.
  std::string_view curve;

  // KE payload data length: len(p) for MODP, 2 * ceil(field_bits / 8) for ECP (x || y), 32 for
  // Curve25519.
  constexpr std::size_t public_length() const noexcept {
    std::size_t f = (field_bits + 7u) / 8u;
    return kind == DhKind::Ecp ? 2 * f : f;
  }
};

inline constexpr std::size_t kDhGroupCount = 18;
std::span<const DhGroupInfo, kDhGroupCount> dh_groups() noexcept;
// nullptr when the group is not implemented (3, 4, 22-24, 32, private groups, ...).
const DhGroupInfo* find_dh_group(uint16_t id) noexcept;
// "MODP_2048" or "group 22" for a group this table does not know.
std::string dh_group_label(uint16_t id);

}  // namespace ike::crypto
