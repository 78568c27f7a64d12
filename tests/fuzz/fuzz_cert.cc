// libFuzzer target: the body of a peer's CERT payload (RFC 2408 §3.9, encoding X509_SIG), as
// auth_signature.cc handles it (reliability class 10): size-capped DER parsing by OpenSSL, every
// subjectAltName, the subject, the RSA key policy, certificate <-> ID matching for every ID type,
// and chain verification against an empty trust store (must fail cleanly: no issuer).
// Invariants: a parse error carries a detail; a parsed certificate keeps its exact DER; a
// verification against no CA never succeeds unless Accept-self-signed applies.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "crypto/x509.h"
#include "engine/pki_store.h"
#include "wire/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ike::base::ByteView in(data, size);
  auto cert = ike::crypto::Certificate::from_der(in);
  if (!cert) {
    if (cert.error().detail.empty()) std::abort();
    return 0;
  }
  if (cert->der() != ike::base::Bytes(in.begin(), in.end())) std::abort();
  (void)cert->subject_text();
  (void)cert->issuer_text();
  (void)cert->alt_names();
  auto key = cert->public_key();
  if (!key && key.error().detail.empty()) std::abort();
  for (uint8_t t = 1; t <= 11; ++t) {
    ike::wire::IdPayload id;
    id.id_type = t;
    const bool dn = t == static_cast<uint8_t>(ike::wire::IdType::DerAsn1Dn);
    id.data = dn ? cert->subject_der() : ike::base::Bytes{10, 0, 0, 1};
    (void)ike::engine::certificate_matches_id(*cert, id);
  }
  ike::crypto::TrustStore empty;
  if (empty.verify(*cert, {}).has_value()) std::abort();
  ike::crypto::TrustStore self;
  self.set_accept_self_signed(true);
  (void)self.verify(*cert, {});
  return 0;
}
