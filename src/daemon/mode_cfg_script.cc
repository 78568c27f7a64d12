// Mode-config hook script of the client (see mode_cfg_script.h).
#include "daemon/mode_cfg_script.h"

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"

namespace ike::daemon {

namespace {

std::string clean(std::string_view v) {
  std::string out;
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  return out;
}

}  // namespace

std::vector<std::string> mode_cfg_script_environment(const engine::ModeCfgEvent& ev) {
  std::vector<std::string> env{"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                               "ISAKMPD_PEER=" + ev.peer.address.to_string(),
                               "ISAKMPD_PEER_SECTION=" + clean(ev.name)};
  for (const auto& [k, v] : ev.environment) env.push_back(k + "=" + clean(v));
  return env;
}

base::Status run_mode_cfg_script(const std::string& script, const engine::ModeCfgEvent& ev) {
  std::vector<std::string> env = mode_cfg_script_environment(ev);
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

void handle_mode_cfg_event(const conf::ConfDb& conf, bool privsep,
                           const engine::ModeCfgEvent& ev) {
  if (ev.kind != engine::ModeCfgEvent::Kind::Applied) return;
  auto script = conf.get("General", "Mode-config-script");
  if (!script || script->empty()) return;
  if (privsep) {
    IKE_LOG_WARN("Mode-config-script {} not run for {}: not available with privilege "
                 "separation (it runs when isakmpd is started as a non-root user, TODO(#8))",
                 base::sanitize_for_log(*script), ev.peer.to_string());
    return;
  }
  if (auto st = run_mode_cfg_script(*script, ev); !st) IKE_LOG_WARN("{}", st.error().detail);
}

}  // namespace ike::daemon
