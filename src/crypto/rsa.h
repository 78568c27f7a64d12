// RSA keys and the IKEv1 RSA signature primitive (RFC 2409 §5.1, features §1.2): PKCS#1 v1.5
// type-1 padding over the raw HASH_I / HASH_R -- no DigestInfo, as isakmpd, strongSwan
// (EMSA_PKCS1_NULL) and libreswan do. Signing goes through OpenSSL (blinding on). Verification
// does NOT use OpenSSL's padding check: it computes the raw public operation s^e mod n, builds the
// expected block 00 01 FF..FF 00 || HASH locally and compares the whole k-byte block in constant
// time, so no lax parser of the decrypted block exists (the classic forgeries: short padding,
// garbage after the hash, an attacker-chosen DigestInfo with e=3). Keys are checked when loaded:
// modulus 1024..16384 bits, public exponent odd and >= 3. PEM input: SubjectPublicKeyInfo
// ("PUBLIC KEY", isakmpd's RSA_PUBKEY) or PKCS#1 ("RSA PUBLIC KEY"); private keys in PKCS#1 or
// PKCS#8. Keys are immutable and cheap to copy (shared ownership of the OpenSSL object); a
// public key keeps n, e and the Montgomery context of n from loading on (rsa_verify_ike is one
// modular exponentiation, no parameter export per call).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace ike::crypto {

inline constexpr std::size_t kMinRsaBits = 1024;
inline constexpr std::size_t kMaxRsaBits = 16384;
inline constexpr std::size_t kMaxPemSize = 64 * 1024;

struct RsaKeyHandle;     // the OpenSSL EVP_PKEY (internal)
struct RsaPublicParams;  // n, e and n's Montgomery context, read once at load (internal)

class RsaPublicKey {
 public:
  RsaPublicKey() = default;
  bool valid() const noexcept { return m_key != nullptr; }
  std::size_t bits() const noexcept { return m_bits; }
  std::size_t modulus_bytes() const noexcept { return (m_bits + 7) / 8; }
  // DER SubjectPublicKeyInfo (used to compare keys and to match a certificate to local.key).
  const base::Bytes& spki_der() const noexcept { return m_spki; }
  bool same_key(const RsaPublicKey& o) const noexcept;

  const RsaKeyHandle* handle() const noexcept { return m_key.get(); }
  const RsaPublicParams* params() const noexcept { return m_params.get(); }
  static base::Result<RsaPublicKey> from_handle(std::shared_ptr<const RsaKeyHandle> h);

 private:
  std::shared_ptr<const RsaKeyHandle> m_key;
  std::shared_ptr<const RsaPublicParams> m_params;
  std::size_t m_bits = 0;
  base::Bytes m_spki;
};

class RsaPrivateKey {
 public:
  RsaPrivateKey() = default;
  bool valid() const noexcept { return m_key != nullptr; }
  const RsaPublicKey& public_key() const noexcept { return m_public; }
  const RsaKeyHandle* handle() const noexcept { return m_key.get(); }
  static base::Result<RsaPrivateKey> from_handle(std::shared_ptr<const RsaKeyHandle> h);

 private:
  std::shared_ptr<const RsaKeyHandle> m_key;
  RsaPublicKey m_public;
};

// PEM "PUBLIC KEY" or "RSA PUBLIC KEY". Errors: BadValue (not PEM / not RSA, naming what OpenSSL
// said), TooMany (over kMaxPemSize), Unsupported (modulus size or exponent outside the policy).
[[nodiscard]] base::Result<RsaPublicKey> rsa_public_key_from_pem(base::ByteView pem);
// DER SubjectPublicKeyInfo; same errors.
[[nodiscard]] base::Result<RsaPublicKey> rsa_public_key_from_spki(base::ByteView der);
// PEM "RSA PRIVATE KEY" or "PRIVATE KEY" (unencrypted); same errors.
[[nodiscard]] base::Result<RsaPrivateKey> rsa_private_key_from_pem(base::ByteView pem);

// RFC 2409 §5.1 SIG_I/SIG_R: EMSA-PKCS1-v1_5 type 1 without DigestInfo over `hash`, modulus-length
// output. Errors: BadLength if the hash does not fit (len > k - 11), Crypto on an OpenSSL failure.
[[nodiscard]] base::Result<base::Bytes> rsa_sign_ike(const RsaPrivateKey& key,
                                                     base::ByteView hash);

// Verifies `sig` over `hash` as above. Every failure is ErrorCode::Auth with notify
// INVALID_SIGNATURE and a detail naming the check: signature length != modulus length, s >= n,
// hash too long for the modulus, padded block mismatch (the block itself is never logged).
[[nodiscard]] base::Status rsa_verify_ike(const RsaPublicKey& key, base::ByteView hash,
                                          base::ByteView sig);

// Test support: the raw public operation s^e mod n, left-padded to the modulus length, and its
// inverse with the private key (no padding). Used by forgery tests to build hostile blocks.
[[nodiscard]] base::Result<base::Bytes> rsa_public_raw(const RsaPublicKey& key,
                                                       base::ByteView s);
[[nodiscard]] base::Result<base::Bytes> rsa_private_raw(const RsaPrivateKey& key,
                                                        base::ByteView block);

}  // namespace ike::crypto
