// Writing the daemon's output files: the FIFO result file (`S`, `C get`; default
// /run/isakmpd.result) and the SIGUSR1 report file (-R; default /run/isakmpd.report).
// Files are written atomically (a 0600 temporary file in the same directory, then rename), so
// a reader polling the file never sees a half-written result and the mode is 0600 whatever the
// umask (isakmpd writes the report under umask 077).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace ike::daemon {

[[nodiscard]] base::Status write_file_atomic(const std::string& path, std::string_view content);

}  // namespace ike::daemon
