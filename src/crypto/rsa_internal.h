// Internal to src/crypto: the OpenSSL object behind RsaPublicKey / RsaPrivateKey, shared by
// rsa.cc and x509.cc. Never included by a public header of the module.
#pragma once

#include "crypto/evp.h"

namespace ike::crypto {

struct RsaKeyHandle {
  evp::PkeyPtr pkey;
};

}  // namespace ike::crypto
