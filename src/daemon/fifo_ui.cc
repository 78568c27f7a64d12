// FIFO command parser, line reader and FIFO channel (see fifo_ui.h). The parse_* functions
// mirror OpenBSD ui.c one for one: same sscanf formats, same order of attempts, same
// case-(in)sensitivity (strcasecmp for C subcommands and `D A`/`D T`, strncmp prefixes for
// `M active`/`M passive`), same "Q must be exactly one character".
#include "daemon/fifo_ui.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <strings.h>

#include "base/hex.h"
#include "base/log.h"
#include "daemon/scanf_compat.h"

namespace ike::daemon {

using base::ErrorCode;
using base::NotifyType;

namespace {

template <class... Args>
base::Error bad(fmt::format_string<Args...> f, Args&&... args) {
  return make_error(ErrorCode::BadValue, NotifyType::None, f, std::forward<Args>(args)...);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool is_blank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\v' && c != '\f') return false;
  }
  return true;
}

// Names of the stored fields of the C formats, for truncation messages.
constexpr const char* kConfFields[] = {"section name", "tag", "value", "force token"};

base::Error truncated(std::string_view cmd, const char* field) {
  return bad("{}: {} longer than {} characters", cmd, field, kUiFieldMax);
}

base::Result<UiLine> parse_config(std::string_view line) {
  std::string subcmd;
  if (scan(line, "C %200s", {&subcmd}).assigned != 1) {
    return bad("C: missing subcommand (set, add, rmv, rm, rms or get)");
  }
  std::string section, tag, value, tmp;
  auto check_cut = [&](const ScanResult& r, std::string_view cmd, int ignore_from)
      -> std::optional<base::Error> {
    if (r.truncated_field >= 0 && r.truncated_field < ignore_from) {
      return truncated(cmd, kConfFields[r.truncated_field]);
    }
    return std::nullopt;
  };
  if (iequals(subcmd, "get") || iequals(subcmd, "rm")) {
    bool get = iequals(subcmd, "get");
    std::string_view cmd = get ? "C get" : "C rm";
    auto r = scan(line, "C %*s [%200[^]]]:%200s", {&section, &tag});
    if (auto e = check_cut(r, cmd, 2)) return *e;
    if (r.assigned != 2) return bad("{}: expected \"{} [section]:tag\"", cmd, cmd);
    if (get) return UiConfGet{section, tag};
    return UiConfRemoveTag{section, tag};
  }
  if (iequals(subcmd, "set") || iequals(subcmd, "add")) {
    bool set = iequals(subcmd, "set");
    std::string_view cmd = set ? "C set" : "C add";
    auto r = scan(line, "C %*s [%200[^]]]:%200[^=]=%200s %200s", {&section, &tag, &value, &tmp});
    if (auto e = check_cut(r, cmd, 3)) return *e;
    if (r.assigned != 3 && r.assigned != 4) {
      return bad("{}: expected \"{} [section]:tag=value{}\"", cmd, cmd, set ? " [force]" : "");
    }
    if (set) return UiConfSet{section, tag, value, r.assigned == 4};
    return UiConfAdd{section, tag, value};
  }
  if (iequals(subcmd, "rmv")) {
    auto r = scan(line, "C %*s [%200[^]]]:%200[^=]=%200s", {&section, &tag, &value});
    if (auto e = check_cut(r, "C rmv", 3)) return *e;
    if (r.assigned != 3) return bad("C rmv: expected \"C rmv [section]:tag=value\"");
    return UiConfRemoveValue{section, tag, value};
  }
  if (iequals(subcmd, "rms")) {
    auto r = scan(line, "C %*s [%200[^]]]", {&section});
    if (auto e = check_cut(r, "C rms", 1)) return *e;
    if (r.assigned != 1) return bad("C rms: expected \"C rms [section]\"");
    return UiConfRemoveSection{section};
  }
  return bad("C: unknown subcommand \"{}\" (expected set, add, rmv, rm, rms or get)",
             base::sanitize_for_log(subcmd, 40));
}

base::Result<UiLine> parse_connect(std::string_view line) {
  std::string name;
  auto r = scan(line, "c %200s", {&name});
  if (r.truncated_field == 0) return truncated("c", "connection name");
  if (r.assigned != 1) return bad("c: expected \"c <connection>\"");
  return engine::UiConnect{name};
}

base::Result<UiLine> parse_teardown(std::string_view line) {
  // ui.c: "t main %200s", then "t quick %200s", then "t %200s" (phase 2 by default).
  std::string name;
  int phase = 2;
  ScanResult r = scan(line, "t main %200s", {&name});
  if (r.assigned == 1) {
    phase = 1;
  } else {
    r = scan(line, "t quick %200s", {&name});
    if (r.assigned != 1) r = scan(line, "t %200s", {&name});
  }
  if (r.truncated_field == 0) return truncated("t", "connection name or address");
  if (r.assigned != 1) return bad("t: expected \"t [main|quick] <connection-or-address>\"");
  return engine::UiTeardown{phase, name};
}

bool parse_hex_exact(std::string_view s, std::size_t bytes, uint8_t* out) {
  if (s.size() != bytes * 2) return false;
  for (char c : s) {
    if (std::strchr("0123456789abcdefABCDEF", c) == nullptr || c == '\0') return false;
  }
  auto raw = base::from_hex(s);
  if (!raw || raw->size() != bytes) return false;
  std::memcpy(out, raw->data(), bytes);
  return true;
}

base::Result<UiLine> parse_delete(std::string_view line) {
  std::string cookies, msgid;
  auto r = scan(line, "d %32s %8s", {&cookies, &msgid});
  if (r.truncated_field == 0) return bad("d: cookies longer than 32 hex digits");
  if (r.assigned != 2) return bad("d: expected \"d <32 hex digits of cookies> <8 hex msgid|->\"");
  engine::UiDeleteSa del;
  uint8_t ck[16];
  if (!parse_hex_exact(cookies, 16, ck)) {
    return bad("d: cookies \"{}\" are not 32 hex digits", base::sanitize_for_log(cookies, 40));
  }
  if (r.truncated_field == 1) return bad("d: message id longer than 8 hex digits");
  std::memcpy(del.cookies.initiator.bytes.data(), ck, 8);
  std::memcpy(del.cookies.responder.bytes.data(), ck + 8, 8);
  if (msgid != "-") {
    uint8_t mid[4];
    if (!parse_hex_exact(msgid, 4, mid)) {
      return bad("d: message id \"{}\" is neither 8 hex digits nor -",
                 base::sanitize_for_log(msgid, 16));
    }
    del.message_id = base::MessageId{(uint32_t{mid[0]} << 24) | (uint32_t{mid[1]} << 16) |
                                     (uint32_t{mid[2]} << 8) | uint32_t{mid[3]}};
  }
  return del;
}

base::Result<UiLine> check_level(int cls, int level, bool range_error) {
  if (range_error || level < 0 || level > base::kLogMaxLevel) {
    return bad("D: invalid debug level (expected 0-{})", base::kLogMaxLevel);
  }
  return UiDebugLevel{cls, level};
}

base::Result<UiLine> parse_debug(std::string_view line) {
  int cls = 0, level = 0;
  std::string sub;
  auto r = scan(line, "D %d %d", {&cls, &level});
  if (r.assigned == 2) {
    if (r.range_error || cls < 0 || cls >= base::kLogClassCount) {
      return bad("D: invalid debug class (expected 0-{} or A)", base::kLogClassCount - 1);
    }
    return check_level(cls, level, r.range_error);
  }
  r = scan(line, "D %2s %d", {&sub, &level});
  if (r.assigned == 2) {
    if (!iequals(sub, "A")) {
      return bad("D: invalid debug class \"{}\" (expected 0-{} or A)",
                 base::sanitize_for_log(sub, 8), base::kLogClassCount - 1);
    }
    return check_level(-1, level, r.range_error);
  }
  if (scan(line, "D %2s", {&sub}).assigned == 1 && iequals(sub, "T")) return UiDebugToggle{};
  return bad("D: expected \"D <class> <level>\", \"D A <level>\" or \"D T\"");
}

base::Result<UiLine> parse_mode(std::string_view line) {
  std::string arg;
  if (scan(line, "M %10s", {&arg}).assigned == 1) {
    if (arg.compare(0, 6, "active") == 0) return UiSetMode{false};
    if (arg.compare(0, 7, "passive") == 0) return UiSetMode{true};
  }
  return bad("M: expected \"M active\" or \"M passive\"");
}

base::Result<UiLine> parse_packetlog(std::string_view line) {
  std::string sub;
  auto r = scan(line, "p %200s", {&sub});
  if (r.truncated_field == 0) return truncated("p", "argument");
  if (r.assigned == 1) {
    if (sub.size() > 3 && ::strncasecmp(sub.c_str(), "on=", 3) == 0) {
      return UiPacketLog{true, sub.substr(3)};
    }
    if (iequals(sub, "on")) return UiPacketLog{true, std::nullopt};
    if (iequals(sub, "off")) return UiPacketLog{false, std::nullopt};
  }
  return bad("p: expected \"p on\", \"p on=<file>\" or \"p off\"");
}

}  // namespace

