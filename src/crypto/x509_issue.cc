// Issuing host certificates with a CA key (x509_issue.h), on OpenSSL 3.
#include "crypto/x509_issue.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/evp.h"
#include "crypto/rsa.h"

namespace ike::crypto {

namespace {

using base::ErrorCode;
using base::NotifyType;
using X509Ptr = std::unique_ptr<X509, evp::Deleter<X509, X509_free>>;
using NamePtr = std::unique_ptr<X509_NAME, evp::Deleter<X509_NAME, X509_NAME_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, evp::Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, evp::Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

constexpr std::size_t kMaxCommonName = 64;  // RFC 5280 A.1 ub-common-name
constexpr std::size_t kMaxDnsName = 253;

base::Error bad(std::string_view field, std::string_view value, std::string_view why) {
  return base::make_error(ErrorCode::BadValue, NotifyType::None, "certificate {} '{}': {}", field,
                          value, why);
}

// RFC 1123 2.1: labels of letters, digits and hyphens, 1-63 characters, not starting or
// ending with a hyphen, separated by single dots.
bool dns_name_ok(std::string_view name) {
  if (name.empty() || name.size() > kMaxDnsName) return false;
  std::size_t label = 0;
  char prev = '.';
  for (char c : name) {
    bool ldh = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-';
    if (c == '.') {
      if (label == 0 || prev == '-') return false;
      label = 0;
    } else if (!ldh || (label == 0 && c == '-') || ++label > 63) {
      return false;
    }
    prev = c;
  }
  return label > 0 && prev != '-';
}

bool printable_ascii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

base::Status check(const CertificateRequest& r) {
  if (r.common_name.empty() || r.common_name.size() > kMaxCommonName ||
      !printable_ascii(r.common_name)) {
    return bad("common name", r.common_name, "1-64 printable ASCII characters expected");
  }
  if (!r.dns.empty() && !dns_name_ok(r.dns)) {
    return bad("dNSName", r.dns, "not a DNS name (letters, digits, hyphens, dots)");
  }
  if (!r.ip && r.dns.empty()) {
    return bad("subjectAltName", "", "an iPAddress or a dNSName is needed");
  }
  if (r.serial == 0) return bad("serial", "0", "serial numbers start at 1 (RFC 5280 4.1.2.2)");
  if (r.not_after <= r.not_before) {
    return bad("validity", fmt::format("{}..{}", r.not_before, r.not_after),
               "notAfter must be after notBefore");
  }
  return base::ok();
}

// subjectAltName from our own bytes, not from OpenSSL's "IP:..,DNS:.." text syntax.
base::Status add_alt_names(X509* x, const CertificateRequest& r) {
  NamesPtr names(GENERAL_NAMES_new());
  if (!names) return evp::crypto_failure("GENERAL_NAMES_new");
  auto push = [&](int type, ASN1_STRING* value) -> base::Status {
    GENERAL_NAME* g = GENERAL_NAME_new();
    if (!g) {
      ASN1_STRING_free(value);
      return evp::crypto_failure("GENERAL_NAME_new");
    }
    GENERAL_NAME_set0_value(g, type, value);
    if (sk_GENERAL_NAME_push(names.get(), g) == 0) {
      GENERAL_NAME_free(g);
      return evp::crypto_failure("sk_GENERAL_NAME_push");
    }
    return base::ok();
  };
  if (r.ip) {
    ASN1_OCTET_STRING* ip = ASN1_OCTET_STRING_new();
    if (!ip || ASN1_OCTET_STRING_set(ip, r.ip->bytes().data(),
                                     static_cast<int>(r.ip->bytes().size())) != 1) {
      ASN1_OCTET_STRING_free(ip);
      return evp::crypto_failure("iPAddress");
    }
    IKE_TRY_VOID(push(GEN_IPADD, ip));
  }
  if (!r.dns.empty()) {
    ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
    if (!dns || ASN1_STRING_set(dns, r.dns.data(), static_cast<int>(r.dns.size())) != 1) {
      ASN1_IA5STRING_free(dns);
      return evp::crypto_failure("dNSName");
    }
    IKE_TRY_VOID(push(GEN_DNS, dns));
  }
  if (X509_add1_ext_i2d(x, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return evp::crypto_failure("subjectAltName");
  }
  return base::ok();
}

// The fixed extensions, from constant text in OpenSSL's syntax.
base::Status add_fixed_extensions(X509* x, X509* ca) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca, x, nullptr, nullptr, 0);
  struct Ext { int nid; const char* value; };
  for (const Ext& e : {Ext{NID_basic_constraints, "critical,CA:FALSE"},
                       Ext{NID_key_usage, "critical,digitalSignature"},
                       Ext{NID_subject_key_identifier, "hash"},
                       Ext{NID_authority_key_identifier, "keyid:always"}}) {
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, e.nid, e.value));
    if (!ext || X509_add_ext(x, ext.get(), -1) != 1) {
      return evp::crypto_failure(OBJ_nid2sn(e.nid));
    }
  }
  return base::ok();
}

}  // namespace

