// Phase-1 signature authentication (RFC 2409 §5.1, features §1.2 and §1.8): RSA_SIG and, per
// RFC 4754, ECDSA_256 / ECDSA_384 / ECDSA_521 (methods 9/10/11: P-256+SHA-256, P-384+SHA-384,
// P-521+SHA-512; crypto/ecdsa.h), written once for Main Mode and Aggressive Mode:
//
//   Main Mode                                 Aggressive Mode
//   HDR, KE, Ni [, CERT_REQ]    -->           HDR, SA, KE, Ni, IDii [, CERT_REQ] -->
//            <-- HDR, KE, Nr [, CERT_REQ]     <-- HDR, SA, KE, Nr, IDir, [CERT,] SIG_R [, CERT_REQ]
//   HDR*, IDii, [CERT,] SIG_I   -->           HDR, [CERT,] SIG_I -->
//            <-- HDR*, IDir, [CERT,] SIG_R
//
// SKEYID = prf(Ni_b | Nr_b, g^xy) (keymat.h skeyid_sig) for every signature method; SIG_I / SIG_R
// are RSA signatures (crypto/rsa.h: PKCS#1 v1.5 over the raw HASH_I / HASH_R, no DigestInfo) or
// RFC 4754 §7 ECDSA signatures (HASH_I / HASH_R hashed with the method's hash, r || s of the
// curve's width). With ECDSA the peer's key (certificate or Pubkey-directory) must be an EC key
// on the method's curve and ours must be too (PkiStore::missing_signature_credential); a
// mismatch is refused with a detail naming both curves. How an exchange uses this file:
//   1. with the KE/nonce message: append certificate_requests(pki) (one X509_SIG CERT_REQ per CA
//      of CA-directory, the CA's subject DN as authority);
//   2. to authenticate: compute HASH_I / HASH_R exactly as for PSK (keymat.h) and append
//      sign_phase1(pki, hash, our_id) after the ID payload ([CERT,] SIG);
//   3. on the peer's ID/SIG message: verify_phase1_signature(pki, peer_id, CERT payloads, SIG,
//      expected HASH) BEFORE any state change, then the usual Remote-ID check
//      (verify_peer_phase1_id). Errors carry the notify to send and a detail naming the check.
// Which certificate goes into our CERT payload (choose_local_certificate; RFC 2408 §3.10: the
// CERT_REQ "is used to request certificates ... of the type requested", its Certificate
// Authority naming an acceptable CA). The peer's CERT_REQs are kept with the exchange (MM3/MM4,
// AM1/AM2) and:
//   * peer sent CERT_REQ(s): with one of encoding X509_SIG, our certificate is sent -- the one
//     that chains to a requested CA when a request names a CA we can chain to, otherwise our
//     usual one (the peer may still accept it); requests of other encodings are logged and
//     ignored ("CERT_REQ for PGP ignored: only X509_SIG implemented"); when only unsupported
//     encodings were requested, no CERT is sent (logged, not a failure);
//   * peer sent none: [X509-certificates]:Send-certificate decides: "always" (default) sends our
//     certificate anyway (strongSwan and libreswan rely on it; isakmpd sends it only when asked,
//     which makes a peer without our certificate fail), "if-requested" sends none;
//   * Send-certificate "never": no CERT at all (the peer has our certificate or raw key).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "engine/negotiated.h"
#include "engine/pki_store.h"
#include "wire/payload.h"

