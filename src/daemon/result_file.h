// Writing the daemon's output files: the FIFO result file (`S`, `C get`; default
// /run/isakmpd.result) and the SIGUSR1 report file (-R; default /run/isakmpd.report).
// Files are written atomically (a 0600 temporary file in the same directory, then rename), so
// a reader polling the file never sees a half-written result and the mode is 0600 whatever the
// umask (isakmpd writes the report under umask 077).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace ike::daemon {

[[nodiscard]] base::Status write_file_atomic(const std::string& path, std::string_view content);
// The atomic write itself, always in this process.
[[nodiscard]] base::Status write_file_locally(const std::string& path, std::string_view content);

// Privilege separation: the chrooted child cannot write these files itself, so
// write_file_atomic() is routed to the monitor (PrivOps::write_file) once this hook is set.
using FileWriter = std::function<base::Status(const std::string&, std::string_view)>;
void set_file_writer(FileWriter writer);

}  // namespace ike::daemon
