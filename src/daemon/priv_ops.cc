// DirectPrivOps (privilege separation off: everything in process) and the file helpers both
// the direct path and the monitor use (priv_ops.h).
#include "daemon/priv_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "daemon/monitor_policy.h"
#include "daemon/result_file.h"
#include "daemon/udp_transport.h"
#include "daemon/xauth_backend.h"
#include "policy/limits.h"

namespace ike::daemon {

using base::ErrorCode;
using base::NotifyType;
using base::make_error;

base::Result<int> open_for_reading(const std::string& path, FileKind kind, uint32_t allowed_uid) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    if (err == ELOOP) {
      return make_error(ErrorCode::Config, NotifyType::None,
                        "refusing {}: it is a symbolic link; point the daemon at the file itself",
                        path);
    }
    return make_error(err == ENOENT ? ErrorCode::NotFound : ErrorCode::Io, NotifyType::None,
                      "cannot open {}: {}", path, std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::Config, NotifyType::None, "refusing {}: not a regular file",
                      path);
  }
  if (kind != FileKind::Public) {
    if (auto ok = conf::check_file_secrecy(fd, path, allowed_uid); !ok) {
      ::close(fd);
      return std::move(ok).error();
    }
  }
  return fd;
}

base::Result<base::SecureBytes> read_fd(int fd, const std::string& path, std::size_t max_size) {
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  base::SecureBytes buf;
  std::array<uint8_t, 4096> chunk{};
  for (;;) {
    ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      base::secure_wipe(chunk.data(), chunk.size());
      return make_error(ErrorCode::Io, NotifyType::None, "cannot read {}: {}", path,
                        std::strerror(err));
    }
    if (n == 0) break;
    auto got = static_cast<std::size_t>(n);
    if (buf.size() + got > max_size) {
      base::secure_wipe(chunk.data(), chunk.size());
      return make_error(ErrorCode::Config, NotifyType::None,
                        "refusing {}: size exceeds the limit of {} bytes", path, max_size);
    }
    buf.insert(buf.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
  }
  base::secure_wipe(chunk.data(), chunk.size());
  return buf;
}

// Opens `dir` without following a symlink and calls `visit(name, lstat data)` for each entry
// but "." and ".." (entries that cannot be stat'ed are skipped); `visit` returns false to stop.
template <class Visit>
base::Status each_dir_entry(const std::string& dir, Visit&& visit) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) {
    return make_error(errno == ENOENT || errno == ENOTDIR ? ErrorCode::NotFound : ErrorCode::Io,
                      NotifyType::None, "{}: not a directory ({})", dir, std::strerror(errno));
  }
  DIR* d = ::fdopendir(dfd);
  if (d == nullptr) {
    ::close(dfd);
    return make_error(ErrorCode::Io, NotifyType::None, "{}: {}", dir, std::strerror(errno));
  }
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!visit(name, st)) break;
  }
  ::closedir(d);
  return base::ok();
}

base::Result<std::vector<std::string>> list_regular_files(const std::string& dir) {
  std::vector<std::string> out;
  IKE_TRY_VOID(each_dir_entry(dir, [&](std::string_view name, const struct stat& st) {
    if (!S_ISREG(st.st_mode)) return true;
    if (out.size() == kMaxDirEntries) {
      IKE_LOG_WARN("{}: more than {} files, the rest ignored", dir, kMaxDirEntries);
      return false;
    }
    out.emplace_back(name);
    return true;
  }));
  std::sort(out.begin(), out.end());
  return out;
}

base::Result<std::vector<std::string>> list_identity_subdirs(const std::string& dir,
                                                             uint32_t allowed_uid) {
  std::vector<std::string> out;
  IKE_TRY_VOID(each_dir_entry(dir, [&](std::string_view name, const struct stat& st) {
    if (S_ISREG(st.st_mode)) return true;  // the credential files directly inside (list_dir)
    std::string shown = base::sanitize_for_log(name, 64);
    if (!S_ISDIR(st.st_mode)) {
      IKE_LOG_WARN("KeyNote {}/{}: not a directory (symlinks are not followed), ignored", dir,
                   shown);
      return true;
    }
    if (!valid_identity_dir_name(name)) {
      IKE_LOG_WARN("KeyNote {}/{}: not an identity name (printable, no '/', '..' or leading "
                   "'.', at most {} bytes), ignored",
                   dir, shown, policy::kMaxIdentityNameBytes);
      return true;
    }
    if ((st.st_uid != 0 && st.st_uid != allowed_uid) || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
      IKE_LOG_WARN("KeyNote {}/{}: owned by uid {} with mode {:04o}; must be owned by root or "
                   "uid {} and not writable by group/other, ignored",
                   dir, shown, st.st_uid, st.st_mode & 07777, allowed_uid);
      return true;
    }
    if (out.size() == policy::kMaxIdentityCredentialDirs) {
      IKE_LOG_WARN("{}: more than {} identity directories, the rest ignored", dir,
                   policy::kMaxIdentityCredentialDirs);
      return false;
    }
    out.emplace_back(name);
    return true;
  }));
  std::sort(out.begin(), out.end());
  return out;
}

base::Result<int> open_private_append(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "{}: {}", path, std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || ::fchmod(fd, 0600) != 0) {
    ::close(fd);
    return make_error(ErrorCode::Io, NotifyType::None,
                      "{}: not a regular file or cannot be made private (0600)", path);
  }
  return fd;
}

base::Result<conf::LoadReport> load_config(PrivOps& ops, const std::string& path,
                                           conf::ConfDb& db) {
  IKE_TRY(auto text, ops.read_file(path, FileKind::Config, conf::kMaxConfigFileSize));
  return conf::load_config_text(base::as_chars(base::view(text)), path, db);
}

// ------------------------------------------------------------------------------ DirectPrivOps

base::Result<base::SecureBytes> DirectPrivOps::read_file(const std::string& path, FileKind kind,
                                                         std::size_t max_size) {
  IKE_TRY(int fd, open_for_reading(path, kind, static_cast<uint32_t>(::geteuid())));
  return read_fd(fd, path, max_size);
}

base::Result<std::vector<std::string>> DirectPrivOps::list_dir(const std::string& dir) {
  return list_regular_files(dir);
}

base::Result<std::vector<std::string>> DirectPrivOps::list_identity_dirs(const std::string& dir) {
  return list_identity_subdirs(dir, static_cast<uint32_t>(::geteuid()));
}

base::Status DirectPrivOps::write_file(const std::string& path, std::string_view content) {
  return write_file_locally(path, content);
}

base::Result<int> DirectPrivOps::open_append(const std::string& path) {
  return open_private_append(path);
}

base::Result<int> DirectPrivOps::bind_udp(const base::SockAddr& addr, bool udp_encap, int* err) {
  return open_udp_socket(addr, udp_encap, err);
}

base::Result<FifoChannel> DirectPrivOps::open_fifo(const std::string& path) {
  return FifoChannel::open(path);
}

base::Result<PidFile> DirectPrivOps::create_pid_file(const std::string& path) {
  return PidFile::create(path);
}

base::Status DirectPrivOps::verify_xauth(const conf::ConfDb& conf, const std::string& user,
                                         const base::SecureBytes& password) {
  IKE_TRY(XauthBackendConfig cfg, xauth_backend_config(conf));
  return xauth_verify(cfg, user, password, static_cast<uint32_t>(::geteuid()));
}

}  // namespace ike::daemon
