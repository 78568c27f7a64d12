// Mode-config hook script of the client (see mode_cfg_script.h).
#include "daemon/mode_cfg_script.h"

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "daemon/mode_cfg_script_env.h"
#include "daemon/monitor_client.h"

namespace ike::daemon {

base::Result<std::vector<std::string>> mode_cfg_script_environment(
    const engine::ModeCfgEvent& ev) {
  return mode_cfg_script_env(ev.peer.address, ev.name, ev.environment);
}

base::Status run_mode_cfg_script(const std::string& script, const engine::ModeCfgEvent& ev) {
  IKE_TRY(std::vector<std::string> env, mode_cfg_script_environment(ev));
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = script;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  const pid_t child = fork();
  if (child < 0) {
    return base::make_error(base::ErrorCode::Io, base::NotifyType::None,
                            "Mode-config-script {}: fork: {}", script, std::strerror(errno));
  }
  if (child == 0) {
    // Intermediate child: the grandchild runs the script, reparented to init.
    const pid_t grandchild = fork();
    if (grandchild == 0) {
      execve(argv[0], argv, envp.data());
      _exit(127);
    }
    _exit(grandchild < 0 ? 1 : 0);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return base::make_error(base::ErrorCode::Io, base::NotifyType::None,
                            "Mode-config-script {}: could not start it", script);
  }
  return base::ok();
}

void handle_mode_cfg_event(const conf::ConfDb& conf, PrivOps& ops,
                           const engine::ModeCfgEvent& ev) {
  if (ev.kind != engine::ModeCfgEvent::Kind::Applied) return;
  auto script = conf.get("General", "Mode-config-script");
  if (!script || script->empty()) return;
  if (auto* monitor = dynamic_cast<MonitorClient*>(&ops)) {
    privsep::RunModeCfgScriptReq req{*script, ev.peer.address, ev.name, ev.environment};
    auto status = monitor->run_mode_cfg_script(req);
    if (!status) {
      IKE_LOG_WARN("Mode-config-script for {}: {}", ev.peer.to_string(), status.error().detail);
    } else if (*status != 0) {
      IKE_LOG_WARN("Mode-config-script for {} exited with status {}", ev.peer.to_string(),
                   *status);
    } else {
      IKE_LOG_INFO("Mode-config-script for {} ran (exit status 0)", ev.peer.to_string());
    }
    return;
  }
  if (auto st = run_mode_cfg_script(*script, ev); !st) IKE_LOG_WARN("{}", st.error().detail);
}

}  // namespace ike::daemon
