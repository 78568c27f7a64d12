// Kernel state source for ipsecctl (see kernel_state_source.h): the Linux XFRM backend
// (kernel::XfrmBackend, NETLINK_XFRM). `-s` dumps the whole SAD and SPD; `-F` removes every SA
// and policy the kernel holds (OpenBSD's ipsecctl -F flushes everything, not only what
// isakmpd installed), one DELSA/DELPOLICY each so a failure names the entry; `-m` prints the
// ACQUIRE and EXPIRE events the kernel multicasts until the callback says stop.
#include "kernel_state_source.h"

#include <poll.h>

#include <cerrno>
#include <cstring>

#include "kernel/xfrm_backend.h"

namespace ike::ipsecctl {

base::Result<base::KernelState> read_kernel_state() {
  IKE_TRY(auto backend, kernel::XfrmBackend::open());
  return backend->read_state();
}

base::Status flush_kernel_state() {
  IKE_TRY(auto backend, kernel::XfrmBackend::open());
  IKE_TRY(base::KernelState state, backend->read_state());
  std::size_t failures = 0;
  std::string first;
  auto note = [&](base::Status st) {
    if (st) return;
    if (failures++ == 0) first = st.error().detail;
  };
  for (const auto& flow : state.flows) note(backend->delete_flow(flow));
  for (const auto& info : state.sas) note(backend->delete_sa(info.sa.ref, info.sa.src));
  if (failures != 0) {
    return base::make_error(base::ErrorCode::Io, base::NotifyType::None,
                            "flush: {} of {} removals failed, first: {}", failures,
                            state.flows.size() + state.sas.size(), first);
  }
  return base::ok();
}

base::Status monitor_kernel_events(const std::function<bool(const base::KernelEvent&)>& on_event) {
  IKE_TRY(auto backend, kernel::XfrmBackend::open());
  for (;;) {
    pollfd pfd{.fd = backend->event_fd(), .events = POLLIN, .revents = 0};
    if (::poll(&pfd, 1, -1) < 0) {
      if (errno == EINTR) continue;
      return base::make_error(base::ErrorCode::Io, base::NotifyType::None,
                              "monitor: poll: {}", std::strerror(errno));
    }
    IKE_TRY(std::vector<base::KernelEvent> events, backend->read_events());
    for (const auto& ev : events) {
      if (!on_event(ev)) return base::ok();
    }
  }
}

}  // namespace ike::ipsecctl
