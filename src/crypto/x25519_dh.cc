// Curve25519 Diffie-Hellman (RFC 7748 §5-§6, used in IKE as group 31 per RFC 8031) through the
// OpenSSL EVP X25519 implementation.
//
// RFC 8031 §2: the KE payload is the 32-byte little-endian u-coordinate and the shared secret is
// the 32-byte X25519 output. The private value is 32 bytes from the injected base::Random
// (X25519 clamps it, RFC 7748 §5). RFC 8031 §2 / RFC 7748 §6.1: a receiver "MUST check whether
// the computed Diffie-Hellman shared secret is the all-zero value and abort if so" (a small-order
// peer point); OpenSSL refuses to derive in that case and this file reports it as
// INVALID_KEY_INFORMATION.
#include <algorithm>

#include "crypto/dh_impl.h"

namespace ike::crypto::detail {
namespace {

constexpr std::size_t kX25519Len = 32;

class X25519Group;

class X25519Private final : public DhPrivate {
 public:
  X25519Private(std::shared_ptr<const X25519Group> group, evp::PkeyPtr key, Bytes pub)
      : m_group(std::move(group)), m_key(std::move(key)), m_public(std::move(pub)) {}
  uint16_t group() const noexcept override;
  const Bytes& public_value() const noexcept override { return m_public; }
  base::Result<SecureBytes> shared_secret(ByteView peer_public) const override;

 private:
  std::shared_ptr<const X25519Group> m_group;
  evp::PkeyPtr m_key;
  Bytes m_public;
};

class X25519Group final : public DhGroupImpl,
                          public std::enable_shared_from_this<X25519Group> {
 public:
  X25519Group(const DhGroupInfo& info, LibPtr lib) : m_info(info), m_lib(std::move(lib)) {}

  const DhGroupInfo& info() const noexcept override { return m_info; }
  OSSL_LIB_CTX* lib() const noexcept { return m_lib->get(); }

  base::Result<std::unique_ptr<DhPrivate>> generate(base::Random& rng) const override {
    SecureBytes k(kX25519Len);
    rng.fill(k);
    return make(k);
  }

  base::Result<std::unique_ptr<DhPrivate>> from_private(ByteView k) const override {
    if (k.size() != kX25519Len) {
      return bad_private(m_info, "has {} bytes, expected {}", k.size(), kX25519Len);
    }
    return make(k);
  }

  // Only the length can be checked before computing: a small-order u shows as an all-zero
  // shared secret (RFC 7748 §6.1), which shared_secret() refuses.
  base::Status check_peer_public(ByteView peer) const override {
    if (peer.size() != kX25519Len) {
      return invalid_key(m_info, "peer public value has {} bytes, expected {}", peer.size(),
                         kX25519Len);
    }
    return base::ok();
  }

 private:
  base::Result<std::unique_ptr<DhPrivate>> make(ByteView k) const {
    evp::PkeyPtr key(
        EVP_PKEY_new_raw_private_key_ex(m_lib->get(), "X25519", nullptr, k.data(), k.size()));
    Bytes pub(kX25519Len);
    std::size_t len = pub.size();
    if (!key || EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) != 1 ||
        len != kX25519Len) {
      return evp::crypto_failure("CURVE25519: key setup");
    }
    return std::unique_ptr<DhPrivate>(
        std::make_unique<X25519Private>(shared_from_this(), std::move(key), std::move(pub)));
  }

  DhGroupInfo m_info;
  LibPtr m_lib;
};

uint16_t X25519Private::group() const noexcept { return m_group->info().id; }

base::Result<SecureBytes> X25519Private::shared_secret(ByteView peer_public) const {
  const DhGroupInfo& info = m_group->info();
  IKE_TRY_VOID(m_group->check_peer_public(peer_public));
  evp::PkeyPtr peer(EVP_PKEY_new_raw_public_key_ex(m_group->lib(), "X25519", nullptr,
                                                   peer_public.data(), peer_public.size()));
  evp::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(m_group->lib(), m_key.get(), nullptr));
  if (!peer || !ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) != 1) {
    return evp::crypto_failure("CURVE25519: derive setup");
  }
  SecureBytes secret(kX25519Len);
  std::size_t len = secret.size();
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1) {
    // OpenSSL's X25519 fails exactly when the result is all zero (RFC 7748 §6.1).
    (void)evp::drain_errors();
    return invalid_key(info, "shared secret is all zero (peer public value has small order)");
  }
  uint8_t acc = 0;
  for (uint8_t b : secret) {
    acc = static_cast<uint8_t>(acc | b);
  }
  if (len != kX25519Len || acc == 0) {
    return invalid_key(info, "shared secret is all zero (peer public value has small order)");
  }
  return secret;
}

}  // namespace

base::Result<std::shared_ptr<const DhGroupImpl>> make_x25519_group(const DhGroupInfo& info,
                                                                   LibPtr lib) {
  return std::shared_ptr<const DhGroupImpl>(std::make_shared<X25519Group>(info, std::move(lib)));
}

}  // namespace ike::crypto::detail
