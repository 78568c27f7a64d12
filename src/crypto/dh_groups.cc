// The supported Diffie-Hellman group table (see dh_groups.h).
//
// MODP private exponent lengths. RFC 3526 §1: the exponent "should have double the entropy of
// the strength of the entire system"; NIST SP 800-56A Rev. 3 §5.6.1.1.1 likewise draws the
// private key of a safe-prime group from [1, 2^N - 1] with N = 2 * s, s being the group's
// maximum security strength (SP 800-56A Rev. 3 Appendix D, Table 26: MODP-2048 112 bits,
// MODP-3072 128, MODP-4096 152, MODP-6144 176, MODP-8192 200). This is what OpenSSL does for its
// own named safe-prime groups. Groups outside SP 800-56A:
//   group 1 (768) and group 2 (1024): SP 800-57 Part 1 Table 2 gives 1024-bit FFC 80 bits, so
//     N = 160 (the group, not the exponent, is the weak link; never below 160 bits);
//   group 5 (1536): s = 96 from the SP 800-56B Appendix D estimate OpenSSL uses for 1536-bit
//     moduli (RFC 3526 §8 brackets it between 90 and 120), so N = 192.
// Full-length exponents would cost 5-10x more per modular exponentiation for no security gain.
#include "crypto/dh_groups.h"

#include <array>

#include <fmt/core.h>

namespace ike::crypto {
namespace {

constexpr std::array<DhGroupInfo, kDhGroupCount> kAll{{
    // RFC 2409 §6.1 First Oakley Group, §6.2 Second Oakley Group.
    {1, "MODP_768", DhKind::Modp, 768, 160, ""},
    {2, "MODP_1024", DhKind::Modp, 1024, 160, ""},
    // RFC 3526 §2-§7.
    {5, "MODP_1536", DhKind::Modp, 1536, 192, ""},
    {14, "MODP_2048", DhKind::Modp, 2048, 224, ""},
    {15, "MODP_3072", DhKind::Modp, 3072, 256, ""},
    {16, "MODP_4096", DhKind::Modp, 4096, 304, ""},
    {17, "MODP_6144", DhKind::Modp, 6144, 352, ""},
    {18, "MODP_8192", DhKind::Modp, 8192, 400, ""},
    // RFC 5903 §3 (NIST P-256/384/521).
    {19, "ECP_256", DhKind::Ecp, 256, 0, "prime256v1"},
    {20, "ECP_384", DhKind::Ecp, 384, 0, "secp384r1"},
    {21, "ECP_521", DhKind::Ecp, 521, 0, "secp521r1"},
    // RFC 5114 §2.6, §2.7 (NIST P-192, P-224).
    {25, "ECP_192", DhKind::Ecp, 192, 0, "prime192v1"},
    {26, "ECP_224", DhKind::Ecp, 224, 0, "secp224r1"},
    // RFC 6932 §2 (RFC 5639 curves).
    {27, "BP_224", DhKind::Ecp, 224, 0, "brainpoolP224r1"},
    {28, "BP_256", DhKind::Ecp, 256, 0, "brainpoolP256r1"},
    {29, "BP_384", DhKind::Ecp, 384, 0, "brainpoolP384r1"},
    {30, "BP_512", DhKind::Ecp, 512, 0, "brainpoolP512r1"},
    // RFC 8031 §2 (RFC 7748 X25519), numbered 31 for IKEv1 as libreswan and strongSwan do.
    {31, "CURVE25519", DhKind::Curve25519, 256, 0, ""},
}};

}  // namespace

std::span<const DhGroupInfo, kDhGroupCount> dh_groups() noexcept { return kAll; }

const DhGroupInfo* find_dh_group(uint16_t id) noexcept {
  for (const DhGroupInfo& g : kAll) {
    if (g.id == id) {
      return &g;
    }
  }
  return nullptr;
}

std::string dh_group_label(uint16_t id) {
  const DhGroupInfo* g = find_dh_group(id);
  return g != nullptr ? std::string(g->name) : fmt::format("group {}", id);
}

}  // namespace ike::crypto
