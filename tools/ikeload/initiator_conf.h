// The isakmpd.conf each ikeload initiator runs with (isakmpd.conf(5), isakmpd-features.md §2):
// one peer (the target) with Local-address = the source address, Main Mode with the auto-generated
// transform `<cipher>-<hash>[-RSA_SIG]-GRP<group>`, one active connection "load" whose Quick Mode
// suite is `QM-ESP-<cipher>-<hash>[-PFS-GRP<group>]-SUITE`, Local-ID = the source host, Remote-ID
// = --remote-net (IPV4_ADDR_SUBNET) or the target host. Built ONCE per source address (the
// ConfDb is shared by every handshake from that address) and parsed by the project's own
// conf_parser + built-in defaults, like the daemon's.
#pragma once

#include <memory>
#include <string>

#include "base/address.h"
#include "base/result.h"
#include "conf/conf_db.h"
#include "options.h"

namespace ike::ikeload {

// The connection name every initiator starts.
inline constexpr const char* kConnectionName = "load";

// The configuration text for initiators bound to `source`.
[[nodiscard]] base::Result<std::string> initiator_conf_text(const Options& o,
                                                           const base::IpAddress& source);

// Parsed, committed, with defaults loaded. Errors name the line (conf_parser).
[[nodiscard]] base::Result<std::unique_ptr<conf::ConfDb>> initiator_conf(
    const Options& o, const base::IpAddress& source);

}  // namespace ike::ikeload
