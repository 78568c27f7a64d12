// ipsecctl algorithm spellings (see algorithm_names.h). Values: RFC 2407 §4.4.4 ESP transform
// ids (3DES 3, CAST 6, BLOWFISH 7, NULL 11, AES 12, RFC 3686 AES-CTR 13, RFC 4106 AES-GCM
// 18/19/20, RFC 4543 NULL_AUTH_AES_GMAC 23) and RFC 2407 §4.5 / RFC 4868 auth algorithms.
#include "kernel/algorithm_names.h"

#include <fmt/format.h>

#include <array>
#include <iterator>
#include <string_view>

namespace ike::kernel {

namespace {

struct EncName {
  uint16_t id;
  std::string_view base;  // ipsec.conf(5) spelling without the key length
  bool sized;             // append -<bits> (AES family)
  std::string_view suffix;
};

constexpr std::array<EncName, 10> kEncNames = {{
    {3, "3des", false, ""},
    {6, "cast128", false, ""},
    {7, "blowfish", false, ""},
    {11, "null", false, ""},
    {12, "aes", true, ""},
    {13, "aes", true, "-ctr"},
    {18, "aes", true, "-gcm-8"},
    {19, "aes", true, "-gcm-12"},
    {20, "aes", true, "-gcm"},
    {23, "aes", true, "-gmac"},
}};

struct AuthName {
  uint16_t id;
  std::string_view name;
};

constexpr std::array<AuthName, 10> kAuthNames = {{
    {0, "none"},
    {1, "hmac-md5"},
    {2, "hmac-sha1"},
    {5, "hmac-sha2-256"},
    {6, "hmac-sha2-384"},
    {7, "hmac-sha2-512"},
    {8, "hmac-ripemd160"},
    {9, "aes-xcbc-mac"},
    {11, "aes-128-gmac"},
    {13, "aes-256-gmac"},
}};

}  // namespace

std::string ipsecctl_enc_name(uint16_t esp_transform_id, uint16_t key_bits) {
  std::string out;
  append_ipsecctl_enc_name(out, esp_transform_id, key_bits);
  return out;
}

std::string ipsecctl_auth_name(uint16_t auth_algorithm) {
  std::string out;
  append_ipsecctl_auth_name(out, auth_algorithm);
  return out;
}

void append_ipsecctl_enc_name(std::string& out, uint16_t esp_transform_id, uint16_t key_bits) {
  auto it = std::back_inserter(out);
  for (const auto& e : kEncNames) {
    if (e.id != esp_transform_id) continue;
    if (e.sized && key_bits != 0) {
      fmt::format_to(it, "{}-{}{}", e.base, key_bits, e.suffix);
    } else {
      out += e.base;
      out += e.suffix;
    }
    return;
  }
  fmt::format_to(it, "unknown-{}", esp_transform_id);
}

void append_ipsecctl_auth_name(std::string& out, uint16_t auth_algorithm) {
  for (const auto& a : kAuthNames) {
    if (a.id == auth_algorithm) {
      out += a.name;
      return;
    }
  }
  fmt::format_to(std::back_inserter(out), "unknown-{}", auth_algorithm);
}

}  // namespace ike::kernel
