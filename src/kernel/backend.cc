// The kernel::Backend batch entry point (backend.h): run_batch's default and run_kernel_op, the
// dispatch of one base::KernelOp to the backend's single-request methods.
#include "kernel/backend.h"

#include "kernel/null_backend.h"

#include <type_traits>

namespace ike::kernel {

void append_state_text(std::string& out, const base::KernelState& state) {
  out.reserve(out.size() + state.sas.size() * kSaLineBytes + state.flows.size() * kFlowLineBytes);
  for (const auto& s : state.sas) {
    NullBackend::append_sa(out, s.sa);
    out += '\n';
  }
  for (const auto& f : state.flows) {
    f.append_to(out);
    out += '\n';
  }
}

base::Status Backend::append_state_text(std::string& out) {
  IKE_TRY(base::KernelState state, read_state());
  kernel::append_state_text(out, state);
  return base::ok();
}

base::KernelOpResult run_kernel_op(Backend& backend, const base::KernelOp& op) {
  base::KernelOpResult out;
  std::visit(
      [&](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, base::KernelGetSpi>) {
          auto spi = backend.get_spi(o.protocol, o.src, o.dst);
          if (spi) {
            out.spi = *spi;
          } else {
            out.status = std::move(spi).error();
          }
        } else if constexpr (std::is_same_v<T, base::KernelAddSa>) {
          out.status = backend.add_sa(o.sa);
        } else if constexpr (std::is_same_v<T, base::KernelDeleteSa>) {
          out.status = backend.delete_sa(o.ref, o.src);
        } else if constexpr (std::is_same_v<T, base::KernelAddFlow>) {
          out.status = backend.add_flow(o.flow);
        } else {
          static_assert(std::is_same_v<T, base::KernelDeleteFlow>);
          out.status = backend.delete_flow(o.flow);
        }
      },
      op);
  return out;
}

std::vector<base::KernelOpResult> Backend::run_batch(const std::vector<base::KernelOp>& ops) {
  std::vector<base::KernelOpResult> out;
  out.reserve(ops.size());
  for (const auto& op : ops) out.push_back(run_kernel_op(*this, op));
  return out;
}

}  // namespace ike::kernel
