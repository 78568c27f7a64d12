// Phase-2 (Quick Mode) proposal policy (RFC 2409 §5.5, RFC 2408 §4.2, RFC 2407 §4.4 and §4.5;
// isakmpd.conf IPsec-connection / IPsec-configuration / IPsec-suite / IPsec-protocol /
// IPsec-transform sections): the protocols an initiator needs SPIs for, the initiator's offer,
// the responder's choice (enforcing the LOCAL suites of the matched connection -- isakmpd does
// not; we check transform id, key length, auth algorithm, encapsulation, PFS group and
// lifetimes), the responder's reply and the initiator's check of it. Pure functions; owns no
// state.
//
// Configuration walk: [connection]:Configuration -> [IPsec-configuration]:Suites (list; each
// suite = one proposal number, in order) -> [suite]:Protocols (list; several = an AND-bundle
// of proposal payloads sharing the number) -> [protocol]: PROTOCOL_ID (IPSEC_ESP, IPSEC_AH,
// IPCOMP), ReplayWindow (default 16), Transforms (list) -> [transform]: TRANSFORM_ID, KEY_LENGTH,
// ENCAPSULATION_MODE (TUNNEL|TRANSPORT), AUTHENTICATION_ALGORITHM, GROUP_DESCRIPTION (PFS), Life
// (list of Lifetime sections, LIFE_TYPE/LIFE_DURATION).
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "conf/conf_db.h"
#include "conf/conf_memo.h"
#include "crypto/provider.h"
#include "engine/negotiated.h"
#include "wire/payload.h"