struct CertificateIssuer::State {
  X509Ptr ca;
  evp::PkeyPtr ca_key;
  evp::PkeyPtr subject_public;  // the subject key with its private half dropped
};

CertificateIssuer::CertificateIssuer(std::unique_ptr<State> s) : m_state(std::move(s)) {}
CertificateIssuer::CertificateIssuer(CertificateIssuer&&) noexcept = default;
CertificateIssuer& CertificateIssuer::operator=(CertificateIssuer&&) noexcept = default;
CertificateIssuer::~CertificateIssuer() = default;

base::Result<CertificateIssuer> CertificateIssuer::from_pem(base::ByteView ca_cert_pem,
                                                            base::ByteView ca_key_pem,
                                                            base::ByteView subject_key_pem) {
  auto s = std::make_unique<State>();
  IKE_TRY(evp::BioPtr bio, evp::key_pem_bio(ca_cert_pem, kMaxPemSize));
  s->ca.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!s->ca) {
    return base::make_error(ErrorCode::BadValue, NotifyType::None,
                            "CA certificate: no PEM certificate: {}", evp::drain_errors());
  }
  IKE_TRY(s->ca_key, evp::read_private_key_pem(ca_key_pem, kMaxPemSize, "CA"));
  if (X509_check_private_key(s->ca.get(), s->ca_key.get()) != 1) {
    (void)evp::drain_errors();
    return base::make_error(ErrorCode::BadValue, NotifyType::None,
                            "the CA key does not belong to the CA certificate");
  }
  IKE_TRY(evp::PkeyPtr subject, evp::read_private_key_pem(subject_key_pem, kMaxPemSize,
                                                          "subject"));
  // Keep only the public half: DER SubjectPublicKeyInfo out and back in.
  unsigned char* spki = nullptr;
  int len = i2d_PUBKEY(subject.get(), &spki);
  if (len <= 0) return evp::crypto_failure("i2d_PUBKEY");
  const unsigned char* p = spki;
  s->subject_public.reset(d2i_PUBKEY(nullptr, &p, len));
  OPENSSL_free(spki);
  if (!s->subject_public) return evp::crypto_failure("d2i_PUBKEY");
  return CertificateIssuer(std::move(s));
}

base::Result<Certificate> CertificateIssuer::issue(const CertificateRequest& r) const {
  IKE_TRY_VOID(check(r));
  X509Ptr x(X509_new());
  if (!x) return evp::crypto_failure("X509_new");
  NamePtr subject(X509_NAME_new());
  bool ok = subject && X509_set_version(x.get(), X509_VERSION_3) == 1 &&
            ASN1_INTEGER_set_uint64(X509_get_serialNumber(x.get()), r.serial) == 1 &&
            X509_set_issuer_name(x.get(), X509_get_subject_name(m_state->ca.get())) == 1 &&
            X509_NAME_add_entry_by_txt(
                subject.get(), "CN", MBSTRING_ASC,
                reinterpret_cast<const unsigned char*>(r.common_name.data()),
                static_cast<int>(r.common_name.size()), -1, 0) == 1 &&
            X509_set_subject_name(x.get(), subject.get()) == 1 &&
            ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(r.not_before)) &&
            ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(r.not_after)) &&
            X509_set_pubkey(x.get(), m_state->subject_public.get()) == 1;
  if (!ok) return evp::crypto_failure("certificate fields");
  IKE_TRY_VOID(add_fixed_extensions(x.get(), m_state->ca.get()));
  IKE_TRY_VOID(add_alt_names(x.get(), r));
  if (X509_sign(x.get(), m_state->ca_key.get(), EVP_sha256()) <= 0) {
    return evp::crypto_failure("X509_sign");
  }
  unsigned char* der = nullptr;
  int len = i2d_X509(x.get(), &der);
  if (len <= 0) return evp::crypto_failure("i2d_X509");
  base::Bytes bytes(der, der + len);
  OPENSSL_free(der);
  return Certificate::from_der(bytes);
}

}  // namespace ike::crypto
