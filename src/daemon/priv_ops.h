// Every operation of the daemon that needs privileges (root, or files outside a chroot), behind
// one interface so the same Daemon runs single-process or privilege-separated (isakmpd(8):
// "the privileged process ... reads configuration files and PKI information and binds to
// privileged ports on its behalf"): reading the config and the PKI files (secrets mode-checked),
// listing the certificate/public-key directories, writing the result/report files, opening
// append-only logs (key log, packet capture), binding UDP sockets, creating the FIFO, writing
// the pid file and the kernel backend. `DirectPrivOps` performs them in process (privilege
// separation off); `MonitorClient` (monitor_client.h) asks the monitor (monitor.h) over the
// monitor protocol. The shared file helpers used by both sides live here too.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/address.h"
#include "base/bytes.h"
#include "base/result.h"
#include "conf/conf_db.h"
#include "conf/config_file.h"
#include "daemon/fifo_ui.h"
#include "daemon/monitor_protocol.h"
#include "daemon/pidfile.h"
#include "kernel/backend.h"

namespace ike::daemon {

using privsep::FileKind;

inline constexpr std::size_t kMaxDirEntries = privsep::kMaxNames;

class PrivOps {
 public:
  virtual ~PrivOps() = default;
  virtual const char* name() const = 0;  // "direct", "monitor"

  // Reads a whole file of at most `max_size` bytes (larger: refused). Config and Secret files
  // must be owned by root (or the daemon user) with no group/other permission; symlinks are
  // never followed. NotFound when the file does not exist.
  [[nodiscard]] virtual base::Result<base::SecureBytes> read_file(const std::string& path,
                                                                  FileKind kind,
                                                                  std::size_t max_size) = 0;
  // The regular files (not symlinks) of `dir`, names only, sorted, at most kMaxDirEntries.
  // NotFound when `dir` is not a directory.
  [[nodiscard]] virtual base::Result<std::vector<std::string>> list_dir(const std::string& dir) = 0;
  // The identity sub-directories of a KeyNote Credential-directory (one level): real
  // directories (symlinks refused), valid_identity_dir_name, owned by root or the daemon user
  // and not writable by group/other; sorted, at most policy::kMaxIdentityCredentialDirs. Others
  // are skipped with a warning. NotFound when `dir` is not a directory.
  [[nodiscard]] virtual base::Result<std::vector<std::string>> list_identity_dirs(
      const std::string& dir) = 0;
  // Result file, report file: written atomically with mode 0600 (result_file.h).
  [[nodiscard]] virtual base::Status write_file(const std::string& path,
                                                std::string_view content) = 0;
  // Key log, packet capture: O_APPEND, created 0600, never through a symlink. Returns the fd.
  [[nodiscard]] virtual base::Result<int> open_append(const std::string& path) = 0;
  // A UDP socket bound to `addr` with PKTINFO (udp_transport.h); `*err` gets the errno of a
  // failing system call (0 otherwise).
  [[nodiscard]] virtual base::Result<int> bind_udp(const base::SockAddr& addr, bool udp_encap,
                                                   int* err) = 0;
  [[nodiscard]] virtual base::Result<FifoChannel> open_fifo(const std::string& path) = 0;
  // Called once the engine runs. Direct: creates the pid file. Monitor: the monitor writes its
  // own pid (the process signals are sent to) and removes it when it exits; the returned
  // PidFile is empty.
  [[nodiscard]] virtual base::Result<PidFile> create_pid_file(const std::string& path) = 0;
  // The kernel backend living on the privileged side; nullptr: the daemon builds its own.
  virtual kernel::Backend* kernel_backend() { return nullptr; }
  // XAUTH server (xauth_backend.h): Ok when the credentials are accepted; Auth error when not.
  // Direct: the backend of `conf`; monitor: the backend of the monitor's own config (`conf`
  // unused), so the child never chooses what the privileged side runs.
  [[nodiscard]] virtual base::Status verify_xauth(const conf::ConfDb& conf,
                                                  const std::string& user,
                                                  const base::SecureBytes& password) = 0;
};

class DirectPrivOps final : public PrivOps {
 public:
  const char* name() const override { return "direct"; }
  [[nodiscard]] base::Result<base::SecureBytes> read_file(const std::string& path, FileKind kind,
                                                          std::size_t max_size) override;
  [[nodiscard]] base::Result<std::vector<std::string>> list_dir(const std::string& dir) override;
  [[nodiscard]] base::Result<std::vector<std::string>> list_identity_dirs(
      const std::string& dir) override;
  [[nodiscard]] base::Status write_file(const std::string& path,
                                        std::string_view content) override;
  [[nodiscard]] base::Result<int> open_append(const std::string& path) override;
  [[nodiscard]] base::Result<int> bind_udp(const base::SockAddr& addr, bool udp_encap,
                                           int* err) override;
  [[nodiscard]] base::Result<FifoChannel> open_fifo(const std::string& path) override;
  [[nodiscard]] base::Result<PidFile> create_pid_file(const std::string& path) override;
  [[nodiscard]] base::Status verify_xauth(const conf::ConfDb& conf, const std::string& user,
                                          const base::SecureBytes& password) override;
};

// ---------------------------------------------------------------- helpers shared by both sides

// open(O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC) + a regular-file check; Config/Secret files
// also go through conf::check_file_secrecy(fd, path, allowed_uid). Returns the open fd.
[[nodiscard]] base::Result<int> open_for_reading(const std::string& path, FileKind kind,
                                                 uint32_t allowed_uid);
// Reads at most `max_size` bytes from `fd` (closed afterwards); more is refused naming `path`.
[[nodiscard]] base::Result<base::SecureBytes> read_fd(int fd, const std::string& path,
                                                      std::size_t max_size);
[[nodiscard]] base::Result<std::vector<std::string>> list_regular_files(const std::string& dir);
[[nodiscard]] base::Result<std::vector<std::string>> list_identity_subdirs(const std::string& dir,
                                                                        uint32_t allowed_uid);
[[nodiscard]] base::Result<int> open_private_append(const std::string& path);

// isakmpd.conf through `ops`: read (Config kind, kMaxConfigFileSize) then
// conf::load_config_text (all or nothing; `db` untouched on error).
[[nodiscard]] base::Result<conf::LoadReport> load_config(PrivOps& ops, const std::string& path,
                                                         conf::ConfDb& db);

}  // namespace ike::daemon
