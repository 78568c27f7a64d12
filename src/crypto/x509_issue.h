// Issuing X.509 v3 host certificates (RFC 5280) with a CA's key: what `ikeload --ca-key` needs
// to give every source address an identity of its own (ikeload(1)), so that a responder holds
// its RSA_SIG SAs between as many distinct identities as it does with PSK. Not used by the
// daemon, which only verifies certificates (x509.h).
//
// Every certificate is signed with SHA-256 by the CA key and carries:
//   version 3, the serial asked for, issuer = the CA certificate's subject,
//   subject = CN=<common name>,
//   notBefore/notAfter as asked, the subject key's public half,
//   basicConstraints CA:FALSE, keyUsage digitalSignature,
//   subjectKeyIdentifier (hash), authorityKeyIdentifier (the CA's key id),
//   subjectAltName: the iPAddress and/or the dNSName asked for (at least one).
// The names are checked first: a DNS name is LDH labels separated by dots (RFC 1123 2.1), the
// common name printable ASCII.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/address.h"
#include "base/bytes.h"
#include "base/result.h"
#include "crypto/x509.h"

namespace ike::crypto {

struct CertificateRequest {
  std::string common_name;                // subject CN (1-64 characters)
  std::optional<base::IpAddress> ip;      // subjectAltName iPAddress
  std::string dns;                        // subjectAltName dNSName (empty: none)
  uint64_t serial = 1;                    // >= 1
  int64_t not_before = 0, not_after = 0;  // seconds since the epoch, not_before < not_after
};

class CertificateIssuer {
 public:
  // `ca_cert_pem`: the issuing CA's certificate; `ca_key_pem`: its unencrypted private key (RSA
  // or EC), which must be the certificate's; `subject_key_pem`: the private key whose public
  // half every issued certificate carries (only the public half is kept). Errors: BadValue
  // naming which PEM did not parse, or "the CA key does not belong to the CA certificate".
  [[nodiscard]] static base::Result<CertificateIssuer> from_pem(base::ByteView ca_cert_pem,
                                                                base::ByteView ca_key_pem,
                                                                base::ByteView subject_key_pem);
  // Errors: BadValue naming the field (an empty or malformed name, no subjectAltName, serial 0,
  // an empty validity period); Crypto when OpenSSL fails to sign.
  [[nodiscard]] base::Result<Certificate> issue(const CertificateRequest& request) const;

  CertificateIssuer(CertificateIssuer&&) noexcept;
  CertificateIssuer& operator=(CertificateIssuer&&) noexcept;
  ~CertificateIssuer();

 private:
  struct State;
  explicit CertificateIssuer(std::unique_ptr<State> s);
  std::unique_ptr<State> m_state;
};

}  // namespace ike::crypto
