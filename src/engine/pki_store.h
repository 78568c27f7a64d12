// The engine's credentials for RSA_SIG (features §1.2, §1.8): an in-memory, immutable snapshot
// that the DAEMON builds from the files ([X509-certificates] CA-directory, Cert-directory,
// CRL-directory, Private-key, Accept-self-signed; [General]:Pubkey-directory) at start and on
// reload, and hands to the engine (Engine::set_credentials). The engine never touches a file.
// Also the ID <-> credential matching rules: a certificate matches an ID when ANY of its
// subjectAltNames equals it (IPV4_ADDR / IPV6_ADDR: iPAddress; FQDN: dNSName, case-insensitive;
// USER_FQDN: rfc822Name, case-insensitive) or, for a DER_ASN1_DN ID, when its subject DN equals
// the ID (isakmpd checks only the first SAN); raw public keys are found by the
// Pubkey-directory file name for the ID: ipv4/A.B.C.D, ipv6/<canonical ::>, fqdn/<name>,
// ufqdn/<user@name>. Our private key for an ID comes from Private-key-directory/<id> (isakmpd's
// ike_auth_get_key: the ID as text, "10.0.0.1", "gw.example.org", "user@example.org") when that
// file exists, else Private-key. Send-certificate says when our certificate goes into a CERT
// payload (auth_signature.h).
// ECDSA_256/384/521 (RFC 4754, authentication methods 9/10/11) use the same files: Private-key
// and Private-key-directory entries and Pubkey-directory keys may be EC keys on P-256/384/521
// (kept apart from the RSA ones), and a certificate is ours for a method when its key is the
// private key of that method's type; an ECDSA method also needs the key on ITS curve.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/ecdsa.h"
#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "engine/certificate_cache.h"
#include "wire/payload.h"
#include "wire/registry.h"

namespace ike::engine {

// [X509-certificates]:Send-certificate (auth_signature.h, RFC 2408 §3.10).
enum class SendCertificate {
  Always,       // "always" (default): also without a CERT_REQ from the peer
  IfRequested,  // "if-requested": only when the peer sent a CERT_REQ for X509_SIG
  Never,        // "never": the peer has our certificate or raw key already
};

inline constexpr uint16_t kRsaSigMethod = static_cast<uint16_t>(wire::IkeAuthMethod::RsaSig);

struct PkiStore {
  crypto::TrustStore trust;                      // CA-directory, CRL-directory, Accept-self-signed
  std::vector<crypto::Certificate> certificates;  // Cert-directory: ours and known peers'
  std::optional<crypto::RsaPrivateKey> private_key;  // Private-key (local.key)
  // Pubkey-directory entries by pubkey_name() ("ipv4/10.0.0.1", "fqdn/gw.example.org").
  std::map<std::string, crypto::RsaPublicKey> pubkeys;
  // Private-key-directory entries by private_key_name() ("10.0.0.1", "gw.example.org").
  std::map<std::string, crypto::RsaPrivateKey> id_private_keys;
  // The same for EC keys (ECDSA_256/384/521): Private-key when it is an EC key, the EC
  // entries of Private-key-directory and Pubkey-directory.
  std::optional<crypto::EcdsaPrivateKey> ec_private_key;
  std::map<std::string, crypto::EcdsaPrivateKey> id_ec_private_keys;
  std::map<std::string, crypto::EcdsaPublicKey> ec_pubkeys;
  SendCertificate send_certificate = SendCertificate::Always;
  // Seconds since the epoch at which certificates and CRLs are checked (notBefore/notAfter,
  // lastUpdate/nextUpdate). Injected: the daemon sets time(2) (daemon/pki_loader.cc), tests a
  // fixed or stepped clock. Unset (library users, some unit tests): time(nullptr), the time
  // OpenSSL itself read when none was given.
  std::function<int64_t()> wall_clock;
  // Parsed peer certificates and verified chains (certificate_cache.h). Shared by copies of the
  // store (entries are keyed by the trust store's generation); mutable: a cache, not state.
  std::shared_ptr<CertificateCache> cert_cache = std::make_shared<CertificateCache>();

  int64_t verification_time() const;

  // The key we sign with as `our_id`: Private-key-directory/<private_key_name(our_id)>, else
  // Private-key; nullptr when neither is loaded.
  const crypto::RsaPrivateKey* private_key_for(const wire::IdPayload& our_id) const;
  // The EC key we sign with as `our_id` (same lookup order, EC keys only); nullptr if none.
  const crypto::EcdsaPrivateKey* ec_private_key_for(const wire::IdPayload& our_id) const;
  // Signature method `method` (RSA_SIG, or ECDSA_256/384/521) usable as `our_id`: nullopt, or
  // the missing credential ("no RSA private key for ID ipv4/10.0.0.1: neither
  // Private-key-directory/10.0.0.1 nor [X509-certificates]:Private-key loaded"; "ECDSA_384
  // needs a P-384 key for ID ...: the EC private key is P-256"). A private key is enough:
  // without a certificate the peer authenticates us by our raw public key.
  std::optional<std::string> missing_signature_credential(const wire::IdPayload& our_id,
                                                          uint16_t method = kRsaSigMethod) const;
  // Our certificate for `method`: the first in Cert-directory whose key is our private key for
  // that method's key type and that matches `our_id` (certificate_matches_id); failing that the
  // first whose key it is.
  std::optional<crypto::Certificate> local_certificate(const wire::IdPayload& our_id,
                                                       uint16_t method = kRsaSigMethod) const;
  // Like local_certificate, restricted to certificates that chain to the CA whose subject DER
  // Name is `ca_dn`: issued by it, or by a CA of the trust store issued (transitively) by it.
  std::optional<crypto::Certificate> local_certificate_for_ca(const wire::IdPayload& our_id,
                                                              base::ByteView ca_dn,
                                                              uint16_t method = kRsaSigMethod) const;
  // Certificates of Cert-directory that match `id` (peer certificates installed locally).
  std::vector<crypto::Certificate> certificates_for(const wire::IdPayload& id) const;
  // The raw public key for `id`, if Pubkey-directory has one.
  const crypto::RsaPublicKey* raw_public_key(const wire::IdPayload& id) const;
  const crypto::EcdsaPublicKey* raw_ec_public_key(const wire::IdPayload& id) const;
};

// The Pubkey-directory relative name for an ID; nullopt for types without one (subnets, ranges,
// DN, KEY_ID) and for names that are unsafe as a path ("/", "..", NUL, control characters).
std::optional<std::string> pubkey_name(const wire::IdPayload& id);

// The Private-key-directory file name for an ID: the address text (IPv6 canonical "::" form) or
// the FQDN / USER_FQDN; nullopt for other types and for names unsafe as a path.
std::optional<std::string> private_key_name(const wire::IdPayload& id);

// Ok when `cert` carries the identity `id` (rules above). Errors: Auth with notify
// INVALID_ID_INFORMATION naming the ID, the subject and every SAN ("ID fqdn/b.example.org not in
// certificate 'CN=a,O=x' (SANs: ip 10.0.0.1, dns a.example.org)"), or "has no subjectAltName and
// the ID is not a DER_ASN1_DN".
[[nodiscard]] base::Status certificate_matches_id(const crypto::Certificate& cert,
                                                  const wire::IdPayload& id);

}  // namespace ike::engine
