// Signature authentication (RSA_SIG, ECDSA_256/384/521) of auth_signature.h.
#include "engine/auth_signature.h"

#include <fmt/format.h>

#include <variant>

#include "base/hex.h"
#include "base/log.h"
#include "engine/ipsec_id.h"
#include "policy/signature.h"
#include "wire/registry.h"

namespace ike::engine {

namespace {

using base::ErrorCode;
using base::NotifyType;

constexpr auto kX509Sig = static_cast<uint8_t>(wire::CertEncoding::X509Sig);

std::string method_name(uint16_t method) {
  return wire::registry_name_or_number(wire::Registry::IkeAuthMethod, method);
}

base::Status check_signature(const PeerKey& key, uint16_t method, base::ByteView hash,
                             const wire::SigPayload& sig, const std::string& whose) {
  auto st = std::holds_alternative<crypto::EcdsaPublicKey>(key)
                ? crypto::ecdsa_verify_ike(std::get<crypto::EcdsaPublicKey>(key), method, hash,
                                           base::view(sig.data))
                : crypto::rsa_verify_ike(std::get<crypto::RsaPublicKey>(key), hash,
                                         base::view(sig.data));
  if (!st) {
    return base::make_error(ErrorCode::Auth, NotifyType::InvalidSignature, "{} SIG with {}: {}",
                            method_name(method), whose, st.error().detail);
  }
  return base::ok();
}

// RFC 4754 §3: each ECDSA method names one curve; the peer's key must be on it.
base::Result<PeerKey> ec_key_for(crypto::EcdsaPublicKey k, uint16_t method,
                                 const std::string& whose) {
  const crypto::EcdsaCurve want = *crypto::ecdsa_curve_for_method(method);
  if (k.curve() != want) {
    return base::make_error(ErrorCode::Auth, NotifyType::InvalidSignature,
                            "{} needs a {} key, {} has {}", method_name(method),
                            crypto::ecdsa_curve_name(want), whose,
                            crypto::ecdsa_curve_name(k.curve()));
  }
  return PeerKey{std::move(k)};
}

// Certificate -> its key for `method`, or the error of the failed check.
base::Result<PeerKey> certificate_key(const crypto::Certificate& cert, uint16_t method) {
  if (!crypto::ecdsa_curve_for_method(method)) {
    IKE_TRY(crypto::RsaPublicKey k, cert.public_key());
    return PeerKey{std::move(k)};
  }
  auto k = cert.ecdsa_public_key();
  if (!k) {
    return base::make_error(k.error().code, k.error().notify, "{}: {}", method_name(method),
                            k.error().detail);
  }
  return ec_key_for(std::move(*k), method,
                    fmt::format("certificate '{}'", cert.subject_text()));
}

// Certificate -> its verified key, or the error of the failed check. A chain verified before
// under the same trust-store generation, method and exact DERs, still inside its validity window
// at `now`, is not verified again (certificate_cache.h); anything else is, in full.
base::Result<PeerKey> verified_key(const PkiStore& pki, const crypto::Certificate& leaf,
                                   std::span<const crypto::Certificate> chain, uint16_t method,
                                   int64_t now) {
  CertificateCache* cache = pki.cert_cache.get();
  const uint64_t generation = pki.trust.generation();
  std::string key;
  if (cache != nullptr) {
    key = CertificateCache::chain_key(pki.trust, leaf, chain, method);
    if (auto k = cache->find_verified(key, generation, now)) return std::move(*k);
  }
  IKE_TRY(crypto::ValidityWindow window, pki.trust.verify_window(leaf, chain, now));
  IKE_TRY(PeerKey k, certificate_key(leaf, method));
  if (cache != nullptr) cache->remember_verified(std::move(key), generation, k, window);
  return k;
}

}  // namespace

std::vector<wire::CertReqPayload> certificate_requests(const PkiStore* pki) {
  std::vector<wire::CertReqPayload> out;
  if (pki == nullptr) return out;
  for (const auto& ca : pki->trust.cas()) {
    // RFC 2408 §3.10: Certificate Authority = the DER distinguished name of an acceptable CA.
    out.push_back(wire::CertReqPayload{kX509Sig, ca.subject_der()});
  }
  return out;
}

bool is_signature_method(wire::IkeAuthMethod m) noexcept {
  return m == wire::IkeAuthMethod::RsaSig ||
         crypto::ecdsa_curve_for_method(static_cast<uint16_t>(m)).has_value();
}

crypto::HashAlg auth_hash_alg(const Phase1Suite& suite) noexcept {
  switch (suite.auth_method) {
    case wire::IkeAuthMethod::EcdsaSha256: return crypto::HashAlg::Sha256;
    case wire::IkeAuthMethod::EcdsaSha384: return crypto::HashAlg::Sha384;
    case wire::IkeAuthMethod::EcdsaSha512: return crypto::HashAlg::Sha512;
    default: return suite.hash;
  }
}

LocalCertChoice choose_local_certificate(const PkiStore& pki, const wire::IdPayload& our_id,
                                         std::span<const wire::CertReqPayload> peer_requests,
                                         uint16_t method) {
  LocalCertChoice out;
  if (pki.send_certificate == SendCertificate::Never) {
    out.why = "Send-certificate never";
    return out;
  }
  if (peer_requests.empty()) {
    if (pki.send_certificate == SendCertificate::IfRequested) {
      out.why = "no CERT_REQ from the peer, Send-certificate if-requested";
      return out;
    }
    out.cert = pki.local_certificate(our_id, method);
    out.why = "no CERT_REQ from the peer, Send-certificate always";
    return out;
  }
  // RFC 2408 §3.10: honour the requested type; among X509_SIG requests prefer a named CA.
  bool x509_requested = false;
  std::string unmatched;
  for (const auto& r : peer_requests) {
    if (r.encoding != kX509Sig) {
      IKE_LOG_INFO("CERT_REQ for certificate type {} ignored: only X509_SIG is implemented",
                   wire::registry_name_or_number(wire::Registry::CertEncoding, r.encoding));
      continue;
    }
    x509_requested = true;
    if (r.authority.empty()) continue;
    if (auto c = pki.local_certificate_for_ca(our_id, base::view(r.authority), method)) {
      out.cert = std::move(c);
      out.why = fmt::format("CERT_REQ X509_SIG for CA '{}'", out.cert->issuer_text());
      return out;
    }
    unmatched += unmatched.empty() ? "" : ", ";
    unmatched += fmt::format("{} octets of DN", r.authority.size());
  }
  if (!x509_requested) {
    IKE_LOG_INFO("peer requested no X509_SIG certificate: no CERT sent");
    out.why = "CERT_REQ for unsupported certificate types only";
    return out;
  }
  out.cert = pki.local_certificate(our_id, method);
  out.why = unmatched.empty()
                ? std::string("CERT_REQ X509_SIG (any CA)")
                : fmt::format("CERT_REQ X509_SIG for CA(s) we do not chain to ({}); sending ours",
                              unmatched);
  return out;
}

base::Result<std::vector<wire::Payload>> sign_phase1(
    const PkiStore* pki, base::ByteView hash, const wire::IdPayload& our_id,
    std::span<const wire::CertReqPayload> peer_requests, uint16_t method) {
  const std::string name = method_name(method);
  std::optional<std::string> missing =
      pki != nullptr ? pki->missing_signature_credential(our_id, method)
                     : std::optional<std::string>("no credentials loaded");
  if (missing) {
    return base::make_error(ErrorCode::Config, NotifyType::None, "{}: {}", name, *missing);
  }
  std::vector<wire::Payload> out;
  LocalCertChoice choice = choose_local_certificate(*pki, our_id, peer_requests, method);
  IKE_LOG_DEBUG(Exchange, 30, "{} as {}: {} ({})", name, id_to_string(our_id),
                choice.cert ? "CERT '" + choice.cert->subject_text() + "'" : std::string("no CERT"),
                choice.why);
  if (choice.cert) out.emplace_back(wire::CertPayload{kX509Sig, choice.cert->der()});
  base::Bytes sig;
  if (crypto::ecdsa_curve_for_method(method)) {
    // RFC 4754 §7: SIG_I / SIG_R = r || s over HASH_I / HASH_R with the method's hash.
    IKE_TRY(sig, crypto::ecdsa_sign_ike(*pki->ec_private_key_for(our_id), method, hash));
  } else {
    IKE_TRY(sig, crypto::rsa_sign_ike(*pki->private_key_for(our_id), hash));
  }
  out.emplace_back(wire::SigPayload{std::move(sig)});
  return out;
}

base::Result<std::string> verify_phase1_signature(const PkiStore* pki,
                                                  const wire::IdPayload& peer_id,
                                                  std::span<const wire::CertPayload* const> certs,
                                                  const wire::SigPayload& sig,
                                                  base::ByteView expected_hash,
                                                  std::vector<std::string>* principals,
                                                  uint16_t method) {
  const std::string id_text = id_to_string(peer_id);
  const bool ecdsa = crypto::ecdsa_curve_for_method(method).has_value();
  auto record = [principals](const crypto::Certificate* cert, const PeerKey& key) {
    if (principals == nullptr) return;
    principals->clear();
    // policy::dn_principal(subject DER), computed once per parsed certificate.
    static_assert(policy::kDnTextMax == crypto::Certificate::kOnelineMax);
    if (cert != nullptr) principals->push_back("DN:" + cert->subject_oneline());
    if (const auto* rsa = std::get_if<crypto::RsaPublicKey>(&key)) {
      principals->push_back("rsa-hex:" + base::to_hex(base::view(rsa->spki_der())));
    } else if (const auto* ec = std::get_if<crypto::EcdsaPublicKey>(&key)) {
      principals->push_back(policy::ec_key_principal(base::view(ec->spki_der())));
    }
  };
  if (pki == nullptr) {
    return base::make_error(ErrorCode::Auth, NotifyType::AuthenticationFailed,
                            "{} from {}: no credentials loaded", method_name(method), id_text);
  }
  const int64_t now = pki->verification_time();
  // Parse every X.509 CERT (hostile input: size-capped, whole DER consumed).
  std::vector<crypto::Certificate> received;
  std::size_t other_encodings = 0;
  for (const wire::CertPayload* c : certs) {
    if (c->encoding != kX509Sig) {
      // KEYNOTE credentials (phase1_keynote.h) accompany the key, they are not one.
      if (c->encoding != static_cast<uint8_t>(wire::CertEncoding::Keynote)) ++other_encodings;
      continue;
    }
    if (received.size() == kMaxPeerCertificates) {
      return base::make_error(ErrorCode::TooMany, NotifyType::InvalidCertificate,
                              "more than {} CERT payloads", kMaxPeerCertificates);
    }
    auto parsed = pki->cert_cache ? pki->cert_cache->parse(base::view(c->data))
                                  : crypto::Certificate::from_der(base::view(c->data));
    if (!parsed) {
      return base::make_error(ErrorCode::Auth, NotifyType::InvalidCertificate,
                              "CERT #{} from {}: {}", received.size() + 1, id_text,
                              parsed.error().detail);
    }
    received.push_back(std::move(*parsed));
  }
  if (received.empty() && other_encodings > 0) {
    return base::make_error(ErrorCode::Unsupported, NotifyType::CertTypeUnsupported,
                            "{} CERT payload(s) from {}, none of encoding X509_SIG",
                            other_encodings, id_text);
  }
  if (!received.empty()) {
    // The end-entity certificate is the one that carries the peer's ID.
    std::optional<base::Error> id_error;
    for (std::size_t i = 0; i < received.size(); ++i) {
      auto match = certificate_matches_id(received[i], peer_id);
      if (!match) {
        if (!id_error) id_error = match.error();
        continue;
      }
      std::vector<crypto::Certificate> chain;
      for (std::size_t j = 0; j < received.size(); ++j) {
        if (j != i) chain.push_back(received[j]);
      }
      IKE_TRY(PeerKey key, verified_key(*pki, received[i], chain, method, now));
      std::string whose = fmt::format("certificate '{}'", received[i].subject_text());
      IKE_TRY_VOID(check_signature(key, method, expected_hash, sig, whose));
      record(&received[i], key);
      return whose;
    }
    return *id_error;
  }
  // No CERT: a peer certificate installed in Cert-directory, then a raw public key.
  auto local = pki->certificates_for(peer_id);
  if (!local.empty()) {
    IKE_TRY(PeerKey key, verified_key(*pki, local.front(), {}, method, now));
    std::string whose = fmt::format("certificate '{}' (Cert-directory)",
                                    local.front().subject_text());
    IKE_TRY_VOID(check_signature(key, method, expected_hash, sig, whose));
    record(&local.front(), key);
    return whose;
  }
  if (ecdsa) {
    if (const crypto::EcdsaPublicKey* raw = pki->raw_ec_public_key(peer_id)) {
      std::string whose = "raw public key " + *pubkey_name(peer_id);
      IKE_TRY(PeerKey key, ec_key_for(*raw, method, whose));
      IKE_TRY_VOID(check_signature(key, method, expected_hash, sig, whose));
      record(nullptr, key);
      return whose;
    }
  } else if (const crypto::RsaPublicKey* raw = pki->raw_public_key(peer_id)) {
    std::string whose = "raw public key " + *pubkey_name(peer_id);
    PeerKey key{*raw};
    IKE_TRY_VOID(check_signature(key, method, expected_hash, sig, whose));
    record(nullptr, key);
    return whose;
  }
  auto name = pubkey_name(peer_id);
  return base::make_error(ErrorCode::Auth, NotifyType::AuthenticationFailed,
                          "no CERT from {}, no certificate for it in Cert-directory and no "
                          "public key {}",
                          id_text, name ? "Pubkey-directory/" + *name : "(ID type has none)");
}

}  // namespace ike::engine
