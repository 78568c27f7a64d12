// Writes isakmpd FIFO command lines (ike_config.h) the way OpenBSD's ike_ipsec_establish()
// does: open the FIFO write-only, check that it is a FIFO, write one line per command. The open
// is non-blocking so a missing reader (isakmpd not running) is a clear error instead of a hang;
// the descriptor is switched back to blocking for the writes.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace ike::ipsecctl {

inline constexpr const char* kDefaultFifo = "/var/run/isakmpd.fifo";

[[nodiscard]] base::Status write_fifo_lines(const std::string& fifo,
                                            const std::vector<std::string>& lines);

}  // namespace ike::ipsecctl
