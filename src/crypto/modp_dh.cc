// MODP Diffie-Hellman (RFC 2409 §5 and §6.1-6.2, RFC 3526 groups 5 and 14-18) on OpenSSL 3.
//
// The private exponent x is drawn from the injected base::Random (group table: private_bits
// random bits, x != 0), g^x mod p is computed with a constant-time Montgomery exponentiation
// cached per group, and the KE payload carries g^x left-padded to len(p) (RFC 2409 §5: "the
// Diffie-Hellman public value ... MUST be padded with zeros to the length of the prime"). The
// shared secret is computed by EVP_PKEY_derive with DH padding on, so g^xy is len(p) bytes.
//
// Peer values are range checked here (SP 800-56A §5.6.2.3.1 partial validation: 2 <= y <= p-2,
// and exactly len(p) bytes) instead of OpenSSL's full FFC check (y^q mod p == 1), which costs a
// full-length exponentiation per handshake; for the safe primes used here the only elements of
// small order are 1 and p-1, both rejected.
#include <openssl/bn.h>
#include <openssl/dh.h>

#include <algorithm>
#include <array>

#include "crypto/dh_impl.h"

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

Bytes to_native(const BIGNUM* bn, std::size_t len) {
  Bytes out(len);
  if (BN_bn2nativepad(bn, out.data(), static_cast<int>(len)) < 0) {
    evp::fatal("BN_bn2nativepad");
  }
  return out;
}

class ModpGroup;

class ModpPrivate final : public DhPrivate {
 public:
  ModpPrivate(std::shared_ptr<const ModpGroup> group, Bytes pub, evp::PkeyPtr key)
      : m_group(std::move(group)), m_public(std::move(pub)), m_key(std::move(key)) {}
  uint16_t group() const noexcept override;
  const Bytes& public_value() const noexcept override { return m_public; }
  base::Result<SecureBytes> shared_secret(ByteView peer_public) const override;

 private:
  std::shared_ptr<const ModpGroup> m_group;
  Bytes m_public;
  evp::PkeyPtr m_key;  // p, g, x, g^x
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
    m_p_native = to_native(m_p.get(), m_len);
    m_g_native = to_native(m_g.get(), 1);
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
  base::Status check_peer(ByteView y) const {
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

  // An EVP_PKEY of type DH over this group with public value `pub` (big-endian, len(p) bytes)
  // and, when `priv_native` is not empty, the private value.
  base::Result<evp::PkeyPtr> make_key(ByteView pub, ByteView priv_native) const {
    evp::BnPtr pub_bn(BN_bin2bn(pub.data(), static_cast<int>(pub.size()), nullptr));
    if (!pub_bn) {
      return evp::crypto_failure("BN_bin2bn");
    }
    Bytes pub_native = to_native(pub_bn.get(), m_len);
    // OSSL_PARAM takes non-const buffers; EVP_PKEY_fromdata only reads them.
    std::array<OSSL_PARAM, 5> params{
        OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_FFC_P, const_cast<uint8_t*>(m_p_native.data()),
                                m_p_native.size()),
        OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_FFC_G, const_cast<uint8_t*>(m_g_native.data()),
                                m_g_native.size()),
        OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PUB_KEY, pub_native.data(), pub_native.size()),
        OSSL_PARAM_construct_end(), OSSL_PARAM_construct_end()};
    if (!priv_native.empty()) {
      params[3] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY,
                                          const_cast<uint8_t*>(priv_native.data()),
                                          priv_native.size());
    }
    evp::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(m_lib->get(), "DH", nullptr));
    EVP_PKEY* key = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key,
                          priv_native.empty() ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEYPAIR,
                          params.data()) != 1) {
      return evp::crypto_failure(fmt::format("{}: EVP_PKEY_fromdata", m_info.name));
    }
    return evp::PkeyPtr(key);
  }

  std::size_t length() const noexcept { return m_len; }
  OSSL_LIB_CTX* lib() const noexcept { return m_lib->get(); }

 private:
  base::Result<std::unique_ptr<DhPrivate>> make(ByteView x_be) const {
    evp::SecretBnPtr x(BN_secure_new());
    evp::BnPtr pub(BN_new());
    evp::BnCtxPtr ctx(BN_CTX_secure_new_ex(m_lib->get()));
    if (!x || !pub || !ctx ||
        BN_bin2bn(x_be.data(), static_cast<int>(x_be.size()), x.get()) == nullptr) {
      return evp::crypto_failure(fmt::format("{}: private value", m_info.name));
    }
    BN_set_flags(x.get(), BN_FLG_CONSTTIME);
    // RFC 2409 §5: the public value is g^x mod p.
    if (BN_mod_exp_mont_consttime(pub.get(), m_g.get(), x.get(), m_p.get(), ctx.get(),
                                  m_mont.get()) != 1) {
      return evp::crypto_failure(fmt::format("{}: g^x mod p", m_info.name));
    }
    Bytes pub_be(m_len);
    BN_bn2binpad(pub.get(), pub_be.data(), static_cast<int>(m_len));
    SecureBytes x_native(static_cast<std::size_t>(BN_num_bytes(x.get())));
    if (BN_bn2nativepad(x.get(), x_native.data(), static_cast<int>(x_native.size())) < 0) {
      return evp::crypto_failure("BN_bn2nativepad");
    }
    IKE_TRY(evp::PkeyPtr key, make_key(pub_be, x_native));
    return std::unique_ptr<DhPrivate>(
        std::make_unique<ModpPrivate>(shared_from_this(), std::move(pub_be), std::move(key)));
  }

  DhGroupInfo m_info;
  LibPtr m_lib;
  evp::BnPtr m_p;
  evp::BnPtr m_g;
  evp::BnMontCtxPtr m_mont;
  std::size_t m_len = 0;
  Bytes m_p_bytes;
  Bytes m_p_minus_1;
  Bytes m_p_native;
  Bytes m_g_native;
};

uint16_t ModpPrivate::group() const noexcept { return m_group->info().id; }

base::Result<SecureBytes> ModpPrivate::shared_secret(ByteView peer_public) const {
  IKE_TRY_VOID(m_group->check_peer(peer_public));
  IKE_TRY(evp::PkeyPtr peer, m_group->make_key(peer_public, {}));
  const std::string_view name = m_group->info().name;
  evp::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(m_group->lib(), m_key.get(), nullptr));
  // No OpenSSL peer validation (validate_peer = 0): check_peer() did the range check.
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) != 1 ||
      EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) != 1) {
    return evp::crypto_failure(fmt::format("{}: derive setup", name));
  }
  // RFC 2409 §5: g^xy, padded to len(p) by DH padding.
  SecureBytes secret(m_group->length());
  std::size_t len = secret.size();
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1) {
    return evp::crypto_failure(fmt::format("{}: EVP_PKEY_derive", name));
  }
  if (len != secret.size()) {
    return base::make_error(base::ErrorCode::Crypto, base::NotifyType::None,
                            "{}: g^xy has {} bytes, expected {}", name, len, secret.size());
  }
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
