// X.509 for IKEv1 RSA_SIG and ECDSA_256/384/521 (RFC 4754) (RFC 2408 §3.9 CERT, encoding X.509 Certificate - Signature = 4;
// features §1.8): hostile-input parsing of certificates (DER size-capped, whole input consumed,
// parsed by OpenSSL), the subjectAltName entries (ALL of them, isakmpd looks at the first only)
// and subject DN used to match the peer's ID, and a trust store (CA certificates, CRLs,
// Accept-self-signed) that verifies a certificate chain. Verification never fetches anything: no
// AIA / CRL distribution point / OCSP URL in a certificate is ever dereferenced (OpenSSL's
// X509_verify_cert does no I/O; the CRLs are the ones the daemon read from CRL-directory). With
// at least one CRL loaded the leaf is checked against them (X509_V_FLAG_CRL_CHECK, as isakmpd).
// Objects are immutable after loading and cheap to copy; what is derived from a certificate
// (subject/issuer DER and text, subjectAltNames, the SubjectPublicKeyInfo DER) is computed once
// per parsed certificate and kept with it (OpenSSL 3's key encoder costs ~50 us per call). A
// trust store carries a generation, new on every change of its CA/CRL set, so a cache of
// verified chains (engine/certificate_cache.h) can tell a stale entry.
#pragma once

#include <climits>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/ecdsa.h"
#include "crypto/rsa.h"

namespace ike::crypto {

// A CERT payload larger than this is refused before OpenSSL sees it (features: reliability
// class 10). Real host certificates are 0.8-3 KiB.
inline constexpr std::size_t kMaxCertificateSize = 16 * 1024;

struct X509Handle;

struct SubjectAltName {
  enum class Kind { Ip, Dns, Email, DirName, Other };
  Kind kind = Kind::Other;
  base::Bytes value;  // Ip: 4 or 16 octets; Dns/Email: the IA5String; DirName: DER Name
};

class Certificate {
 public:
  // Errors (ErrorCode::BadValue / TooMany, notify INVALID_CERTIFICATE): empty, larger than
  // kMaxCertificateSize, not DER X.509, trailing bytes after the certificate.
  [[nodiscard]] static base::Result<Certificate> from_der(base::ByteView der);
  // Every "CERTIFICATE" block of a PEM file (at least one; at most 16).
  [[nodiscard]] static base::Result<std::vector<Certificate>> from_pem(base::ByteView pem);

  const base::Bytes& der() const noexcept { return m_der; }
  const base::Bytes& subject_der() const;
  // DER Name, compared with a CERT_REQ's Certificate Authority
  const base::Bytes& issuer_der() const;
  const std::string& subject_text() const;  // RFC 2253 form, for logs
  // The subject in OpenSSL's one-line "/C=../O=../CN=.." form (X509_NAME_oneline with a buffer
  // of `kOnelineMax` bytes, as isakmpd's x509_DN_string and policy::dn_text): KeyNote's
  // "DN:" principal of the certificate without the prefix.
  static constexpr std::size_t kOnelineMax = 1024;
  const std::string& subject_oneline() const;
  const std::string& issuer_text() const;
  const std::vector<SubjectAltName>& alt_names() const;
  // The certificate's RSA key (rsa.h policy applied). Errors: Unsupported for a non-RSA key or
  // a key outside the policy, notify INVALID_CERTIFICATE.
  [[nodiscard]] base::Result<RsaPublicKey> public_key() const;
  // The certificate's EC key for ECDSA_256/384/521 (RFC 4754, ecdsa.h: P-256/384/521 only).
  // Errors: Unsupported (an RSA key, another curve), notify INVALID_CERTIFICATE, detail naming
  // the subject and the key found.
  [[nodiscard]] base::Result<EcdsaPublicKey> ecdsa_public_key() const;
  // The SubjectPublicKeyInfo DER of the certificate's key (any algorithm, as i2d_PUBKEY encodes
  // it); empty if unreadable.
  const base::Bytes& spki_der() const;
  bool issued_by_itself() const;  // subject == issuer

