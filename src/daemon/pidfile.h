// The pid file (-i; default /run/isakmpd.pid): written once the sockets are bound (and
// after daemonising), "<pid>\n", mode 0644, locked with flock(LOCK_EX|LOCK_NB) for the
// daemon's lifetime so a second instance using the same file fails with a clear message
// instead of overwriting it; removed on clean exit.
#pragma once

#include <string>

#include "base/result.h"

namespace ike::daemon {

class PidFile {
 public:
  PidFile() = default;
  [[nodiscard]] static base::Result<PidFile> create(const std::string& path);
  PidFile(PidFile&& other) noexcept;
  PidFile& operator=(PidFile&& other) noexcept;
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;
  ~PidFile();

  const std::string& path() const noexcept { return m_path; }
  // Unlinks and closes; idempotent.
  void remove();

 private:
  PidFile(int fd, std::string path) : m_fd(fd), m_path(std::move(path)) {}
  int m_fd = -1;
  std::string m_path;
};

}  // namespace ike::daemon
