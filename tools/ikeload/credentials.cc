// ikeload --cert/--key/--ca: PEM files -> engine::PkiStore (see credentials.h).
#include "credentials.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "crypto/rsa.h"
#include "crypto/x509.h"

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

}  // namespace

base::Result<std::shared_ptr<engine::PkiStore>> load_credentials(const Options& o) {
  auto pki = std::make_shared<engine::PkiStore>();
  IKE_TRY(std::string key_pem, read_file(o.key_file));
  IKE_TRY(pki->private_key, crypto::rsa_private_key_from_pem(view_of(key_pem)));
  IKE_TRY(std::string cert_pem, read_file(o.cert_file));
  IKE_TRY(pki->certificates, crypto::Certificate::from_pem(view_of(cert_pem)));
  if (!o.ca_file.empty()) {
    IKE_TRY(std::string ca_pem, read_file(o.ca_file));
    IKE_TRY(std::vector<crypto::Certificate> cas, crypto::Certificate::from_pem(view_of(ca_pem)));
    for (const auto& ca : cas) pki->trust.add_ca(ca);
  } else {
    pki->trust.set_accept_self_signed(true);
  }
  return pki;
}

}  // namespace ike::ikeload
