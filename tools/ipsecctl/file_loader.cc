// The file loader of ipsecctl (parser.h FileLoader): reads `-f`, `include` and key files whole,
// size capped (Lexer::kMaxFileSize), and for rule files applies OpenBSD's check_file_secrecy():
// owned by root or the invoking user, not group writable, no access for others.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "lexer.h"
#include "parser.h"

namespace ike::ipsecctl {

FileLoader default_file_loader() {
  return [](const std::string& path, bool secret) -> base::Result<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return base::make_error(base::ErrorCode::Io, base::NotifyType::None, "{}: {}", path,
                              std::strerror(errno));
    }
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && secret) {
      if (st.st_uid != 0 && st.st_uid != getuid()) {
        return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                                "{}: owner not root or current user", path);
      }
      if ((st.st_mode & (S_IWGRP | S_IXGRP | S_IRWXO)) != 0) {
        return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                                "{}: group writable or world read/writable", path);
      }
    }
    std::string data;
    char buf[8192];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      data.append(buf, static_cast<std::size_t>(in.gcount()));
      if (data.size() > Lexer::kMaxFileSize) {
        return base::make_error(base::ErrorCode::TooMany, base::NotifyType::None,
                                "{}: file larger than {} bytes", path, Lexer::kMaxFileSize);
      }
    }
    return data;
  };
}

}  // namespace ike::ipsecctl
