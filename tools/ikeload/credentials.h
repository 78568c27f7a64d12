// RSA_SIG credentials of the ikeload initiators (engine/pki_store.h): the RSA private key
// (--key, PEM "PRIVATE KEY" / "RSA PRIVATE KEY"), our certificate (--cert, sent in MM5 as
// Send-certificate "always") and the CA that issued the responder's (--ca); without --ca
// self-signed responder certificates are accepted. Loaded once, shared by every engine.
#pragma once

#include <memory>

#include "base/result.h"
#include "engine/pki_store.h"
#include "options.h"

namespace ike::ikeload {

[[nodiscard]] base::Result<std::shared_ptr<engine::PkiStore>> load_credentials(const Options& o);

}  // namespace ike::ikeload
