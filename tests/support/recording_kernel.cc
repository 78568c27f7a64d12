// RecordingKernel: immediate, deterministic answers to engine kernel requests.
#include "support/recording_kernel.h"

#include <algorithm>
#include <type_traits>

namespace ike::test {

engine::KernelReply RecordingKernel::handle(const engine::KernelRequest& req) {
  requests.push_back(req);
  engine::KernelReply reply;
  reply.request_id = req.id;
  std::visit(
      [&](const auto& op) {
        using T = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<T, engine::KernelGetSpi>) {
          if (m_fail_get_spi > 0) {
            --m_fail_get_spi;
            reply.ok = false;
            reply.error = "getspi: scripted failure";
            return;
          }
          if (op.protocol != base::IpsecProtocol::Ipcomp && !forced_spis.empty()) {
            reply.allocated_spi = forced_spis.front();
            forced_spis.pop_front();
          } else {
            reply.allocated_spi = op.protocol == base::IpsecProtocol::Ipcomp
                                      ? base::Spi{m_next_cpi++}
                                      : base::Spi{m_next_spi++};
          }
          allocated.push_back(reply.allocated_spi);
        } else if constexpr (std::is_same_v<T, engine::KernelAddSa>) {
          if (m_fail_add_sa > 0) {
            --m_fail_add_sa;
            reply.ok = false;
            reply.error = "xfrm: add esp SA: Protocol not supported (scripted)";
            return;
          }
          sas[op.sa.ref] = op.sa;
          added.push_back(op.sa);
        } else if constexpr (std::is_same_v<T, engine::KernelDeleteSa>) {
          if (sas.erase(op.ref) == 0) {
            reply.ok = false;
            reply.error = "delete: no such SA";
          }
        } else if constexpr (std::is_same_v<T, engine::KernelAddFlow>) {
          flows.insert(op.flow);
        } else if constexpr (std::is_same_v<T, engine::KernelDeleteFlow>) {
          if (flows.erase(op.flow) == 0) {
            reply.ok = false;
            reply.error = "delete flow: no such flow";
          }
        }
      },
      req.op);
  return reply;
}

namespace {
template <class T>
std::size_t count_op(const std::vector<engine::KernelRequest>& reqs) {
  return static_cast<std::size_t>(std::count_if(reqs.begin(), reqs.end(), [](const auto& r) {
    return std::holds_alternative<T>(r.op);
  }));
}
}  // namespace

std::size_t RecordingKernel::count_get_spi() const {
  return count_op<engine::KernelGetSpi>(requests);
}
std::size_t RecordingKernel::count_add_sa() const { return count_op<engine::KernelAddSa>(requests); }
std::size_t RecordingKernel::count_delete_sa() const {
  return count_op<engine::KernelDeleteSa>(requests);
}

std::optional<base::SaInstall> RecordingKernel::find_sa(base::Spi spi) const {
  for (const auto& [ref, sa] : sas) {
    if (ref.spi == spi) return sa;
  }
  return std::nullopt;
}

}  // namespace ike::test
