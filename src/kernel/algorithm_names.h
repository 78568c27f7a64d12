// ipsecctl(8) spellings of IPsec algorithms ("aes-128", "hmac-sha2-256", ...) for the backend
// dumps (`S`, `ipsecctl -s sa` style). The inputs are the RFC 2407 §4.4.3/§4.4.4/§4.5 wire
// values carried by base::SaInstall; the mapping lives here because the kernel module may not
// depend on wire (CONTRIBUTING module map) and ipsecctl's names differ from the registry names.
#pragma once

#include <cstdint>
#include <string>

namespace ike::kernel {

// ESP transform id (RFC 2407 §4.4.4) + key bits without salt -> "aes-128", "3des",
// "aes-256-gcm", "null", or "unknown-<id>".
std::string ipsecctl_enc_name(uint16_t esp_transform_id, uint16_t key_bits);
// AUTHENTICATION_ALGORITHM (RFC 2407 §4.5) -> "hmac-sha1", ..., "none" for 0, "unknown-<n>".
std::string ipsecctl_auth_name(uint16_t auth_algorithm);
// The same names appended to `out` (the `S` rendering builds one string for every SA).
void append_ipsecctl_enc_name(std::string& out, uint16_t esp_transform_id, uint16_t key_bits);
void append_ipsecctl_auth_name(std::string& out, uint16_t auth_algorithm);

}  // namespace ike::kernel
