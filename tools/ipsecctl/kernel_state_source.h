// The one place where ipsecctl meets the kernel: opening the backend (XFRM by default; tests
// inject another kernel::Backend), reading the IPsec state for `-s`, flushing it for `-F`,
// installing or deleting the manual rules of `-f` (a KernelPlan), and monitoring kernel IPsec
// events for `-m`. Implemented over the kernel::Backend interface (kernel_state_source.cc).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/ipsec_types.h"
#include "base/result.h"
#include "kernel/backend.h"
#include "kernel_rules.h"

namespace ike::ipsecctl {

using KernelOpener = std::function<base::Result<std::unique_ptr<kernel::Backend>>()>;
// kernel::XfrmBackend::open (NETLINK_XFRM; needs CAP_NET_ADMIN).
KernelOpener xfrm_kernel_opener();

[[nodiscard]] base::Result<base::KernelState> read_kernel_state(kernel::Backend& kernel);
[[nodiscard]] base::Status flush_kernel_state(kernel::Backend& kernel);
// Adds the plan (SAs first, then flows) or deletes it (`del`: flows first, then SAs). Every
// entry is tried; each failure is reported as "failed to add rule N: <backend detail naming the
// SA or flow>". Returns false if anything failed.
bool apply_kernel_plan(kernel::Backend& kernel, const KernelPlan& plan, bool del,
                       const std::function<void(const std::string&)>& report);
// Calls `on_event` for every kernel IPsec event until it returns false or an error occurs.
[[nodiscard]] base::Status monitor_kernel_events(
    kernel::Backend& kernel, const std::function<bool(const base::KernelEvent&)>& on_event);

}  // namespace ike::ipsecctl
