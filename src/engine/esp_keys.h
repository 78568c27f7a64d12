// IPsec SA key sizes and KEYMAT splitting (RFC 2407 §4.4.3-4.5, RFC 2409 §5.5, RFC 4303/4302,
// RFC 3602, RFC 3686, RFC 4106, RFC 4543, RFC 4868, RFC 2857): how many KEYMAT bytes each AH/ESP/
// IPCOMP transform needs, and the split into encryption key (first, salt included for AES-CTR/
// GCM/GMAC) and authentication key (second). Every unsupported transform id, authentication
// algorithm or key length is rejected with a precise error instead of yielding a zero-length key
// (CVE-2024-3652 class). Pure functions; owns no state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "base/ids.h"
#include "base/result.h"
#include "crypto/provider.h"
#include "engine/negotiated.h"

namespace ike::engine {

// Key material needed by one SA of one protocol.
struct KeySizes {
  std::size_t enc_bytes = 0;   // cipher key WITHOUT salt
  std::size_t salt_bytes = 0;  // 4 for AES-CTR (RFC 3686 §5.1), AES-GCM (RFC 4106 §8.1),
                               // AES-GMAC (RFC 4543 §7.1); 0 otherwise
  std::size_t auth_bytes = 0;  // HMAC key
  std::size_t total() const noexcept { return enc_bytes + salt_bytes + auth_bytes; }
  bool operator==(const KeySizes&) const = default;
};

// ESP encryption key size for a transform id and KEY_LENGTH attribute (bits, 0 = absent):
//   3DES 24 (KEY_LENGTH absent or 192), AES-CBC KEY_LENGTH/8 in {16,24,32} (absent = 16,
//   isakmpd parity), AES-CTR / AES-GCM-16 / NULL_AUTH_AES_GMAC the same plus 4 salt bytes,
//   CAST 16 (absent or 128), BLOWFISH KEY_LENGTH/8 (40..448 bits, multiple of 8; absent = 16),
//   NULL 0 (KEY_LENGTH must be absent).
// Errors (notify ATTRIBUTES_NOT_SUPPORTED, code Unsupported/BadValue): any other transform id
// ("ESP transform DES (2) not supported"), a key length the cipher does not allow ("ESP AES:
// KEY_LENGTH 100 not one of 128/192/256").
[[nodiscard]] base::Result<KeySizes> esp_cipher_key_sizes(uint8_t esp_transform_id,
                                                           uint16_t key_length_bits);

// HMAC key size for an RFC 2407 §4.5 AUTHENTICATION_ALGORITHM value: HMAC_MD5 16, HMAC_SHA 20,
// HMAC_SHA2_256 32, HMAC_SHA2_384 48, HMAC_SHA2_512 64, HMAC_RIPEMD 20; 0 for 0 (absent).
// Errors (ATTRIBUTES_NOT_SUPPORTED): DES_MAC, KPDK, AES_XCBC_MAC, AES_GMAC_* and unknown values.
[[nodiscard]] base::Result<std::size_t> auth_key_bytes(uint16_t auth_algorithm);

// The AUTHENTICATION_ALGORITHM an AH transform id requires (RFC 2407 §4.5: "AH ... the
// Authentication Algorithm attribute MUST be specified and MUST match the AH transform"):
// MD5 -> HMAC_MD5, SHA -> HMAC_SHA, SHA2_256/384/512 -> HMAC_SHA2_*, RIPEMD -> HMAC_RIPEMD.
// Errors (INVALID_TRANSFORM_ID): AH DES and unknown ids.
[[nodiscard]] base::Result<uint16_t> ah_required_auth(uint8_t ah_transform_id);

// Key sizes for one negotiated protocol:
//   ESP: esp_cipher_key_sizes + auth_key_bytes; combined-mode ciphers (AES_GCM_16,
//        NULL_AUTH_AES_GMAC) must carry no AUTHENTICATION_ALGORITHM (RFC 4106 §8 / RFC 4543
//        §7: integrity comes from the cipher); ESP NULL without authentication is rejected (RFC
//        4303 §3.2: "confidentiality and integrity cannot both be NULL").
//   AH:  auth key only; AUTHENTICATION_ALGORITHM must be present and match ah_required_auth().
//   IPCOMP: {0,0,0} (no keys).
// Errors: as above (ATTRIBUTES_NOT_SUPPORTED / INVALID_TRANSFORM_ID / BAD_PROPOSAL_SYNTAX),
// detail prefixed with the protocol ("ESP: ...").
[[nodiscard]] base::Result<KeySizes> protocol_key_sizes(const Phase2Protocol& proto);

struct SplitKeys {
  base::SecureBytes enc_key;   // enc_bytes + salt_bytes (salt LAST, as XFRM and PF_KEY expect)
  base::SecureBytes auth_key;  // auth_bytes
};

// RFC 4303 / RFC 2407 order (isakmpd, strongSwan, libreswan): the encryption key is taken from
// the start of KEYMAT, the authentication key from the bytes that follow it.
// Errors: Internal if keymat.size() != sizes.total() (caller passed a wrongly sized KEYMAT).
[[nodiscard]] base::Result<SplitKeys> split_keymat(base::ByteView keymat, const KeySizes& sizes);

// The per-direction keys of one negotiated protocol, combining protocol_key_sizes, derive_keymat
// (RFC 2409 §5.5) and split_keymat.
//   inbound  = true: keys for the SA the PEER sends on, keyed with proto.our_spi;
//   inbound  = false: keys for the SA WE send on, keyed with proto.peer_spi.
// `ni_b`/`nr_b` are the Quick Mode nonce bodies of initiator and responder (role independent);
// `g_qm_xy` the PFS shared secret or empty. SPI encoding: 4 octets for AH/ESP, 2 for IPCOMP.
// Errors: those of protocol_key_sizes.
[[nodiscard]] base::Result<SplitKeys> derive_sa_keys(const crypto::Provider& p,
                                                     crypto::HashAlg h, base::ByteView skeyid_d,
                                                     base::ByteView g_qm_xy,
                                                     const Phase2Protocol& proto, bool inbound,
                                                     base::ByteView ni_b, base::ByteView nr_b);

// SPI octets as they appear in the proposal for `protocol` (4 octets; 2 for IPCOMP CPIs).
base::Bytes spi_bytes(wire::ProtocolId protocol, base::Spi spi);

}  // namespace ike::engine
