// What every kernel backend's flush() does (shutdown: "nothing left behind"): remove each flow
// it installed, then each SA (keyed and larval), continuing past failures so one stuck entry
// does not leave the others installed; the error counts the failures and quotes the first.
#pragma once

#include <functional>
#include <set>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/ipsec_types.h"
#include "base/result.h"

namespace ike::kernel {

using InstalledSa = std::tuple<base::SaRef, base::IpAddress>;  // (ref, src)

[[nodiscard]] base::Status flush_installed(
    std::string_view backend, const std::vector<base::FlowInstall>& flows,
    const std::set<InstalledSa>& sas, const std::set<InstalledSa>& larval,
    const std::function<base::Status(const base::FlowInstall&)>& delete_flow,
    const std::function<base::Status(const base::SaRef&, const base::IpAddress&)>& delete_sa);

}  // namespace ike::kernel
