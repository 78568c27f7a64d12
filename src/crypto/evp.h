// Internal to src/crypto: RAII owners for OpenSSL 3 objects (std::unique_ptr with a deleter per
// type; BIGNUMs that may hold private values are released with BN_clear_free), the shared
// library context every fetch goes through, and the error helpers that turn the OpenSSL error
// queue into a precise detail string. Never included by a public header of the module.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace ike::crypto::evp {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Free(p); }
};

using MdPtr = std::unique_ptr<EVP_MD, Deleter<EVP_MD, EVP_MD_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using MacPtr = std::unique_ptr<EVP_MAC, Deleter<EVP_MAC, EVP_MAC_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, Deleter<EVP_CIPHER, EVP_CIPHER_free>>;
using CipherCtxPtr =
    std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
// For BIGNUMs holding private values: BN_clear_free wipes the limbs before freeing.
using SecretBnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, Deleter<BN_CTX, BN_CTX_free>>;
using BnMontCtxPtr = std::unique_ptr<BN_MONT_CTX, Deleter<BN_MONT_CTX, BN_MONT_CTX_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP, EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT, EC_POINT_clear_free>>;

// An OSSL_LIB_CTX of our own with the "default" provider and, when asked for, the "legacy"
// provider (Blowfish, CAST-128). A private context keeps the legacy algorithms out of the rest of
// the process and ignores the system openssl.cnf, so behaviour does not depend on the host.
class LibContext {
 public:
  explicit LibContext(bool want_legacy);
  ~LibContext();
  LibContext(const LibContext&) = delete;
  LibContext& operator=(const LibContext&) = delete;

  OSSL_LIB_CTX* get() const noexcept { return m_ctx; }
  bool default_loaded() const noexcept { return m_default != nullptr; }
  bool legacy_loaded() const noexcept { return m_legacy != nullptr; }
  const std::string& load_error() const noexcept { return m_load_error; }

 private:
  OSSL_LIB_CTX* m_ctx = nullptr;
  OSSL_PROVIDER* m_default = nullptr;
  OSSL_PROVIDER* m_legacy = nullptr;
  std::string m_load_error;
};

using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

// A read-only memory BIO over a PEM key of at most `max_size` bytes (TooMany beyond: key files
// are read before any parsing, so the cap bounds what OpenSSL sees).
[[nodiscard]] base::Result<BioPtr> key_pem_bio(base::ByteView pem, std::size_t max_size);

// An unencrypted PEM private key of at most `max_size` bytes. No passphrase callback: an
// encrypted key fails instead of prompting. `what` names the key type in the error ("RSA", "EC").
[[nodiscard]] base::Result<PkeyPtr> read_private_key_pem(base::ByteView pem, std::size_t max_size,
                                                         std::string_view what);

// Drains the thread's OpenSSL error queue into "reason (lib); reason (lib)"; "no OpenSSL error"
// when the queue is empty.
std::string drain_errors();

// Error{Crypto} whose detail is "<what>: <drained OpenSSL errors>".
base::Error crypto_failure(std::string_view what);

// Fatal: an OpenSSL primitive that cannot fail on valid input failed (memory exhaustion or a
// broken library). Prints "isakmpd: crypto: <what>: <errors>" to stderr and aborts.
[[noreturn]] void fatal(std::string_view what) noexcept;

}  // namespace ike::crypto::evp
