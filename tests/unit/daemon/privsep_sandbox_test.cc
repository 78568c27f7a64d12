// Start-up checks of the jail (sandbox.h): a missing user or an unsafe chroot directory is
// refused with a message saying how to fix it; and, in a forked process (so the test runner
// keeps its privileges), enter_sandbox + apply_seccomp really drop everything: uid, caps,
// seccomp installed: open fails with EPERM and a log line, execve kills the process (SIGSYS).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "daemon/sandbox.h"

namespace ike::daemon {
namespace {

namespace fs = std::filesystem;

TEST(PrivsepSandbox, MissingUserNamesTheFix) {
  auto u = lookup_privsep_user("_isakmpd_no_such_user");
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().detail.find("user _isakmpd_no_such_user does not exist"), std::string::npos);
  EXPECT_NE(u.error().detail.find("scripts/install-user.sh"), std::string::npos);
  auto root = lookup_privsep_user("root");
  ASSERT_FALSE(root);
  EXPECT_NE(root.error().detail.find("uid 0"), std::string::npos);
}

TEST(PrivsepSandbox, ChrootDirectoryMustBeRootOwnedAndNotWritable) {
  char tmpl[] = "/tmp/privsep_jail.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  ::chmod(dir.c_str(), 0777);
  auto st = check_privsep_dir(dir.c_str());
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().detail.find("chmod 755"), std::string::npos) << st.error().detail;
  ::chmod(dir.c_str(), 0755);
  if (::geteuid() == 0) {
    EXPECT_TRUE(check_privsep_dir(dir.c_str()));
  }
  auto missing = check_privsep_dir((dir + "/nope").c_str());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().detail.find("install-user.sh"), std::string::npos);
  fs::remove_all(dir);
}

// Exit codes of the jailed test child.
enum : int { kOk = 0, kSandboxFailed = 10, kSeccompFailed = 11, kStillPrivileged = 12,
             kOpenWorked = 13, kExecReturned = 14 };

TEST(PrivsepSandbox, JailedProcessHasNothingLeft) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto user = lookup_privsep_user();
  if (!user) GTEST_SKIP() << user.error().detail;
  ASSERT_TRUE(check_privsep_dir()) << "run scripts/install-user.sh";
  pid_t parent = ::getpid();
  int err_pipe[2];
  ASSERT_EQ(::pipe(err_pipe), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(err_pipe[1], STDERR_FILENO);  // the refusal log line goes here
    if (!enter_sandbox(*user, kPrivsepDir, parent)) ::_exit(kSandboxFailed);
    if (!apply_seccomp()) ::_exit(kSeccompFailed);
    // prctl is not in the allow-list either: NoNewPrivs is read from /proc in the process test.
    if (::getuid() != user->uid || ::getgid() != user->gid || ::geteuid() == 0) {
      ::_exit(kStillPrivileged);
    }
    // Not in the allow-list: fails with EPERM (the jail is empty anyway).
    int fd = ::open("/", O_RDONLY);
    if (fd >= 0 || errno != EPERM) ::_exit(kOpenWorked);
    char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
    ::execv(argv[0], argv);  // kills the process
    ::_exit(kExecReturned);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ::close(err_pipe[1]);
  char buf[512] = {};
  ssize_t n = ::read(err_pipe[0], buf, sizeof buf - 1);
  ::close(err_pipe[0]);
#if defined(__x86_64__)
  // The refused open(2) was logged: "isakmpd: seccomp: system call 257 refused (EPERM)".
  EXPECT_NE(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0)
                .find("seccomp: system call 257 refused (EPERM)"),
            std::string::npos)
      << buf;
#endif
  if (WIFEXITED(status)) FAIL() << "child exited with " << WEXITSTATUS(status);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGSYS);  // SCMP_ACT_KILL_PROCESS on execve
}

}  // namespace
}  // namespace ike::daemon
