// The FIFO user interface (isakmpd(8) "THE FIFO USER INTERFACE", isakmpd-features.md §1.15,
// reliability class 20 "FIFO input is hostile"): the pure command parser `parse_ui_line`, the
// bounded line reader (4 KiB lines; longer lines are reported and discarded up to the next
// newline) and the FIFO channel (mkfifo 0600, refuses to replace anything but a stale FIFO,
// O_RDWR|O_NONBLOCK so it never sees EOF; "-" = standard input). The parser uses isakmpd's
// ui.c sscanf formats verbatim (scanf_compat.h): 200-character fields, values are one
// whitespace-free token, any 4th token of `C set`/`C add` means force. Where isakmpd silently
// truncates a field at 200 characters, we refuse the line instead (features §3.3).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "engine/io.h"

namespace ike::daemon {

inline constexpr std::size_t kUiFieldMax = 200;     // ui.c "%200s"
inline constexpr std::size_t kUiLineMax = 4096;     // design §3.8

// `C ...` configuration commands; each line is its own transaction.
struct UiConfSet {  // C set [section]:tag=value [force]
  std::string section, tag, value;
  bool force = false;
  bool operator==(const UiConfSet&) const = default;
};
struct UiConfAdd {  // C add [section]:tag=value [anything]
  std::string section, tag, value;
  bool operator==(const UiConfAdd&) const = default;
};
struct UiConfRemoveValue {  // C rmv [section]:tag=value
  std::string section, tag, value;
  bool operator==(const UiConfRemoveValue&) const = default;
};
struct UiConfRemoveTag {  // C rm [section]:tag
  std::string section, tag;
  bool operator==(const UiConfRemoveTag&) const = default;
};
struct UiConfRemoveSection {  // C rms [section]
  std::string section;
  bool operator==(const UiConfRemoveSection&) const = default;
};
struct UiConfGet {  // C get [section]:tag
  std::string section, tag;
  bool operator==(const UiConfGet&) const = default;
};
struct UiDebugLevel {  // D <class> <level> / D A <level>; cls -1 = all
  int cls = 0;
  int level = 0;
  bool operator==(const UiDebugLevel&) const = default;
};
struct UiDebugToggle {  // D T
  bool operator==(const UiDebugToggle&) const = default;
};
struct UiSetMode {  // M active / M passive
  bool passive = false;
  bool operator==(const UiSetMode&) const = default;
};
struct UiPacketLog {  // p on[=file] / p off
  bool on = false;
  std::optional<std::string> file;
  bool operator==(const UiPacketLog&) const = default;
};
struct UiShutdown {  // Q
  bool operator==(const UiShutdown&) const = default;
};
struct UiReinit {  // R
  bool operator==(const UiReinit&) const = default;
};
struct UiReport {  // r
  bool operator==(const UiReport&) const = default;
};
struct UiStatus {  // S
  bool operator==(const UiStatus&) const = default;
};
struct UiEmpty {  // empty or all-blank line: ignored
  bool operator==(const UiEmpty&) const = default;
};

// c, t, T and d go to the engine unchanged (engine/io.h).
using UiLine = std::variant<UiEmpty, engine::UiConnect, engine::UiTeardown, engine::UiTeardownAll,
                            engine::UiDeleteSa, UiConfSet, UiConfAdd, UiConfRemoveValue,
                            UiConfRemoveTag, UiConfRemoveSection, UiConfGet, UiDebugLevel,
                            UiDebugToggle, UiSetMode, UiPacketLog, UiShutdown, UiReinit,
                            UiReport, UiStatus>;

// Parses one line (without its '\n'). Never has side effects. Errors are BadValue with the
// reason ("C set: value longer than 200 characters"); the caller logs them with the sanitized
// line.
[[nodiscard]] base::Result<UiLine> parse_ui_line(std::string_view line);

// Splits a byte stream into lines of at most `max_line` bytes (newline excluded).
class LineReader {
 public:
  struct Event {
    enum class Kind { Line, Overlong } kind;
    std::string text;  // the line, or (Overlong) its first 64 bytes for the log
  };
  explicit LineReader(std::size_t max_line = kUiLineMax) : m_max(max_line) {}
  // Appends the events produced by `bytes` to `out`. An overlong line is reported once, when
  // it crosses the limit; its remaining bytes are dropped up to and including the next '\n'.
  void feed(std::string_view bytes, std::vector<Event>& out);
  // End of input: a pending unterminated line is returned as a last line.
  std::optional<Event> finish();
  std::size_t buffered() const noexcept { return m_buf.size(); }

 private:
  std::size_t m_max;
  std::string m_buf;
  bool m_discarding = false;
};

// The control FIFO (or standard input for "-f -").
class FifoChannel {
 public:
  // Creates (or re-creates a stale) FIFO at `path` with mode 0600 and opens it; "-" uses
  // standard input. Refuses a path holding anything but a FIFO.
  [[nodiscard]] static base::Result<FifoChannel> open(const std::string& path);
  // A FIFO someone else created and opened (privilege separation: the monitor, which also
  // removes it); close_and_remove() only closes.
  static FifoChannel adopt(int fd, std::string path) { return {fd, std::move(path), false}; }
  FifoChannel(FifoChannel&& other) noexcept;
  FifoChannel& operator=(FifoChannel&& other) noexcept;
  FifoChannel(const FifoChannel&) = delete;
  FifoChannel& operator=(const FifoChannel&) = delete;
  ~FifoChannel();

  int fd() const noexcept { return m_fd; }
  bool eof() const noexcept { return m_eof; }
  const std::string& path() const noexcept { return m_path; }
  // Reads what is available (bounded per call, so a busy writer cannot starve the daemon) and
  // appends line events. Sets eof() when standard input is closed.
  [[nodiscard]] base::Status read_available(std::vector<LineReader::Event>& out);
  // Closes the descriptor and unlinks the FIFO (not standard input). Idempotent.
  void close_and_remove();

 private:
  FifoChannel(int fd, std::string path, bool owned_path)
      : m_fd(fd), m_path(std::move(path)), m_owned_path(owned_path) {}
  int m_fd = -1;
  int m_stdin_flags = -1;  // standard input's original file status flags, restored on close
  std::string m_path;
  bool m_owned_path = false;  // false for stdin
  bool m_eof = false;
  LineReader m_reader;
};

}  // namespace ike::daemon
