// The client side of mode-config in the daemon shell: runs [General]:Mode-config-script when
// the engine reports a received configuration (engine::ModeCfgEvent Applied, from a SET or a
// REPLY; engine/exchanges/transaction.h). The script runs through `/bin/sh -c` in a detached
// grandchild (no zombie, the event loop never waits) with a fixed PATH and the variables
// ISAKMPD_MODECFG_* (engine/mode_cfg.h), ISAKMPD_PEER and ISAKMPD_PEER_SECTION; values are
// passed only in the environment, never interpolated into the command. Under privilege
// separation the jailed child may not exec (seccomp): the script is not run and a warning says
// so (TODO(#8): a monitor request).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "conf/conf_db.h"
#include "engine/io.h"

namespace ike::daemon {

// "NAME=value" entries for the script (pure; values sanitised of control characters).
std::vector<std::string> mode_cfg_script_environment(const engine::ModeCfgEvent& ev);

// Starts `script` for `ev` and returns once the intermediate child exited.
[[nodiscard]] base::Status run_mode_cfg_script(const std::string& script,
                                               const engine::ModeCfgEvent& ev);

// The daemon's handling of every ModeCfgEvent: logged; Applied runs the configured script
// unless `privsep`.
void handle_mode_cfg_event(const conf::ConfDb& conf, bool privsep,
                           const engine::ModeCfgEvent& ev);

}  // namespace ike::daemon
