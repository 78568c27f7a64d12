// The mode-config client script's environment and its bounded run, shared by the daemon (no
// privilege separation: mode_cfg_script.h) and the privileged monitor, which runs the script
// for the jailed child on a RunModeCfgScript request (monitor_protocol.h). Everything that
// reaches the script's environment is validated here and re-printed, so a hostile peer (or a
// compromised child) cannot smuggle shell metacharacters or oversized data into a root shell:
// variable names come from a fixed allow-list (the ISAKMPD_MODECFG_* names of the engine's
// attribute table, engine/mode_cfg.cc, each with its value kind), addresses and prefixes are
// parsed and printed again, seconds are decimal, the free text (APPLICATION_VERSION) and the
// section name are reduced to a safe character set. The script itself is the administrator's
// command from [General]:Mode-config-script, run by `/bin/sh -c` in its own process group with
// exactly that environment, stdin on /dev/null, no inherited descriptor beyond 0-2, an empty
// signal mask, and killed (the whole group) when it outlives its timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/address.h"
#include "base/result.h"

namespace ike::daemon {

inline constexpr std::size_t kMaxScriptEnvBytes = 8192;  // all variables together
inline constexpr std::size_t kMaxScriptValues = 16;      // values of one multi-valued variable
inline constexpr std::chrono::milliseconds kModeCfgScriptTimeout{5000};
inline constexpr const char* kScriptPath = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

// "NAME=value" entries: PATH, ISAKMPD_PEER (printed from `peer`), ISAKMPD_PEER_SECTION
// (`section`, characters outside [A-Za-z0-9._:@+-] become '_'), then each of `vars` validated
// (allow-listed name, no duplicate, value of its kind, at most kMaxScriptValues space-separated
// values, kMaxScriptEnvBytes in all). Errors name the variable and the offending value.
[[nodiscard]] base::Result<std::vector<std::string>> mode_cfg_script_env(
    const base::IpAddress& peer, std::string_view section,
    const std::vector<std::pair<std::string, std::string>>& vars);

// Whether `name` is one of the allow-listed ISAKMPD_MODECFG_* variables.
bool is_mode_cfg_script_variable(std::string_view name) noexcept;

// The program of `command` (its first word, when an absolute path) must be a regular file owned
// by root and writable by nobody else: the monitor runs it as root.
[[nodiscard]] base::Status check_script_program(const std::string& command);

// Runs `command` through /bin/sh -c with exactly `env` and waits at most `timeout`: the exit
// status (0..255), or an error when it could not start, was killed by a signal or timed out
// (then its process group is killed with SIGKILL).
[[nodiscard]] base::Result<uint8_t> run_script_bounded(const std::string& command,
                                                       const std::vector<std::string>& env,
                                                       std::chrono::milliseconds timeout);

}  // namespace ike::daemon
