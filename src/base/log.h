// isakmpd-compatible logging: debug classes 0-10 (Misc Trpt Mesg Cryp Timr Sdep SA Exch Negt
// Plcy UI) with levels 0-99, a message printing when its level <= the class level and the class
// level is non-zero (isakmpd log.c semantics). Lines are formatted as
// "HHMMSS.uuuuuu <Class> <lvl> <msg>" on stderr, or sent to syslog (ident isakmpd, DAEMON).
// A separate "keys" switch gates key material (never logged otherwise).
#pragma once

#include <fmt/core.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ike::base {

enum class LogClass : uint8_t {
  Misc = 0,
  Transport = 1,
  Message = 2,
  Crypto = 3,
  Timer = 4,
  Sysdep = 5,
  Sa = 6,
  Exchange = 7,
  Negotiation = 8,
  Policy = 9,
  Ui = 10,
};
inline constexpr int kLogClassCount = 11;
inline constexpr int kLogMaxLevel = 99;

enum class LogSeverity : uint8_t { Debug, Info, Warning, Error, Report };

// The four-character class tag isakmpd prints ("Misc", "Trpt", ..., "UI  ").
std::string_view log_class_tag(LogClass c) noexcept;
// Parses a class name or number ("5", "Sysdep", "A" for all) -> class index, -1 for all.
std::optional<int> parse_log_class(std::string_view s) noexcept;

struct LogRecord {
  LogSeverity severity;
  std::optional<LogClass> cls;  // set for debug lines
  int level;
  std::string_view text;
};

using LogSink = std::function<void(const LogRecord&)>;

class Logger {
 public:
  static Logger& instance();

  void set_level(LogClass c, int level) noexcept;
  void set_all_levels(int level) noexcept;
  int level(LogClass c) const noexcept { return m_levels[static_cast<std::size_t>(c)]; }
  // `D T`: toggle all classes to 0 and back to the saved levels.
  void toggle() noexcept;
  bool enabled(LogClass c, int lvl) const noexcept {
    int cur = m_levels[static_cast<std::size_t>(c)];
    return cur != 0 && lvl <= cur;
  }
  void set_sink(LogSink sink) { m_sink = std::move(sink); }
  void set_verbose(bool v) noexcept { m_verbose = v; }
  bool verbose() const noexcept { return m_verbose; }
  void set_log_keys(bool v) noexcept { m_log_keys = v; }
  bool log_keys() const noexcept { return m_log_keys; }

  void write(const LogRecord& r) const;

 private:
  Logger();
  std::array<int, kLogClassCount> m_levels{};
  std::array<int, kLogClassCount> m_saved{};
  bool m_toggled = false;
  bool m_verbose = false;
  bool m_log_keys = false;
  LogSink m_sink;
};

// Built-in sinks. stderr_sink formats "HHMMSS.uuuuuu Class lvl msg" like isakmpd -d.
LogSink stderr_sink();
LogSink syslog_sink();  // openlog("isakmpd", LOG_PID, LOG_DAEMON) on first use
LogSink null_sink();

// Escapes non-printable bytes of peer-controlled strings before they reach logs (\xNN) and
// truncates to `max` characters.
std::string sanitize_for_log(std::string_view s, std::size_t max = 200);

void log_line(LogSeverity sev, std::optional<LogClass> cls, int level, std::string_view text);

}  // namespace ike::base

#define IKE_LOG_DEBUG(cls, lvl, ...)                                                   \
  do {                                                                                 \
    if (::ike::base::Logger::instance().enabled(::ike::base::LogClass::cls, (lvl))) {  \
      ::ike::base::log_line(::ike::base::LogSeverity::Debug, ::ike::base::LogClass::cls, \
                            (lvl), ::fmt::format(__VA_ARGS__));                        \
    }                                                                                  \
  } while (0)
#define IKE_LOG_INFO(...) \
  ::ike::base::log_line(::ike::base::LogSeverity::Info, std::nullopt, 0, ::fmt::format(__VA_ARGS__))
#define IKE_LOG_WARN(...)                                                             \
  ::ike::base::log_line(::ike::base::LogSeverity::Warning, std::nullopt, 0,           \
                        ::fmt::format(__VA_ARGS__))
#define IKE_LOG_ERROR(...) \
  ::ike::base::log_line(::ike::base::LogSeverity::Error, std::nullopt, 0, ::fmt::format(__VA_ARGS__))
#define IKE_LOG_REPORT(...)                                                           \
  ::ike::base::log_line(::ike::base::LogSeverity::Report, std::nullopt, 0,            \
                        ::fmt::format(__VA_ARGS__))
