// Extended Authentication (draft-beaulieu-ike-xauth-02) as pure functions: the phase-1
// authentication methods that ask for it (XAUTHInitPreShared 65001 / XAUTHRespPreShared 65002,
// XAUTHInitRSA 65005 / XAUTHRespRSA 65006, §5) and the configuration names
// AUTHENTICATION_METHOD=XAUTH_PRE_SHARED / XAUTH_RSA_SIG; who is the edge device (server) and
// who the client; the semantic check of the XAUTH attributes of a mode-config ATTRIBUTE
// payload (§6.1: XAUTH_TYPE and XAUTH_STATUS basic, the others variable and at most
// kMaxXauthText octets, duplicates refused, only the generic type 0) and the four messages
// (REQUEST / REPLY / SET / ACK, §4); the client's credentials (per-peer XAuth-user /
// XAuth-password, the password a secret). The exchange itself lives in xauth_exchange.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "conf/conf_db.h"
#include "wire/payload.h"
#include "wire/registry.h"

namespace ike::engine {

inline constexpr std::size_t kMaxXauthText = 255;  // user name, password, message... (octets)
inline constexpr uint16_t kXauthTypeGeneric = 0;   // §6.2 XAUTH-TYPE "Generic"
inline constexpr uint16_t kXauthStatusFail = 0;    // §6.2 XAUTH-STATUS
inline constexpr uint16_t kXauthStatusOk = 1;
inline constexpr base::Seconds kXauthDefaultTimeout{60};  // [General]:XAuth-timeout

// The base method (PRE_SHARED / RSA_SIG) phase 1 runs for an XAUTH method we implement
// (65001/65002 -> PRE_SHARED, 65005/65006 -> RSA_SIG); nullopt for every other value.
std::optional<wire::IkeAuthMethod> xauth_base_method(uint16_t method) noexcept;
// The XAuthInit* methods: the phase-1 initiator is the XAUTH client (§5).
bool xauth_initiator_is_client(uint16_t method) noexcept;
// Configuration spellings: XAUTH_PRE_SHARED -> 65001, XAUTH_RSA_SIG -> 65005 (the client
// initiates, isakmpd style); case-insensitive. nullopt otherwise.
std::optional<uint16_t> xauth_config_alias(std::string_view name) noexcept;

enum class XauthRole : uint8_t { None, Server, Client };
XauthRole xauth_role(uint16_t wire_method, bool we_initiated_phase1) noexcept;

// True when the payload carries any attribute of the XAUTH range (16520..16529).
bool is_xauth_payload(const wire::AttributePayload& p) noexcept;

// A validated XAUTH ATTRIBUTE payload. Strings hold no NUL; the password, passcode and next
// PIN are secrets. Non-XAUTH attributes are listed in `other` (mode-config rides separately).
struct XauthMessage {
  wire::CfgType type = wire::CfgType::Reserved;
  uint16_t identifier = 0;
  std::optional<uint16_t> xauth_type, status;
  std::optional<std::string> user, message, challenge, domain, answer;
  std::optional<base::SecureBytes> password, passcode, next_pin;
  std::vector<uint16_t> other;
};
// Errors: BadValue/BadLength with PAYLOAD_MALFORMED naming the attribute, its position and
// expected vs received; ATTRIBUTES_NOT_SUPPORTED for an XAUTH_TYPE other than generic.
[[nodiscard]] base::Result<XauthMessage> parse_xauth(const wire::AttributePayload& p);

// §4 messages. REQUEST: XAUTH_TYPE=generic, XAUTH_USER_NAME and XAUTH_USER_PASSWORD empty.
wire::AttributePayload build_xauth_request(uint16_t identifier);
// REPLY: XAUTH_TYPE (generic, when the request carried one), USER_NAME, USER_PASSWORD.
[[nodiscard]] base::Result<wire::AttributePayload> build_xauth_reply(
    uint16_t identifier, bool with_type, std::string_view user, base::ByteView password);
// SET: XAUTH_STATUS OK/FAIL (and XAUTH_MESSAGE on failure, isakmpd/strongSwan do without).
wire::AttributePayload build_xauth_set(uint16_t identifier, bool ok);
// ACK: XAUTH_STATUS echoed (as strongSwan and Cisco do).
wire::AttributePayload build_xauth_ack(uint16_t identifier, uint16_t status);

// Client side: [peer]:XAuth-user and [peer]:XAuth-password (missing -> Config error naming the
// tag; a user or password longer than kMaxXauthText or holding NUL is refused).
struct XauthCredentials {
  std::string user;
  base::SecureBytes password;
};
[[nodiscard]] base::Result<XauthCredentials> xauth_client_credentials(
    const conf::ConfDb& conf, std::string_view peer_section);

// [General]:XAuth-timeout (seconds, 1..3600; default kXauthDefaultTimeout): the server deletes
// the ISAKMP SA when XAUTH has not succeeded by then, the client when no status came.
base::Duration xauth_timeout(const conf::ConfDb& conf);

// Per-ISAKMP-SA XAUTH progress (sa_db.h IsakmpSa::xauth).
struct XauthState {
  enum class Phase : uint8_t {
    WaitRequest,  // client: phase 1 done, waiting for the server's REQUEST
    WaitReply,    // server: REQUEST sent
    Verifying,    // server: REPLY received, the daemon checks the credentials
    WaitAck,      // server: SET sent; client: REPLY sent, waiting for SET
    Done,         // status OK acknowledged: phase 2 and mode-config may run
  };
  XauthRole role = XauthRole::None;
  Phase phase = Phase::WaitRequest;
  base::TimePoint deadline{};
  uint64_t verify_id = 0;           // the pending XauthVerify request
  bool status_ok = false;           // server: the status sent in SET
  std::string user;                 // for logs and events (never the password)
};

}  // namespace ike::engine
