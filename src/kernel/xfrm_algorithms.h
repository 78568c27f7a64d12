// The one table mapping RFC 2407 algorithm identifiers (the values base::SaInstall carries) to
// Linux crypto API names for XFRM (XFRMA_ALG_CRYPT / XFRMA_ALG_AUTH_TRUNC / XFRMA_ALG_AEAD /
// XFRMA_ALG_COMP), with the RFC 4868 / RFC 2404 / RFC 2403 truncation lengths and the RFC 4106
// ICV lengths implied by the ESP transform id. Used by the XFRM builders, the SA dump parser
// (reverse lookup) and the PF_KEY backend (which needs the same facts under other numbers).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ike::kernel {

enum class XfrmAlgKind : uint8_t { Crypt, Aead, Auth, Comp };

struct XfrmEncAlg {
  uint16_t esp_transform_id;  // RFC 2407 §4.4.4 (+ RFC 3686, RFC 4106, RFC 4543)
  std::string_view kernel_name;
  bool aead;                  // XFRMA_ALG_AEAD instead of XFRMA_ALG_CRYPT
  uint16_t icv_bits;          // AEAD only: RFC 4106 §8.1 ICV length for this transform id
  uint16_t salt_bytes;        // key material appended to the key (RFC 3686 §5.1, RFC 4106 §8.1)
};

struct XfrmAuthAlg {
  uint16_t auth_algorithm;  // RFC 2407 §4.5 AUTHENTICATION_ALGORITHM
  std::string_view kernel_name;
  uint16_t trunc_bits;      // ICV length on the wire
};

struct XfrmCompAlg {
  uint16_t ipcomp_transform_id;  // RFC 2407 §4.4.5
  std::string_view kernel_name;
};

std::optional<XfrmEncAlg> xfrm_enc_by_id(uint16_t esp_transform_id) noexcept;
std::optional<XfrmEncAlg> xfrm_enc_by_name(std::string_view kernel_name,
                                           uint16_t icv_bits) noexcept;
std::optional<XfrmAuthAlg> xfrm_auth_by_id(uint16_t auth_algorithm) noexcept;
std::optional<XfrmAuthAlg> xfrm_auth_by_name(std::string_view kernel_name) noexcept;
// AH transform id (RFC 2407 §4.4.3) -> the AUTHENTICATION_ALGORITHM it implies (AH_SHA -> 2).
std::optional<uint16_t> auth_algorithm_for_ah_transform(uint16_t ah_transform_id) noexcept;
std::optional<XfrmCompAlg> xfrm_comp_by_id(uint16_t ipcomp_transform_id) noexcept;
std::optional<XfrmCompAlg> xfrm_comp_by_name(std::string_view kernel_name) noexcept;

}  // namespace ike::kernel
