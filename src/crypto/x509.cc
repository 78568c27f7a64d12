// Certificate parsing and chain verification of x509.h on OpenSSL 3.
#include "crypto/x509.h"

#include <algorithm>
#include <atomic>
#include <ctime>
#include <mutex>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "crypto/evp.h"
#include "crypto/rsa_internal.h"

namespace ike::crypto {

// The parsed certificate and what is derived from it, each computed once on first use
// (std::call_once: a Certificate may be shared between threads).
struct X509Handle {
  X509* x = nullptr;
  mutable std::once_flag subject_once, issuer_once, subject_text_once, issuer_text_once,
      subject_oneline_once, sans_once, spki_once;
  mutable base::Bytes subject_der, issuer_der, spki_der;
  mutable std::string subject_text, issuer_text, subject_oneline;
  mutable std::vector<SubjectAltName> sans;
  ~X509Handle() { X509_free(x); }
};

namespace {
// Generations are process-unique so that two stores never share one.
std::atomic<uint64_t> g_next_generation{1};
uint64_t new_generation() noexcept { return g_next_generation.fetch_add(1); }
}  // namespace

struct StoreHandle {
  X509_STORE* store = nullptr;
  std::vector<X509_CRL*> crls;
  std::atomic<uint64_t> generation{new_generation()};
  StoreHandle() : store(X509_STORE_new()) {}
  ~StoreHandle() {
    X509_STORE_free(store);
    for (X509_CRL* c : crls) X509_CRL_free(c);
  }
  StoreHandle(const StoreHandle&) = delete;
  StoreHandle& operator=(const StoreHandle&) = delete;
};

namespace {

using base::ErrorCode;
using base::NotifyType;
using BioPtr = std::unique_ptr<BIO, evp::Deleter<BIO, BIO_free_all>>;
using StoreCtxPtr =
    std::unique_ptr<X509_STORE_CTX, evp::Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using StorePtr = std::unique_ptr<X509_STORE, evp::Deleter<X509_STORE, X509_STORE_free>>;
struct StackFree {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_free(s); }
};
using StackPtr = std::unique_ptr<STACK_OF(X509), StackFree>;

constexpr std::size_t kMaxPemCertificates = 16;

base::Error bad_cert(ErrorCode code, std::string detail) {
  return base::Error{code, NotifyType::InvalidCertificate, std::move(detail)};
}

std::string name_text(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "?";
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

base::Bytes asn1_bytes(const ASN1_STRING* s) {
  const unsigned char* d = ASN1_STRING_get0_data(s);
  return base::Bytes(d, d + ASN1_STRING_length(s));
}

}  // namespace

base::Result<Certificate> Certificate::from_der(base::ByteView der) {
  if (der.empty()) return bad_cert(ErrorCode::Truncated, "empty certificate");
  if (der.size() > kMaxCertificateSize) {
    return bad_cert(ErrorCode::TooMany, fmt::format("certificate of {} bytes (limit {})",
                                                    der.size(), kMaxCertificateSize));
  }
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x == nullptr) {
    return bad_cert(ErrorCode::BadValue,
                    fmt::format("not a DER X.509 certificate: {}", evp::drain_errors()));
  }
  auto h = std::make_shared<X509Handle>();
  h->x = x;
  auto used = static_cast<std::size_t>(p - der.data());
  if (used != der.size()) {
    return bad_cert(ErrorCode::BadLength,
                    fmt::format("{} trailing bytes after the certificate", der.size() - used));
  }
  Certificate c;
  c.m_x = std::move(h);
  c.m_der = base::to_bytes(der);
  return c;
}

