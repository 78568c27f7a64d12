// Key log writer (see keylog.h). Algorithm names come from the single registry table
// (wire/registry.h, CONTRIBUTING rule 6): RFC 2407 §4.4.4 ESP transform ids and §4.5
// authentication algorithms.
#include "daemon/keylog.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "wire/registry.h"

namespace ike::daemon {

using base::ErrorCode;
using base::NotifyType;

namespace {

// A registry name, or UNKNOWN_<n> (no blanks: the line is split on spaces by its readers).
std::string registry_token(wire::Registry r, uint32_t value) {
  if (auto n = wire::registry_name(r, value)) return std::string(*n);
  return fmt::format("UNKNOWN_{}", value);
}

// Peer-influenced free text (the engine's cipher label): printable, no blanks or '='.
std::string token(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u > 0x20 && u < 0x7f && c != '=' ? c : '_');
  }
  return out.empty() ? "UNKNOWN" : out;
}

// Appends lowercase hex without a temporary string (secrets: no unwiped copies).
void append_hex(std::string& out, base::ByteView v) {
  constexpr char kDigits[] = "0123456789abcdef";
  for (uint8_t b : v) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
}

}  // namespace

// Both formatters reserve the full line up front so the string never reallocates (a
// reallocation would leave an unwiped copy of the key in freed memory).
std::string format_ike_sa_line(const engine::KeyMaterial& km) {
  std::string line;
  line.reserve(128 + 2 * km.enc_key.size() + km.cipher.size());
  line += fmt::format("IKE_SA icookie={} rcookie={} cipher={} enckey=",
                      km.cookies.initiator.hex(), km.cookies.responder.hex(), token(km.cipher));
  append_hex(line, base::view(km.enc_key));
  line += '\n';
  return line;
}

std::string format_child_sa_line(const base::SaInstall& sa) {
  std::string enc = "NONE";
  if (sa.ref.protocol == base::IpsecProtocol::Esp) {
    enc = registry_token(wire::Registry::EspTransformId, sa.enc_transform_id);
  }
  std::string auth = sa.auth_algorithm == 0
                         ? std::string("NONE")
                         : registry_token(wire::Registry::IpsecAuthAlg, sa.auth_algorithm);
  std::string line;
  line.reserve(256 + 2 * (sa.enc_key.size() + sa.auth_key.size()));
  line += fmt::format("CHILD_SA proto={} dir={} src={} dst={} spi={:08x} enc={} enckey=",
                      base::ipsec_protocol_name(sa.ref.protocol), sa.inbound ? "in" : "out",
                      sa.src.to_string(), sa.ref.dst.to_string(), sa.ref.spi.value, enc);
  append_hex(line, base::view(sa.enc_key));
  line += fmt::format(" auth={} authkey=", auth);
  append_hex(line, base::view(sa.auth_key));
  if (sa.udp_encap_dst_port != 0) {  // RFC 3948 ESP in UDP (NAT-T), as the shim records it
    line += fmt::format(" encap={}:{}", sa.udp_encap_src_port, sa.udp_encap_dst_port);
  }
  line += '\n';
  return line;
}

base::Result<KeyLog> KeyLog::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "--keylog {}: {}", path,
                      std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || ::fchmod(fd, 0600) != 0) {
    ::close(fd);
    return make_error(ErrorCode::Io, NotifyType::None,
                      "--keylog {}: not a regular file or cannot be made private (0600)", path);
  }
  IKE_LOG_WARN("key material of every SA is written to {} (--keylog)", path);
  return KeyLog(fd, path);
}

KeyLog KeyLog::adopt(int fd, std::string path) {
  IKE_LOG_WARN("key material of every SA is written to {} (--keylog)", path);
  return KeyLog(fd, std::move(path));
}

KeyLog::KeyLog(KeyLog&& o) noexcept : m_fd(o.m_fd), m_path(std::move(o.m_path)) { o.m_fd = -1; }

KeyLog& KeyLog::operator=(KeyLog&& o) noexcept {
  if (this != &o) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = o.m_fd;
    m_path = std::move(o.m_path);
    o.m_fd = -1;
  }
  return *this;
}

KeyLog::~KeyLog() {
  if (m_fd >= 0) ::close(m_fd);
}

base::Status KeyLog::write_line(std::string& line) {
  base::Status st;
  std::size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(m_fd, line.data() + off, line.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      st = make_error(ErrorCode::Io, NotifyType::None, "--keylog {}: write: {}", m_path,
                      std::strerror(errno));
      break;
    }
    off += static_cast<std::size_t>(n);
  }
  base::secure_wipe(line.data(), line.size());
  return st;
}

base::Status KeyLog::log_ike_sa(const engine::KeyMaterial& km) {
  if (m_fd < 0) return base::ok();
  std::string line = format_ike_sa_line(km);
  return write_line(line);
}

base::Status KeyLog::log_child_sa(const base::SaInstall& sa) {
  if (m_fd < 0) return base::ok();
  std::string line = format_child_sa_line(sa);
  return write_line(line);
}

}  // namespace ike::daemon
