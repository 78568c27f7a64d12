// The one place the daemon chooses and constructs its kernel backend (so the privileged
// monitor process can later take it over): -n gives the null backend ("the kernel will not
// take part in the negotiations"), otherwise the Linux XFRM backend over NETLINK_XFRM (which
// needs CAP_NET_ADMIN). Also renders a backend's read_state() as ipsecctl -s sa / -s flow text
// for the FIFO `S` command.
#pragma once

#include <memory>
#include <string>

#include "base/ipsec_types.h"
#include "base/random.h"
#include "base/result.h"
#include "kernel/backend.h"

namespace ike::daemon {

// `rng` must outlive the backend (the null backend draws its SPIs from it).
[[nodiscard]] base::Result<std::unique_ptr<kernel::Backend>> make_kernel_backend(
    bool null_kernel, base::Random& rng);

}  // namespace ike::daemon