base::Result<UiLine> parse_ui_line(std::string_view line) {
  if (line.find('\0') != std::string_view::npos) return bad("line contains a NUL byte");
  if (line.empty() || is_blank(line)) return UiEmpty{};
  switch (line[0]) {
    case 'c': return parse_connect(line);
    case 'C': return parse_config(line);
    case 'd': return parse_delete(line);
    case 'D': return parse_debug(line);
    case 'M': return parse_mode(line);
    case 'p': return parse_packetlog(line);
    case 'Q':
      if (line.size() != 1) return bad("Q: takes no arguments (the line must be exactly \"Q\")");
      return UiShutdown{};
    case 'R': return UiReinit{};
    case 'S': return UiStatus{};
    case 'r': return UiReport{};
    case 't': return parse_teardown(line);
    case 'T': return engine::UiTeardownAll{};
    default:
      return bad("unrecognized command '{}'",
                 base::sanitize_for_log(std::string_view(line.data(), 1), 8));
  }
}

// ------------------------------------------------------------------------------ LineReader

void LineReader::feed(std::string_view bytes, std::vector<Event>& out) {
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    std::string_view chunk = bytes.substr(0, nl);
    if (m_discarding) {
      if (nl == std::string_view::npos) return;
      m_discarding = false;
      bytes.remove_prefix(nl + 1);
      continue;
    }
    if (m_buf.size() + chunk.size() > m_max) {
      std::string head = m_buf;
      head.append(chunk.substr(0, chunk.size() < 64 ? chunk.size() : 64));
      head.resize(head.size() < 64 ? head.size() : 64);
      out.push_back({Event::Kind::Overlong, std::move(head)});
      m_buf.clear();
      if (nl == std::string_view::npos) {
        m_discarding = true;
        return;
      }
      bytes.remove_prefix(nl + 1);
      continue;
    }
    m_buf.append(chunk);
    if (nl == std::string_view::npos) return;
    out.push_back({Event::Kind::Line, std::move(m_buf)});
    m_buf.clear();
    bytes.remove_prefix(nl + 1);
  }
}