namespace ike::engine {

// RFC 2407 §4.5: "If unspecified, the default value shall be assumed to be 28800 seconds"
// (applied when a peer's transform carries no SA life).
inline constexpr uint64_t kDefaultPhase2LifeSeconds = 28800;

// NAT-T changes the negotiated encapsulation (RFC 3947 §5.1); the engine decides, policy maps.
enum class UdpEncap : uint8_t {
  None,   // TUNNEL / TRANSPORT
  Rfc,    // UDP_ENCAP_TUNNEL 3 / UDP_ENCAP_TRANSPORT 4 (RFC 3947)
  Draft,  // 61443 / 61444 (draft-ietf-ipsec-nat-t-ike-0x peers)
};
wire::EncapsulationMode apply_udp_encap(wire::EncapsulationMode configured, UdpEncap e) noexcept;

struct Phase2Options {
  UdpEncap udp_encap = UdpEncap::None;
  // KeyNote (phase2_keynote.h): a proposal the suites accept is chosen only if this returns ok;
  // otherwise its error detail is the proposal's mismatch and the next one is tried (isakmpd
  // checks the policy per proposal). Empty: no policy check.
  std::function<base::Status(const Phase2Suite&)> policy_check{};
  // The connection's suites parsed once per configuration generation (conf/conf_memo.h);
  // null: parsed for this call. The answer is the same either way.
  conf::ConfMemo* memo = nullptr;
};

// One SPI we allocated (inbound), per protocol. IPCOMP: the CPI in the low 16 bits.
struct ProtocolSpi {
  wire::ProtocolId protocol = wire::ProtocolId::IpsecEsp;
  base::Spi spi{};
};

// The distinct protocols of all suites of `connection`'s configuration, in first-use order:
// the initiator allocates one inbound SPI for each before building the offer (one SPI per
// protocol serves every alternative proposal, since only one is chosen).
// Errors: Config (missing sections/tags, unknown PROTOCOL_ID), naming "[section]:tag".
[[nodiscard]] base::Result<std::vector<wire::ProtocolId>> phase2_protocols_needed(
    const conf::ConfDb& conf, std::string_view connection);

struct Phase2Offer {
  // DOI IPSEC, SIT_IDENTITY_ONLY; suite k (1-based, Suites order) = proposal number k, one
  // proposal payload per protocol of the suite carrying that protocol's SPI, its transforms
  // numbered 1..n in Transforms order. Attributes: SA_LIFE_TYPE/SA_LIFE_DURATION pairs,
  // [GROUP_DESCRIPTION], ENCAPSULATION_MODE, [AUTHENTICATION_ALGORITHM], [KEY_LENGTH].
  wire::SaPayload sa;
  uint16_t pfs_group = 0;  // 0 = no PFS; else the group every transform carries (send KE)
  std::string connection;
  std::string configuration;
  std::vector<std::string> suite_sections;  // per proposal number - 1
  std::vector<ProtocolSpi> spis;            // as given
  // [proposal number - 1][protocol index in the suite]: local ReplayWindow of that protocol.
  std::vector<std::vector<uint8_t>> replay_windows;
};

// Initiator: the SA payload of Quick Mode message 1. `spis` must hold one SPI per protocol of
// phase2_protocols_needed(). PFS: every transform of every suite must name the same
// GROUP_DESCRIPTION or none at all (isakmpd: all SAs of one Quick Mode share the group, mixing
// PFS and non-PFS suites is impossible).
// Errors (Config unless noted): configuration errors naming "[section]:tag"; ANY in an offer;
// an unsupported transform / auth algorithm / key length (esp_keys rules) or PFS group the
// provider lacks; "PFS group mismatch: [QM-A]:GROUP_DESCRIPTION MODP_2048 vs [QM-B] none";
// Internal when `spis` lacks a needed protocol; TooMany over wire::kMaxProposals/kMaxTransforms.
[[nodiscard]] base::Result<Phase2Offer> build_phase2_offer(const conf::ConfDb& conf,
                                                           std::string_view connection,
                                                           std::span<const ProtocolSpi> spis,
                                                           const crypto::Provider& crypto,
                                                           const Phase2Options& options = {});

struct Phase2Choice {
  // our_spi fields are 0 until make_phase2_reply; peer_spi = the SPI of the peer's proposal.
  Phase2Suite suite;
  std::vector<wire::Proposal> proposals;  // the chosen proposal payloads, one transform each
  std::string suite_section;              // local IPsec-suite that accepted it
  std::vector<wire::ProtocolId> protocols_needing_spi() const;
};

// Responder: the first proposal (lowest position in the peer's SA; proposal payloads with the
// same number form one bundle) that one LOCAL suite of `connection` accepts. A suite accepts a
// proposal when both have the same set of protocols and, for each protocol, the peer's transform
// (first acceptable one, in the peer's order) matches a local transform: TRANSFORM_ID equal (or
// local ANY), KEY_LENGTH in the local range (absent = the cipher default), AUTHENTICATION_
// ALGORITHM equal (absent on both sides allowed), ENCAPSULATION_MODE equal to the local mode
// after apply_udp_encap (absent = TUNNEL), GROUP_DESCRIPTION equal to the local one (both absent
// = no PFS), every offered SA life within a local Lifetime range of that LIFE_TYPE (absent =
// kDefaultPhase2LifeSeconds checked against the local seconds range), no other attribute
// (KEY_ROUNDS, COMPRESS_*, ECN_TUNNEL, ESN: unsupported), the provider supporting the PFS group
// and esp_keys accepting the keys; within one proposal all protocols must agree on the group.
// SPI sizes: 4 for AH/ESP, 2 or 4 for IPCOMP, else the proposal is malformed.
// Errors: DOI/situation as select_phase1; NoProposal/NO_PROPOSAL_CHOSEN listing each peer
// proposal with its first mismatching attribute and the local suites ("peer proposal #1 ESP
// AES-256/HMAC_SHA2_256 TUNNEL PFS MODP_1024: GROUP_DESCRIPTION MODP_1024 not accepted (local:
// MODP_2048 in QM-ESP-AES-SHA2-256-PFS-GRP14-SUITE)"); Config errors of the local suites.
[[nodiscard]] base::Result<Phase2Choice> select_phase2(const conf::ConfDb& conf,
                                                       std::string_view connection,
                                                       const wire::SaPayload& offer,
                                                       const crypto::Provider& crypto,
                                                       const Phase2Options& options = {});

struct Phase2Reply {
  wire::SaPayload sa;  // the chosen proposal payloads, our SPIs, one transform each as received
  Phase2Suite suite;   // with our_spi filled in
};

// Responder: the reply SA once the inbound SPIs are allocated (one per protocol of the choice).
// Errors: Internal if `our_spis` lacks a protocol of the choice.
[[nodiscard]] base::Result<Phase2Reply> make_phase2_reply(const Phase2Choice& choice,
                                                          std::span<const ProtocolSpi> our_spis);

// Initiator: checks Quick Mode message 2's SA: DOI/situation as offered, exactly one proposal
// number whose protocol payloads are exactly those of our proposal with that number (same
// protocols), each with exactly one transform identical (id, number and attributes in any order)
// to one we offered for that protocol, and an SPI of the right size. Returns the suite with
// peer_spi from the reply and our_spi from the offer.
// Errors: BadValue/BAD_PROPOSAL_SYNTAX (structure), NoProposal/NO_PROPOSAL_CHOSEN ("responder
// returned a transform we did not offer: ...").
[[nodiscard]] base::Result<Phase2Suite> accept_phase2_reply(const Phase2Offer& offer,
                                                            const wire::SaPayload& reply);

// Decodes one AH/ESP/IPCOMP transform's attributes (no policy): life pairs, encapsulation
// (absent = TUNNEL), auth algorithm, key length, group. Errors: BadValue/ATTRIBUTES_NOT_SUPPORTED
// or BAD_PROPOSAL_SYNTAX naming the attribute.
struct DecodedPhase2Transform {
  Phase2Protocol protocol;  // transform, id, number, attributes; SPIs and replay window unset
  uint16_t pfs_group = 0;   // GROUP_DESCRIPTION, 0 = absent
};
[[nodiscard]] base::Result<DecodedPhase2Transform> decode_phase2_transform(
    wire::ProtocolId protocol, const wire::Transform& t);

// "ESP AES-256/HMAC_SHA2_256 TUNNEL PFS MODP_1024 life 1200s" for any transform.
std::string describe_phase2_transform(uint8_t protocol, const wire::Transform& t);

}  // namespace ike::engine
