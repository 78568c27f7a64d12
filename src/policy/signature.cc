// RSA principals and assertion signatures with OpenSSL 3 EVP (RFC 2704 §4.4.2, §4.6.7): key
// decoding (hex/base64, SubjectPublicKeyInfo or PKCS#1), PKCS#1 v1.5 verification with SHA-1 or
// SHA-256 DigestInfo, and signing for tests and credential tools. Sizes are capped
// (kMaxSignatureKeyBytes).
#include "policy/signature.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cctype>
#include <memory>
#include <optional>

#include "base/hex.h"
#include "policy/limits.h"

namespace ike::policy {

using base::ErrorCode;
using base::NotifyType;

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

constexpr std::string_view kRsaHex = "rsa-hex:";
constexpr std::string_view kRsaBase64 = "rsa-base64:";

bool istarts(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

std::optional<base::Bytes> base64_decode(std::string_view s) {
  base::Bytes out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=' || std::isspace(static_cast<unsigned char>(c))) continue;
    else return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string base64_encode(base::ByteView v) {
  static constexpr char kAlpha[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < v.size(); i += 3) {
    uint32_t n = (uint32_t{v[i]} << 16) | (uint32_t{v[i + 1]} << 8) | v[i + 2];
    for (int k = 18; k >= 0; k -= 6) out += kAlpha[(n >> k) & 63];
  }
  if (i < v.size()) {
    uint32_t n = uint32_t{v[i]} << 16;
    if (i + 1 < v.size()) n |= uint32_t{v[i + 1]} << 8;
    out += kAlpha[(n >> 18) & 63];
    out += kAlpha[(n >> 12) & 63];
    out += i + 1 < v.size() ? kAlpha[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Any RSA key in DER: SubjectPublicKeyInfo, PKCS#1 public, or a private key.
// Every key encoding accepted below (SubjectPublicKeyInfo, PKCS#1 RSAPublicKey, PKCS#8 and
// PKCS#1 private keys) and a certificate is one DER SEQUENCE spanning the whole buffer.
// Checking that header first (ASN1_get_object parses it without allocating) keeps hostile
// principals and KEYNOTE CERT payloads from reaching OpenSSL 3's decoder chain, which sets up
// ~2.7 MB of decoder state per attempt whether or not the bytes are a key.
bool is_one_der_sequence(base::ByteView der) {
  const unsigned char* p = der.data();
  long body = 0;
  int tag = 0;
  int cls = 0;
  int flags = ASN1_get_object(&p, &body, &tag, &cls, static_cast<long>(der.size()));
  if (flags != V_ASN1_CONSTRUCTED) return false;  // 0x80: error; | 1: indefinite length
  if (tag != V_ASN1_SEQUENCE || cls != V_ASN1_UNIVERSAL) return false;
  auto header = static_cast<std::size_t>(p - der.data());
  return header + static_cast<std::size_t>(body) == der.size();
}

Pkey decode_key(base::ByteView der, bool want_private) {
  if (der.empty() || der.size() > kMaxSignatureKeyBytes) return nullptr;
  if (!is_one_der_sequence(der)) return nullptr;
  const unsigned char* p = der.data();
  auto len = static_cast<long>(der.size());
  if (want_private) {
    EVP_PKEY* k = d2i_AutoPrivateKey(nullptr, &p, len);
    return Pkey(k);
  }
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, len);
  if (k == nullptr) {
    p = der.data();
    k = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, len);
  }
  if (k == nullptr) {
    p = der.data();
    k = d2i_AutoPrivateKey(nullptr, &p, len);
  }
  if (k != nullptr && EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
    EVP_PKEY_free(k);
    return nullptr;
  }
  return Pkey(k);
}

std::optional<base::Bytes> principal_der(std::string_view p) {
  if (istarts(p, kRsaHex)) {
    auto b = base::from_hex(p.substr(kRsaHex.size()));
    if (!b) return std::nullopt;
    return std::move(*b);
  }
  if (istarts(p, kRsaBase64)) return base64_decode(p.substr(kRsaBase64.size()));
  return std::nullopt;
}

std::optional<std::string> spki_principal(EVP_PKEY* k) {
  unsigned char* out = nullptr;
  int n = i2d_PUBKEY(k, &out);
  if (n <= 0) return std::nullopt;
  std::string s = std::string(kRsaHex) +
                  base::to_hex(base::ByteView(out, static_cast<std::size_t>(n)));
  OPENSSL_free(out);
  return s;
}

struct AlgInfo {
  SigAlg alg;
  std::string_view name;
  bool sha256;
  bool base64;
};
constexpr AlgInfo kAlgs[] = {
    {SigAlg::RsaSha1Hex, "sig-rsa-sha1-hex:", false, false},
    {SigAlg::RsaSha1Base64, "sig-rsa-sha1-base64:", false, true},
    {SigAlg::RsaSha256Hex, "sig-rsa-sha256-hex:", true, false},
    {SigAlg::RsaSha256Base64, "sig-rsa-sha256-base64:", true, true},
};

}  // namespace

const char* sig_alg_name(SigAlg a) noexcept {
  return kAlgs[static_cast<std::size_t>(a)].name.data();
}

namespace {

constexpr std::string_view kEcdsaHex = "ecdsa-hex:";
constexpr std::string_view kEcdsaBase64 = "ecdsa-base64:";
constexpr std::string_view kX509Hex = "x509-hex:";
constexpr std::string_view kX509Base64 = "x509-base64:";

std::optional<base::Bytes> decode_hex_or_base64(std::string_view p, std::string_view hex_prefix,
                                                std::string_view b64_prefix) {
  if (istarts(p, hex_prefix)) {
    auto b = base::from_hex(p.substr(hex_prefix.size()));
    if (!b) return std::nullopt;
    return std::move(*b);
  }
  if (istarts(p, b64_prefix)) return base64_decode(p.substr(b64_prefix.size()));
  return std::nullopt;
}

// "rsa-hex:<SPKI>" or "ecdsa-hex:<SPKI>" of any public key; nullopt for other key types.
std::optional<std::string> any_key_principal(EVP_PKEY* k) {
  if (k == nullptr) return std::nullopt;
  int id = EVP_PKEY_get_base_id(k);
  if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC) return std::nullopt;
  unsigned char* out = nullptr;
  int n = i2d_PUBKEY(k, &out);
  if (n <= 0) return std::nullopt;
  std::string s = std::string(id == EVP_PKEY_RSA ? kRsaHex : kEcdsaHex) +
                  base::to_hex(base::ByteView(out, static_cast<std::size_t>(n)));
  OPENSSL_free(out);
  return s;
}

// KeyNote's x509-base64 key (keynote(4)): the principal is the certificate's public key.
std::optional<std::string> x509_key_principal(std::string_view p) {
  auto der = decode_hex_or_base64(p, kX509Hex, kX509Base64);
  if (!der || der->size() > kMaxCertificatePrincipalBytes) return std::nullopt;
  if (!is_one_der_sequence(base::view(*der))) return std::nullopt;
  const unsigned char* d = der->data();
  X509* cert = d2i_X509(nullptr, &d, static_cast<long>(der->size()));
  if (cert == nullptr) return std::nullopt;
  auto out = any_key_principal(X509_get0_pubkey(cert));
  X509_free(cert);
  return out;
}

std::optional<std::string> ec_principal(std::string_view p) {
  auto der = decode_hex_or_base64(p, kEcdsaHex, kEcdsaBase64);
  if (!der || der->size() > kMaxSignatureKeyBytes) return std::nullopt;
  if (!is_one_der_sequence(base::view(*der))) return std::nullopt;
  const unsigned char* d = der->data();
  Pkey k(d2i_PUBKEY(nullptr, &d, static_cast<long>(der->size())));
  if (!k || EVP_PKEY_get_base_id(k.get()) != EVP_PKEY_EC) return std::nullopt;
  return any_key_principal(k.get());
}

}  // namespace

std::string ec_key_principal(base::ByteView spki_der) {
  return std::string(kEcdsaHex) + base::to_hex(spki_der);
}

std::string x509_principal(base::ByteView cert_der) {
  return std::string(kX509Base64) + base64_encode(cert_der);
}

std::string canonical_principal(std::string_view p) {
  if (istarts(p, kX509Hex) || istarts(p, kX509Base64)) {
    return x509_key_principal(p).value_or(std::string(p));
  }
  if (istarts(p, kEcdsaHex) || istarts(p, kEcdsaBase64)) {
    return ec_principal(p).value_or(std::string(p));
  }
  auto der = principal_der(p);
  if (!der) return std::string(p);
  Pkey k = decode_key(base::view(*der), false);
  if (!k) return std::string(p);
  return spki_principal(k.get()).value_or(std::string(p));
}

bool is_key_principal(std::string_view p) noexcept { return istarts(p, kRsaHex); }

std::string dn_text(base::ByteView name_der) {
  if (name_der.empty() || name_der.size() > kMaxSignatureKeyBytes) return {};
  const unsigned char* p = name_der.data();
  X509_NAME* name = d2i_X509_NAME(nullptr, &p, static_cast<long>(name_der.size()));
  if (name == nullptr) return {};
  char buf[kDnTextMax];
  const char* text = X509_NAME_oneline(name, buf, sizeof buf);
  std::string out = text != nullptr ? text : "";
  X509_NAME_free(name);
  return out;
}

std::string dn_principal(base::ByteView name_der) { return "DN:" + dn_text(name_der); }

std::string digest_hex(std::string_view data, bool sha1) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, sha1 ? EVP_sha1() : EVP_md5(), nullptr);
  return base::to_hex(base::ByteView(md, n));
}