  const X509Handle* handle() const noexcept { return m_x.get(); }

 private:
  std::shared_ptr<const X509Handle> m_x;
  base::Bytes m_der;
};

struct StoreHandle;

// The period in which a verified chain stays valid: the intersection of the notBefore/notAfter of
// every certificate of the chain OpenSSL built (leaf to anchor) and of the lastUpdate/nextUpdate
// of the CRLs issued by one of them. Same bounds as X509_verify_cert: valid when
// not_before <= t < not_after (a certificate is expired AT its notAfter second).
struct ValidityWindow {
  int64_t not_before = INT64_MIN;
  int64_t not_after = INT64_MAX;
  bool contains(int64_t unix_time) const noexcept {
    return not_before <= unix_time && unix_time < not_after;
  }
};

class TrustStore {
 public:
  TrustStore();
  void add_ca(const Certificate& ca);
  // PEM "X509 CRL" blocks. Errors: BadValue when none parses.
  [[nodiscard]] base::Status add_crl_pem(base::ByteView pem);
  void set_accept_self_signed(bool v) noexcept { m_accept_self_signed = v; }
  bool accept_self_signed() const noexcept { return m_accept_self_signed; }
  std::size_t ca_count() const noexcept { return m_cas.size(); }
  std::size_t crl_count() const noexcept { return m_crl_count; }
  const std::vector<Certificate>& cas() const noexcept { return m_cas; }
  // Process-unique, renewed by every add_ca / add_crl_pem (also through a copy sharing the
  // OpenSSL store): a verification result is only reusable under the same generation.
  uint64_t generation() const noexcept;

  // Verifies `leaf` (with `intermediates` as untrusted chain material) up to a CA of the store;
  // a self-signed leaf is its own anchor when Accept-self-signed is set (signature and validity
  // checked, no CRL required). With CRLs loaded the
  // leaf is checked against them (X509_V_FLAG_CRL_CHECK: a revoked leaf fails; a leaf whose
  // issuer has no CRL fails too, "unable to get certificate CRL", as isakmpd). `unix_time`
  // overrides the verification time (tests); default: now. Errors: ErrorCode::Auth, notify
  // INVALID_CERTIFICATE, detail "certificate '<subject>': <OpenSSL verify error> at depth N".
  [[nodiscard]] base::Status verify(const Certificate& leaf,
                                    std::span<const Certificate> intermediates,
                                    std::optional<int64_t> unix_time = std::nullopt) const;
  // verify() at `unix_time`, and on success the ValidityWindow of the chain it built.
  [[nodiscard]] base::Result<ValidityWindow> verify_window(
      const Certificate& leaf, std::span<const Certificate> intermediates,
      int64_t unix_time) const;

 private:
  [[nodiscard]] base::Result<ValidityWindow> verify_impl(
      const Certificate& leaf, std::span<const Certificate> intermediates,
      std::optional<int64_t> unix_time) const;

  std::shared_ptr<StoreHandle> m_store;
  std::vector<Certificate> m_cas;
  std::size_t m_crl_count = 0;
  bool m_accept_self_signed = false;
};

// isakmpd's text form of a distinguished name ("/C=US/O=Example/CN=gw.example.org", the
// DER_ASN1_DN phase-1 ID's Name tag, isakmpd x509_DN_string2asn) -> DER Name, encoded as
// `openssl req -subj` encodes it (UTF8String, PrintableString where the attribute needs it) so
// it compares byte for byte with such a certificate's subject. Errors: BadValue naming the
// component ("DN \"/O\": component 1 has no '='", "unknown attribute XX"), TooMany over 32
// components or 1024 characters.
[[nodiscard]] base::Result<base::Bytes> dn_from_text(std::string_view text);
// DER Name -> RFC 2253 text for logs ("CN=gw,O=Example"); nullopt when it does not parse as
// exactly one Name (hostile input: size-capped like a certificate).
std::optional<std::string> dn_to_text(base::ByteView der);

}  // namespace ike::crypto
