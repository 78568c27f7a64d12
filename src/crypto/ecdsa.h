// ECDSA keys and the IKEv1 ECDSA signature primitive (RFC 4754): authentication methods 9
// (ECDSA-256: P-256 with SHA-256), 10 (ECDSA-384: P-384 with SHA-384) and 11 (ECDSA-521:
// P-521 with SHA-512). In IKEv1 the signed data is HASH_I / HASH_R, which the engine computes
// with the method's hash as PRF (engine/auth_signature.h auth_hash_alg, strongSwan's
// "prf_auth"); it is signed as the ECDSA digest itself, NOT hashed again (strongSwan's IKEv1
// SIGN_ECDSA_WITH_NULL; interop-tested against charon 5.9.8 in both roles); §7/§8: the
// SIG payload carries r || s, each a fixed-width big-endian integer of the curve's size
// (32, 48, 66 octets), not the DER ECDSA-Sig-Value OpenSSL produces -- the conversion both ways
// lives here. Verification rejects a wrong length, r or s outside [1, n-1] and a key on another
// curve than the method's before OpenSSL's verify. Keys: PEM SubjectPublicKeyInfo / "EC PRIVATE
// KEY" / PKCS#8 on one of the three curves only. Immutable, cheap to copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "base/bytes.h"
#include "base/result.h"

namespace ike::crypto {

enum class EcdsaCurve : uint8_t { P256, P384, P521 };

struct EcdsaParams {
  EcdsaCurve curve;
  uint16_t auth_method;      // RFC 4754 §3 / IANA IKEv1 authentication method
  std::size_t field_bytes;   // width of r and of s in the signature
  const char* hash;          // OpenSSL digest name
  const char* group;         // OpenSSL group name
};
const EcdsaParams& ecdsa_params(EcdsaCurve c) noexcept;
// "P-256", "P-384", "P-521" (FIPS 186 names, for logs and error details).
const char* ecdsa_curve_name(EcdsaCurve c) noexcept;
// Authentication method 9/10/11 -> its curve; nullopt for any other value.
std::optional<EcdsaCurve> ecdsa_curve_for_method(uint16_t auth_method) noexcept;

struct EcKeyHandle;  // the OpenSSL EVP_PKEY (internal)

class EcdsaPublicKey {
 public:
  EcdsaPublicKey() = default;
  bool valid() const noexcept { return m_key != nullptr; }
  EcdsaCurve curve() const noexcept { return m_curve; }
  const base::Bytes& spki_der() const noexcept { return m_spki; }
  bool same_key(const EcdsaPublicKey& o) const noexcept { return m_spki == o.m_spki; }
  const EcKeyHandle* handle() const noexcept { return m_key.get(); }
  static base::Result<EcdsaPublicKey> from_handle(std::shared_ptr<const EcKeyHandle> h);

 private:
  std::shared_ptr<const EcKeyHandle> m_key;
  EcdsaCurve m_curve = EcdsaCurve::P256;
  base::Bytes m_spki;
};

class EcdsaPrivateKey {
 public:
  EcdsaPrivateKey() = default;
  bool valid() const noexcept { return m_key != nullptr; }
  const EcdsaPublicKey& public_key() const noexcept { return m_public; }
  EcdsaCurve curve() const noexcept { return m_public.curve(); }
  const EcKeyHandle* handle() const noexcept { return m_key.get(); }
  static base::Result<EcdsaPrivateKey> from_handle(std::shared_ptr<const EcKeyHandle> h);

 private:
  std::shared_ptr<const EcKeyHandle> m_key;
  EcdsaPublicKey m_public;
};

// PEM "PUBLIC KEY" (SubjectPublicKeyInfo) / DER SPKI / PEM "EC PRIVATE KEY" or "PRIVATE KEY".
// Errors: BadValue (not PEM / not EC), TooMany (over 64 KB), Unsupported (another curve).
[[nodiscard]] base::Result<EcdsaPublicKey> ecdsa_public_key_from_pem(base::ByteView pem);
[[nodiscard]] base::Result<EcdsaPublicKey> ecdsa_public_key_from_spki(base::ByteView der);
[[nodiscard]] base::Result<EcdsaPrivateKey> ecdsa_private_key_from_pem(base::ByteView pem);

// RFC 4754 §7 SIG_I / SIG_R over `data` (HASH_I / HASH_R) with `auth_method` (9/10/11): the key
// must be on the method's curve (Unsupported otherwise); output r || s, 2 x field_bytes.
[[nodiscard]] base::Result<base::Bytes> ecdsa_sign_ike(const EcdsaPrivateKey& key,
                                                       uint16_t auth_method,
                                                       base::ByteView data);
// Verifies as above. Every failure is ErrorCode::Auth with INVALID_SIGNATURE and a detail naming
// the check (method/curve mismatch, length, r or s out of range, signature mismatch).
[[nodiscard]] base::Status ecdsa_verify_ike(const EcdsaPublicKey& key, uint16_t auth_method,
                                            base::ByteView data, base::ByteView sig);

// DER ECDSA-Sig-Value (RFC 3279 §2.2.3) <-> r || s of `field_bytes` each. der_to_raw fails on
// malformed DER, trailing bytes or an integer wider than field_bytes; raw_to_der on a length
// other than 2 x field_bytes.
[[nodiscard]] base::Result<base::Bytes> ecdsa_der_to_raw(base::ByteView der,
                                                         std::size_t field_bytes);
[[nodiscard]] base::Result<base::Bytes> ecdsa_raw_to_der(base::ByteView raw,
                                                         std::size_t field_bytes);

}  // namespace ike::crypto
