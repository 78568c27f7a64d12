// Typed, validated views of the isakmpd.conf(5) peer and connection sections (features §2.4):
// ISAKMP-peer sections (PeerConfig), the [Phase 1] address-to-peer map, IPsec-connection
// sections (ConnectionConfig), the [Phase 2] Connections / Passive-connections lists, and the
// responder's lookup of the connection a Quick Mode belongs to. Validation errors are Config
// errors naming "[section]:tag" and the offending text. Reads a const ConfDb; owns no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/address.h"
#include "base/bytes.h"
#include "base/ipsec_types.h"
#include "base/result.h"
#include "conf/conf_db.h"
#include "wire/payload.h"
#include "wire/registry.h"

namespace ike::engine {

inline constexpr std::string_view kDefaultPhase1Configuration = "Default-phase-1-configuration";
inline constexpr uint16_t kIsakmpPort = 500;

// [<peer>]:Fragmentation (IKE fragmentation, fragment_send.h): No = never announce the
// FRAGMENTATION vendor ID, never fragment, drop the peer's fragments (counted as
// "fragment_refused"); Yes (default) = announce, fragment a large message when the peer
// announced it too; Force = announce and fragment every large message whatever the peer sent.
enum class FragmentationMode : uint8_t { No, Yes, Force };

// An ISAKMP-peer section.
struct PeerConfig {
  std::string section;
  std::optional<base::IpAddress> address;        // Address (required to initiate)
  uint16_t port = kIsakmpPort;                   // Port (default 500)
  std::optional<base::IpAddress> local_address;  // Local-address
  // Authentication: the pre-shared key; "0x..." is decoded as hex (isakmpd), otherwise the
  // bytes of the text. Empty when absent.
  base::SecureBytes psk;
  bool has_psk = false;
  std::string configuration{kDefaultPhase1Configuration};  // Configuration
  // EXCHANGE_TYPE of the configuration section: ID_PROT (default) or AGGRESSIVE (the initiator's
  // phase-1 exchange; a responder answers Aggressive Mode only when it is AGGRESSIVE).
  wire::ExchangeType exchange_type = wire::ExchangeType::IdProt;
  std::string id_section;         // ID (empty = default phase-1 ID)
  std::string remote_id_section;  // Remote-ID (empty = check against the peer address)
  std::vector<std::string> flags;  // Flags (e.g. "ikecfg")
  FragmentationMode fragmentation = FragmentationMode::Yes;  // Fragmentation

  bool has_flag(std::string_view flag) const noexcept;  // case-insensitive
};

// [<section>]:Fragmentation: no | yes | force (case-insensitive; absent or empty = yes).
// Errors (Config) naming the section and the text for anything else.
[[nodiscard]] base::Result<FragmentationMode> fragmentation_mode(const conf::ConfDb& conf,
                                                                 std::string_view section);

// Loads and validates an ISAKMP-peer section.
// Errors (Config): section missing ("no such section [peer-x]"), Phase present and not 1,
// unparsable Address/Local-address, Port not 1..65535, bad 0x hex in Authentication, unknown
// EXCHANGE_TYPE in [<Configuration>] (only ID_PROT / AGGRESSIVE), referenced ID / Remote-ID /
// Configuration section missing, Fragmentation not no/yes/force.
[[nodiscard]] base::Result<PeerConfig> load_peer_config(const conf::ConfDb& conf,
                                                        std::string_view section);

// The ISAKMP-peer section for a datagram from `peer`: [Phase 1]:<address text> first, then
// [Phase 1]:Default. Errors: NotFound (notify NONE: the responder drops the MM1 silently, as
// isakmpd) naming the address when neither exists.
[[nodiscard]] base::Result<std::string> find_phase1_peer_for_address(const conf::ConfDb& conf,
                                                                      const base::IpAddress& peer);

// An IPsec-connection section.
struct ConnectionConfig {
  std::string section;
  std::string isakmp_peer;     // ISAKMP-peer (required for active connections)
  std::string configuration;   // Configuration (IPsec-configuration section, required)
  std::string local_id;        // Local-ID (empty: the local phase-1 address, host)
  std::string remote_id;       // Remote-ID (empty: the peer's phase-1 address, host)
  std::vector<std::string> flags;
  bool active_only = false;    // Flags contains Active-only

