// ReusedDhProvider: one DH key pair per group shared by every initiator (see reused_dh.h).
#include "reused_dh.h"

#include "crypto/dh_groups.h"

namespace ike::ikeload {

namespace {

// A view of the shared key pair with the DhPrivate interface the engine owns one of.
class SharedDh final : public crypto::DhPrivate {
 public:
  explicit SharedDh(std::shared_ptr<const crypto::DhPrivate> key) : m_key(std::move(key)) {}
  uint16_t group() const noexcept override { return m_key->group(); }
  const base::Bytes& public_value() const noexcept override { return m_key->public_value(); }
  [[nodiscard]] base::Result<crypto::SecureBytes> shared_secret(
      base::ByteView peer_public) const override {
    return m_key->shared_secret(peer_public);
  }

 private:
  std::shared_ptr<const crypto::DhPrivate> m_key;
};

// The key pair with private value 1 (reused_dh.h): g^xy = y, checked, with no exponentiation.
class PrivateOneDh final : public crypto::DhPrivate {
 public:
  PrivateOneDh(const crypto::OpenSslProvider& provider, std::unique_ptr<crypto::DhPrivate> key,
               crypto::DhKind kind)
      : m_provider(provider), m_key(std::move(key)), m_kind(kind) {}
  uint16_t group() const noexcept override { return m_key->group(); }
  const base::Bytes& public_value() const noexcept override { return m_key->public_value(); }
  [[nodiscard]] base::Result<crypto::SecureBytes> shared_secret(
      base::ByteView peer_public) const override {
    IKE_TRY_VOID(m_provider.dh_check_public(group(), peer_public));
    // MODP: y^1 = y, already len(p) bytes. ECP: [1]Q = Q, and RFC 5903 §9 keeps its x, the
    // first half of x || y.
    std::size_t n = m_kind == crypto::DhKind::Ecp ? peer_public.size() / 2 : peer_public.size();
    return crypto::SecureBytes(peer_public.begin(),
                               peer_public.begin() + static_cast<std::ptrdiff_t>(n));
  }

 private:
  const crypto::OpenSslProvider& m_provider;
  std::unique_ptr<crypto::DhPrivate> m_key;
  crypto::DhKind m_kind;
};

}  // namespace

base::Result<std::unique_ptr<crypto::DhPrivate>> ReusedDhProvider::dh_generate(
    uint16_t group, base::Random& rng) const {
  auto& slot = m_keys[group];
  if (!slot) {
    const crypto::DhGroupInfo* info = crypto::find_dh_group(group);
    if (m_private_one && info != nullptr && info->kind != crypto::DhKind::Curve25519) {
      const uint8_t one = 1;
      IKE_TRY(std::unique_ptr<crypto::DhPrivate> key,
              m_inner.dh_from_private(group, base::ByteView(&one, 1)));
      slot = std::make_shared<PrivateOneDh>(m_inner, std::move(key), info->kind);
    } else {
      IKE_TRY(std::unique_ptr<crypto::DhPrivate> key, m_inner.dh_generate(group, rng));
      slot = std::move(key);
    }
    ++m_generated;
  }
  ++m_handed_out;
  return std::unique_ptr<crypto::DhPrivate>(std::make_unique<SharedDh>(slot));
}

}  // namespace ike::ikeload
