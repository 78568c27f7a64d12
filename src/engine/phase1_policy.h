// Phase-1 (ISAKMP SA) proposal policy (RFC 2409 §5 and App. A, RFC 2408 §4.2, RFC 2407 §4.4.2;
// isakmpd.conf ISAKMP-configuration / ISAKMP-transform / Lifetime sections): building the
// initiator's offer from the configuration, the responder's choice among the peer's transforms
// (every attribute matched against the local transforms, isakmpd ike_phase_1_validate_prop
// semantics: ANY and X,Y:Z ranges), and the initiator's check of the reply. Pure functions over
// a const ConfDb and the crypto Provider (to reject what we cannot compute); owns no state.
//
// Configuration walk: [peer]:Configuration (default Default-phase-1-configuration) ->
// [cfg]:Transforms (list) -> each ISAKMP-transform section: ENCRYPTION_ALGORITHM, KEY_LENGTH,
// HASH_ALGORITHM, AUTHENTICATION_METHOD, GROUP_DESCRIPTION (symbolic names from wire/registry.h,
// or numbers), Life (list of Lifetime sections: LIFE_TYPE SECONDS|KILOBYTES, LIFE_DURATION "X" or
// "X,Y:Z" or ANY). Any of these may be ANY on the responder side; an ISAKMP-transform with ANY
// cannot be offered.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <array>

#include "base/result.h"
#include "conf/conf_db.h"
#include "conf/conf_memo.h"
#include "crypto/provider.h"
#include "engine/negotiated.h"
#include "wire/payload.h"