base::Result<std::vector<Certificate>> Certificate::from_pem(base::ByteView pem) {
  if (pem.size() > kMaxPemSize) {
    return bad_cert(ErrorCode::TooMany, fmt::format("PEM file of {} bytes", pem.size()));
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<Certificate> out;
  while (out.size() < kMaxPemCertificates) {
    X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (x == nullptr) break;
    unsigned char* der = nullptr;
    int len = i2d_X509(x, &der);
    X509_free(x);
    if (len <= 0) return evp::crypto_failure("i2d_X509");
    auto c = from_der(base::ByteView(der, static_cast<std::size_t>(len)));
    OPENSSL_free(der);
    if (!c) return c.error();
    out.push_back(std::move(*c));
  }
  ERR_clear_error();  // the PEM_R_NO_START_LINE that ends the loop
  if (out.empty()) return bad_cert(ErrorCode::BadValue, "no PEM CERTIFICATE block");
  return out;
}

namespace {
base::Bytes name_der(const X509_NAME* name) {
  unsigned char* der = nullptr;
  int len = i2d_X509_NAME(name, &der);
  if (len <= 0) return {};
  base::Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}
}  // namespace

const base::Bytes& Certificate::subject_der() const {
  std::call_once(m_x->subject_once,
                 [this] { m_x->subject_der = name_der(X509_get_subject_name(m_x->x)); });
  return m_x->subject_der;
}
const base::Bytes& Certificate::issuer_der() const {
  std::call_once(m_x->issuer_once,
                 [this] { m_x->issuer_der = name_der(X509_get_issuer_name(m_x->x)); });
  return m_x->issuer_der;
}

const std::string& Certificate::subject_text() const {
  std::call_once(m_x->subject_text_once,
                 [this] { m_x->subject_text = name_text(X509_get_subject_name(m_x->x)); });
  return m_x->subject_text;
}
const std::string& Certificate::subject_oneline() const {
  std::call_once(m_x->subject_oneline_once, [this] {
    char buf[kOnelineMax];
    const char* text = X509_NAME_oneline(X509_get_subject_name(m_x->x), buf, sizeof buf);
    m_x->subject_oneline = text != nullptr ? text : "";
  });
  return m_x->subject_oneline;
}
const std::string& Certificate::issuer_text() const {
  std::call_once(m_x->issuer_text_once,
                 [this] { m_x->issuer_text = name_text(X509_get_issuer_name(m_x->x)); });
  return m_x->issuer_text;
}

bool Certificate::issued_by_itself() const {
  return X509_NAME_cmp(X509_get_subject_name(m_x->x), X509_get_issuer_name(m_x->x)) == 0;
}

namespace {
std::vector<SubjectAltName> read_alt_names(X509* x) {
  std::vector<SubjectAltName> out;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) {
    ERR_clear_error();
    return out;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    SubjectAltName s;
    switch (g->type) {
      case GEN_IPADD:
        s.kind = SubjectAltName::Kind::Ip;
        s.value = asn1_bytes(g->d.iPAddress);
        break;
      case GEN_DNS:
        s.kind = SubjectAltName::Kind::Dns;
        s.value = asn1_bytes(g->d.dNSName);
        break;
      case GEN_EMAIL:
        s.kind = SubjectAltName::Kind::Email;
        s.value = asn1_bytes(g->d.rfc822Name);
        break;
      case GEN_DIRNAME: {
        s.kind = SubjectAltName::Kind::DirName;
        unsigned char* der = nullptr;
        int len = i2d_X509_NAME(g->d.directoryName, &der);
        if (len > 0) s.value.assign(der, der + len);
        OPENSSL_free(der);
        break;
      }
      default:
        s.kind = SubjectAltName::Kind::Other;
        break;
    }
    out.push_back(std::move(s));
  }
  GENERAL_NAMES_free(names);
  return out;
}
}  // namespace

const std::vector<SubjectAltName>& Certificate::alt_names() const {
  std::call_once(m_x->sans_once, [this] { m_x->sans = read_alt_names(m_x->x); });
  return m_x->sans;
}

base::Result<RsaPublicKey> Certificate::public_key() const {
  EVP_PKEY* p = X509_get_pubkey(m_x->x);  // new reference
  if (p == nullptr) {
    return bad_cert(ErrorCode::BadValue,
                    fmt::format("certificate key unreadable: {}", evp::drain_errors()));
  }
  auto h = std::make_shared<RsaKeyHandle>();
  h->pkey.reset(p);
  auto k = RsaPublicKey::from_handle(std::move(h));
  if (!k) {
    return bad_cert(ErrorCode::Unsupported,
                    fmt::format("certificate '{}': {}", subject_text(), k.error().detail));
  }
  return k;
}

