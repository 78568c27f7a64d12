// The child's jail (sandbox.h): chroot, user switch, capabilities (libcap-ng), no_new_privs,
// seccomp (libseccomp).
#include "daemon/sandbox.h"

#include <cap-ng.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ike::daemon {

using base::ErrorCode;
using base::NotifyType;
using base::make_error;

namespace {

base::Error sys_fail(std::string_view what) {
  return make_error(ErrorCode::Io, NotifyType::None, "privsep: {}: {}", what,
                    std::strerror(errno));
}

constexpr const char* kHowTo =
    "create it with scripts/install-user.sh (useradd --system --no-create-home --home-dir "
    "/var/empty --shell /usr/sbin/nologin _isakmpd; mkdir -m 0755 -p /var/empty)";

// "EPERM with a log": where the registers are known, calls outside the allow-list trap
// (SECCOMP_RET_TRAP -> SIGSYS); the handler writes one line to stderr (async-signal-safe: only
// write(2)) and makes the call return -EPERM. Elsewhere the filter returns EPERM silently.
#if defined(__x86_64__) || defined(__aarch64__)
constexpr bool kTrapRefusals = true;

void on_refused_syscall(int, siginfo_t* si, void* ctx) {
  char line[96] = "isakmpd: seccomp: system call ";
  std::size_t n = std::strlen(line);
  char digits[12];
  std::size_t d = 0;
  unsigned nr = static_cast<unsigned>(si->si_syscall);
  do {
    digits[d++] = static_cast<char>('0' + nr % 10);
    nr /= 10;
  } while (nr != 0 && d < sizeof digits);
  while (d > 0) line[n++] = digits[--d];
  const char tail[] = " refused (EPERM)\n";
  std::memcpy(line + n, tail, sizeof tail - 1);
  n += sizeof tail - 1;
  (void)!::write(STDERR_FILENO, line, n);
  auto* uc = static_cast<ucontext_t*>(ctx);
#if defined(__x86_64__)
  uc->uc_mcontext.gregs[REG_RAX] = -EPERM;
#else
  uc->uc_mcontext.regs[0] = static_cast<unsigned long long>(-EPERM);
#endif
}
#else
constexpr bool kTrapRefusals = false;
#endif

}  // namespace

base::Result<PrivsepUser> lookup_privsep_user(const char* name) {
  errno = 0;
  passwd* pw = ::getpwnam(name);
  if (pw == nullptr) {
    return make_error(ErrorCode::Config, NotifyType::None,
                      "privilege separation: user {} does not exist; {}", name, kHowTo);
  }
  if (pw->pw_uid == 0) {
    return make_error(ErrorCode::Config, NotifyType::None,
                      "privilege separation: user {} has uid 0; it must be unprivileged", name);
  }
  return PrivsepUser{name, pw->pw_uid, pw->pw_gid};
}

base::Status check_privsep_dir(const char* dir) {
  struct stat st {};
  if (::lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    return make_error(ErrorCode::Config, NotifyType::None,
                      "privilege separation: {} is missing or not a directory; {}", dir, kHowTo);
  }
  if (st.st_uid != 0 || (st.st_mode & 022) != 0) {
    return make_error(ErrorCode::Config, NotifyType::None,
                      "privilege separation: {} must be owned by root and not writable by "
                      "group/other (mode {:04o}, owner {}); chown root:root {}; chmod 755 {}",
                      dir, st.st_mode & 07777, st.st_uid, dir, dir);
  }
  return base::ok();
}

base::Status enter_sandbox(const PrivsepUser& user, const char* dir, pid_t monitor) {
  if (::chroot(dir) != 0) return sys_fail(fmt::format("chroot({})", dir));
  if (::chdir("/") != 0) return sys_fail("chdir(/)");
  // Bounding set first, while CAP_SETPCAP is still held.
  capng_clear(CAPNG_SELECT_BOTH);
  capng_clear(CAPNG_SELECT_BOUNDS);
  if (capng_apply(CAPNG_SELECT_BOUNDS) != 0) {
    return make_error(ErrorCode::Io, NotifyType::None,
                      "privsep: capng_apply(bounding set) failed");
  }
  gid_t g = user.gid;
  if (::setgroups(1, &g) != 0) return sys_fail("setgroups");
  if (::setresgid(user.gid, user.gid, user.gid) != 0) return sys_fail("setresgid");
  if (::setresuid(user.uid, user.uid, user.uid) != 0) return sys_fail("setresuid");
  capng_clear(CAPNG_SELECT_BOTH);
  if (capng_apply(CAPNG_SELECT_BOTH) != 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "privsep: capng_apply(caps) failed");
  }
  // Verify instead of trusting: no capability left, uid 0 cannot come back.
  capng_get_caps_process();
  if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
    return make_error(ErrorCode::Internal, NotifyType::None,
                      "privsep: capabilities remain after the user switch");
  }
  if (::setuid(0) == 0 || ::geteuid() == 0) {
    return make_error(ErrorCode::Internal, NotifyType::None, "privsep: uid 0 could be regained");
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return sys_fail("PR_SET_NO_NEW_PRIVS");
  // The credential change cleared any death signal: set it now, then close the race.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return sys_fail("PR_SET_PDEATHSIG");
  if (::getppid() != monitor) {
    return make_error(ErrorCode::State, NotifyType::None, "privsep: the monitor has exited");
  }
  return base::ok();
}

