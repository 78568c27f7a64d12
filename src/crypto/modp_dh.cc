// MODP Diffie-Hellman (RFC 2409 §5 and §6.1-6.2, RFC 3526 groups 5 and 14-18) on OpenSSL 3.
//
// The private exponent x is drawn from the injected base::Random (group table: private_bits
// random bits, x != 0) and kept in a secure BIGNUM (cleared when freed). Both g^x mod p and the
// shared secret y^x mod p are computed by OpenSSL's constant-time Montgomery exponentiation
// (BN_mod_exp_mont_consttime, the primitive OpenSSL's own DH key generation and derivation
// call) with the Montgomery context cached per group, except that g^x for an exponent of the
// group's private_bits goes through the fixed-base comb of modp_fixed_base.h (its table built on
// the group's first key, 3x faster for MODP_2048). Going through EVP_PKEY_fromdata and
// EVP_PKEY_derive instead built two EVP_PKEYs, a fresh Montgomery context for p and a fetched
// key exchange per handshake, for the same exponentiation (issue #7). The KE payload carries g^x
// and the secret is g^xy, both left-padded to len(p) (RFC 2409 §5: "the Diffie-Hellman public
// value ... MUST be padded with zeros to the length of the prime"; BN_bn2binpad writes in
// constant time).
//
// Peer values are range checked here (SP 800-56A §5.6.2.3.1 partial validation: 2 <= y <= p-2,
// and exactly len(p) bytes) instead of OpenSSL's full FFC check (y^q mod p == 1), which costs a
// full-length exponentiation per handshake; for the safe primes used here the only elements of
// small order are 1 and p-1, both rejected.
#include <openssl/bn.h>

#include <algorithm>
#include <mutex>
#include <optional>

#include "crypto/dh_impl.h"
#include "crypto/modp_fixed_base.h"

namespace ike::crypto::detail {
namespace {

BIGNUM* prime_for(uint16_t group) {
  // OpenSSL's copies of the RFC primes; tests/vectors/modp_groups.vec checks them byte for byte
  // against the RFC text.
  switch (group) {
    case 1: return BN_get_rfc2409_prime_768(nullptr);
    case 2: return BN_get_rfc2409_prime_1024(nullptr);
    case 5: return BN_get_rfc3526_prime_1536(nullptr);
    case 14: return BN_get_rfc3526_prime_2048(nullptr);
    case 15: return BN_get_rfc3526_prime_3072(nullptr);
    case 16: return BN_get_rfc3526_prime_4096(nullptr);
    case 17: return BN_get_rfc3526_prime_6144(nullptr);
    case 18: return BN_get_rfc3526_prime_8192(nullptr);
    default: return nullptr;
  }
}

class ModpGroup;

class ModpPrivate final : public DhPrivate {
 public:
  ModpPrivate(std::shared_ptr<const ModpGroup> group, Bytes pub, evp::SecretBnPtr x)
      : m_group(std::move(group)), m_public(std::move(pub)), m_x(std::move(x)) {}
  uint16_t group() const noexcept override;
  const Bytes& public_value() const noexcept override { return m_public; }
  base::Result<SecureBytes> shared_secret(ByteView peer_public) const override;

 private:
  std::shared_ptr<const ModpGroup> m_group;
  Bytes m_public;
  evp::SecretBnPtr m_x;  // BN_FLG_CONSTTIME
};

class ModpGroup final : public DhGroupImpl, public std::enable_shared_from_this<ModpGroup> {
 public:
  ModpGroup(const DhGroupInfo& info, LibPtr lib, evp::BnPtr p)
      : m_info(info), m_lib(std::move(lib)), m_p(std::move(p)) {}

