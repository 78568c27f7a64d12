// The KeyNote check of a Phase 2 (isakmpd.policy(5), isakmpd(8) policy.c): builds the action
// attributes of a Quick Mode (policy/ipsec_attributes.h) from the ISAKMP SA (phase-1 exchange,
// group, identities, IKE addresses), the Quick Mode IDs (absent: the IKE addresses) and a
// candidate suite, names the requester as phase 1 authenticated it (pre-shared key:
// "passphrase:<key>" and its MD5/SHA-1 hex forms; RSA_SIG: the certificate subject "DN:..."
// and "rsa-hex:" key recorded by verify_phase1_signature) and asks the PolicySet with the
// compliance values "false", "true". Refusal: NoProposal/NO_PROPOSAL_CHOSEN, detail "KeyNote
// policy result false (...)". The passphrase principals are secrets: never logged. Extra
// credentials of a query: the peer's verified KEYNOTE CERTs, then those the daemon loaded from
// Credential-directory/<peer's phase 1 ID>/credentials (PolicyContext::identity_credentials).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/negotiated.h"
#include "policy/ipsec_attributes.h"
#include "policy/keynote.h"
#include "wire/payload.h"

namespace ike::engine {

class EngineImpl;
struct IsakmpSa;

struct KeynotePhase2Context {
  policy::IpsecPolicyInput input;       // all but the suite's protocols
  std::vector<std::string> requesters;  // secret with PSK
  // The peer's verified KEYNOTE CERT credentials (phase1_keynote.h), null if none.
  std::shared_ptr<const std::vector<policy::Assertion>> credentials;
};

// `initiator`: our role in the Quick Mode. `idci`/`idcr`: the Quick Mode IDs or null.
[[nodiscard]] KeynotePhase2Context keynote_phase2_context(const EngineImpl& e, const IsakmpSa& sa,
                                                          bool initiator,
                                                          const wire::IdPayload* idci,
                                                          const wire::IdPayload* idcr);

// Ok when the policy's value for `suite` is "true". Errors: NoProposal/NO_PROPOSAL_CHOSEN
// ("KeyNote policy result false for #1 ESP AES-256/... (3 assertions evaluated)"), with
// "step budget exhausted" appended when the evaluation hit kMaxEvalSteps.
[[nodiscard]] base::Status keynote_check_phase2(const policy::PolicyContext& policy,
                                                const KeynotePhase2Context& ctx,
                                                const Phase2Suite& suite);

// The isakmpd.policy(5) spellings: esp_enc_alg ("aes"), ah_hash_alg ("sha2-256"), comp_alg
// ("deflate"), *_auth_alg ("hmac-sha"), *_encapsulation ("tunnel"); "unknown-N" otherwise.
std::string keynote_transform_name(wire::ProtocolId protocol, uint8_t transform_id);
std::string keynote_auth_name(uint16_t auth_algorithm);

// The Credential-directory sub-directory name of a phase 1 ID (OpenBSD isakmpd policy.c
// keynote_cert_obtain): IPV4_ADDR / IPV6_ADDR as inet_ntop(3) prints them, FQDN and USER_FQDN
// as sent; nullopt for other types or a malformed ID.
std::optional<std::string> keynote_identity_name(const wire::IdPayload& id);
// The verified credentials of `policy.identity_credentials` for the peer ID `peer_id` (an ID
// payload body, as IsakmpSa::peer_id) merged after `received`; `received` when none apply.
std::shared_ptr<const std::vector<policy::Assertion>> keynote_credentials_for_peer(
    const policy::PolicyContext& policy, base::ByteView peer_id,
    std::shared_ptr<const std::vector<policy::Assertion>> received);

}  // namespace ike::engine
