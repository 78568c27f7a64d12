// RSA_SIG credentials of the ikeload initiators (engine/pki_store.h): the RSA private key
// (--key, PEM "PRIVATE KEY" / "RSA PRIVATE KEY"), our certificate (sent in MM5 as
// Send-certificate "always") and the CA that issued the responder's (--ca); without --ca
// self-signed responder certificates are accepted.
// Our certificate is either --cert, one for every source address (the phase-1 ID is then the
// source address or --id-fqdn: all handshakes share one identity), or, with --ca-key, one that
// ikeload issues itself for each source address with --ca and that key (crypto/x509_issue.h):
// subject CN=<address>, subjectAltName iPAddress <address>, the --key's public key, valid from
// an hour before the start for 7 days, a random 63-bit serial (responders that index
// certificates by issuer and serial, like NSS in pluto, see distinct ones across runs). Each
// source address is then an identity of its own (ID_IPV4_ADDR / ID_IPV6_ADDR), as with PSK.
// Loaded, and issued, once before the run.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/address.h"
#include "base/result.h"
#include "engine/pki_store.h"
#include "options.h"

namespace ike::ikeload {

inline constexpr int64_t kIssuedValidityS = 7 * 86400;

// One store per entry of `sources` (the same shared store for all of them without --ca-key).
// `now`: seconds since the epoch (the validity's start is an hour earlier).
[[nodiscard]] base::Result<std::vector<std::shared_ptr<engine::PkiStore>>> load_credentials(
    const Options& o, std::span<const base::IpAddress> sources, int64_t now);

}  // namespace ike::ikeload
