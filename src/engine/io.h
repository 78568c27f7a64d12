// The engine boundary (design §3.3): every input the engine accepts and every output it
// produces. The engine never touches sockets, clocks, files or the kernel; the daemon (or a
// test) feeds inputs with `now` and drains outputs after each call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "base/address.h"
#include "base/bytes.h"
#include "base/ids.h"
#include "base/ipsec_types.h"
#include "base/result.h"

namespace ike::engine {

using base::Bytes;
using base::SockAddr;

// ---------------------------------------------------------------- inputs
struct Datagram {
  SockAddr local;  // the address/port the datagram arrived on (IP_PKTINFO)
  SockAddr peer;
  Bytes bytes;     // the ISAKMP message (non-ESP marker already stripped on 4500)
};

// FIFO commands that concern the engine (parsed by the daemon; `C` commands change the
// ConfDb in the daemon and end with on_config_changed()).
struct UiConnect { std::string name; };                  // c <name>
struct UiTeardown { int phase = 2; std::string name; };  // t [main|quick] <name-or-address>
struct UiTeardownAll {};                                 // T
struct UiDeleteSa {                                      // d <cookies> <msgid|->
  base::CookiePair cookies;
  std::optional<base::MessageId> message_id;  // nullopt: the phase-1 SA
};
using UiCommand = std::variant<UiConnect, UiTeardown, UiTeardownAll, UiDeleteSa>;

// Answer to a KernelRequest (the daemon runs the backend and reports back).
struct KernelReply {
  uint64_t request_id = 0;
  bool ok = true;
  std::string error;          // when !ok
  base::Spi allocated_spi{};  // for GetSpi
};

// Answer to an XauthVerify (the daemon's password file / PAM backend, through the monitor
// under privilege separation).
struct XauthVerdict {
  base::CookiePair cookies;
  uint64_t request_id = 0;
  bool ok = false;
  std::string detail;  // why not (logged; never holds the password)
};

// ---------------------------------------------------------------- outputs
struct SendDatagram {
  SockAddr local;  // source address/port to send from (the NAT-T port after a float)
  SockAddr peer;
  Bytes bytes;
  // RFC 3948 §2.3 NAT-keepalive (one 0xFF octet): sent as is. Every other datagram sent from
  // the NAT-T port gets the 4-byte non-ESP marker from the daemon.
  bool keepalive = false;
};

// The operations themselves are base types shared with kernel::Backend (base/ipsec_types.h).
using base::KernelAddFlow;
using base::KernelAddSa;
using base::KernelDeleteFlow;
using base::KernelDeleteSa;
using base::KernelGetSpi;
struct KernelRequest {
  uint64_t id = 0;
  base::KernelOp op;
};

// Observable lifecycle events (logs with -v, tests, interop assertions).
struct SaEvent {
  enum class Kind : uint8_t {
    Phase1Established, Phase2Established, Phase1Deleted, Phase2Deleted, ExchangeFailed,
  };
  Kind kind;
  std::string name;     // connection / peer section name, or "<unnamed>"
  SockAddr local, peer;
  base::CookiePair cookies;
  base::MessageId message_id;
  std::vector<base::Spi> spis;  // phase 2: inbound then outbound SPI
  std::string detail;           // failure reason, chosen suite, ...
};

// Only emitted when EngineOptions::emit_key_material is set (--keylog): phase-1 encryption
// keys for wireshark's ikev1_decryption_table.
struct KeyMaterial {
  base::CookiePair cookies;
  base::SecureBytes enc_key;
  std::string cipher;  // "AES-CBC-128", "3DES-CBC", ...
};

// Only emitted while EngineOptions::packet_log is set (-L/-l, FIFO `p on`): every ISAKMP
// message received or sent, as cleartext. Encrypted messages appear decrypted with the
// header's encryption flag cleared and its length fixed to the cleartext (isakmpd's
// message_dump/log_packet behaviour); padding after the last payload is not included.
struct PacketLog {
  SockAddr src;
  SockAddr dst;
  Bytes cleartext;
};

// A completed mode-config Transaction (exchanges/transaction.h). Applied: we are the client and
// received SET (and sent ACK) or REPLY; the daemon runs [General]:Mode-config-script with
// `environment`. Served: we are the server and the client acknowledged our SET or got our REPLY.
struct ModeCfgEvent {
  enum class Kind : uint8_t { Applied, Served };
  Kind kind = Kind::Applied;
  std::string name;  // the phase-1 peer section
  SockAddr local, peer;
  base::CookiePair cookies;
  std::vector<std::pair<std::string, std::string>> attributes;   // ("INTERNAL_IP4_ADDRESS", "10.1.0.5")
  std::vector<std::pair<std::string, std::string>> environment;  // ISAKMPD_MODECFG_* (Applied)
};

// XAUTH server (draft-beaulieu-ike-xauth-02 §4): check these credentials and answer with
// Engine::on_xauth_verdict. The password is a secret: never logged.
struct XauthVerify {
  uint64_t request_id = 0;
  std::string name;  // the phase-1 peer section
  SockAddr peer;
  base::CookiePair cookies;
  std::string user;
  base::SecureBytes password;
};

// The outcome of XAUTH on an ISAKMP SA, either role (logs, tests, interop assertions).
struct XauthEvent {
  enum class Kind : uint8_t { Succeeded, Failed };
  Kind kind = Kind::Failed;
  bool server = false;  // we are the edge device
  std::string name;
  SockAddr peer;
  base::CookiePair cookies;
  std::string user;
  std::string detail;
};

using Output = std::variant<SendDatagram, KernelRequest, SaEvent, KeyMaterial, PacketLog,
                            ModeCfgEvent, XauthVerify, XauthEvent>;

}  // namespace ike::engine
