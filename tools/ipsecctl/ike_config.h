// The isakmpd FIFO commands for one `ike` rule: a port of OpenBSD sbin/ipsecctl/ike.c
// (ike_gen_config(), ike_delete_config() and the section helpers). These lines are the contract
// between ipsecctl and isakmpd (regress ike*.ok / ikedel*.ok): `C set [section]:tag=value force`
// and `C add ...` lines that build peer-<peer>, phase1-/phase2- configuration, transforms and ID
// sections, ending with `C add [Phase 2]:Connections=<name>`; the delete form is `t <name>`,
// `C rmv ...` and `C rms ...`. One function produces them for both `-nv` printing and the real
// FIFO write, so what is printed is what is sent.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "rule.h"

namespace ike::ipsecctl {

enum class IkeAction { Add, Delete };

// `hostname` is the default srcid of `ike dynamic` rules without one (gethostname() in OpenBSD;
// injected so tests are deterministic). Fails (OpenBSD: warnx "illegal transform ...") for
// transforms isakmpd cannot express in that phase.
[[nodiscard]] base::Result<std::vector<std::string>> ike_config_lines(const Rule& r,
                                                                      IkeAction action,
                                                                      std::string_view hostname);

// The section names ike_setup_ids() derives (exposed for tests).
struct IkeNames {
  std::string p1name;  // peer-<peer>[-local-<local>] or peer-default
  std::string p2lid;   // from-<src>[=proto][:sport]
  std::string p2rid;   // to-<dst>[=proto][:dport]
  std::string p2nid;   // nat-<srcnat>[=proto][:sport] (empty without srcnat)
  std::string p2name;  // <p2lid>-<p2rid>
};
IkeNames ike_names(const Rule& r);

}  // namespace ike::ipsecctl
