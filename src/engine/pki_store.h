// The engine's credentials for RSA_SIG (features §1.2, §1.8): an in-memory, immutable snapshot
// that the DAEMON builds from the files ([X509-certificates] CA-directory, Cert-directory,
// CRL-directory, Private-key, Accept-self-signed; [General]:Pubkey-directory) at start and on
// reload, and hands to the engine (Engine::set_credentials). The engine never touches a file.
// Also the ID <-> credential matching rules: a certificate matches an ID when ANY of its
// subjectAltNames equals it (IPV4_ADDR / IPV6_ADDR: iPAddress; FQDN: dNSName, case-insensitive;
// USER_FQDN: rfc822Name, case-insensitive) or, for a DER_ASN1_DN ID, when its subject DN equals
// the ID (isakmpd checks only the first SAN); raw public keys are found by the
// Pubkey-directory file name for the ID: ipv4/A.B.C.D, ipv6/<canonical ::>, fqdn/<name>,
// ufqdn/<user@name>.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "wire/payload.h"

namespace ike::engine {

struct PkiStore {
  crypto::TrustStore trust;                      // CA-directory, CRL-directory, Accept-self-signed
  std::vector<crypto::Certificate> certificates;  // Cert-directory: ours and known peers'
  std::optional<crypto::RsaPrivateKey> private_key;  // Private-key (local.key)
  // Pubkey-directory entries by pubkey_name() ("ipv4/10.0.0.1", "fqdn/gw.example.org").
  std::map<std::string, crypto::RsaPublicKey> pubkeys;

  // Our certificate: the first in Cert-directory whose key is private_key and that matches
  // `our_id` (certificate_matches_id); failing that the first whose key is private_key.
  std::optional<crypto::Certificate> local_certificate(const wire::IdPayload& our_id) const;
  // Certificates of Cert-directory that match `id` (peer certificates installed locally).
  std::vector<crypto::Certificate> certificates_for(const wire::IdPayload& id) const;
  // The raw public key for `id`, if Pubkey-directory has one.
  const crypto::RsaPublicKey* raw_public_key(const wire::IdPayload& id) const;
};

// The Pubkey-directory relative name for an ID; nullopt for types without one (subnets, ranges,
// DN, KEY_ID) and for names that are unsafe as a path ("/", "..", NUL, control characters).
std::optional<std::string> pubkey_name(const wire::IdPayload& id);

// Ok when `cert` carries the identity `id` (rules above). Errors: Auth with notify
// INVALID_ID_INFORMATION naming the ID, the subject and every SAN ("ID fqdn/b.example.org not in
// certificate 'CN=a,O=x' (SANs: ip 10.0.0.1, dns a.example.org)"), or "has no subjectAltName and
// the ID is not a DER_ASN1_DN".
[[nodiscard]] base::Status certificate_matches_id(const crypto::Certificate& cert,
                                                  const wire::IdPayload& id);

}  // namespace ike::engine