  base::Status init() {
    m_len = static_cast<std::size_t>(BN_num_bytes(m_p.get()));
    if (m_len * 8 != m_info.field_bits) {
      return base::make_error(base::ErrorCode::Internal, base::NotifyType::None,
                              "{}: prime has {} bytes, expected {}", m_info.name, m_len,
                              m_info.field_bits / 8);
    }
    m_g.reset(BN_new());
    evp::BnCtxPtr ctx(BN_CTX_new_ex(m_lib->get()));
    m_mont.reset(BN_MONT_CTX_new());
    if (!m_g || !ctx || !m_mont || BN_set_word(m_g.get(), 2) != 1 ||
        BN_MONT_CTX_set(m_mont.get(), m_p.get(), ctx.get()) != 1) {
      return evp::crypto_failure(fmt::format("{}: group setup", m_info.name));
    }
    m_p_bytes.resize(m_len);
    BN_bn2binpad(m_p.get(), m_p_bytes.data(), static_cast<int>(m_len));
    m_p_minus_1 = m_p_bytes;
    m_p_minus_1.back() = static_cast<uint8_t>(m_p_minus_1.back() - 1);  // p is odd: no borrow
    return base::ok();
  }

  const DhGroupInfo& info() const noexcept override { return m_info; }

  base::Result<std::unique_ptr<DhPrivate>> generate(base::Random& rng) const override {
    // x uniform in [1, 2^N - 1], N = private_bits (SP 800-56A Rev. 3 §5.6.1.1.1 with N = 2s).
    const std::size_t nbits = m_info.private_bits;
    SecureBytes x((nbits + 7) / 8);
    const auto top_mask = static_cast<uint8_t>(0xffu >> (x.size() * 8 - nbits));
    for (int attempt = 0; attempt < 64; ++attempt) {
      rng.fill(x);
      x[0] &= top_mask;
      if (std::any_of(x.begin(), x.end(), [](uint8_t b) { return b != 0; })) {
        return make(x);
      }
    }
    return base::make_error(base::ErrorCode::Crypto, base::NotifyType::None,
                            "{}: random source returned 64 all-zero exponents", m_info.name);
  }

  base::Result<std::unique_ptr<DhPrivate>> from_private(ByteView x) const override {
    if (x.empty() || x.size() > m_len) {
      return bad_private(m_info, "has {} bytes, expected 1..{}", x.size(), m_len);
    }
    SecureBytes padded(m_len - x.size(), 0);
    padded.insert(padded.end(), x.begin(), x.end());
    // 1 <= x <= p-2: x = 0 gives g^x = 1 and x = p-1 gives g^x = 1 as well.
    bool zero = std::all_of(x.begin(), x.end(), [](uint8_t b) { return b == 0; });
    bool too_big = compare_be(padded, m_p_minus_1) >= 0;
    base::secure_wipe(padded.data(), padded.size());
    if (zero || too_big) {
      return bad_private(m_info, "is outside [1, p-2]");
    }
    return make(x);
  }

  // RFC 2409 §5 / SP 800-56A §5.6.2.3.1: the peer value is exactly len(p) bytes, 1 < y < p-1.
  base::Status check_peer_public(ByteView y) const override {
    if (y.size() != m_len) {
      return invalid_key(m_info, "peer public value has {} bytes, expected {}", y.size(), m_len);
    }
    std::size_t first = 0;
    while (first < y.size() && y[first] == 0) {
      ++first;
    }
    if (first == y.size()) {
      return invalid_key(m_info, "peer public value is 0");
    }
    if (first == y.size() - 1 && y.back() == 1) {
      return invalid_key(m_info, "peer public value is 1");
    }
    int c = compare_be(y, m_p_minus_1);
    if (c == 0) {
      return invalid_key(m_info, "peer public value equals p-1");
    }
    if (c > 0) {
      return invalid_key(m_info, "peer public value is {} p",
                         compare_be(y, m_p_bytes) == 0 ? "equal to" : "greater than");
    }
    return base::ok();
  }

  // value^exp mod p in constant time (exp has BN_FLG_CONSTTIME), left-padded to len(p) bytes.
  template <typename Out>
  base::Status mod_exp(const BIGNUM* value, const BIGNUM* exp, Out& out) const {
    evp::BnCtxPtr ctx(BN_CTX_secure_new_ex(m_lib->get()));
    evp::SecretBnPtr r(BN_secure_new());
    if (!ctx || !r ||
        BN_mod_exp_mont_consttime(r.get(), value, exp, m_p.get(), ctx.get(), m_mont.get()) != 1) {
      return evp::crypto_failure(fmt::format("{}: modular exponentiation", m_info.name));
    }
    out.resize(m_len);
    if (BN_bn2binpad(r.get(), out.data(), static_cast<int>(m_len)) != static_cast<int>(m_len)) {
      return evp::crypto_failure("BN_bn2binpad");
    }
    return base::ok();
  }

