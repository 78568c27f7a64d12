// Loading isakmpd.conf: the fail-closed secrecy check of the file (isakmpd
// check_file_secrecy_fd, but refusing instead of silently running on defaults,
// isakmpd-features.md §5.2 item 7), bounded reading, and the all-or-nothing reload
// "clear + file + built-in defaults" swapped into the live ConfDb only when everything parsed
// and validated. The same path is offered for an in-memory text (tests, fuzzing).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "conf/conf_db.h"

namespace ike::conf {

inline constexpr std::size_t kMaxConfigFileSize = std::size_t{64} << 20;  // 64 MiB

struct LoadReport {
  std::string source;                 // path or buffer name
  std::vector<std::string> warnings;  // "<source>:<line>: ..." (also logged)
  std::size_t sections = 0;           // distinct sections in the text
  std::size_t tags = 0;               // tag=value entries taken from the text
};

// Checks an open file the way a secret must be: a regular file, owned by root or by
// `allowed_uid`, without any group/other permission bit. The Config error names the file, the
// mode or owner, and the fix ("refusing /etc/isakmpd/isakmpd.conf: mode 0644 is readable by
// group/other; chmod 600 /etc/isakmpd/isakmpd.conf").
[[nodiscard]] base::Status check_file_secrecy(int fd, std::string_view path, uint32_t allowed_uid);
// Same, allowing the effective uid of the process.
[[nodiscard]] base::Status check_file_secrecy(int fd, std::string_view path);

// Opens `path` with O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK (a symlink or a FIFO is refused,
// never waited on), runs check_file_secrecy() on the descriptor (no TOCTOU), and reads at most
// `max_size` bytes (larger files are refused). Errors: NotFound when the file does not exist,
// Config for a refused file, Io for other system errors. Shared with the policy/key loaders.
[[nodiscard]] base::Result<base::SecureBytes> read_secret_file(
    const std::string& path, std::size_t max_size = kMaxConfigFileSize);

// Reload from a file: read_secret_file(path), then load_config_text(contents, path, db).
[[nodiscard]] base::Result<LoadReport> load_config_file(const std::string& path, ConfDb& db);

// Reload from a text named `source` in messages: parse into a fresh database, commit,
// validate the [General] values that are used verbatim (Default-phase-{1,2}-lifetime must be
// offer/accept ranges; Retransmits, Exchange-max-time, Check-interval, DPD-check-interval,
// NAT-T-Keepalive must be non-negative decimal integers), apply load_defaults(), and swap the
// result into `db`. On any error `db` is left exactly as it was (pending transactions kept).
[[nodiscard]] base::Result<LoadReport> load_config_text(std::string_view text,
                                                        std::string_view source, ConfDb& db);

}  // namespace ike::conf
