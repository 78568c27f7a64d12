// IPsec SA key sizes and KEYMAT splitting (RFC 2407 §4.4-4.5, RFC 2409 §5.5, RFC 4303). See
// esp_keys.h.
#include "engine/esp_keys.h"

#include <fmt/core.h>

#include "engine/keymat.h"
#include "wire/registry.h"

namespace ike::engine {

namespace {

using wire::EspTransformId;
using wire::IpsecAuthAlg;

std::string esp_name(uint8_t id) {
  return wire::registry_name_or_number(wire::Registry::EspTransformId, id);
}
std::string auth_name(uint16_t a) {
  return wire::registry_name_or_number(wire::Registry::IpsecAuthAlg, a);
}

base::Error not_supported(std::string detail) {
  return base::Error{base::ErrorCode::Unsupported, base::NotifyType::AttributesNotSupported,
                     std::move(detail)};
}

base::Error bad_key_length(uint8_t id, uint16_t bits, std::string_view allowed) {
  return base::make_error(base::ErrorCode::BadValue, base::NotifyType::AttributesNotSupported,
                          "ESP {}: KEY_LENGTH {} not {}", esp_name(id), bits, allowed);
}

// AES family: RFC 3602 §5 / RFC 3686 §5 / RFC 4106 §8 / RFC 4543 §7 allow 128, 192 and 256 bits.
base::Result<std::size_t> aes_key_bytes(uint8_t id, uint16_t bits) {
  if (bits == 0) return std::size_t{16};  // isakmpd default when KEY_LENGTH is absent
  if (bits != 128 && bits != 192 && bits != 256) {
    return bad_key_length(id, bits, "one of 128/192/256");
  }
  return std::size_t{bits / 8u};
}

}  // namespace

base::Result<KeySizes> esp_cipher_key_sizes(uint8_t esp_transform_id, uint16_t key_length_bits) {
  const uint8_t id = esp_transform_id;
  const uint16_t bits = key_length_bits;
  KeySizes k;
  switch (static_cast<EspTransformId>(id)) {
    case EspTransformId::TripleDes:
      // RFC 2451 §2.2: 3DES uses a 192-bit key (parity bits included).
      if (bits != 0 && bits != 192) return bad_key_length(id, bits, "absent or 192");
      k.enc_bytes = 24;
      return k;
    case EspTransformId::Aes: {
      IKE_TRY(k.enc_bytes, aes_key_bytes(id, bits));
      return k;
    }
    case EspTransformId::AesCtr:
    case EspTransformId::AesGcm16:
    case EspTransformId::NullAuthAesGmac: {
      // RFC 3686 §5.1, RFC 4106 §8.1, RFC 4543 §7.1: KEYMAT = key | 4-octet salt.
      IKE_TRY(k.enc_bytes, aes_key_bytes(id, bits));
      k.salt_bytes = 4;
      return k;
    }
    case EspTransformId::Cast:
      // RFC 2451 §2.2: CAST-128 (isakmpd installs 128-bit keys only).
      if (bits != 0 && bits != 128) return bad_key_length(id, bits, "absent or 128");
      k.enc_bytes = 16;
      return k;
    case EspTransformId::Blowfish:
      // RFC 2451 §2.2: Blowfish 40..448 bits; default 128.
      if (bits == 0) {
        k.enc_bytes = 16;
        return k;
      }
      if (bits < 40 || bits > 448 || bits % 8 != 0) {
        return bad_key_length(id, bits, "a multiple of 8 in 40..448");
      }
      k.enc_bytes = bits / 8u;
      return k;
    case EspTransformId::Null:
      // RFC 2410: NULL has no key.
      if (bits != 0) return bad_key_length(id, bits, "absent (NULL has no key)");
      return k;
    default:
      return not_supported(fmt::format("ESP transform {} ({}) not supported", esp_name(id), id));
  }
}

base::Result<std::size_t> auth_key_bytes(uint16_t auth_algorithm) {
  switch (static_cast<IpsecAuthAlg>(auth_algorithm)) {
    case IpsecAuthAlg::HmacMd5: return std::size_t{16};       // RFC 2403
    case IpsecAuthAlg::HmacSha: return std::size_t{20};       // RFC 2404
    case IpsecAuthAlg::HmacSha2_256: return std::size_t{32};  // RFC 4868 §2.1.1
    case IpsecAuthAlg::HmacSha2_384: return std::size_t{48};
    case IpsecAuthAlg::HmacSha2_512: return std::size_t{64};
    case IpsecAuthAlg::HmacRipemd: return std::size_t{20};    // RFC 2857
    default: break;
  }
  if (auth_algorithm == 0) return std::size_t{0};
  return not_supported(fmt::format("AUTHENTICATION_ALGORITHM {} ({}) not supported",
                                   auth_name(auth_algorithm), auth_algorithm));
}

base::Result<uint16_t> ah_required_auth(uint8_t ah_transform_id) {
  using wire::AhTransformId;
  switch (static_cast<AhTransformId>(ah_transform_id)) {
    case AhTransformId::Md5: return static_cast<uint16_t>(IpsecAuthAlg::HmacMd5);
    case AhTransformId::Sha: return static_cast<uint16_t>(IpsecAuthAlg::HmacSha);
    case AhTransformId::Sha2_256: return static_cast<uint16_t>(IpsecAuthAlg::HmacSha2_256);
    case AhTransformId::Sha2_384: return static_cast<uint16_t>(IpsecAuthAlg::HmacSha2_384);
    case AhTransformId::Sha2_512: return static_cast<uint16_t>(IpsecAuthAlg::HmacSha2_512);
    case AhTransformId::Ripemd: return static_cast<uint16_t>(IpsecAuthAlg::HmacRipemd);
    default: break;
  }
  return base::make_error(
      base::ErrorCode::Unsupported, base::NotifyType::InvalidTransformId,
      "AH transform {} ({}) not supported",
      wire::registry_name_or_number(wire::Registry::AhTransformId, ah_transform_id),
      ah_transform_id);
}

base::Result<KeySizes> protocol_key_sizes(const Phase2Protocol& proto) {
  switch (proto.protocol) {
    case wire::ProtocolId::IpsecEsp: {
      auto k = esp_cipher_key_sizes(proto.transform_id, proto.key_length_bits);
      if (!k) return std::move(k).error().with_context("ESP");
      const auto id = static_cast<EspTransformId>(proto.transform_id);
      const bool combined = id == EspTransformId::AesGcm16 || id == EspTransformId::NullAuthAesGmac;
      if (combined && proto.auth_algorithm != 0) {
        // RFC 4106 §8 / RFC 4543 §7: integrity is provided by the combined-mode cipher; an
        // AUTHENTICATION_ALGORITHM attribute makes no sense and the kernel could not install it.
        return base::make_error(base::ErrorCode::BadValue, base::NotifyType::AttributesNotSupported,
                                "ESP: {} is a combined-mode cipher, AUTHENTICATION_ALGORITHM {} "
                                "must be absent",
                                esp_name(proto.transform_id), auth_name(proto.auth_algorithm));
      }
      auto a = auth_key_bytes(proto.auth_algorithm);
      if (!a) return std::move(a).error().with_context("ESP");
      k->auth_bytes = *a;
      if (id == EspTransformId::Null && proto.auth_algorithm == 0) {
        // RFC 4303 §3.2: confidentiality and integrity MUST NOT both be NULL.
        return base::make_error(base::ErrorCode::BadValue, base::NotifyType::AttributesNotSupported,
                                "ESP: NULL encryption without AUTHENTICATION_ALGORITHM "
                                "(RFC 4303 §3.2: not both NULL)");
      }
      return k;
    }
    case wire::ProtocolId::IpsecAh: {
      auto required = ah_required_auth(proto.transform_id);
      if (!required) return std::move(required).error().with_context("AH");
      if (proto.auth_algorithm != *required) {
        // RFC 2407 §4.5: for AH the Authentication Algorithm attribute MUST be present and MUST
        // correspond to the AH transform id.
        return base::make_error(
            base::ErrorCode::BadValue, base::NotifyType::BadProposalSyntax,
            "AH: transform {} requires AUTHENTICATION_ALGORITHM {}, got {}",
            wire::registry_name_or_number(wire::Registry::AhTransformId, proto.transform_id),
            auth_name(*required),
            proto.auth_algorithm == 0 ? std::string("none") : auth_name(proto.auth_algorithm));
      }
      KeySizes k;
      IKE_TRY(k.auth_bytes, auth_key_bytes(proto.auth_algorithm));
      return k;
    }
    case wire::ProtocolId::Ipcomp:
      return KeySizes{};
    case wire::ProtocolId::Isakmp:
      break;
  }
  return base::make_error(base::ErrorCode::BadValue, base::NotifyType::InvalidProtocolId,
                          "protocol {} has no IPsec keys",
                          wire::registry_name_or_number(wire::Registry::ProtocolId,
                                                        static_cast<uint32_t>(proto.protocol)));
}

base::Result<SplitKeys> split_keymat(base::ByteView keymat, const KeySizes& sizes) {
  if (keymat.size() != sizes.total()) {
    return base::make_error(base::ErrorCode::Internal, base::NotifyType::None,
                            "KEYMAT of {} bytes, need {} ({} key + {} salt + {} auth)",
                            keymat.size(), sizes.total(), sizes.enc_bytes, sizes.salt_bytes,
                            sizes.auth_bytes);
  }
  // RFC 2407 / RFC 4303 order: encryption key (salt last) first, then the authentication key.
  const std::size_t enc = sizes.enc_bytes + sizes.salt_bytes;
  SplitKeys out;
  out.enc_key = base::to_secure(keymat.first(enc));
  out.auth_key = base::to_secure(keymat.subspan(enc));
  return out;
}

base::Bytes spi_bytes(wire::ProtocolId protocol, base::Spi spi) {
  if (protocol == wire::ProtocolId::Ipcomp) {
    return {static_cast<uint8_t>(spi.value >> 8), static_cast<uint8_t>(spi.value)};
  }
  return {static_cast<uint8_t>(spi.value >> 24), static_cast<uint8_t>(spi.value >> 16),
          static_cast<uint8_t>(spi.value >> 8), static_cast<uint8_t>(spi.value)};
}

base::Result<SplitKeys> derive_sa_keys(const crypto::Provider& p, crypto::HashAlg h,
                                       base::ByteView skeyid_d, base::ByteView g_qm_xy,
                                       const Phase2Protocol& proto, bool inbound,
                                       base::ByteView ni_b, base::ByteView nr_b) {
  IKE_TRY(KeySizes sizes, protocol_key_sizes(proto));
  if (sizes.total() == 0) return SplitKeys{};
  // RFC 2409 §5.5: the SPI in KEYMAT is the one of the SA being keyed: the receiver chose it.
  const base::Bytes spi = spi_bytes(proto.protocol, inbound ? proto.our_spi : proto.peer_spi);
  SecureBytes keymat = derive_keymat(p, h, skeyid_d, g_qm_xy, static_cast<uint8_t>(proto.protocol),
                                     spi, ni_b, nr_b, sizes.total());
  return split_keymat(base::view(keymat), sizes);
}

}  // namespace ike::engine