base::Status verify_signature(std::string_view signed_prefix, std::string_view signature,
                              std::string_view authorizer) {
  const AlgInfo* alg = nullptr;
  for (const AlgInfo& a : kAlgs) {
    if (istarts(signature, a.name)) alg = &a;
  }
  if (alg == nullptr) {
    return base::make_error(ErrorCode::Unsupported, NotifyType::None,
                            "signature algorithm of \"{}\" not supported",
                            signature.substr(0, std::min<std::size_t>(signature.size(), 24)));
  }
  std::string_view encoded = signature.substr(alg->name.size());
  std::optional<base::Bytes> sig;
  if (alg->base64) {
    sig = base64_decode(encoded);
  } else if (auto h = base::from_hex(encoded)) {
    sig = std::move(*h);
  }
  if (!sig || sig->empty() || sig->size() > kMaxSignatureKeyBytes) {
    return base::make_error(ErrorCode::BadValue, NotifyType::None, "signature encoding invalid");
  }
  auto der = principal_der(authorizer);
  Pkey key = der ? decode_key(base::view(*der), false) : nullptr;
  if (!key) {
    return base::make_error(ErrorCode::Unsupported, NotifyType::None,
                            "authorizer is not an RSA key, cannot verify signature");
  }
  MdCtx ctx(EVP_MD_CTX_new());
  const EVP_MD* md = alg->sha256 ? EVP_sha256() : EVP_sha1();
  std::string data(signed_prefix);
  data += alg->name;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1 ||
      EVP_DigestVerify(ctx.get(), sig->data(), sig->size(),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return base::make_error(ErrorCode::Crypto, NotifyType::None,
                            "{} signature does not verify", alg->name);
  }
  return base::ok();
}

