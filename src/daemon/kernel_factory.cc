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

std::string format_kernel_state(const base::KernelState& state) {
  std::string out;
  append_kernel_state(out, state);
  return out;
}

void append_kernel_state(std::string& out, const base::KernelState& state) {
  // A typical IPv4 line is 80-100 characters: one reservation instead of ~20 doublings (each
  // copying everything so far); IPv6 lines may still grow it once or twice.
  constexpr std::size_t kSaLine = 96;
  constexpr std::size_t kFlowLine = 112;
  out.reserve(out.size() + state.sas.size() * kSaLine + state.flows.size() * kFlowLine);
  for (const auto& s : state.sas) {
    kernel::NullBackend::append_sa(out, s.sa);
    out += '\n';
  }
  for (const auto& f : state.flows) {
    f.append_to(out);
    out += '\n';
  }
}

}  // namespace ike::daemon
