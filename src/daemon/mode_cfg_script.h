// The client side of mode-config in the daemon shell: runs [General]:Mode-config-script when
// the engine reports a received configuration (engine::ModeCfgEvent Applied, from a SET or a
// REPLY; engine/exchanges/transaction.h). The script runs through `/bin/sh -c` with a fixed
// PATH and the variables ISAKMPD_MODECFG_* (engine/mode_cfg.h), ISAKMPD_PEER and
// ISAKMPD_PEER_SECTION, validated and re-printed by mode_cfg_script_env.h; values are passed
// only in the environment, never interpolated into the command. Without privilege separation it
// runs in a detached grandchild (no zombie, the event loop never waits). Under privilege
// separation the jailed child may not exec (seccomp): it sends a RunModeCfgScript request and
// the privileged monitor runs its start-up script as root, bounded by kModeCfgScriptTimeout
// (the engine waits for the exit status, which is logged).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "conf/conf_db.h"
#include "daemon/priv_ops.h"
#include "engine/io.h"

namespace ike::daemon {

// "NAME=value" entries for the script (pure): mode_cfg_script_env() of the event's peer,
// section and ISAKMPD_MODECFG_* variables; an invalid value is an error naming it.
[[nodiscard]] base::Result<std::vector<std::string>> mode_cfg_script_environment(
    const engine::ModeCfgEvent& ev);

// Starts `script` for `ev` and returns once the intermediate child exited.
[[nodiscard]] base::Status run_mode_cfg_script(const std::string& script,
                                               const engine::ModeCfgEvent& ev);

// The daemon's handling of every ModeCfgEvent: Applied runs the configured script, here
// (detached) or, when `ops` is the monitor client, through the monitor (RunModeCfgScript).
void handle_mode_cfg_event(const conf::ConfDb& conf, PrivOps& ops,
                           const engine::ModeCfgEvent& ev);

}  // namespace ike::daemon
