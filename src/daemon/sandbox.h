// The unprivileged child of privilege separation, the Linux way (isakmpd(8): "The unprivileged
// child jails itself with chroot(8) to /var/empty"): the dedicated user (kPrivsepUser, looked
// up before the chroot) and the empty root directory (kPrivsepDir, root-owned, not writable by
// group/other) are checked by the still-privileged process; enter_sandbox() then chroots and
// chdirs to "/", drops the capability bounding set (libcap-ng), switches to the user with
// setgroups/setresgid/setresuid, verifies that no capability is left and that uid 0 cannot be
// regained, sets PR_SET_NO_NEW_PRIVS and a parent-death signal. apply_seccomp() installs the
// system-call allow-list (libseccomp) once everything is opened: the event loop (epoll,
// timerfd, signalfd), UDP and monitor-socket I/O (recvmsg/sendmsg), memory, time, randomness.
// The default action is EPERM with a log line on stderr (SIGSYS trap on x86_64/aarch64: a missed
// call fails cleanly instead of killing the daemon mid-negotiation); calls that only an attacker would make (execve,
// ptrace, mount, set*id, fork/clone, module and BPF calls, ...) kill the process.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/result.h"

namespace ike::daemon {

inline constexpr const char* kPrivsepUser = "_isakmpd";
inline constexpr const char* kPrivsepDir = "/var/empty";

struct PrivsepUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// getpwnam(name); a missing user is a Config error telling how to create it
// (scripts/install-user.sh). uid 0 is refused.
[[nodiscard]] base::Result<PrivsepUser> lookup_privsep_user(const char* name = kPrivsepUser);
// `dir` exists, is a directory owned by root and not writable by group/other.
[[nodiscard]] base::Status check_privsep_dir(const char* dir = kPrivsepDir);
// Run as root in the child. `monitor` is the parent's pid (the death signal race check).
[[nodiscard]] base::Status enter_sandbox(const PrivsepUser& user, const char* dir, pid_t monitor);
[[nodiscard]] base::Status apply_seccomp();

}  // namespace ike::daemon
