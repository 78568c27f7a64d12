// Internal to src/crypto: the per-group Diffie-Hellman engines behind OpenSslProvider. One
// DhGroupImpl per supported group is built when the provider starts (EC_GROUP, Montgomery
// context, prime bytes) and shared by every DhPrivate it creates, which keeps its group (and the
// OpenSSL library context) alive. Peer-value failures are INVALID_KEY_INFORMATION errors whose
// detail names the group: "MODP_2048 peer public value has 255 bytes, expected 256".
#pragma once

#include <memory>

#include "base/random.h"
#include "base/result.h"
#include "crypto/dh_groups.h"
#include "crypto/evp.h"
#include "crypto/provider.h"

namespace ike::crypto::detail {

class DhGroupImpl {
 public:
  virtual ~DhGroupImpl() = default;
  virtual const DhGroupInfo& info() const noexcept = 0;
  // A fresh private value drawn from `rng` (MODP: private_bits random bits, never 0; ECP:
  // uniform in [1, n-1] by rejection sampling; X25519: 32 random bytes, clamped by X25519).
  [[nodiscard]] virtual base::Result<std::unique_ptr<DhPrivate>> generate(
      base::Random& rng) const = 0;
  // The testing hook behind OpenSslProvider::dh_from_private (big-endian private value for MODP
  // and ECP, the RFC 7748 32-byte scalar for X25519).
  [[nodiscard]] virtual base::Result<std::unique_ptr<DhPrivate>> from_private(
      ByteView private_value) const = 0;
  // The checks that DhPrivate::shared_secret makes on a peer's KE value before it computes
  // (MODP: length and 1 < y < p-1; ECP: length, coordinates below p, on the curve, not at
  // infinity; X25519: length), with the same errors. Behind OpenSslProvider::dh_check_public.
  [[nodiscard]] virtual base::Status check_peer_public(ByteView peer) const = 0;
};

using LibPtr = std::shared_ptr<const evp::LibContext>;

[[nodiscard]] base::Result<std::shared_ptr<const DhGroupImpl>> make_modp_group(
    const DhGroupInfo& info, LibPtr lib);
[[nodiscard]] base::Result<std::shared_ptr<const DhGroupImpl>> make_ecp_group(
    const DhGroupInfo& info, LibPtr lib);
[[nodiscard]] base::Result<std::shared_ptr<const DhGroupImpl>> make_x25519_group(
    const DhGroupInfo& info, LibPtr lib);

// The prime of a MODP group, big-endian, exactly len(p) bytes (RFC 2409 §6.1-6.2, RFC 3526).
// Empty for a non-MODP group.
Bytes modp_prime(uint16_t group);

// INVALID_KEY_INFORMATION with "<group name> <detail>".
template <class... Args>
base::Error invalid_key(const DhGroupInfo& g, fmt::format_string<Args...> f, Args&&... args) {
  return base::make_error(base::ErrorCode::BadValue, base::NotifyType::InvalidKeyInformation,
                          "{} {}", g.name, fmt::format(f, std::forward<Args>(args)...));
}

// Bad private value handed to the testing hook.
template <class... Args>
base::Error bad_private(const DhGroupInfo& g, fmt::format_string<Args...> f, Args&&... args) {
  return base::make_error(base::ErrorCode::BadValue, base::NotifyType::None,
                          "{} private value {}", g.name,
                          fmt::format(f, std::forward<Args>(args)...));
}

// Big-endian comparison of equal-length byte strings (public values only: not constant time).
int compare_be(ByteView a, ByteView b) noexcept;

}  // namespace ike::crypto::detail
