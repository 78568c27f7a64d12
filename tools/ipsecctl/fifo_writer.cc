// FIFO writer; see fifo_writer.h.
#include "fifo_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ike::ipsecctl {

base::Status write_fifo_lines(const std::string& fifo, const std::vector<std::string>& lines) {
  const int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1) {
    if (errno == ENXIO) {
      return base::make_error(base::ErrorCode::Io, base::NotifyType::None,
                              "{}: no reader on the FIFO: isakmpd is not running", fifo);
    }
    return base::make_error(base::ErrorCode::Io, base::NotifyType::None, "open({}): {}", fifo,
                            std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) == -1 || !S_ISFIFO(st.st_mode)) {
    close(fd);
    return base::make_error(base::ErrorCode::Io, base::NotifyType::None, "{}: not a fifo", fifo);
  }
  const int flags = fcntl(fd, F_GETFL);
  if (flags == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
    close(fd);
    return base::make_error(base::ErrorCode::Io, base::NotifyType::None, "fcntl({}): {}", fifo,
                            std::strerror(errno));
  }
  for (const auto& l : lines) {
    std::string line = l + "\n";
    std::size_t off = 0;
    while (off < line.size()) {
      const ssize_t n = write(fd, line.data() + off, line.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int e = errno;
        close(fd);
        return base::make_error(base::ErrorCode::Io, base::NotifyType::None, "write({}): {}",
                                fifo, std::strerror(e));
      }
      off += static_cast<std::size_t>(n);
    }
  }
  close(fd);
  return base::ok();
}

}  // namespace ike::ipsecctl
