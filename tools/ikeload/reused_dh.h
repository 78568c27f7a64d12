// A crypto::Provider decorator that makes the load generator cheaper than the responder it
// measures: dh_generate() returns the SAME key pair (one per group, created on first use) to
// every Engine, so an initiator never pays for g^x, only for g^xy (RFC 2409 §5 allows any
// private value; reusing it across exchanges only weakens the generator's own PFS, which a load
// test does not need). Everything else is forwarded to the wrapped provider.
//
// With `private_one` (ikeload --dh-private-one) the shared key pair of a MODP or ECP group has
// the private value 1: its public value is g (MODP: 2, left-padded to len(p); ECP: the base
// point G), and g^xy = (g^y)^1 is the responder's own public value, so the generator makes no
// exponentiation at all. It still checks that value as a real derivation would (length, range,
// on the curve: OpenSslProvider::dh_check_public) and hands the same secret to its engine as
// the responder computes. The responder's work does not change: it raises g to its own fresh
// exponent (a variable-base exponentiation like any other). Such a handshake has no secrecy at
// all, which a load test does not need either. Curve25519 cannot have the private value 1
// (RFC 7748 §5 clamps it), so group 31 keeps an ordinary reused key pair.
#pragma once

#include <map>
#include <memory>

#include "crypto/openssl_provider.h"

namespace ike::ikeload {

class ReusedDhProvider final : public crypto::Provider {
 public:
  explicit ReusedDhProvider(const crypto::OpenSslProvider& inner, bool private_one = false)
      : m_inner(inner), m_private_one(private_one) {}

  bool dh_group_supported(uint16_t group) const noexcept override {
    return m_inner.dh_group_supported(group);
  }
  std::size_t dh_public_length(uint16_t group) const noexcept override {
    return m_inner.dh_public_length(group);
  }
  [[nodiscard]] base::Result<std::unique_ptr<crypto::DhPrivate>> dh_generate(
      uint16_t group, base::Random& rng) const override;
  crypto::SecureBytes prf(crypto::HashAlg h, base::ByteView key,
                          std::span<const base::ByteView> parts) const override {
    return m_inner.prf(h, key, parts);
  }
  base::Bytes hash(crypto::HashAlg h, std::span<const base::ByteView> parts) const override {
    return m_inner.hash(h, parts);
  }
  [[nodiscard]] base::Result<base::Bytes> cbc_encrypt(crypto::CipherAlg c, base::ByteView key,
                                                       base::ByteView iv,
                                                       base::ByteView pt) const override {
    return m_inner.cbc_encrypt(c, key, iv, pt);
  }
  [[nodiscard]] base::Result<base::Bytes> cbc_decrypt(crypto::CipherAlg c, base::ByteView key,
                                                       base::ByteView iv,
                                                       base::ByteView ct) const override {
    return m_inner.cbc_decrypt(c, key, iv, ct);
  }
  bool cipher_supported(crypto::CipherAlg c) const noexcept override {
    return m_inner.cipher_supported(c);
  }

  // Key pairs actually generated (one per group used) and handed out in all.
  uint64_t generated() const noexcept { return m_generated; }
  uint64_t handed_out() const noexcept { return m_handed_out; }

 private:
  const crypto::OpenSslProvider& m_inner;
  bool m_private_one = false;
  mutable std::map<uint16_t, std::shared_ptr<const crypto::DhPrivate>> m_keys;
  mutable uint64_t m_generated = 0;
  mutable uint64_t m_handed_out = 0;
};

}  // namespace ike::ikeload
