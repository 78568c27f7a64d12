// ECDSA for IKEv1 (ecdsa.h, RFC 4754): key loading with the curve policy, signing through
// EVP_PKEY_sign over HASH_I / HASH_R as the digest (OpenSSL draws k; blinding on) with the DER
// output turned into r || s, and verification that checks the r || s form itself before
// handing DER to EVP_PKEY_verify.
#include "crypto/ecdsa.h"

#include <openssl/ecdsa.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <string>

#include "crypto/evp.h"

namespace ike::crypto {

struct EcKeyHandle {
  evp::PkeyPtr pkey;
};

namespace {

using base::ErrorCode;
using base::NotifyType;
using evp::BioPtr;
using SigPtr = std::unique_ptr<ECDSA_SIG, evp::Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

constexpr std::size_t kMaxPem = 64 * 1024;

// RFC 4754 §3 (and the IANA IKEv1 registry for the method numbers).
constexpr std::array<EcdsaParams, 3> kParams{{
    {EcdsaCurve::P256, 9, 32, "SHA256", "prime256v1"},
    {EcdsaCurve::P384, 10, 48, "SHA384", "secp384r1"},
    {EcdsaCurve::P521, 11, 66, "SHA512", "secp521r1"},
}};

int curve_nid(EcdsaCurve c) {
  switch (c) {
    case EcdsaCurve::P256: return NID_X9_62_prime256v1;
    case EcdsaCurve::P384: return NID_secp384r1;
    case EcdsaCurve::P521: return NID_secp521r1;
  }
  return NID_undef;
}

base::Error auth_error(std::string detail) {
  return base::Error{ErrorCode::Auth, NotifyType::InvalidSignature, std::move(detail)};
}

base::Result<EcdsaCurve> curve_of(const EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "EC") != 1) {
    return base::make_error(ErrorCode::Unsupported, NotifyType::InvalidKeyInformation,
                            "key is {}, not EC", EVP_PKEY_get0_type_name(pkey));
  }
  std::array<char, 64> name{};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name.data(), name.size(),
                                     &len) != 1) {
    return evp::crypto_failure("EC group name");
  }
  const std::string group(name.data(), len);
  for (const auto& p : kParams) {
    if (group == p.group) return p.curve;
  }
  return base::make_error(ErrorCode::Unsupported, NotifyType::InvalidKeyInformation,
                          "EC key on curve {} (RFC 4754: P-256, P-384 or P-521 only)", group);
}

std::shared_ptr<const EcKeyHandle> wrap(EVP_PKEY* p) {
  auto h = std::make_shared<EcKeyHandle>();
  h->pkey.reset(p);
  return h;
}

// The curve order n, for the range check of r and s.
base::Result<evp::BnPtr> curve_order(EcdsaCurve c) {
  evp::EcGroupPtr group(EC_GROUP_new_by_curve_name(curve_nid(c)));
  if (!group) return evp::crypto_failure("EC_GROUP_new_by_curve_name");
  evp::BnPtr n(BN_dup(EC_GROUP_get0_order(group.get())));
  if (!n) return evp::crypto_failure("BN_dup(order)");
  return n;
}

}  // namespace

const EcdsaParams& ecdsa_params(EcdsaCurve c) noexcept {
  return kParams[static_cast<std::size_t>(c)];
}

const char* ecdsa_curve_name(EcdsaCurve c) noexcept {
  switch (c) {
    case EcdsaCurve::P256: return "P-256";
    case EcdsaCurve::P384: return "P-384";
    case EcdsaCurve::P521: return "P-521";
  }
  return "?";
}

std::optional<EcdsaCurve> ecdsa_curve_for_method(uint16_t auth_method) noexcept {
  for (const auto& p : kParams) {
    if (p.auth_method == auth_method) return p.curve;
  }
  return std::nullopt;
}

base::Result<EcdsaPublicKey> EcdsaPublicKey::from_handle(std::shared_ptr<const EcKeyHandle> h) {
  IKE_TRY(EcdsaCurve curve, curve_of(h->pkey.get()));
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(h->pkey.get(), &der);
  if (len <= 0) return evp::crypto_failure("i2d_PUBKEY");
  EcdsaPublicKey k;
  k.m_spki.assign(der, der + len);
  OPENSSL_free(der);
  k.m_key = std::move(h);
  k.m_curve = curve;
  return k;
}

base::Result<EcdsaPrivateKey> EcdsaPrivateKey::from_handle(std::shared_ptr<const EcKeyHandle> h) {
  IKE_TRY(EcdsaPublicKey pub, EcdsaPublicKey::from_handle(h));
  EcdsaPrivateKey k;
  k.m_key = std::move(h);
  k.m_public = std::move(pub);
  return k;
}

base::Result<EcdsaPublicKey> ecdsa_public_key_from_pem(base::ByteView pem) {
  IKE_TRY(BioPtr bio, evp::key_pem_bio(pem, kMaxPem));
  EVP_PKEY* p = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (p == nullptr) {
    return base::make_error(ErrorCode::BadValue, NotifyType::None, "no PEM public key: {}",
                            evp::drain_errors());
  }
  return EcdsaPublicKey::from_handle(wrap(p));
}

base::Result<EcdsaPublicKey> ecdsa_public_key_from_spki(base::ByteView der) {
  const unsigned char* in = der.data();
  EVP_PKEY* p = d2i_PUBKEY(nullptr, &in, static_cast<long>(der.size()));
  if (p == nullptr || in != der.data() + der.size()) {
    EVP_PKEY_free(p);
    return base::make_error(ErrorCode::BadValue, NotifyType::InvalidKeyInformation,
                            "SubjectPublicKeyInfo of {} bytes does not parse exactly: {}",
                            der.size(), evp::drain_errors());
  }
  return EcdsaPublicKey::from_handle(wrap(p));
}

