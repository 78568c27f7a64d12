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

// [X509-certificates]:Send-certificate (auth_signature.h, RFC 2408 §3.10).
enum class SendCertificate {
  Always,       // "always" (default): also without a CERT_REQ from the peer
  IfRequested,  // "if-requested": only when the peer sent a CERT_REQ for X509_SIG
  Never,        // "never": the peer has our certificate or raw key already
};

struct PkiStore {
  crypto::TrustStore trust;                      // CA-directory, CRL-directory, Accept-self-signed
  std::vector<crypto::Certificate> certificates;  // Cert-directory: ours and known peers'
  std::optional<crypto::RsaPrivateKey> private_key;  // Private-key (local.key)
  // Pubkey-directory entries by pubkey_name() ("ipv4/10.0.0.1", "fqdn/gw.example.org").
  std::map<std::string, crypto::RsaPublicKey> pubkeys;
  // Private-key-directory entries by private_key_name() ("10.0.0.1", "gw.example.org").
  std::map<std::string, crypto::RsaPrivateKey> id_private_keys;
  SendCertificate send_certificate = SendCertificate::Always;

  // The key we sign with as `our_id`: Private-key-directory/<private_key_name(our_id)>, else
  // Private-key; nullptr when neither is loaded.
  const crypto::RsaPrivateKey* private_key_for(const wire::IdPayload& our_id) const;
  // RSA_SIG usable as `our_id`: nullopt, or the missing credential ("no private key for ID
  // ipv4/10.0.0.1: neither Private-key-directory/10.0.0.1 nor Private-key loaded"). A private
  // key is enough: without a certificate the peer authenticates us by our raw public key.
  std::optional<std::string> missing_signature_credential(const wire::IdPayload& our_id) const;
  // Our certificate: the first in Cert-directory whose key is private_key_for(our_id) and that
  // matches `our_id` (certificate_matches_id); failing that the first whose key it is.
  std::optional<crypto::Certificate> local_certificate(const wire::IdPayload& our_id) const;
  // Like local_certificate, restricted to certificates that chain to the CA whose subject DER
  // Name is `ca_dn`: issued by it, or by a CA of the trust store issued (transitively) by it.
  std::optional<crypto::Certificate> local_certificate_for_ca(const wire::IdPayload& our_id,
                                                              base::ByteView ca_dn) const;
  // Certificates of Cert-directory that match `id` (peer certificates installed locally).
  std::vector<crypto::Certificate> certificates_for(const wire::IdPayload& id) const;
  // The raw public key for `id`, if Pubkey-directory has one.
  const crypto::RsaPublicKey* raw_public_key(const wire::IdPayload& id) const;
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
