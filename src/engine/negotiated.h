// The outcome of a negotiation as plain values: Phase1Suite (the one ISAKMP transform chosen in
// Main Mode, RFC 2409 §5 / App. A) and Phase2Suite (the protocols, transforms, SPIs and PFS group
// chosen in Quick Mode, RFC 2409 §5.5 / RFC 2407 §4.5). Produced by phase1_policy / phase2_policy,
// consumed by keymat, esp_keys and the exchanges; to_string() feeds logs and SaEvent details.
// Owns no state and no secrets. The out-of-line members are defined in phase1_policy.cc
// (Phase1Suite, hash/cipher mapping, dh_group_name) and phase2_policy.cc (Phase2*).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "crypto/provider.h"
#include "wire/payload.h"
#include "wire/registry.h"

namespace ike::engine {

// One negotiated ISAKMP SA transform (RFC 2409 App. A attribute values).
struct Phase1Suite {
  wire::IkeEncryption encryption = wire::IkeEncryption::AesCbc;
  // The KEY_LENGTH attribute in bits; 0 when the transform carried none (the cipher default,
  // see enc_key_bytes()).
  uint16_t key_length_bits = 0;
  crypto::HashAlg hash = crypto::HashAlg::Sha1;
  wire::IkeAuthMethod auth_method = wire::IkeAuthMethod::PreShared;
  // draft-beaulieu-ike-xauth-02 §5: the XAUTH method on the wire (65001/65002/65005/65006), 0
  // without XAUTH; `auth_method` then holds the base method phase 1 runs (PRE_SHARED/RSA_SIG).
  uint16_t xauth_method = 0;
  uint16_t dh_group = 0;      // wire::DhGroupId value
  uint64_t life_seconds = 0;  // 0 = none negotiated
  uint64_t life_kbytes = 0;   // 0 = none negotiated (parsed, not enforced: isakmpd parity)
  uint8_t transform_number = 1;

  // The CBC cipher of the crypto provider for `encryption`; Unsupported (notify
  // ATTRIBUTES_NOT_SUPPORTED) for ciphers we do not implement (DES, IDEA, RC5, Camellia).
  [[nodiscard]] base::Result<crypto::CipherAlg> cipher() const;
  // Encryption key length in bytes (crypto::cipher_key_bytes with key_length_bits).
  [[nodiscard]] base::Result<std::size_t> enc_key_bytes() const;
  // "AES_CBC-128/SHA/MODP_2048/PRE_SHARED life 3600s" ("3DES_CBC/..." without a key length;
  // " 1000KB" appended when a kilobyte lifetime was negotiated; "no life" when neither).
  std::string to_string() const;
  // The AUTHENTICATION_METHOD value on the wire (xauth_method when set).
  uint16_t wire_auth_method() const noexcept {
    return xauth_method != 0 ? xauth_method : static_cast<uint16_t>(auth_method);
  }
  bool operator==(const Phase1Suite&) const = default;
};

// One protocol (AH, ESP or IPCOMP) of the chosen Quick Mode proposal.
struct Phase2Protocol {
  wire::ProtocolId protocol = wire::ProtocolId::IpsecEsp;
  uint8_t transform_id = 0;       // EspTransformId / AhTransformId / IpcompTransformId value
  uint8_t transform_number = 1;   // as numbered in the offer
  uint16_t key_length_bits = 0;   // KEY_LENGTH attribute; 0 = absent (cipher default)
  uint16_t auth_algorithm = 0;    // wire::IpsecAuthAlg value; 0 = none
  wire::EncapsulationMode encapsulation = wire::EncapsulationMode::Tunnel;
  uint64_t life_seconds = 0;      // 0 = none (see phase2_policy.h for the defaults applied)
  uint64_t life_kbytes = 0;
  uint8_t replay_window = 16;     // local [IPsec-protocol]:ReplayWindow (not negotiated)
  // SPIs: `peer_spi` is the one the peer allocated (our OUTBOUND SA), `our_spi` the one we
  // allocated (our INBOUND SA). IPCOMP carries its CPI in the low 16 bits.
  base::Spi peer_spi{};
  base::Spi our_spi{};
  // The transform exactly as it was on the wire (echoed in the responder's reply).
  wire::Transform transform;

  // "ESP AES-128/HMAC_SHA TUNNEL life 1200s spi in 0x0a0b0c0d out 0x01020304"
  std::string to_string() const;
  void append_to(std::string& out) const;  // the same text, appended
  bool operator==(const Phase2Protocol&) const = default;
};

// The chosen Quick Mode proposal: one or more protocols sharing a proposal number (an
// AND-bundle, RFC 2408 §4.2) and one PFS group (all SAs of one Quick Mode share it).
struct Phase2Suite {
  uint8_t proposal_number = 1;
  uint16_t pfs_group = 0;  // wire::DhGroupId value; 0 = no PFS (no KE payloads)
  std::vector<Phase2Protocol> protocols;

  const Phase2Protocol* find(wire::ProtocolId p) const;
  // "#1 ESP AES-128/HMAC_SHA TUNNEL life 1200s ... PFS MODP_2048" (protocols joined by " + ").
  std::string to_string() const;
  bool operator==(const Phase2Suite&) const = default;
};

// Symbolic helpers shared by the policy code and its error details.
std::string phase2_transform_name(wire::ProtocolId protocol, uint8_t transform_id);
std::string dh_group_name(uint16_t group);
// IKE HASH_ALGORITHM value -> provider hash (same numbering); nullopt for TIGER / unknown.
std::optional<crypto::HashAlg> hash_alg_from_ike(uint64_t ike_hash) noexcept;
// IKE ENCRYPTION_ALGORITHM value -> provider CBC cipher; nullopt for ciphers we lack.
std::optional<crypto::CipherAlg> cipher_alg_from_ike(uint64_t ike_encryption) noexcept;

}  // namespace ike::engine