namespace ike::engine {

// A CERT payload larger than this is refused unparsed; at most this many are looked at.
inline constexpr std::size_t kMaxPeerCertificates = 4;

// RSA_SIG or ECDSA_256/384/521: SKEYID from the nonces, [CERT,] SIG instead of HASH.
bool is_signature_method(wire::IkeAuthMethod m) noexcept;

// The PRF hash for HASH_I / HASH_R: the negotiated HASH_ALGORITHM, except for ECDSA_256/384/521
// where it is the method's hash (HMAC-SHA-256/384/512 keyed with SKEYID; strongSwan's IKEv1
// "prf_auth", RFC 4754 §7: the method fixes the hash). SKEYID and the SA keys still use the
// negotiated PRF. The ECDSA SIG is then computed over that HASH_I / HASH_R without hashing
// it again (crypto/ecdsa.h).
crypto::HashAlg auth_hash_alg(const Phase1Suite& suite) noexcept;

std::vector<wire::CertReqPayload> certificate_requests(const PkiStore* pki);

// The certificate to send as `our_id` given the peer's CERT_REQs (rules above), and why
// ("requested X509_SIG, CA 'CN=ca' matched", "no CERT_REQ, Send-certificate always", ...).
struct LocalCertChoice {
  std::optional<crypto::Certificate> cert;
  std::string why;
};
LocalCertChoice choose_local_certificate(const PkiStore& pki, const wire::IdPayload& our_id,
                                         std::span<const wire::CertReqPayload> peer_requests,
                                         uint16_t method = kRsaSigMethod);

// [CERT,] SIG for our side with `method`, signed with pki->private_key_for(our_id) (RSA_SIG) or
// pki->ec_private_key_for(our_id) (ECDSA_*); the CERT is the one of choose_local_certificate.
// Errors: Config (notify NONE) when no usable private key for the ID is loaded (detail:
// missing_signature_credential, e.g. the curve mismatch); BadLength / Crypto from the signer.
[[nodiscard]] base::Result<std::vector<wire::Payload>> sign_phase1(
    const PkiStore* pki, base::ByteView hash, const wire::IdPayload& our_id,
    std::span<const wire::CertReqPayload> peer_requests, uint16_t method = kRsaSigMethod);

// Verifies the peer's signature over `expected_hash` for identity `peer_id`. With CERT payloads:
// the X509_SIG ones are parsed (size-capped, hostile), the one carrying `peer_id` (any SAN, or the
// subject for a DER_ASN1_DN ID) is the end-entity certificate, the others are untrusted chain
// material; the chain must verify against the CA store (CRLs when loaded, Accept-self-signed).
// Certificates and chains are checked at pki->verification_time(); a parse or a successful chain
// verification of exactly the same input under the same trust-store generation, still valid at
// that time, comes from pki->cert_cache (certificate_cache.h); the SIG is always verified.
// Without CERT: a certificate for `peer_id` in Cert-directory (verified the same way), else the
// raw key Pubkey-directory/<pubkey_name(peer_id)>. Returns how the peer was authenticated
// ("certificate 'CN=...'", "raw public key fqdn/x"). Errors (code Auth unless noted):
//   INVALID_CERTIFICATE: a CERT that does not parse, is too large, or whose chain fails (detail:
//     the OpenSSL verification error, e.g. "certificate revoked");
//   CERT_TYPE_UNSUPPORTED: only non-X.509 CERT payloads were received;
//   INVALID_ID_INFORMATION: no received certificate carries `peer_id` (detail lists the SANs);
//   AUTHENTICATION_FAILED: no credentials configured, or no certificate and no public key for
//     the ID (detail names the Pubkey-directory file looked for);
//   INVALID_SIGNATURE: the signature does not verify with the key found; with ECDSA also a key
//     on another curve than the method's ("ECDSA_256 needs a P-256 key, certificate '...' has
//     P-384"), or a SIG of the wrong length / r or s out of range (crypto/ecdsa.h);
//   INVALID_CERTIFICATE (ECDSA): the certificate's key is not an EC key (an RSA certificate).
// On success `principals` (if given) gets the peer's KeyNote principals (isakmpd.policy(5)):
// the certificate subject "DN:/C=.../CN=..." (with a certificate) and the key "rsa-hex:<SPKI>"
// or "ecdsa-hex:<SPKI>" (policy/signature.h; a policy's "x509-base64:<cert>" matches the key).
[[nodiscard]] base::Result<std::string> verify_phase1_signature(
    const PkiStore* pki, const wire::IdPayload& peer_id,
    std::span<const wire::CertPayload* const> certs, const wire::SigPayload& sig,
    base::ByteView expected_hash, std::vector<std::string>* principals = nullptr,
    uint16_t method = kRsaSigMethod);

}  // namespace ike::engine
