// Installation of the IPsec SAs a Quick Mode negotiated (RFC 2409 §5.5 KEYMAT per direction,
// RFC 2407 §4.5 attributes -> base::SaInstall, flows per isakmpd: out/in, plus fwd for tunnels).
#pragma once

#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "engine/exchange.h"
#include "engine/sa_db.h"

namespace ike::engine {

class EngineImpl;

// Derives the keys of both directions of every protocol of x.qm->chosen, emits KernelAddSa
// (inbound and outbound), KernelAddFlow (when EngineOptions::install_flows), records the
// IpsecSa and emits Phase2Established. Errors (nothing emitted): esp_keys / ipsec_id errors.
[[nodiscard]] base::Status install_phase2(EngineImpl& e, Exchange& x, IsakmpSa& sa,
                                          base::TimePoint now);

// The flows `sa` installed (IpsecSa::flow_dirs: out, in, fwd, in that order), rebuilt from its
// selectors, suite and outbound SA: what KernelAddFlow received, for deletion and reports.
std::vector<base::FlowInstall> ipsec_sa_flows(const IpsecSa& sa);

}  // namespace ike::engine