namespace ike::engine {

// Authentication methods this build implements (PRE_SHARED, RSA_SIG, and RFC 4754 ECDSA_256,
// ECDSA_384, ECDSA_521).
bool phase1_auth_method_supported(uint16_t method) noexcept;

struct Phase1Offer {
  // DOI IPSEC, SIT_IDENTITY_ONLY, ONE proposal (#1, PROTO_ISAKMP, no SPI) with one KEY_IKE
  // transform per configured transform, numbered 1..N in Transforms order (RFC 2409 §5: "there
  // MUST NOT be multiple Proposal Payloads for a single SA payload"). Attributes in the order
  // ENCRYPTION_ALGORITHM, [KEY_LENGTH], HASH_ALGORITHM, AUTHENTICATION_METHOD,
  // GROUP_DESCRIPTION, then LIFE_TYPE/LIFE_DURATION pairs (durations > 65535 as 4-byte TLV).
  wire::SaPayload sa;
  std::vector<Phase1Suite> suites;            // suites[i] <-> transform number i+1
  std::vector<std::string> transform_sections;  // section name per transform, for logs
  std::string configuration;                  // the ISAKMP-configuration section used
};

// Initiator: the SA payload of Main Mode message 1 for ISAKMP-peer `peer_section`.
// Errors (Config, notify NONE), detail naming "[section]:tag" and the text: missing peer /
// configuration / transform / lifetime section; empty Transforms; missing or unknown
// ENCRYPTION_ALGORITHM / HASH_ALGORITHM / AUTHENTICATION_METHOD / GROUP_DESCRIPTION; ANY in an
// offer; bad KEY_LENGTH or LIFE_DURATION syntax; an algorithm, group or auth method the provider
// or this build does not support ("[AES-SHA-GRP31]:GROUP_DESCRIPTION CURVE25519 not supported");
// more than wire::kMaxTransforms transforms.
[[nodiscard]] base::Result<Phase1Offer> build_phase1_offer(const conf::ConfDb& conf,
                                                           std::string_view peer_section,
                                                           const crypto::Provider& crypto);

struct Phase1Choice {
  // The reply SA: DOI/situation as offered, the peer's proposal (number, protocol, SPI as
  // received) holding exactly the chosen transform, its number and attributes as received
  // (RFC 2408 §4.2: the responder returns the chosen transform unchanged).
  wire::SaPayload reply;
  Phase1Suite suite;                // lifetimes: the peer's values (accepted by our ranges)
  std::string configuration;        // local ISAKMP-configuration section
  std::string transform_section;    // local ISAKMP-transform section that accepted it
};

// Responder: choose the first transform of the peer's offer (in the peer's order) that one of
// the local transforms of `peer_section`'s configuration accepts. A local transform accepts a
// peer transform when every attribute the local section sets (ENCRYPTION_ALGORITHM,
// KEY_LENGTH, HASH_ALGORITHM, AUTHENTICATION_METHOD, GROUP_DESCRIPTION, Life) accepts the
// peer's value (ANY; ranges Y..Z; KEY_LENGTH absent in the offer = the cipher's default; each
// offered lifetime must fall in the range of a local Lifetime section of the same LIFE_TYPE, a
// missing offered lifetime takes the local offer value), and the provider supports the cipher,
// key length, hash and group. Peer transforms with an unknown attribute class, PRF, private
// group attributes (GROUP_TYPE..GROUP_ORDER), a duplicated attribute, a LIFE_DURATION not
// preceded by LIFE_TYPE, or a missing mandatory attribute (encryption, hash, auth, group --
// RFC 2409 §5) are not acceptable.
// Errors:
//  * DOI not IPSEC -> Unsupported/DOI_NOT_SUPPORTED; situation not IDENTITY_ONLY ->
//    Unsupported/SITUATION_NOT_SUPPORTED;
//  * not exactly one proposal, protocol not PROTO_ISAKMP, no transforms ->
//    BadValue/BAD_PROPOSAL_SYNTAX;
//  * nothing acceptable -> NoProposal/NO_PROPOSAL_CHOSEN whose detail lists, for each peer
//    transform, its description and the first attribute that no local transform accepted, e.g.
//    "peer transform #1 AES_CBC-256/SHA2_256/MODP_1024/PRE_SHARED life 3600s: GROUP_DESCRIPTION
//    MODP_1024 not accepted (local: MODP_2048 in AES-SHA2-256-GRP14)", followed by
//    "; local transforms: AES-SHA2-256-GRP14 AES_CBC-128:256/SHA2_256/MODP_2048/PRE_SHARED ...";
//  * Config errors of the local configuration (as build_phase1_offer, but ANY allowed).
//  * with `credentials`: a peer transform whose authentication method we cannot use (no
//    pre-shared key; RSA_SIG without a private key for our ID) is skipped, its reason naming the
//    missing credential ("peer transform #1 ...: RSA_SIG not usable: no RSA private key for ID
//    ipv4/10.0.0.1: ..."), so a responder never picks a method it cannot complete.
//  * with `memo`: the peer section's transforms are parsed once per configuration generation
//    (conf/conf_memo.h); the answer is the same as without.
struct Phase1Credentials {
  // nullopt: the method is usable (PRE_SHARED, RSA_SIG, ECDSA_256/384/521; any other method is
  // not checked here), else why not ("no pre-shared key ...", "no EC private key for ID ...",
  // "ECDSA_384 needs a P-384 key ..."). Asked only for the methods the peer's transforms name,
  // so the texts are built when a transform is refused, not for every Main Mode (issue #7).
  std::function<std::optional<std::string>(wire::IkeAuthMethod)> missing;
};
[[nodiscard]] base::Result<Phase1Choice> select_phase1(
    const conf::ConfDb& conf, std::string_view peer_section, const wire::SaPayload& offer,
    const crypto::Provider& crypto, const Phase1Credentials* credentials = nullptr,
    conf::ConfMemo* memo = nullptr);

// Initiator: checks Main Mode message 2's SA against our offer: DOI and situation as offered,
// exactly one proposal (PROTO_ISAKMP) with exactly one transform, identical (transform id and
// attributes, in any order) to one we offered; the transform NUMBER must match that transform.
// Returns the corresponding suite. Errors: BadValue/BAD_PROPOSAL_SYNTAX for structure errors,
// NoProposal/NO_PROPOSAL_CHOSEN "responder chose a transform we did not offer: ..." otherwise.
[[nodiscard]] base::Result<Phase1Suite> accept_phase1_reply(const Phase1Offer& offer,
                                                            const wire::SaPayload& reply);

// Decodes one ISAKMP transform's attributes into a suite (used by select/accept and logs).
// Errors: BadValue/ATTRIBUTES_NOT_SUPPORTED (or BAD_PROPOSAL_SYNTAX for structure) naming the
// attribute ("PRF not supported", "duplicate HASH_ALGORITHM", "missing GROUP_DESCRIPTION").
[[nodiscard]] base::Result<Phase1Suite> decode_phase1_transform(const wire::Transform& t);

// "AES_CBC-256/SHA2_256/MODP_1024/PRE_SHARED life 3600s" for any (even malformed) transform.
std::string describe_phase1_transform(const wire::Transform& t);

// --- configuration helpers shared with phase2_policy.cc (not exchange API) -----------------
namespace policy_detail {

// A configured attribute value: symbolic name from `registry`, a decimal number, or ANY.
struct ConfValue {
  bool present = false;
  bool any = false;
  uint64_t value = 0;
};
// Absent tag -> present=false. Errors (Config): "[section]:tag \"x\" unknown" / ANY when
// !allow_any.
[[nodiscard]] base::Result<ConfValue> conf_value(const conf::ConfDb& conf,
                                                 std::string_view section, std::string_view tag,
                                                 wire::Registry registry, bool allow_any);
// An offer/accept range tag (KEY_LENGTH, LIFE_DURATION); absent -> nullopt.
[[nodiscard]] base::Result<std::optional<conf::OfferRange>> conf_range(
    const conf::ConfDb& conf, std::string_view section, std::string_view tag, bool allow_any);

struct LocalLifetime {
  std::string section;
  uint16_t type = 0;  // wire::LifeType value
  conf::OfferRange duration;
};
struct LocalLifetimes {
  bool present = false;  // the Life tag exists
  bool any = false;      // Life=ANY
  std::vector<LocalLifetime> lives;
};
// [transform]:Life -> Lifetime sections (LIFE_TYPE SECONDS|KILOBYTES, LIFE_DURATION).
[[nodiscard]] base::Result<LocalLifetimes> conf_lifetimes(const conf::ConfDb& conf,
                                                          std::string_view section,
                                                          bool allow_any);
// Checks offered lifetimes (0 = not offered) against local ones; returns the mismatch text
// ("LIFE_DURATION 90000s not accepted (local: 60:86400 in [LIFE_MAIN_MODE])") or nullopt.
std::optional<std::string> lifetime_mismatch(const LocalLifetimes& local, uint64_t seconds,
                                             uint64_t kbytes);
std::string range_text(const conf::OfferRange& r);  // "128", "128:256", "ANY"
bool iequals(std::string_view a, std::string_view b) noexcept;
// Attribute multiset equality with numeric comparison (TV vs TLV encodings of one value match).
bool same_attributes(const std::vector<wire::Attribute>& a, const std::vector<wire::Attribute>& b);
// RFC 2407 §4.2: DOI must be IPSEC and the situation SIT_IDENTITY_ONLY (the only one we
// implement); DOI_NOT_SUPPORTED / SITUATION_NOT_SUPPORTED otherwise.
[[nodiscard]] base::Status check_doi_situation(const wire::SaPayload& sa);

}  // namespace policy_detail

}  // namespace ike::engine