  bool has_flag(std::string_view flag) const noexcept;
};

// Errors (Config): missing section, Phase present and not 2, Configuration missing, referenced
// sections (ISAKMP-peer, Configuration, Local-ID, Remote-ID) missing.
[[nodiscard]] base::Result<ConnectionConfig> load_connection_config(const conf::ConfDb& conf,
                                                                    std::string_view section);

// [Phase 2]:Connections and [Phase 2]:Passive-connections (empty when absent).
std::vector<std::string> active_connections(const conf::ConfDb& conf);
std::vector<std::string> passive_connections(const conf::ConfDb& conf);

// The connection's selectors. Absent Local-ID / Remote-ID mean the phase-1 addresses as hosts
// (isakmpd: no QM IDs = host-to-host on the transport addresses).
struct ConnectionSelectors {
  base::TrafficSelector local;
  base::TrafficSelector remote;
};
[[nodiscard]] base::Result<ConnectionSelectors> connection_selectors(
    const conf::ConfDb& conf, const ConnectionConfig& c, const base::IpAddress& local_address,
    const base::IpAddress& peer_address);

struct ResponderMatch {
  ConnectionConfig connection;
  ConnectionSelectors selectors;  // local = IDcr side, remote = IDci side
};

// Responder: the connection a Quick Mode from `peer_address` (authenticated by phase-1 peer
// section `phase1_peer`) belongs to. Candidates, in order: [Phase 2]:Connections without the
// Active-only flag, then [Phase 2]:Passive-connections (duplicates once). A candidate matches
// when its ISAKMP-peer (if set) equals `phase1_peer` (case-insensitive; stricter than isakmpd,
// which compares IDs only, so one PSK peer cannot claim another peer's traffic), and its Local-ID
// selector equals IDcr and its Remote-ID selector equals IDci (id_matches_selector). With no
// IDs (both null) the phase-1 addresses are used as /32 (/128) hosts. idci and idcr must be both
// null or both set (RFC 2409 §5.5 sends them as a pair); one alone fails with BadValue, notify
// INVALID_ID_INFORMATION.
// Candidates whose sections fail to load are skipped (logged).
// Errors: NotFound with notify INVALID_ID_INFORMATION naming the IDs ("no connection for
// ipv4/10.1.2.0/24 <-> ipv4/10.1.1.0/24 from peer-x"); id_to_selector errors for malformed IDs.
// This is the uncached reference; the engine answers Quick Modes through
// ConfCache::responder_connection (conf_cache.h), which gives the same answer in O(log K).
[[nodiscard]] base::Result<ResponderMatch> find_responder_connection(
    const conf::ConfDb& conf, std::string_view phase1_peer, const base::IpAddress& local_address,
    const base::IpAddress& peer_address, const wire::IdPayload* idci,
    const wire::IdPayload* idcr);

// The pieces find_responder_connection and ConfCache share:
// The candidate section names in match order ([Phase 2]:Connections without Active-only, then
// Passive-connections; a name listed twice, in any case, once). O(K log K).
std::vector<std::string> responder_candidates(const conf::ConfDb& conf);
// The selectors a Quick Mode asks for: local = IDcr, remote = IDci, or the phase-1 addresses as
// hosts without IDs. Errors: BadValue / INVALID_ID_INFORMATION for one ID alone;
// id_to_selector errors for malformed IDs.
[[nodiscard]] base::Result<ConnectionSelectors> responder_wanted_selectors(
    const base::IpAddress& local_address, const base::IpAddress& peer_address,
    const wire::IdPayload* idci, const wire::IdPayload* idcr);
// A selector equal to address `a` as a /32 (/128) host.
base::TrafficSelector phase1_host_selector(const base::IpAddress& a);
// The NotFound / INVALID_ID_INFORMATION error of a Quick Mode no connection matches.
base::Error no_responder_connection(const ConnectionSelectors& want, std::string_view phase1_peer,
                                    std::size_t candidates);

// [<IPsec-connection>]:PF-Tag on Linux (isakmpd tags the packets of the connection's SAs for
// pf(4)): a packet mark "value" or "value/mask" (decimal or 0x hex, 32 bits; mask default
// 0xffffffff), set on the packets an inbound SA decrypts (XFRMA_SET_MARK). Errors (Config) for
// a pf tag name, which Linux cannot express, or a malformed number.
struct PacketMark {
  uint32_t value = 0;
  uint32_t mask = 0xffffffffu;
};
[[nodiscard]] base::Result<PacketMark> parse_pf_tag(std::string_view text);

// Decodes an Authentication value: "0x..." hex (isakmpd) or the literal bytes.
// Errors (Config) on bad hex, naming the section (never the value: it is a secret).
[[nodiscard]] base::Result<base::SecureBytes> decode_psk(std::string_view section,
                                                         std::string_view value);

}  // namespace ike::engine
