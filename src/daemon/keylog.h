// The key log (--keylog FILE): secrets written on purpose so that interop tests and wireshark
// can decrypt captured traffic. The line formats are a contract (the interop tests parse them):
//   IKE_SA icookie=<16 hex> rcookie=<16 hex> cipher=<name> enckey=<hex>
//   CHILD_SA proto=esp dir=<in|out> src=<ip> dst=<ip> spi=<8 hex> enc=<ESP transform name>
//            enckey=<hex> auth=<auth algorithm name|NONE> authkey=<hex or empty>
// (one line each; lowercase hex; enckey includes the salt for CTR/GCM/GMAC; names are the
// wire/registry.h spellings, e.g. AES, AES_GCM_16, HMAC_SHA, HMAC_SHA2_256). The file is
// created 0600 (an existing file is re-chmodded to 0600 and appended to) and every line is
// written with one write(2), so a reader never sees a partial line. Line buffers are wiped.
#pragma once

#include <string>

#include "base/ipsec_types.h"
#include "base/result.h"
#include "engine/io.h"

namespace ike::daemon {

std::string format_ike_sa_line(const engine::KeyMaterial& km);
std::string format_child_sa_line(const base::SaInstall& sa);

class KeyLog {
 public:
  KeyLog() = default;  // disabled
  [[nodiscard]] static base::Result<KeyLog> open(const std::string& path);
  // An fd opened elsewhere with open_private_append() (privilege separation: by the monitor).
  static KeyLog adopt(int fd, std::string path);
  KeyLog(KeyLog&& other) noexcept;
  KeyLog& operator=(KeyLog&& other) noexcept;
  KeyLog(const KeyLog&) = delete;
  KeyLog& operator=(const KeyLog&) = delete;
  ~KeyLog();

  bool enabled() const noexcept { return m_fd >= 0; }
  [[nodiscard]] base::Status log_ike_sa(const engine::KeyMaterial& km);
  [[nodiscard]] base::Status log_child_sa(const base::SaInstall& sa);

 private:
  KeyLog(int fd, std::string path) : m_fd(fd), m_path(std::move(path)) {}
  [[nodiscard]] base::Status write_line(std::string& line);
  int m_fd = -1;
  std::string m_path;
};

}  // namespace ike::daemon
