// OpenSSL library context, error-queue draining and fatal-error reporting (see evp.h).
#include "crypto/evp.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>

#include <fmt/core.h>

namespace ike::crypto::evp {

LibContext::LibContext(bool want_legacy) {
  m_ctx = OSSL_LIB_CTX_new();
  if (m_ctx == nullptr) {
    m_load_error = "OSSL_LIB_CTX_new: " + drain_errors();
    return;
  }
  m_default = OSSL_PROVIDER_load(m_ctx, "default");
  if (m_default == nullptr) {
    m_load_error = "default provider: " + drain_errors();
    return;
  }
  if (want_legacy) {
    m_legacy = OSSL_PROVIDER_load(m_ctx, "legacy");
    if (m_legacy == nullptr) {
      m_load_error = "legacy provider: " + drain_errors();
    }
  }
}

LibContext::~LibContext() {
  if (m_legacy != nullptr) {
    OSSL_PROVIDER_unload(m_legacy);
  }
  if (m_default != nullptr) {
    OSSL_PROVIDER_unload(m_default);
  }
  OSSL_LIB_CTX_free(m_ctx);
}

std::string drain_errors() {
  std::string out;
  unsigned long e = 0;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) {
      out += "; ";
    }
    out += buf;
  }
  return out.empty() ? std::string("no OpenSSL error") : out;
}

base::Error crypto_failure(std::string_view what) {
  return base::make_error(base::ErrorCode::Crypto, base::NotifyType::None, "{}: {}", what,
                          drain_errors());
}

void fatal(std::string_view what) noexcept {
  std::string errors = drain_errors();
  std::fprintf(stderr, "isakmpd: crypto: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               errors.c_str());
  std::abort();
}

base::Result<BioPtr> key_pem_bio(base::ByteView pem, std::size_t max_size) {
  if (pem.size() > max_size) {
    return base::make_error(base::ErrorCode::TooMany, base::NotifyType::None,
                            "PEM input of {} bytes (limit {})", pem.size(), max_size);
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return crypto_failure("BIO_new_mem_buf");
  return bio;
}

base::Result<PkeyPtr> read_private_key_pem(base::ByteView pem, std::size_t max_size,
                                           std::string_view what) {
  IKE_TRY(BioPtr bio, key_pem_bio(pem, max_size));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr,
                                      [](char*, int, int, void*) { return 0; }, nullptr));
  if (!key) {
    return base::make_error(base::ErrorCode::BadValue, base::NotifyType::None,
                            "no unencrypted PEM {} private key: {}", what, drain_errors());
  }
  return key;
}

}  // namespace ike::crypto::evp
