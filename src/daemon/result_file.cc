// Atomic 0600 file replacement (see result_file.h): mkstemp in the target directory, write
// everything (EINTR/short writes handled), fchmod 0600, rename over the target.
#include "daemon/result_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace ike::daemon {

using base::ErrorCode;
using base::NotifyType;

namespace {

base::Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorCode::Io, NotifyType::None, "write {}: {}", path,
                        std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return base::ok();
}

}  // namespace

namespace {
FileWriter& writer_hook() {
  static FileWriter hook;
  return hook;
}
}  // namespace

void set_file_writer(FileWriter writer) { writer_hook() = std::move(writer); }

base::Status write_file_atomic(const std::string& path, std::string_view content) {
  if (const auto& hook = writer_hook()) return hook(path, content);
  return write_file_locally(path, content);
}

base::Status write_file_locally(const std::string& path, std::string_view content) {
  if (path.empty()) {
    return make_error(ErrorCode::Io, NotifyType::None, "write: empty file name");
  }
  std::string tmpl = path + ".XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "cannot create a temporary file for {}: {}",
                      path, std::strerror(errno));
  }
  auto fail = [&](base::Error e) -> base::Status {
    ::close(fd);
    ::unlink(name.data());
    return e;
  };
  if (::fchmod(fd, 0600) != 0) {
    return fail(make_error(ErrorCode::Io, NotifyType::None, "fchmod {}: {}", name.data(),
                           std::strerror(errno)));
  }
  if (auto st = write_all(fd, content, path); !st) return fail(std::move(st).error());
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(name.data());
    return make_error(ErrorCode::Io, NotifyType::None, "close {}: {}", path, std::strerror(err));
  }
  if (::rename(name.data(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(name.data());
    return make_error(ErrorCode::Io, NotifyType::None, "rename {} -> {}: {}", name.data(), path,
                      std::strerror(err));
  }
  return base::ok();
}

}  // namespace ike::daemon
