// ReusedDhProvider: one DH key pair per group shared by every initiator (see reused_dh.h).
#include "reused_dh.h"

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

}  // namespace

base::Result<std::unique_ptr<crypto::DhPrivate>> ReusedDhProvider::dh_generate(
    uint16_t group, base::Random& rng) const {
  auto& slot = m_keys[group];
  if (!slot) {
    IKE_TRY(std::unique_ptr<crypto::DhPrivate> key, m_inner.dh_generate(group, rng));
    slot = std::move(key);
    ++m_generated;
  }
  ++m_handed_out;
  return std::unique_ptr<crypto::DhPrivate>(std::make_unique<SharedDh>(slot));
}

}  // namespace ike::ikeload
