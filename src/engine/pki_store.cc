// PkiStore lookups and the certificate <-> ID matching of pki_store.h.
#include "engine/pki_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "base/address.h"
#include "base/log.h"
#include "engine/ipsec_id.h"
#include "wire/registry.h"

namespace ike::engine {

namespace {

using crypto::SubjectAltName;
using wire::IdType;

bool iequal(base::ByteView a, base::ByteView b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](uint8_t x, uint8_t y) {
           auto lower = [](uint8_t c) { return c >= 'A' && c <= 'Z' ? uint8_t(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

std::string san_text(const SubjectAltName& s) {
  switch (s.kind) {
    case SubjectAltName::Kind::Ip:
      if (s.value.size() == 4) return "ip " + base::IpAddress::v4_bytes(s.value).to_string();
      if (s.value.size() == 16) return "ip " + base::IpAddress::v6(s.value).to_string();
      return "ip ?";
    case SubjectAltName::Kind::Dns:
      return "dns " + base::sanitize_for_log(std::string(s.value.begin(), s.value.end()));
    case SubjectAltName::Kind::Email:
      return "email " + base::sanitize_for_log(std::string(s.value.begin(), s.value.end()));
    case SubjectAltName::Kind::DirName:
      return "dirname";
    case SubjectAltName::Kind::Other:
      break;
  }
  return "other";
}

bool san_matches(const SubjectAltName& s, const wire::IdPayload& id) {
  switch (static_cast<IdType>(id.id_type)) {
    case IdType::Ipv4Addr:
    case IdType::Ipv6Addr:
      return s.kind == SubjectAltName::Kind::Ip && s.value == id.data;
    case IdType::Fqdn:
      return s.kind == SubjectAltName::Kind::Dns && iequal(s.value, id.data);
    case IdType::UserFqdn:
      return s.kind == SubjectAltName::Kind::Email && iequal(s.value, id.data);
    case IdType::DerAsn1Dn:
      return s.kind == SubjectAltName::Kind::DirName && s.value == id.data;
    default:
      return false;
  }
}

bool safe_name(const std::string& s) {
  if (s.empty() || s == "." || s == "..") return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    return c == '/' || static_cast<unsigned char>(c) < 0x21 || c == 0x7f;
  });
}

}  // namespace

std::optional<std::string> pubkey_name(const wire::IdPayload& id) {
  std::string dir, name;
  switch (static_cast<IdType>(id.id_type)) {
    case IdType::Ipv4Addr:
      if (id.data.size() != 4) return std::nullopt;
      dir = "ipv4";
      name = base::IpAddress::v4_bytes(id.data).to_string();
      break;
    case IdType::Ipv6Addr:
      if (id.data.size() != 16) return std::nullopt;
      dir = "ipv6";  // inet_ntop's canonical "::" form, as isakmpd's getnameinfo
      name = base::IpAddress::v6(id.data).to_string();
      break;
    case IdType::Fqdn:
      dir = "fqdn";
      name.assign(id.data.begin(), id.data.end());
      break;
    case IdType::UserFqdn:
      dir = "ufqdn";
      name.assign(id.data.begin(), id.data.end());
      break;
    default:
      return std::nullopt;
  }
  if (!safe_name(name)) return std::nullopt;
  return dir + "/" + name;
}

base::Status certificate_matches_id(const crypto::Certificate& cert, const wire::IdPayload& id) {
  const auto& sans = cert.alt_names();
  // DER_ASN1_DN: the subject DN (isakmpd x509_cert_subjectaltname / x509_cert_get_subjects).
  if (id.id_type == static_cast<uint8_t>(IdType::DerAsn1Dn) && cert.subject_der() == id.data) {
    return base::ok();
  }
  // Every SAN is considered (isakmpd looks only at the first).
  for (const auto& s : sans) {
    if (san_matches(s, id)) return base::ok();
  }
  if (sans.empty()) {
    return base::make_error(base::ErrorCode::Auth, base::NotifyType::InvalidIdInformation,
                            "ID {} not in certificate '{}': it has no subjectAltName and the ID "
                            "is not its DER_ASN1_DN subject",
                            id_to_string(id), cert.subject_text());
  }
  std::string list;
  for (const auto& s : sans) list += (list.empty() ? "" : ", ") + san_text(s);
  return base::make_error(base::ErrorCode::Auth, base::NotifyType::InvalidIdInformation,
                          "ID {} not in certificate '{}' (SANs: {})", id_to_string(id),
                          cert.subject_text(), list);
}

std::optional<std::string> private_key_name(const wire::IdPayload& id) {
  auto name = pubkey_name(id);  // "<dir>/<name>", same safety rules
  if (!name) return std::nullopt;
  return name->substr(name->find('/') + 1);
}

int64_t PkiStore::verification_time() const {
  return wall_clock ? wall_clock() : static_cast<int64_t>(std::time(nullptr));
}

const crypto::RsaPrivateKey* PkiStore::private_key_for(const wire::IdPayload& our_id) const {
  if (auto name = private_key_name(our_id)) {
    auto it = id_private_keys.find(*name);
    if (it != id_private_keys.end()) return &it->second;
  }
  return private_key ? &*private_key : nullptr;
}

const crypto::EcdsaPrivateKey* PkiStore::ec_private_key_for(const wire::IdPayload& our_id) const {
  if (auto name = private_key_name(our_id)) {
    auto it = id_ec_private_keys.find(*name);
    if (it != id_ec_private_keys.end()) return &it->second;
  }
  return ec_private_key ? &*ec_private_key : nullptr;
}

std::optional<std::string> PkiStore::missing_signature_credential(const wire::IdPayload& our_id,
                                                                  uint16_t method) const {
  auto curve = crypto::ecdsa_curve_for_method(method);
  if (curve) {
    if (const crypto::EcdsaPrivateKey* k = ec_private_key_for(our_id)) {
      if (k->curve() == *curve) return std::nullopt;
      // RFC 4754 §3: each method names one curve; a key on another one cannot sign for it.
      return fmt::format("{} needs a {} key for ID {}: the EC private key is {}",
                         wire::registry_name_or_number(wire::Registry::IkeAuthMethod, method),
                         crypto::ecdsa_curve_name(*curve), id_to_string(our_id),
                         crypto::ecdsa_curve_name(k->curve()));
    }
  } else if (private_key_for(our_id) != nullptr) {
    return std::nullopt;
  }
  auto name = private_key_name(our_id);
  return fmt::format("no {} private key for ID {}: neither {} nor [X509-certificates]:"
                     "Private-key loaded",
                     curve ? "EC" : "RSA", id_to_string(our_id),
                     name ? "Private-key-directory/" + *name
                          : std::string("a Private-key-directory file (ID type has none)"));
}

namespace {

// `cert` chains to the CA named `ca_dn`: its issuer is that CA, or its issuer is a CA of the
// store whose own issuer chain (bounded) reaches it.
bool chains_to(const crypto::TrustStore& trust, const crypto::Certificate& cert,
               base::ByteView ca_dn) {
  constexpr int kMaxDepth = 8;
  const base::Bytes* issuer = &cert.issuer_der();
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    if (std::equal(issuer->begin(), issuer->end(), ca_dn.begin(), ca_dn.end())) return true;
    const crypto::Certificate* up = nullptr;
    for (const auto& ca : trust.cas()) {
      if (!ca.issued_by_itself() && ca.subject_der() == *issuer) up = &ca;
    }
    if (up == nullptr) return false;
    issuer = &up->issuer_der();
  }
  return false;
}

// The SubjectPublicKeyInfo of our private key for `method`'s key type; null when none.
const base::Bytes* our_spki(const PkiStore& pki, const wire::IdPayload& our_id, uint16_t method) {
  if (crypto::ecdsa_curve_for_method(method)) {
    const crypto::EcdsaPrivateKey* k = pki.ec_private_key_for(our_id);
    return k != nullptr ? &k->public_key().spki_der() : nullptr;
  }
  const crypto::RsaPrivateKey* k = pki.private_key_for(our_id);
  return k != nullptr ? &k->public_key().spki_der() : nullptr;
}

std::optional<crypto::Certificate> pick_local(const PkiStore& pki, const wire::IdPayload& our_id,
                                              std::optional<base::ByteView> ca_dn,
                                              uint16_t method) {
  const base::Bytes* spki = our_spki(pki, our_id, method);
  if (spki == nullptr || spki->empty()) return std::nullopt;
  std::optional<crypto::Certificate> any;
  for (const auto& c : pki.certificates) {
    if (c.spki_der() != *spki) continue;
    if (ca_dn && !chains_to(pki.trust, c, *ca_dn)) continue;
    if (certificate_matches_id(c, our_id)) return c;
    if (!any) any = c;
  }
  return any;
}

}  // namespace

std::optional<crypto::Certificate> PkiStore::local_certificate(const wire::IdPayload& our_id,
                                                               uint16_t method) const {
  return pick_local(*this, our_id, std::nullopt, method);
}

std::optional<crypto::Certificate> PkiStore::local_certificate_for_ca(
    const wire::IdPayload& our_id, base::ByteView ca_dn, uint16_t method) const {
  return pick_local(*this, our_id, ca_dn, method);
}

std::vector<crypto::Certificate> PkiStore::certificates_for(const wire::IdPayload& id) const {
  std::vector<crypto::Certificate> out;
  for (const auto& c : certificates) {
    if (certificate_matches_id(c, id)) out.push_back(c);
  }
  return out;
}

const crypto::RsaPublicKey* PkiStore::raw_public_key(const wire::IdPayload& id) const {
  auto name = pubkey_name(id);
  if (!name) return nullptr;
  auto it = pubkeys.find(*name);
  return it == pubkeys.end() ? nullptr : &it->second;
}

const crypto::EcdsaPublicKey* PkiStore::raw_ec_public_key(const wire::IdPayload& id) const {
  auto name = pubkey_name(id);
  if (!name) return nullptr;
  auto it = ec_pubkeys.find(*name);
  return it == ec_pubkeys.end() ? nullptr : &it->second;
}

}  // namespace ike::engine
