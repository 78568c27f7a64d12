// Pid file with an advisory lock (see pidfile.h).
#include "daemon/pidfile.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/core.h>

namespace ike::daemon {

using base::ErrorCode;
using base::NotifyType;

base::Result<PidFile> PidFile::create(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "pid file {}: {}", path,
                      std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char buf[32] = {};
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    std::string holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\r')) holder.pop_back();
    if (err == EWOULDBLOCK) {
      return make_error(ErrorCode::Io, NotifyType::None,
                        "pid file {} is locked: another isakmpd (pid {}) is running", path,
                        holder);
    }
    return make_error(ErrorCode::Io, NotifyType::None, "pid file {}: flock: {}", path,
                      std::strerror(err));
  }
  std::string text = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    int err = errno;
    ::close(fd);
    return make_error(ErrorCode::Io, NotifyType::None, "pid file {}: write: {}", path,
                      std::strerror(err));
  }
  return PidFile(fd, path);
}

PidFile::PidFile(PidFile&& o) noexcept : m_fd(o.m_fd), m_path(std::move(o.m_path)) {
  o.m_fd = -1;
}

PidFile& PidFile::operator=(PidFile&& o) noexcept {
  if (this != &o) {
    remove();
    m_fd = o.m_fd;
    m_path = std::move(o.m_path);
    o.m_fd = -1;
  }
  return *this;
}

PidFile::~PidFile() { remove(); }

void PidFile::remove() {
  if (m_fd < 0) return;
  ::unlink(m_path.c_str());
  ::close(m_fd);
  m_fd = -1;
}

}  // namespace ike::daemon
