// flush_installed() of flush_installed.h.
#include "kernel/flush_installed.h"

#include <string>

#include "base/log.h"

namespace ike::kernel {

base::Status flush_installed(
    std::string_view backend, const std::vector<base::FlowInstall>& flows,
    const std::set<InstalledSa>& sas, const std::set<InstalledSa>& larval,
    const std::function<base::Status(const base::FlowInstall&)>& delete_flow,
    const std::function<base::Status(const base::SaRef&, const base::IpAddress&)>& delete_sa) {
  std::size_t failures = 0;
  std::string first;
  auto note = [&](base::Status st) {
    if (st) return;
    if (failures++ == 0) first = st.error().detail;
    IKE_LOG_WARN("{}", st.error().detail);
  };
  // Copies: the delete callbacks erase from the backend's own containers.
  const std::vector<base::FlowInstall> flow_copy = flows;
  std::vector<InstalledSa> sa_copy(sas.begin(), sas.end());
  sa_copy.insert(sa_copy.end(), larval.begin(), larval.end());
  for (const auto& f : flow_copy) note(delete_flow(f));
  for (const auto& [ref, src] : sa_copy) note(delete_sa(ref, src));
  if (failures != 0) {
    return base::make_error(base::ErrorCode::Io, base::NotifyType::None,
                            "{}: flush: {} of {} removals failed, first: {}", backend, failures,
                            flow_copy.size() + sa_copy.size(), first);
  }
  return base::ok();
}

}  // namespace ike::kernel
