// The one place where ipsecctl meets the kernel: reading the IPsec state for `-s`, flushing it
// for `-F`, and monitoring kernel IPsec events for `-m`.
// Implemented over kernel::XfrmBackend (kernel_state_source.cc).
#pragma once

#include <functional>

#include "base/ipsec_types.h"
#include "base/result.h"

namespace ike::ipsecctl {

[[nodiscard]] base::Result<base::KernelState> read_kernel_state();
[[nodiscard]] base::Status flush_kernel_state();
// Calls `on_event` for every kernel IPsec event until it returns false or an error occurs.
[[nodiscard]] base::Status monitor_kernel_events(
    const std::function<bool(const base::KernelEvent&)>& on_event);

}  // namespace ike::ipsecctl
