// ikeload --cert/--key/--ca/--ca-key: PEM files -> engine::PkiStore (see credentials.h).
#include "credentials.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "crypto/openssl_random.h"
#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "crypto/x509_issue.h"

namespace ike::ikeload {

using base::ErrorCode;
using base::NotifyType;

namespace {

base::Result<std::string> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    return base::make_error(ErrorCode::Io, NotifyType::None, "cannot read {}: {}", path,
                            std::strerror(errno));
  }
  return std::string(std::istreambuf_iterator<char>(f), {});
}

base::ByteView view_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A random serial in [1, 2^63): positive as a DER INTEGER of at most 8 octets.
uint64_t random_serial(base::Random& rng) {
  uint64_t v = 0;
  while (v == 0) {
    std::array<uint8_t, 8> b{};
    rng.fill(b);
    for (uint8_t x : b) v = (v << 8) | x;
    v &= ~(uint64_t{1} << 63);
  }
  return v;
}

}  // namespace

base::Result<std::vector<std::shared_ptr<engine::PkiStore>>> load_credentials(
    const Options& o, std::span<const base::IpAddress> sources, int64_t now) {
  auto shared = std::make_shared<engine::PkiStore>();
  IKE_TRY(std::string key_pem, read_file(o.key_file));
  IKE_TRY(shared->private_key, crypto::rsa_private_key_from_pem(view_of(key_pem)));
  std::string ca_pem;
  if (!o.ca_file.empty()) {
    IKE_TRY(ca_pem, read_file(o.ca_file));
    IKE_TRY(std::vector<crypto::Certificate> cas, crypto::Certificate::from_pem(view_of(ca_pem)));
    for (const auto& ca : cas) shared->trust.add_ca(ca);
  } else {
    shared->trust.set_accept_self_signed(true);
  }
  if (o.ca_key_file.empty()) {
    IKE_TRY(std::string cert_pem, read_file(o.cert_file));
    IKE_TRY(shared->certificates, crypto::Certificate::from_pem(view_of(cert_pem)));
    return std::vector<std::shared_ptr<engine::PkiStore>>(sources.size(), shared);
  }
  IKE_TRY(std::string ca_key_pem, read_file(o.ca_key_file));
  auto issuer = crypto::CertificateIssuer::from_pem(view_of(ca_pem), view_of(ca_key_pem),
                                                    view_of(key_pem));
  if (!issuer) {
    return base::make_error(ErrorCode::BadValue, NotifyType::None, "--ca {} --ca-key {}: {}",
                            o.ca_file, o.ca_key_file, issuer.error().detail);
  }
  crypto::OpenSslRandom rng;
  std::vector<std::shared_ptr<engine::PkiStore>> stores;
  stores.reserve(sources.size());
  for (const base::IpAddress& a : sources) {
    crypto::CertificateRequest r;
    r.common_name = a.to_string();
    r.ip = a;
    r.serial = random_serial(rng);
    r.not_before = now - 3600;
    r.not_after = now + kIssuedValidityS;
    IKE_TRY(crypto::Certificate cert, issuer->issue(r));
    auto store = std::make_shared<engine::PkiStore>(*shared);  // shares keys, trust, cache
    store->certificates = {std::move(cert)};
    stores.push_back(std::move(store));
  }
  return stores;
}

}  // namespace ike::ikeload