namespace {
base::Bytes encode_spki(X509* x) {
  EVP_PKEY* p = X509_get0_pubkey(x);  // borrowed
  if (p == nullptr) {
    ERR_clear_error();
    return {};
  }
  int n = i2d_PUBKEY(p, nullptr);
  if (n <= 0) {
    ERR_clear_error();
    return {};
  }
  base::Bytes out(static_cast<std::size_t>(n));
  unsigned char* w = out.data();
  if (i2d_PUBKEY(p, &w) != n) {
    ERR_clear_error();
    return {};
  }
  return out;
}
}  // namespace

const base::Bytes& Certificate::spki_der() const {
  std::call_once(m_x->spki_once, [this] { m_x->spki_der = encode_spki(m_x->x); });
  return m_x->spki_der;
}

base::Result<EcdsaPublicKey> Certificate::ecdsa_public_key() const {
  const base::Bytes& spki = spki_der();
  if (spki.empty()) {
    return bad_cert(ErrorCode::BadValue,
                    fmt::format("certificate '{}': key unreadable", subject_text()));
  }
  auto k = ecdsa_public_key_from_spki(base::view(spki));
  if (!k) {
    return bad_cert(ErrorCode::Unsupported,
                    fmt::format("certificate '{}': not an ECDSA P-256/384/521 key: {}",
                                subject_text(), k.error().detail));
  }
  return k;
}

TrustStore::TrustStore() : m_store(std::make_shared<StoreHandle>()) {}

uint64_t TrustStore::generation() const noexcept { return m_store->generation.load(); }

// The generation is renewed AFTER the store changed: a verification that read the old one may
// have seen the old store, and its result is only ever filed under the old generation.
void TrustStore::add_ca(const Certificate& ca) {
  X509_STORE_add_cert(m_store->store, ca.handle()->x);
  ERR_clear_error();  // a duplicate is not an error
  m_cas.push_back(ca);
  m_store->generation = new_generation();
}

base::Status TrustStore::add_crl_pem(base::ByteView pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::size_t added = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_crl(m_store->store, crl);
    m_store->crls.push_back(crl);
    ++added;
  }
  m_store->generation = new_generation();
  ERR_clear_error();
  if (added == 0) {
    return base::make_error(ErrorCode::BadValue, NotifyType::None, "no PEM X509 CRL block");
  }
  m_crl_count += added;
  return base::ok();
}

namespace {

// ASN1_TIME -> seconds since the epoch; nullopt when it does not convert.
std::optional<int64_t> unix_seconds(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

// The ValidityWindow (x509.h) of the chain X509_verify_cert built in `ctx`. A bound that does not
// convert makes the window empty (the result is then never reused).
ValidityWindow chain_window(X509_STORE_CTX* ctx, const std::vector<X509_CRL*>& crls,
                            bool crl_checked) {
  ValidityWindow w;
  auto lower = [&w](std::optional<int64_t> t) {
    if (!t) w.not_after = INT64_MIN;
    else w.not_before = std::max(w.not_before, *t);
  };
  auto upper = [&w](std::optional<int64_t> t) {
    if (!t) w.not_after = INT64_MIN;
    else w.not_after = std::min(w.not_after, *t);
  };
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx);
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    X509* c = sk_X509_value(chain, i);
    lower(unix_seconds(X509_get0_notBefore(c)));
    upper(unix_seconds(X509_get0_notAfter(c)));
    if (!crl_checked) continue;
    // RFC 5280 §6.3.3 (a): a CRL is usable while thisUpdate <= t < nextUpdate (OpenSSL:
    // "CRL is not yet valid" / "CRL has expired"); any CRL of a chain member bounds the window.
    for (X509_CRL* crl : crls) {
      if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(c)) != 0) continue;
      lower(unix_seconds(X509_CRL_get0_lastUpdate(crl)));
      if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl)) upper(unix_seconds(next));
    }
  }
  return w;
}

}  // namespace

base::Status TrustStore::verify(const Certificate& leaf,
                                std::span<const Certificate> intermediates,
                                std::optional<int64_t> unix_time) const {
  IKE_TRY_VOID(verify_impl(leaf, intermediates, unix_time));
  return base::ok();
}

base::Result<ValidityWindow> TrustStore::verify_window(const Certificate& leaf,
                                                       std::span<const Certificate> intermediates,
                                                       int64_t unix_time) const {
  return verify_impl(leaf, intermediates, unix_time);
}