base::Result<std::string> sign_assertion(std::string_view assertion, SigAlg alg,
                                         base::ByteView private_key_der) {
  std::string_view trimmed = assertion;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
    trimmed.remove_suffix(1);
  }
  if (!istarts(trimmed.size() >= 10 ? trimmed.substr(trimmed.size() - 10) : "", "signature:")) {
    return base::make_error(ErrorCode::BadValue, NotifyType::None,
                            "assertion to sign must end with \"Signature:\"");
  }
  Pkey key = decode_key(private_key_der, true);
  if (!key) {
    return base::make_error(ErrorCode::BadValue, NotifyType::None, "not an RSA private key");
  }
  const AlgInfo& a = kAlgs[static_cast<std::size_t>(alg)];
  std::string data(trimmed);
  data += a.name;
  MdCtx ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, a.sha256 ? EVP_sha256() : EVP_sha1(),
                                 nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return base::make_error(ErrorCode::Crypto, NotifyType::None, "signing failed");
  }
  base::Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return base::make_error(ErrorCode::Crypto, NotifyType::None, "signing failed");
  }
  sig.resize(len);
  std::string encoded = a.base64 ? base64_encode(base::view(sig)) : base::to_hex(base::view(sig));
  return fmt::format("{} \"{}{}\"\n", trimmed, a.name, encoded);
}

base::Result<std::string> rsa_key_principal(base::ByteView der) {
  Pkey k = decode_key(der, false);
  if (!k) return base::make_error(ErrorCode::BadValue, NotifyType::None, "not an RSA key");
  auto p = spki_principal(k.get());
  if (!p) return base::make_error(ErrorCode::Crypto, NotifyType::None, "cannot encode key");
  return *p;
}

}  // namespace ike::policy
