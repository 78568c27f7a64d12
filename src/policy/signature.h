// KeyNote principals and signatures (RFC 2704 §4.4.2 keys, §4.6.7 Signature field): key
// principals "rsa-hex:<DER>" / "rsa-base64:<DER>" are put in one canonical form
// ("rsa-hex:" + lowercase hex of the DER) so encodings compare equal; other principals
// (isakmpd's "passphrase:...", "DN:/C=.../CN=...", "POLICY") are opaque strings. Signatures
// "sig-rsa-sha1-hex:", "sig-rsa-sha1-base64:", "sig-rsa-sha256-hex:", "sig-rsa-sha256-base64:"
// are PKCS#1 v1.5 over the assertion text from its first byte through the colon of the
// "Signature:" keyword followed by the algorithm name including its colon (keynote(4):
// "the signature covers the assertion up to and including the Signature keyword and the
// algorithm identifier"). Keys: DER SubjectPublicKeyInfo or PKCS#1 RSAPublicKey, both accepted.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace ike::policy {

enum class SigAlg : uint8_t { RsaSha1Hex, RsaSha1Base64, RsaSha256Hex, RsaSha256Base64 };
const char* sig_alg_name(SigAlg a) noexcept;  // "sig-rsa-sha1-hex:"

// Canonical form of a principal (unchanged unless an RSA or EC key, or an X.509 certificate,
// that decodes: then "rsa-hex:<SPKI>" / "ecdsa-hex:<SPKI>" in lowercase hex).
std::string canonical_principal(std::string_view p);

// True when `p` (canonical) names an RSA key.
bool is_key_principal(std::string_view p) noexcept;

// Verifies `signature` (the Signature field's string value) made by `authorizer` (canonical key
// principal) over `signed_prefix` (the assertion text through "Signature:"). Errors: Unsupported
// (algorithm, authorizer not a key), BadValue (encoding), Crypto (does not verify).
[[nodiscard]] base::Status verify_signature(std::string_view signed_prefix,
                                            std::string_view signature,
                                            std::string_view authorizer);

// Signs: `assertion` must end with "Signature:" (optionally followed by blanks); returns the
// assertion with the signature string appended (keynote sign). `private_key_der`: PKCS#8 or
// PKCS#1 DER of an RSA private key.
[[nodiscard]] base::Result<std::string> sign_assertion(std::string_view assertion, SigAlg alg,
                                                       base::ByteView private_key_der);

// "rsa-hex:<hex of SubjectPublicKeyInfo DER>" of the public half of an RSA key given as DER
// (public SubjectPublicKeyInfo, PKCS#1 RSAPublicKey, or a private key).
[[nodiscard]] base::Result<std::string> rsa_key_principal(base::ByteView der);

// "ecdsa-hex:<hex of SubjectPublicKeyInfo DER>" of an EC public key (this implementation's
// spelling; "ecdsa-base64:" is accepted too and canonicalized to it). KeyNote (RFC 2704) names
// no EC algorithm; the form follows rsa-hex.
std::string ec_key_principal(base::ByteView spki_der);

// "x509-base64:<base64 of the certificate DER>" (keynote(4)); canonical_principal turns an
// "x509-base64:" / "x509-hex:" principal into the certificate's key principal ("rsa-hex:" or
// "ecdsa-hex:"), so a policy naming the certificate matches the peer's key.
std::string x509_principal(base::ByteView cert_der);

// isakmpd's X.509 principal: "DN:" + the Name in OpenSSL's one-line "/C=../O=../CN=.." form
// (X509_NAME_oneline, as isakmpd's x509_DN_string); dn_text without the prefix ("" if the DER
// does not parse).
std::string dn_principal(base::ByteView name_der);
std::string dn_text(base::ByteView name_der);
// The buffer dn_text gives X509_NAME_oneline: a longer Name is cut to this many bytes minus one.
// crypto::Certificate::subject_oneline uses the same size, so "DN:" + it is dn_principal of
// the certificate's subject (checked by the engine's tests).
inline constexpr std::size_t kDnTextMax = 1024;

// MD5/SHA-1 hex of a passphrase (isakmpd's "passphrase-md5-hex:" / "passphrase-sha1-hex:").
std::string digest_hex(std::string_view data, bool sha1);

}  // namespace ike::policy
