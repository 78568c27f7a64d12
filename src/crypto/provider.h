// The crypto interface the engine depends on (design §3.5). Algorithms are named by their IKE
// wire values (wire/registry.h numbers, kept as plain integers so crypto does not depend on
// wire). The OpenSSL 3 implementation is openssl_provider.h; tests and the engine fuzzer may
// substitute their own. Every secret output is SecureBytes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>

#include "base/bytes.h"
#include "base/random.h"
#include "base/result.h"

namespace ike::crypto {

using base::ByteView;
using base::Bytes;
using base::SecureBytes;

// IKE hash algorithm values (RFC 2409 App. A): MD5 1, SHA 2, SHA2_256 4, SHA2_384 5, SHA2_512 6.
enum class HashAlg : uint16_t { Md5 = 1, Sha1 = 2, Sha256 = 4, Sha384 = 5, Sha512 = 6 };
std::size_t hash_length(HashAlg h) noexcept;  // 16, 20, 32, 48, 64
bool hash_supported(uint16_t ike_hash) noexcept;

// CBC ciphers used for IKE phase-1 encryption (RFC 2409 App. A values).
enum class CipherAlg : uint16_t { Blowfish = 3, TripleDes = 5, Cast = 6, Aes = 7 };
std::size_t cipher_block_size(CipherAlg c) noexcept;  // 8 or 16
// Key length in bytes for a given KEY_LENGTH attribute (bits, 0 = the cipher's default);
// BadValue when the length is not allowed for the cipher (AES: 128/192/256; 3DES: 192 only;
// Blowfish 40..448 multiple of 8; CAST 40..128 multiple of 8).
[[nodiscard]] base::Result<std::size_t> cipher_key_bytes(CipherAlg c, uint16_t key_length_bits);

// A Diffie-Hellman private value for one exchange (RFC 2409 §5, RFC 5903, RFC 8031).
class DhPrivate {
 public:
  virtual ~DhPrivate() = default;
  virtual uint16_t group() const noexcept = 0;
  // KE payload data: MODP g^x mod p left-padded to len(p); ECP x||y padded; X25519 32 bytes.
  virtual const Bytes& public_value() const noexcept = 0;
  // g^xy: MODP left-padded to len(p); ECP the x coordinate (RFC 5903 §9). Fails with
  // INVALID_KEY_INFORMATION if the peer value has the wrong length, is 0, 1, p-1, >= p, or is
  // not on the curve.
  [[nodiscard]] virtual base::Result<SecureBytes> shared_secret(ByteView peer_public) const = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;

  virtual bool dh_group_supported(uint16_t group) const noexcept = 0;
  virtual std::size_t dh_public_length(uint16_t group) const noexcept = 0;
  // The private value is drawn from `rng` so that exchanges replay byte for byte.
  [[nodiscard]] virtual base::Result<std::unique_ptr<DhPrivate>> dh_generate(
      uint16_t group, base::Random& rng) const = 0;

  // HMAC(key, parts[0] | parts[1] | ...) with the standard block size of the hash
  // (64 for MD5/SHA1/SHA256, 128 for SHA384/512).
  virtual SecureBytes prf(HashAlg h, ByteView key, std::span<const ByteView> parts) const = 0;
  SecureBytes prf(HashAlg h, ByteView key, std::initializer_list<ByteView> parts) const {
    return prf(h, key, std::span<const ByteView>(parts.begin(), parts.size()));
  }
  // Plain digest of the concatenation.
  virtual Bytes hash(HashAlg h, std::span<const ByteView> parts) const = 0;
  Bytes hash(HashAlg h, std::initializer_list<ByteView> parts) const {
    return hash(h, std::span<const ByteView>(parts.begin(), parts.size()));
  }

  // CBC without padding; input length must be a multiple of the block size, iv one block.
  [[nodiscard]] virtual base::Result<Bytes> cbc_encrypt(CipherAlg c, ByteView key, ByteView iv,
                                                        ByteView plaintext) const = 0;
  [[nodiscard]] virtual base::Result<Bytes> cbc_decrypt(CipherAlg c, ByteView key, ByteView iv,
                                                        ByteView ciphertext) const = 0;
  virtual bool cipher_supported(CipherAlg c) const noexcept = 0;
};

// Constant-time comparison for MACs and HASH payloads (CRYPTO_memcmp); false on size mismatch.
bool constant_time_equal(ByteView a, ByteView b) noexcept;

}  // namespace ike::crypto