std::optional<LineReader::Event> LineReader::finish() {
  bool had = !m_buf.empty() && !m_discarding;
  m_discarding = false;
  if (!had) {
    m_buf.clear();
    return std::nullopt;
  }
  Event e{Event::Kind::Line, std::move(m_buf)};
  m_buf.clear();
  return e;
}

// ------------------------------------------------------------------------------ FifoChannel

base::Result<FifoChannel> FifoChannel::open(const std::string& path) {
  if (path == "-") {
    int fl = ::fcntl(STDIN_FILENO, F_GETFL);
    if (fl < 0 || ::fcntl(STDIN_FILENO, F_SETFL, fl | O_NONBLOCK) < 0) {
      return make_error(ErrorCode::Io, NotifyType::None,
                        "FIFO: cannot make standard input non-blocking: {}", std::strerror(errno));
    }
    FifoChannel ch(STDIN_FILENO, path, false);
    ch.m_stdin_flags = fl;  // the description may be shared with a shell: restore it later
    return ch;
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISFIFO(st.st_mode)) {
      return make_error(ErrorCode::Io, NotifyType::None,
                        "FIFO: refusing to replace {}: it exists and is not a FIFO", path);
    }
    if (::unlink(path.c_str()) != 0) {
      return make_error(ErrorCode::Io, NotifyType::None, "FIFO: cannot remove stale FIFO {}: {}",
                        path, std::strerror(errno));
    }
    IKE_LOG_DEBUG(Ui, 10, "FIFO: removed stale FIFO {}", path);
  } else if (errno != ENOENT) {
    return make_error(ErrorCode::Io, NotifyType::None, "FIFO: lstat({}): {}", path,
                      std::strerror(errno));
  }
  if (::mkfifo(path.c_str(), 0600) != 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "FIFO: mkfifo({}, 0600): {}", path,
                      std::strerror(errno));
  }
  int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    int err = errno;
    ::unlink(path.c_str());
    return make_error(ErrorCode::Io, NotifyType::None, "FIFO: open({}): {}", path,
                      std::strerror(err));
  }
  // Whatever the umask and even if someone swapped the node: a FIFO with mode 0600.
  if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode) || ::fchmod(fd, 0600) != 0) {
    ::close(fd);
    return make_error(ErrorCode::Io, NotifyType::None, "FIFO: {} is not a FIFO after creation",
                      path);
  }
  return FifoChannel(fd, path, true);
}