base::Status apply_seccomp() {
  uint32_t refuse = SCMP_ACT_ERRNO(EPERM);
#if defined(__x86_64__) || defined(__aarch64__)
  if (kTrapRefusals) {
    struct sigaction sa {};
    sa.sa_sigaction = on_refused_syscall;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (::sigaction(SIGSYS, &sa, nullptr) == 0) refuse = SCMP_ACT_TRAP;
  }
#endif
  scmp_filter_ctx ctx = seccomp_init(refuse);
  if (ctx == nullptr) {
    return make_error(ErrorCode::Io, NotifyType::None, "privsep: seccomp_init failed");
  }
  static const int kAllowed[] = {
      // I/O on descriptors we hold: UDP sockets, the FIFO, the monitor socket, stderr, key log.
      SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(close),
      SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(recvfrom), SCMP_SYS(sendto),
      SCMP_SYS(recvmmsg), SCMP_SYS(sendmmsg), SCMP_SYS(getsockname), SCMP_SYS(getsockopt),
      SCMP_SYS(fcntl), SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(ioctl),
      // Event loop.
      SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
      SCMP_SYS(epoll_pwait2), SCMP_SYS(timerfd_create), SCMP_SYS(timerfd_settime),
      SCMP_SYS(timerfd_gettime), SCMP_SYS(signalfd4), SCMP_SYS(rt_sigprocmask),
      SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigreturn), SCMP_SYS(restart_syscall),
      // Memory, threads' bookkeeping, time, randomness, identity.
      SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(mprotect),
      SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(rseq), SCMP_SYS(set_robust_list),
      SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday), SCMP_SYS(time),
      SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep), SCMP_SYS(getrandom), SCMP_SYS(getpid),
      SCMP_SYS(gettid), SCMP_SYS(getppid), SCMP_SYS(getuid), SCMP_SYS(geteuid),
      SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(uname), SCMP_SYS(sched_yield),
      SCMP_SYS(sched_getaffinity), SCMP_SYS(tgkill),  // abort()
      SCMP_SYS(exit), SCMP_SYS(exit_group),
  };
  static const int kKill[] = {
      SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv),
      SCMP_SYS(process_vm_writev), SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(chroot),
      SCMP_SYS(pivot_root), SCMP_SYS(setns), SCMP_SYS(unshare), SCMP_SYS(bpf),
      SCMP_SYS(init_module), SCMP_SYS(finit_module), SCMP_SYS(kexec_load),
      SCMP_SYS(perf_event_open), SCMP_SYS(personality), SCMP_SYS(setuid), SCMP_SYS(setgid),
      SCMP_SYS(setreuid), SCMP_SYS(setregid), SCMP_SYS(setresuid), SCMP_SYS(setresgid),
      SCMP_SYS(setgroups), SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(clone), SCMP_SYS(clone3),
  };
  int rc = 0;
#if defined(__SANITIZE_ADDRESS__) || defined(IKE_SANITIZER_BUILD)
  // Sanitizer builds only: UBSan's vptr check probes memory with pipe()+write()
  // (IsAccessibleMemoryRange); without these every check reports an "invalid vptr".
  for (int sc : {SCMP_SYS(pipe), SCMP_SYS(pipe2), SCMP_SYS(sigaltstack)}) {
    if (rc == 0 && sc >= 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sc, 0);
  }
#endif
  for (int sc : kAllowed) {
    if (rc != 0 || sc < 0) continue;  // sc < 0: not on this architecture
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sc, 0);
  }
  for (int sc : kKill) {
    if (rc != 0 || sc < 0) continue;
    rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, sc, 0);
  }
  if (rc == 0) rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc != 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "privsep: seccomp filter: {}",
                      std::strerror(-rc));
  }
  return base::ok();
}

}  // namespace ike::daemon
