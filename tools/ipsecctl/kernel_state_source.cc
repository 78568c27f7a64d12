// Kernel state source; see kernel_state_source.h. TODO(#5): connect kernel::XfrmBackend.
#include "kernel_state_source.h"

namespace ike::ipsecctl {
namespace {

base::Error not_linked(const char* what) {
  return base::make_error(base::ErrorCode::Unsupported, base::NotifyType::None,
                          "{}: the XFRM kernel backend is not linked into this ipsecctl build",
                          what);
}

}  // namespace

base::Result<base::KernelState> read_kernel_state() { return not_linked("reading the SPD/SAD"); }

base::Status flush_kernel_state() { return not_linked("flushing the SPD/SAD"); }

base::Status monitor_kernel_events(const std::function<bool(const base::KernelEvent&)>& on_event) {
  (void)on_event;
  return not_linked("monitoring kernel IPsec events");
}

}  // namespace ike::ipsecctl