  std::size_t length() const noexcept { return m_len; }

 private:
  base::Result<std::unique_ptr<DhPrivate>> make(ByteView x_be) const {
    evp::SecretBnPtr x(BN_secure_new());
    if (!x || BN_bin2bn(x_be.data(), static_cast<int>(x_be.size()), x.get()) == nullptr) {
      return evp::crypto_failure(fmt::format("{}: private value", m_info.name));
    }
    BN_set_flags(x.get(), BN_FLG_CONSTTIME);
    // RFC 2409 §5: the public value is g^x mod p.
    Bytes pub;
    const ModpFixedBase* comb = fixed_base();
    if (comb != nullptr && comb->covers(x_be)) {
      IKE_TRY_VOID(comb->pow(x_be, pub, m_lib->get()));
    } else {
      IKE_TRY_VOID(mod_exp(m_g.get(), x.get(), pub));
    }
    return std::unique_ptr<DhPrivate>(
        std::make_unique<ModpPrivate>(shared_from_this(), std::move(pub), std::move(x)));
  }

  // The comb table for g, built once on first use. Should building fail (OpenSSL out of memory,
  // or an entry off the constant-time path: modp_fixed_base.h), the generic exponentiation
  // stays in use; both give the same g^x.
  const ModpFixedBase* fixed_base() const {
    std::call_once(m_fixed_base_once, [this] {
      auto built = ModpFixedBase::build(m_p.get(), m_mont.get(), 2, m_info.private_bits,
                                        m_lib->get());
      if (built) {
        m_fixed_base.emplace(std::move(*built));
      }
    });
    return m_fixed_base ? &*m_fixed_base : nullptr;
  }

  DhGroupInfo m_info;
  LibPtr m_lib;
  evp::BnPtr m_p;
  evp::BnPtr m_g;
  evp::BnMontCtxPtr m_mont;
  std::size_t m_len = 0;
  Bytes m_p_bytes;
  Bytes m_p_minus_1;
  mutable std::once_flag m_fixed_base_once;
  mutable std::optional<ModpFixedBase> m_fixed_base;
};

uint16_t ModpPrivate::group() const noexcept { return m_group->info().id; }

base::Result<SecureBytes> ModpPrivate::shared_secret(ByteView peer_public) const {
  // No OpenSSL peer validation: check_peer_public() is the range check (header comment).
  IKE_TRY_VOID(m_group->check_peer_public(peer_public));
  evp::BnPtr y(BN_bin2bn(peer_public.data(), static_cast<int>(peer_public.size()), nullptr));
  if (!y) {
    return evp::crypto_failure("BN_bin2bn");
  }
  // RFC 2409 §5: g^xy = y^x mod p, padded to len(p).
  SecureBytes secret;
  IKE_TRY_VOID(m_group->mod_exp(y.get(), m_x.get(), secret));
  return secret;
}

}  // namespace

Bytes modp_prime(uint16_t group) {
  evp::BnPtr p(prime_for(group));
  if (!p) {
    return {};
  }
  Bytes out(static_cast<std::size_t>(BN_num_bytes(p.get())));
  BN_bn2bin(p.get(), out.data());
  return out;
}

base::Result<std::shared_ptr<const DhGroupImpl>> make_modp_group(const DhGroupInfo& info,
                                                                  LibPtr lib) {
  evp::BnPtr p(prime_for(info.id));
  if (!p) {
    return base::make_error(base::ErrorCode::Unsupported, base::NotifyType::None,
                            "{}: no prime for group {}", info.name, info.id);
  }
  auto group = std::make_shared<ModpGroup>(info, std::move(lib), std::move(p));
  IKE_TRY_VOID(group->init());
  return std::shared_ptr<const DhGroupImpl>(std::move(group));
}

int compare_be(ByteView a, ByteView b) noexcept {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] != b[i]) {
      return a[i] < b[i] ? -1 : 1;
    }
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

}  // namespace ike::crypto::detail
