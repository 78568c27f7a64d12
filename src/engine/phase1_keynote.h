// The KeyNote check of a phase 1 authenticated with signatures (isakmpd.policy(5)): after the
// peer's RSA/ECDSA signature verified (auth_signature.h), the peer's principals -- the
// certificate subject "DN:/C=.../CN=..." and its key "rsa-hex:<SPKI>" / "ecdsa-hex:<SPKI>" --
// must be reachable from POLICY through the Licensees of the policy and credentials. Conditions
// are not evaluated here (they describe the phase 2 SA: esp_*, pfs, filters, which do not exist
// yet): a peer that no assertion chain licenses could never get a phase 2, so its phase 1 is
// refused early, as AUTHENTICATION_FAILED "KeyNote policy result false for phase 1 with
// DN:/...". Pre-shared-key peers are not checked here (their phase 2 check names them).
// KEYNOTE CERT payloads (encoding 11, isakmpd's ISAKMP_CERTENC_KEYNOTE) are parsed and
// signature-verified here (at most policy::kMaxPeerCredentials; one that does not verify fails
// the phase 1 with INVALID_CERTIFICATE) and kept in MainModeData::peer_credentials for this
// ISAKMP SA's checks only; the credentials of Credential-directory/<peer ID>/credentials
// (PolicyContext::identity_credentials) count too (keynote_credentials_for_peer).
#pragma once

#include <span>

#include "base/result.h"
#include "wire/payload.h"

namespace ike::engine {

class EngineImpl;
struct MainModeData;

// The single hook of main_mode.cc / aggressive_mode.cc, after the signature verified. Ok when
// KeyNote is off, with pre-shared keys, or when the policy licenses the peer.
[[nodiscard]] base::Status keynote_check_phase1(const EngineImpl& e, MainModeData& mm,
                                                std::span<const wire::CertPayload* const> certs);

}  // namespace ike::engine