base::Result<ValidityWindow> TrustStore::verify_impl(const Certificate& leaf,
                                                     std::span<const Certificate> intermediates,
                                                     std::optional<int64_t> unix_time) const {
  X509_STORE* store = m_store->store;
  StorePtr self_store;
  if (m_accept_self_signed && leaf.issued_by_itself()) {
    // [X509-certificates]:Accept-self-signed: the leaf is its own trust anchor (its signature,
    // validity are still checked; no CRL can exist for a self-issued leaf, so none is required).
    self_store.reset(X509_STORE_new());
    if (!self_store) return evp::crypto_failure("X509_STORE_new");
    X509_STORE_add_cert(self_store.get(), leaf.handle()->x);
    for (X509_CRL* c : m_store->crls) X509_STORE_add_crl(self_store.get(), c);
    store = self_store.get();
  }
  StackPtr chain(sk_X509_new_null());
  for (const auto& c : intermediates) sk_X509_push(chain.get(), c.handle()->x);
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || !chain ||
      X509_STORE_CTX_init(ctx.get(), store, leaf.handle()->x, chain.get()) != 1) {
    return evp::crypto_failure("X509_STORE_CTX_init");
  }
  if (m_crl_count > 0 && !self_store) X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_CRL_CHECK);
  if (unix_time) X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(*unix_time));
  if (X509_verify_cert(ctx.get()) == 1) {
    return chain_window(ctx.get(), m_store->crls, m_crl_count > 0 && !self_store);
  }
  int err = X509_STORE_CTX_get_error(ctx.get());
  int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  ERR_clear_error();
  return base::make_error(ErrorCode::Auth, NotifyType::InvalidCertificate,
                          "certificate '{}': {} at depth {}", leaf.subject_text(),
                          X509_verify_cert_error_string(err), depth);
}

std::optional<std::string> dn_to_text(base::ByteView der) {
  if (der.empty() || der.size() > kMaxCertificateSize) return std::nullopt;
  const unsigned char* p = der.data();
  X509_NAME* name = d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size()));
  if (name == nullptr) {
    ERR_clear_error();
    return std::nullopt;
  }
  const bool whole = p == der.data() + der.size();
  std::string text = name_text(name);
  X509_NAME_free(name);
  if (!whole) return std::nullopt;
  return text;
}

base::Result<base::Bytes> dn_from_text(std::string_view text) {
  constexpr std::size_t kMaxText = 1024, kMaxComponents = 32;
  if (text.size() > kMaxText) {
    return base::make_error(base::ErrorCode::TooMany, base::NotifyType::None,
                            "DN of {} characters (at most {})", text.size(), kMaxText);
  }
  if (text.empty() || text.front() != '/') {
    return base::make_error(base::ErrorCode::BadValue, base::NotifyType::None,
                            "DN \"{}\" does not start with '/' (form /C=US/O=.../CN=...)",
                            std::string(text));
  }
  std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)> name(X509_NAME_new(), X509_NAME_free);
  if (!name) {
    return base::make_error(base::ErrorCode::Crypto, base::NotifyType::None, "X509_NAME_new");
  }
  std::size_t n = 0;
  std::string_view rest = text.substr(1);
  while (!rest.empty()) {
    std::size_t end = rest.find('/');
    std::string_view part = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    if (++n > kMaxComponents) {
      return base::make_error(base::ErrorCode::TooMany, base::NotifyType::None,
                              "DN with more than {} components", kMaxComponents);
    }
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return base::make_error(base::ErrorCode::BadValue, base::NotifyType::None,
                              "DN \"{}\": component {} \"{}\" is not type=value",
                              std::string(text), n, std::string(part));
    }
    std::string type(part.substr(0, eq));
    std::string value(part.substr(eq + 1));
    if (X509_NAME_add_entry_by_txt(name.get(), type.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                   0) != 1) {
      ERR_clear_error();
      return base::make_error(base::ErrorCode::BadValue, base::NotifyType::None,
                              "DN \"{}\": component {}: unknown attribute \"{}\" or bad value",
                              std::string(text), n, type);
    }
  }
  return name_der(name.get());
}

}  // namespace ike::crypto
