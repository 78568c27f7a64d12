// Kernel state source for ipsecctl (see kernel_state_source.h), over kernel::Backend (the Linux
// XFRM backend in production). `-s` dumps the whole SAD and SPD; `-F` removes every SA and
// policy the kernel holds (OpenBSD's ipsecctl -F flushes everything, not only what isakmpd
// installed), one DELSA/DELPOLICY each so a failure names the entry; `-f` installs the manual
// rules (OpenBSD ipsecctl_commit(): a failed rule is reported and the others still go in);
// `-m` prints the ACQUIRE and EXPIRE events the kernel multicasts until the callback says stop.
#include "kernel_state_source.h"

#include <fmt/core.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

#include "kernel/xfrm_backend.h"

namespace ike::ipsecctl {

KernelOpener xfrm_kernel_opener() {
  return []() -> base::Result<std::unique_ptr<kernel::Backend>> {
    IKE_TRY(auto backend, kernel::XfrmBackend::open());
    return std::unique_ptr<kernel::Backend>(std::move(backend));
  };
}

base::Result<base::KernelState> read_kernel_state(kernel::Backend& kernel) {
  return kernel.read_state();
}

base::Status flush_kernel_state(kernel::Backend& kernel) {
  IKE_TRY(base::KernelState state, kernel.read_state());
  std::size_t failures = 0;
  std::string first;
  auto note = [&](base::Status st) {
    if (st) return;
    if (failures++ == 0) first = st.error().detail;
  };
  for (const auto& flow : state.flows) note(kernel.delete_flow(flow));
  for (const auto& info : state.sas) note(kernel.delete_sa(info.sa.ref, info.sa.src));
  if (failures != 0) {
    return base::make_error(base::ErrorCode::Io, base::NotifyType::None,
                            "flush: {} of {} removals failed, first: {}", failures,
                            state.flows.size() + state.sas.size(), first);
  }
  return base::ok();
}

bool apply_kernel_plan(kernel::Backend& kernel, const KernelPlan& plan, bool del,
                       const std::function<void(const std::string&)>& report) {
  bool ok = true;
  const char* verb = del ? "delete" : "add";
  auto check = [&](int rule, base::Status st) {
    if (st) return;
    ok = false;
    report(fmt::format("failed to {} rule {}: {}", verb, rule, st.error().detail));
  };
  if (del) {
    for (const auto& f : plan.flows) check(f.rule, kernel.delete_flow(f.flow));
    for (const auto& s : plan.sas) check(s.rule, kernel.delete_sa(s.sa.ref, s.sa.src));
  } else {
    for (const auto& s : plan.sas) check(s.rule, kernel.add_sa(s.sa));
    for (const auto& f : plan.flows) check(f.rule, kernel.add_flow(f.flow));
  }
  return ok;
}

base::Status monitor_kernel_events(kernel::Backend& kernel,
                                   const std::function<bool(const base::KernelEvent&)>& on_event) {
  if (kernel.event_fd() < 0) {
    return base::make_error(base::ErrorCode::Unsupported, base::NotifyType::None,
                            "monitor: the {} kernel backend has no events", kernel.name());
  }
  for (;;) {
    pollfd pfd{.fd = kernel.event_fd(), .events = POLLIN, .revents = 0};
    if (::poll(&pfd, 1, -1) < 0) {
      if (errno == EINTR) continue;
      return base::make_error(base::ErrorCode::Io, base::NotifyType::None,
                              "monitor: poll: {}", std::strerror(errno));
    }
    IKE_TRY(std::vector<base::KernelEvent> events, kernel.read_events());
    for (const auto& ev : events) {
      if (!on_event(ev)) return base::ok();
    }
  }
}

}  // namespace ike::ipsecctl
