// RSA key loading, IKEv1 signing and the constant-time verification of rsa.h.
#include "crypto/rsa.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/evp.h"
#include "crypto/rsa_internal.h"

namespace ike::crypto {

namespace {

using base::ErrorCode;
using base::NotifyType;
using evp::BioPtr;

// RFC 8017 §9.2 step 5 minimum: 00 01 PS(>= 8 x FF) 00 = 11 octets of padding.
constexpr std::size_t kPkcs1Overhead = 11;

base::Result<evp::BnPtr> get_bn(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1 || bn == nullptr) {
    return evp::crypto_failure(std::string("RSA parameter ") + name);
  }
  return evp::BnPtr(bn);
}

// Policy on every loaded key: RSA, 1024..16384-bit modulus, odd exponent >= 3. On success the
// key's n and e (with n's Montgomery context) are moved into *params_out.
base::Status check_public(const EVP_PKEY* pkey, std::size_t* bits_out,
                          std::shared_ptr<const RsaPublicParams>* params_out) {
  if (EVP_PKEY_is_a(pkey, "RSA") != 1) {
    return base::make_error(ErrorCode::Unsupported, NotifyType::InvalidKeyInformation,
                            "key is {}, not RSA", EVP_PKEY_get0_type_name(pkey));
  }
  IKE_TRY(evp::BnPtr n, get_bn(pkey, OSSL_PKEY_PARAM_RSA_N));
  IKE_TRY(evp::BnPtr e, get_bn(pkey, OSSL_PKEY_PARAM_RSA_E));
  auto bits = static_cast<std::size_t>(BN_num_bits(n.get()));
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return base::make_error(ErrorCode::Unsupported, NotifyType::InvalidKeyInformation,
                            "RSA modulus of {} bits (allowed {}..{})", bits, kMinRsaBits,
                            kMaxRsaBits);
  }
  if (!BN_is_odd(n.get())) {
    return base::make_error(ErrorCode::BadValue, NotifyType::InvalidKeyInformation,
                            "RSA modulus is even");
  }
  if (!BN_is_odd(e.get()) || BN_is_one(e.get()) || BN_num_bits(e.get()) > 64) {
    char* dec = BN_bn2dec(e.get());
    std::string text = dec != nullptr ? dec : "?";
    OPENSSL_free(dec);
    return base::make_error(ErrorCode::Unsupported, NotifyType::InvalidKeyInformation,
                            "RSA public exponent {} (must be odd, >= 3, <= 64 bits)", text);
  }
  auto params = std::make_shared<RsaPublicParams>();
  params->mont.reset(BN_MONT_CTX_new());
  evp::BnCtxPtr bctx(BN_CTX_new());
  if (!params->mont || !bctx || BN_MONT_CTX_set(params->mont.get(), n.get(), bctx.get()) != 1) {
    return evp::crypto_failure("BN_MONT_CTX_set");
  }
  params->n = std::move(n);
  params->e = std::move(e);
  *bits_out = bits;
  *params_out = std::move(params);
  return base::ok();
}

std::shared_ptr<const RsaKeyHandle> wrap(EVP_PKEY* p) {
  auto h = std::make_shared<RsaKeyHandle>();
  h->pkey.reset(p);
  return h;
}

}  // namespace

base::Result<RsaPublicKey> RsaPublicKey::from_handle(std::shared_ptr<const RsaKeyHandle> h) {
  RsaPublicKey k;
  IKE_TRY_VOID(check_public(h->pkey.get(), &k.m_bits, &k.m_params));
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(h->pkey.get(), &der);
  if (len <= 0) return evp::crypto_failure("i2d_PUBKEY");
  k.m_spki.assign(der, der + len);
  OPENSSL_free(der);
  k.m_key = std::move(h);
  return k;
}

bool RsaPublicKey::same_key(const RsaPublicKey& o) const noexcept {
  return valid() && o.valid() && m_spki == o.m_spki;
}

base::Result<RsaPrivateKey> RsaPrivateKey::from_handle(std::shared_ptr<const RsaKeyHandle> h) {
  RsaPrivateKey k;
  IKE_TRY(k.m_public, RsaPublicKey::from_handle(h));
  k.m_key = std::move(h);
  return k;
}

