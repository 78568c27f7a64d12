// crypto::Provider on OpenSSL 3 (EVP): HMAC PRFs and digests (RFC 2104 with the hash's own block
// size), CBC ciphers without padding (RFC 2409 App. A: 3DES, AES-128/192/256 per RFC 3602,
// Blowfish and CAST-128 through the legacy provider when enabled), and Diffie-Hellman for the
// groups of crypto/dh_groups.h. Algorithms are fetched once, at construction, from a library
// context of its own, and reused for every call. Thread-safe for concurrent const use.
//
// DhPrivate objects it returns share ownership of their group, so they may outlive the provider.
#pragma once

#include <memory>

#include "crypto/provider.h"

namespace ike::crypto {

class OpenSslProvider final : public Provider {
 public:
  struct Options {
    // Load OpenSSL's legacy provider for BLOWFISH_CBC and CAST_CBC ("legacy provider; off
    // unless configured"). Without it cipher_supported() is false for both.
    bool enable_legacy = false;
  };

  // Aborts with a message on stderr if OpenSSL's default provider or one of the required
  // algorithms (MD5, SHA-1, SHA-2, HMAC, AES-CBC, 3DES-CBC, the DH groups) is unavailable: the
  // daemon cannot run without them. If the legacy provider was requested and cannot be loaded,
  // Blowfish and CAST stay unsupported; use create() to treat that as an error.
  OpenSslProvider();
  explicit OpenSslProvider(Options options);
  ~OpenSslProvider() override;
  OpenSslProvider(const OpenSslProvider&) = delete;
  OpenSslProvider& operator=(const OpenSslProvider&) = delete;

  // As the constructor, but every failure (including a requested legacy provider that cannot be
  // loaded) is returned as an Error{Config} instead.
  [[nodiscard]] static base::Result<std::unique_ptr<OpenSslProvider>> create(Options options);

  bool legacy_enabled() const noexcept;

  bool dh_group_supported(uint16_t group) const noexcept override;
  std::size_t dh_public_length(uint16_t group) const noexcept override;
  [[nodiscard]] base::Result<std::unique_ptr<DhPrivate>> dh_generate(
      uint16_t group, base::Random& rng) const override;

  // Testing hook (RFC 5903 §8, RFC 6932 App. A, RFC 7748 §6.1 known answers, transcript tools):
  // the DhPrivate for a given private value: big-endian exponent (MODP, 1 <= x <= p-2) or
  // scalar (ECP, 1 <= k <= n-1), or the 32-byte X25519 scalar. Not for production key
  // generation: use dh_generate().
  [[nodiscard]] base::Result<std::unique_ptr<DhPrivate>> dh_from_private(
      uint16_t group, ByteView private_value) const;
  // The checks DhPrivate::shared_secret makes on a peer's KE value before computing anything,
  // with the same INVALID_KEY_INFORMATION errors (MODP: len(p) bytes, 1 < y < p-1; ECP: x || y
  // on the curve; X25519: 32 bytes). For a generator whose private value is 1 (ikeload
  // --dh-private-one), whose shared secret is then the peer's value itself.
  [[nodiscard]] base::Status dh_check_public(uint16_t group, ByteView peer_public) const;

  using Provider::hash;
  using Provider::prf;
  // Preconditions: h is a HashAlg enumerator (hash_supported()). A violation, or an OpenSSL
  // failure (memory exhaustion), is fatal: abort with a message.
  SecureBytes prf(HashAlg h, ByteView key, std::span<const ByteView> parts) const override;
  Bytes hash(HashAlg h, std::span<const ByteView> parts) const override;

  // BadLength for a key, IV or input of the wrong length, Unsupported for a cipher that is not
  // available (Blowfish/CAST without the legacy provider, unknown values).
  [[nodiscard]] base::Result<Bytes> cbc_encrypt(CipherAlg c, ByteView key, ByteView iv,
                                                ByteView plaintext) const override;
  [[nodiscard]] base::Result<Bytes> cbc_decrypt(CipherAlg c, ByteView key, ByteView iv,
                                                ByteView ciphertext) const override;
  bool cipher_supported(CipherAlg c) const noexcept override;

 private:
  struct Impl;
  struct PassKey {
    explicit PassKey() = default;
  };

 public:
  // Used by create(); not callable from outside (PassKey is private).
  OpenSslProvider(PassKey, std::unique_ptr<Impl> impl);

 private:
  [[nodiscard]] base::Result<Bytes> cbc(CipherAlg c, ByteView key, ByteView iv, ByteView input,
                                        bool encrypt) const;

  std::unique_ptr<Impl> m_impl;
};

}  // namespace ike::crypto