FifoChannel::FifoChannel(FifoChannel&& o) noexcept
    : m_fd(o.m_fd), m_stdin_flags(o.m_stdin_flags), m_path(std::move(o.m_path)),
      m_owned_path(o.m_owned_path), m_eof(o.m_eof), m_reader(std::move(o.m_reader)) {
  o.m_fd = -1;
  o.m_stdin_flags = -1;
  o.m_owned_path = false;
}

FifoChannel& FifoChannel::operator=(FifoChannel&& o) noexcept {
  if (this != &o) {
    close_and_remove();
    m_fd = o.m_fd;
    m_stdin_flags = o.m_stdin_flags;
    m_path = std::move(o.m_path);
    m_owned_path = o.m_owned_path;
    m_eof = o.m_eof;
    m_reader = std::move(o.m_reader);
    o.m_fd = -1;
    o.m_stdin_flags = -1;
    o.m_owned_path = false;
  }
  return *this;
}

FifoChannel::~FifoChannel() { close_and_remove(); }

void FifoChannel::close_and_remove() {
  if (m_fd >= 0 && m_owned_path) ::close(m_fd);
  if (m_fd == STDIN_FILENO && !m_owned_path && m_stdin_flags >= 0) {
    ::fcntl(STDIN_FILENO, F_SETFL, m_stdin_flags);
    m_stdin_flags = -1;
  }
  m_fd = -1;
  if (m_owned_path) {
    ::unlink(m_path.c_str());
    m_owned_path = false;
  }
}

base::Status FifoChannel::read_available(std::vector<LineReader::Event>& out) {
  constexpr std::size_t kMaxPerCall = 256 * 1024;
  char buf[4096];
  std::size_t total = 0;
  while (m_fd >= 0 && !m_eof && total < kMaxPerCall) {
    ssize_t n = ::read(m_fd, buf, sizeof buf);
    if (n > 0) {
      total += static_cast<std::size_t>(n);
      m_reader.feed(std::string_view(buf, static_cast<std::size_t>(n)), out);
      continue;
    }
    if (n == 0) {
      m_eof = true;
      if (auto last = m_reader.finish()) out.push_back(std::move(*last));
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return make_error(ErrorCode::Io, NotifyType::None, "FIFO: read({}): {}", m_path,
                      std::strerror(errno));
  }
  return base::ok();
}

}  // namespace ike::daemon
