// Manual ipsec.conf(5) rules -> what the kernel backend installs (OpenBSD pfkey.c
// pfkey_ipsec_establish() for Linux XFRM): `flow` rules become base::FlowInstall policies (out;
// in plus fwd for tunnel mode, as quick_mode_install.cc does for negotiated connections), manual
// `esp`/`ah`/`ipcomp` SA rules become keyed base::SaInstall values with RFC 2407 algorithm ids.
// The ids are found by searching the kernel module's tables (algorithm_names: id -> ipsecctl
// spelling, xfrm_algorithms: salt, AH and IPCOMP ids), so the name -> id mapping is the exact
// inverse of what `ipsecctl -s sa` prints and no second table exists. Rules XFRM cannot express
// are refused with a message naming the rule: `tcpmd5` (Linux keeps RFC 2385 keys per socket,
// TCP_MD5SIG), `ipip` SAs and flows, flows to `peer any`. Pure: no kernel access here.
#pragma once

#include <string>
#include <vector>

#include "base/ipsec_types.h"
#include "base/result.h"
#include "rule.h"

namespace ike::ipsecctl {

// "esp tunnel SA from 192.0.2.1 to 192.0.2.2 spi 0x1000", "flow esp out from A to B": rules
// as they are named in messages.
std::string describe_rule(const Rule& r);

// One manual SA rule (type Sa, satype esp/ah/ipcomp) -> its SaInstall.
[[nodiscard]] base::Result<base::SaInstall> sa_install(const Rule& r);

// One flow rule -> its policies: out -> {out}; in -> {in, fwd} (fwd only in tunnel mode, the
// Linux policy for forwarded traffic that OpenBSD's in flows cover too). `mode` is the template
// mode (flow_mode()).
[[nodiscard]] base::Result<std::vector<base::FlowInstall>> flow_installs(const Rule& r,
                                                                         base::EncapMode mode);

// The template mode of a flow: transport when `rules` holds a transport-mode SA of the same
// protocol to or from the flow's peer, tunnel otherwise (OpenBSD's default SA mode).
base::EncapMode flow_mode(const Rule& flow, const std::vector<Rule>& rules);

struct PlannedSa {
  int rule = 0;  // Rule::nr, for "failed to add rule N"
  base::SaInstall sa;
};
struct PlannedFlow {
  int rule = 0;
  base::FlowInstall flow;
};

// Every kernel rule of a file, converted before anything is installed (parse, validate, act).
struct KernelPlan {
  std::vector<PlannedSa> sas;
  std::vector<PlannedFlow> flows;
  std::vector<std::string> errors;    // "rule N: <description>: <reason>"; non-empty: act on none
  std::vector<std::string> warnings;  // bundles (no XFRM counterpart; the SAs are installed)
  bool empty() const { return sas.empty() && flows.empty(); }
};

// Ike rules are skipped (they go to isakmpd).
KernelPlan plan_kernel_rules(const std::vector<Rule>& rules);

}  // namespace ike::ipsecctl