base::Result<EcdsaPrivateKey> ecdsa_private_key_from_pem(base::ByteView pem) {
  IKE_TRY(evp::PkeyPtr p, evp::read_private_key_pem(pem, kMaxPem, "EC"));
  return EcdsaPrivateKey::from_handle(wrap(p.release()));
}

base::Result<base::Bytes> ecdsa_der_to_raw(base::ByteView der, std::size_t field_bytes) {
  const unsigned char* in = der.data();
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(der.size())));
  if (!sig || in != der.data() + der.size()) {
    return base::make_error(ErrorCode::BadValue, NotifyType::InvalidSignature,
                            "ECDSA-Sig-Value of {} bytes does not parse exactly", der.size());
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  base::Bytes raw(2 * field_bytes);
  if (BN_bn2binpad(r, raw.data(), static_cast<int>(field_bytes)) < 0 ||
      BN_bn2binpad(s, raw.data() + field_bytes, static_cast<int>(field_bytes)) < 0) {
    return base::make_error(ErrorCode::BadValue, NotifyType::InvalidSignature,
                            "ECDSA r or s wider than {} bytes", field_bytes);
  }
  return raw;
}

base::Result<base::Bytes> ecdsa_raw_to_der(base::ByteView raw, std::size_t field_bytes) {
  if (raw.size() != 2 * field_bytes) {
    return base::make_error(ErrorCode::BadLength, NotifyType::InvalidSignature,
                            "ECDSA signature of {} bytes (r || s: expected {})", raw.size(),
                            2 * field_bytes);
  }
  evp::BnPtr r(BN_bin2bn(raw.data(), static_cast<int>(field_bytes), nullptr));
  evp::BnPtr s(BN_bin2bn(raw.data() + field_bytes, static_cast<int>(field_bytes), nullptr));
  SigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return evp::crypto_failure("ECDSA_SIG_set0");
  }
  (void)r.release();  // owned by sig now
  (void)s.release();
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return evp::crypto_failure("i2d_ECDSA_SIG");
  base::Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

base::Result<base::Bytes> ecdsa_sign_ike(const EcdsaPrivateKey& key, uint16_t auth_method,
                                         base::ByteView data) {
  if (!key.valid()) return base::make_error(ErrorCode::Internal, NotifyType::None, "no EC key");
  const auto curve = ecdsa_curve_for_method(auth_method);
  if (!curve || *curve != key.curve()) {
    return base::make_error(ErrorCode::Unsupported, NotifyType::None,
                            "authentication method {} cannot be used with a key on {}",
                            auth_method, ecdsa_params(key.curve()).group);
  }
  const EcdsaParams& p = ecdsa_params(*curve);
  // As strongSwan (IKEv1 SIGN_ECDSA_WITH_NULL, verified against charon 5.9.8): ECDSA over
  // HASH_I / HASH_R itself, no second hash (no signature digest set: the input is the digest,
  // truncated to the order's bit length per FIPS 186-4 §6.4).
  evp::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.handle()->pkey.get(), nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1) return evp::crypto_failure("ECDSA sign init");
  std::size_t len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) {
    return evp::crypto_failure("ECDSA sign (size)");
  }
  base::Bytes der(len);
  if (EVP_PKEY_sign(ctx.get(), der.data(), &len, data.data(), data.size()) != 1) {
    return evp::crypto_failure("ECDSA sign");
  }
  der.resize(len);
  return ecdsa_der_to_raw(base::view(der), p.field_bytes);
}

base::Status ecdsa_verify_ike(const EcdsaPublicKey& key, uint16_t auth_method,
                              base::ByteView data, base::ByteView sig) {
  if (!key.valid()) return auth_error("no EC public key");
  const auto curve = ecdsa_curve_for_method(auth_method);
  if (!curve) return auth_error("authentication method " + std::to_string(auth_method) +
                                " is not ECDSA");
  const EcdsaParams& p = ecdsa_params(*curve);
  if (*curve != key.curve()) {
    return auth_error(std::string("ECDSA method ") + std::to_string(auth_method) + " needs " +
                      p.group + ", the peer's key is on " + ecdsa_params(key.curve()).group);
  }
  if (sig.size() != 2 * p.field_bytes) {
    return auth_error("ECDSA signature of " + std::to_string(sig.size()) +
                      " bytes (RFC 4754 r || s: expected " + std::to_string(2 * p.field_bytes) +
                      ")");
  }
  // RFC 4754 / FIPS 186: 1 <= r, s <= n - 1.
  IKE_TRY(evp::BnPtr n, curve_order(*curve));
  for (std::size_t half = 0; half < 2; ++half) {
    evp::BnPtr v(BN_bin2bn(sig.data() + half * p.field_bytes, static_cast<int>(p.field_bytes),
                           nullptr));
    if (!v) return evp::crypto_failure("BN_bin2bn");
    if (BN_is_zero(v.get()) || BN_cmp(v.get(), n.get()) >= 0) {
      return auth_error(std::string("ECDSA ") + (half == 0 ? "r" : "s") +
                        " outside [1, n-1]");
    }
  }
  IKE_TRY(base::Bytes der, ecdsa_raw_to_der(sig, p.field_bytes));
  evp::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.handle()->pkey.get(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) {
    return evp::crypto_failure("ECDSA verify init");
  }
  const int ok = EVP_PKEY_verify(ctx.get(), der.data(), der.size(), data.data(), data.size());
  (void)evp::drain_errors();
  if (ok != 1) return auth_error("ECDSA signature does not verify");
  return base::ok();
}

}  // namespace ike::crypto
