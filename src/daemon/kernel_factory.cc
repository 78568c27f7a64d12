// Kernel backend construction and the `S` rendering of the kernel state (see kernel_factory.h).
#include "daemon/kernel_factory.h"

#include "base/log.h"
#include "kernel/null_backend.h"
#include "kernel/xfrm_backend.h"

namespace ike::daemon {

base::Result<std::unique_ptr<kernel::Backend>> make_kernel_backend(bool null_kernel,
                                                                   base::Random& rng) {
  if (null_kernel) {
    IKE_LOG_INFO("-n: the kernel will not take part in the negotiations (null backend)");
    return std::unique_ptr<kernel::Backend>(std::make_unique<kernel::NullBackend>(rng));
  }
  auto xfrm = kernel::XfrmBackend::open();
  if (!xfrm) {
    return std::move(xfrm).error().with_context(
        "kernel backend (run as root, or use -n to run without kernel SAs)");
  }
  IKE_LOG_INFO("kernel backend: Linux XFRM (netlink)");
  return std::unique_ptr<kernel::Backend>(std::move(*xfrm));
}

}  // namespace ike::daemon