base::Result<RsaPublicKey> rsa_public_key_from_pem(base::ByteView pem) {
  IKE_TRY(BioPtr bio, evp::key_pem_bio(pem, kMaxPemSize));
  // "-----BEGIN PUBLIC KEY-----" (SubjectPublicKeyInfo, isakmpd's PEM_read_bio_RSA_PUBKEY)
  EVP_PKEY* p = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (p == nullptr) {
    // "-----BEGIN RSA PUBLIC KEY-----" (PKCS#1 RSAPublicKey, isakmpd's fallback)
    ERR_clear_error();
    OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(
        &p, "PEM", "type-specific", "RSA", EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
    const unsigned char* data = pem.data();
    std::size_t len = pem.size();
    bool ok = dctx != nullptr && OSSL_DECODER_from_data(dctx, &data, &len) == 1;
    OSSL_DECODER_CTX_free(dctx);
    if (!ok || p == nullptr) {
      EVP_PKEY_free(p);
      return base::make_error(ErrorCode::BadValue, NotifyType::InvalidKeyInformation,
                              "no PEM PUBLIC KEY or RSA PUBLIC KEY: {}", evp::drain_errors());
    }
  }
  return RsaPublicKey::from_handle(wrap(p));
}

base::Result<RsaPublicKey> rsa_public_key_from_spki(base::ByteView der) {
  const unsigned char* q = der.data();
  EVP_PKEY* p = d2i_PUBKEY(nullptr, &q, static_cast<long>(der.size()));
  if (p == nullptr) {
    return base::make_error(ErrorCode::BadValue, NotifyType::InvalidKeyInformation,
                            "bad SubjectPublicKeyInfo: {}", evp::drain_errors());
  }
  return RsaPublicKey::from_handle(wrap(p));
}

base::Result<RsaPrivateKey> rsa_private_key_from_pem(base::ByteView pem) {
  IKE_TRY(evp::PkeyPtr p, evp::read_private_key_pem(pem, kMaxPemSize, "RSA"));
  return RsaPrivateKey::from_handle(wrap(p.release()));
}

base::Result<base::Bytes> rsa_sign_ike(const RsaPrivateKey& key, base::ByteView hash) {
  if (!key.valid()) {
    return base::make_error(ErrorCode::Internal, NotifyType::None, "no private key");
  }
  std::size_t k = key.public_key().modulus_bytes();
  if (hash.empty() || hash.size() + kPkcs1Overhead > k) {
    return base::make_error(ErrorCode::BadLength, NotifyType::None,
                            "hash of {} bytes does not fit a {}-bit modulus", hash.size(),
                            key.public_key().bits());
  }
  evp::PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key.handle()->pkey.get(), nullptr));
  // No signature digest: OpenSSL applies type-1 padding to the raw input (RSA_private_encrypt).
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
    return evp::crypto_failure("RSA sign init");
  }
  base::Bytes sig(k);
  std::size_t len = sig.size();
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, hash.data(), hash.size()) != 1) {
    return evp::crypto_failure("RSA sign");
  }
  sig.resize(len);
  return sig;
}

base::Result<base::Bytes> rsa_public_raw(const RsaPublicKey& key, base::ByteView s) {
  if (!key.valid()) {
    return base::make_error(ErrorCode::Internal, NotifyType::None, "no public key");
  }
  const RsaPublicParams& p = *key.params();
  std::size_t k = key.modulus_bytes();
  if (s.size() != k) {
    return base::make_error(ErrorCode::Auth, NotifyType::InvalidSignature,
                            "signature of {} bytes, the {}-bit key needs {}", s.size(),
                            key.bits(), k);
  }
  evp::BnPtr sb(BN_bin2bn(s.data(), static_cast<int>(s.size()), nullptr));
  evp::BnPtr m(BN_new());
  evp::BnCtxPtr bctx(BN_CTX_new());
  if (!sb || !m || !bctx) return evp::crypto_failure("BN_new");
  // RFC 8017 §5.2.2 RSAVP1 step 1: "If the signature representative s is not between 0 and
  // n - 1, output 'signature representative out of range'".
  if (BN_cmp(sb.get(), p.n.get()) >= 0) {
    return base::make_error(ErrorCode::Auth, NotifyType::InvalidSignature,
                            "RSA signature does not verify: its representative s >= n "
                            "({}-bit key)",
                            key.bits());
  }
  // Public operation (s and e are public): Montgomery exponentiation with the kept context.
  if (BN_mod_exp_mont(m.get(), sb.get(), p.e.get(), p.n.get(), bctx.get(), p.mont.get()) != 1) {
    return evp::crypto_failure("BN_mod_exp_mont");
  }
  base::Bytes out(k);
  if (BN_bn2binpad(m.get(), out.data(), static_cast<int>(k)) != static_cast<int>(k)) {
    return evp::crypto_failure("BN_bn2binpad");
  }
  return out;
}

base::Status rsa_verify_ike(const RsaPublicKey& key, base::ByteView hash, base::ByteView sig) {
  std::size_t k = key.modulus_bytes();
  if (hash.empty() || hash.size() + kPkcs1Overhead > k) {
    return base::make_error(ErrorCode::Auth, NotifyType::InvalidSignature,
                            "hash of {} bytes does not fit a {}-bit modulus", hash.size(),
                            key.bits());
  }
  IKE_TRY(base::Bytes em, rsa_public_raw(key, sig));
  // RFC 8017 §9.2 (EMSA-PKCS1-v1_5) with T = the raw HASH (RFC 2409 §5.1, no DigestInfo):
  //   EM = 0x00 || 0x01 || PS || 0x00 || T, PS = k - tLen - 3 octets of 0xff.
  base::Bytes expected(k, 0xff);
  expected[0] = 0x00;
  expected[1] = 0x01;
  expected[k - hash.size() - 1] = 0x00;
  std::copy(hash.begin(), hash.end(), expected.end() - static_cast<std::ptrdiff_t>(hash.size()));
  if (CRYPTO_memcmp(em.data(), expected.data(), k) != 0) {
    return base::make_error(ErrorCode::Auth, NotifyType::InvalidSignature,
                            "RSA signature does not verify ({}-bit key, {}-byte hash)",
                            key.bits(), hash.size());
  }
  return base::ok();
}

base::Result<base::Bytes> rsa_private_raw(const RsaPrivateKey& key, base::ByteView block) {
  evp::PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key.handle()->pkey.get(), nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) != 1) {
    return evp::crypto_failure("RSA raw init");
  }
  base::Bytes out(key.public_key().modulus_bytes());
  std::size_t len = out.size();
  if (EVP_PKEY_sign(ctx.get(), out.data(), &len, block.data(), block.size()) != 1) {
    return evp::crypto_failure("RSA raw private operation");
  }
  out.resize(len);
  return out;
}

}  // namespace ike::crypto
