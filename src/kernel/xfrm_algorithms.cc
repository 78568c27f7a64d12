// RFC 2407 ids -> Linux crypto names (see xfrm_algorithms.h). Sources: RFC 2407 §4.4.3-§4.5,
// RFC 3686 (AES-CTR, 4-byte nonce), RFC 4106 §8.1 (AES-GCM, ICV 8/12/16 for ids 18/19/20,
// 4-byte salt), RFC 4543 (AES-GMAC, id 23), RFC 2403/2404 (HMAC-MD5/SHA1-96), RFC 4868 §2.3
// (HMAC-SHA-256-128, -384-192, -512-256), RFC 2857 (HMAC-RIPEMD-160-96), RFC 3566 (XCBC-96).
#include "kernel/xfrm_algorithms.h"

#include <array>

namespace ike::kernel {

namespace {

constexpr std::array<XfrmEncAlg, 11> kEnc = {{
    {2, "cbc(des)", false, 0, 0},
    {3, "cbc(des3_ede)", false, 0, 0},
    {6, "cbc(cast5)", false, 0, 0},
    {7, "cbc(blowfish)", false, 0, 0},
    {11, "ecb(cipher_null)", false, 0, 0},
    {12, "cbc(aes)", false, 0, 0},
    {13, "rfc3686(ctr(aes))", false, 0, 4},
    {18, "rfc4106(gcm(aes))", true, 64, 4},
    {19, "rfc4106(gcm(aes))", true, 96, 4},
    {20, "rfc4106(gcm(aes))", true, 128, 4},
    {23, "rfc4543(gcm(aes))", true, 128, 4},
}};

constexpr std::array<XfrmAuthAlg, 7> kAuth = {{
    {1, "hmac(md5)", 96},
    {2, "hmac(sha1)", 96},
    {5, "hmac(sha256)", 128},
    {6, "hmac(sha384)", 192},
    {7, "hmac(sha512)", 256},
    {8, "hmac(rmd160)", 96},
    {9, "xcbc(aes)", 96},
}};

struct AhMap {
  uint16_t ah_transform_id;
  uint16_t auth_algorithm;
};
// RFC 2407 §4.4.3: AH_MD5 2, AH_SHA 3, AH_RIPEMD 8; RFC 4868 §3: AH_SHA2_256/384/512 5/6/7.
constexpr std::array<AhMap, 6> kAh = {{{2, 1}, {3, 2}, {5, 5}, {6, 6}, {7, 7}, {8, 8}}};

constexpr std::array<XfrmCompAlg, 3> kComp = {{{2, "deflate"}, {3, "lzs"}, {4, "lzjh"}}};

}  // namespace

std::optional<XfrmEncAlg> xfrm_enc_by_id(uint16_t id) noexcept {
  for (const auto& e : kEnc) {
    if (e.esp_transform_id == id) return e;
  }
  return std::nullopt;
}

std::optional<XfrmEncAlg> xfrm_enc_by_name(std::string_view name, uint16_t icv_bits) noexcept {
  for (const auto& e : kEnc) {
    if (e.kernel_name == name && (!e.aead || e.icv_bits == icv_bits)) return e;
  }
  return std::nullopt;
}

std::optional<XfrmAuthAlg> xfrm_auth_by_id(uint16_t id) noexcept {
  for (const auto& a : kAuth) {
    if (a.auth_algorithm == id) return a;
  }
  return std::nullopt;
}

std::optional<XfrmAuthAlg> xfrm_auth_by_name(std::string_view name) noexcept {
  for (const auto& a : kAuth) {
    if (a.kernel_name == name) return a;
  }
  return std::nullopt;
}

std::optional<uint16_t> auth_algorithm_for_ah_transform(uint16_t id) noexcept {
  for (const auto& a : kAh) {
    if (a.ah_transform_id == id) return a.auth_algorithm;
  }
  return std::nullopt;
}

std::optional<XfrmCompAlg> xfrm_comp_by_id(uint16_t id) noexcept {
  for (const auto& c : kComp) {
    if (c.ipcomp_transform_id == id) return c;
  }
  return std::nullopt;
}

std::optional<XfrmCompAlg> xfrm_comp_by_name(std::string_view name) noexcept {
  for (const auto& c : kComp) {
    if (c.kernel_name == name) return c;
  }
  return std::nullopt;
}

}  // namespace ike::kernel
