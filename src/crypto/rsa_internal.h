// Internal to src/crypto: the OpenSSL object behind RsaPublicKey / RsaPrivateKey, shared by
// rsa.cc and x509.cc. Never included by a public header of the module.
#pragma once

#include <openssl/bn.h>

#include <memory>

#include "crypto/evp.h"

namespace ike::crypto {

struct RsaKeyHandle {
  evp::PkeyPtr pkey;
};

// The public numbers of a loaded key, read once (EVP_PKEY_get_bn_param goes through the
// provider's parameter export on every call) with the Montgomery context of n, so a signature
// check is one BN_mod_exp_mont and nothing else.
struct RsaPublicParams {
  evp::BnPtr n, e;
  std::unique_ptr<BN_MONT_CTX, evp::Deleter<BN_MONT_CTX, BN_MONT_CTX_free>> mont;
};

}  // namespace ike::crypto
