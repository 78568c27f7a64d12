// Logger state and the stderr/syslog sinks (see log.h).
#include "base/log.h"

#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <ctime>

namespace ike::base {

namespace {
constexpr std::array<std::string_view, kLogClassCount> kTags = {
    "Misc", "Trpt", "Mesg", "Cryp", "Timr", "Sdep", "SA  ", "Exch", "Negt", "Plcy", "UI  "};
constexpr std::array<std::string_view, kLogClassCount> kNames = {
    "misc", "transport", "message", "crypto", "timer", "sysdep",
    "sa",   "exchange",  "negotiation", "policy", "ui"};
}  // namespace

std::string_view log_class_tag(LogClass c) noexcept { return kTags[static_cast<std::size_t>(c)]; }

std::optional<int> parse_log_class(std::string_view s) noexcept {
  if (s == "A" || s == "a") {
    return -1;
  }
  if (!s.empty() && s.size() <= 2 && std::isdigit(static_cast<unsigned char>(s[0])) != 0) {
    int v = 0;
    for (char ch : s) {
      if (std::isdigit(static_cast<unsigned char>(ch)) == 0) return std::nullopt;
      v = v * 10 + (ch - '0');
    }
    if (v < kLogClassCount) return v;
    return std::nullopt;
  }
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    std::string_view tag = kTags[i];
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    auto eq = [](std::string_view a, std::string_view b) {
      if (a.size() != b.size()) return false;
      for (std::size_t k = 0; k < a.size(); ++k) {
        if (std::tolower(static_cast<unsigned char>(a[k])) !=
            std::tolower(static_cast<unsigned char>(b[k])))
          return false;
      }
      return true;
    };
    if (eq(s, kNames[i]) || eq(s, tag)) return static_cast<int>(i);
  }
  return std::nullopt;
}

Logger::Logger() : m_sink(stderr_sink()) {}

Logger& Logger::instance() {
  static Logger logger;
  return logger;
}

void Logger::set_level(LogClass c, int level) noexcept {
  if (level < 0) level = 0;
  if (level > kLogMaxLevel) level = kLogMaxLevel;
  m_levels[static_cast<std::size_t>(c)] = level;
}

void Logger::set_all_levels(int level) noexcept {
  for (int i = 0; i < kLogClassCount; ++i) set_level(static_cast<LogClass>(i), level);
}

void Logger::toggle() noexcept {
  if (!m_toggled) {
    m_saved = m_levels;
    m_levels.fill(0);
  } else {
    m_levels = m_saved;
  }
  m_toggled = !m_toggled;
}

void Logger::write(const LogRecord& r) const {
  if (m_sink) m_sink(r);
}

void log_line(LogSeverity sev, std::optional<LogClass> cls, int level, std::string_view text) {
  Logger::instance().write(LogRecord{sev, cls, level, text});
}

std::string sanitize_for_log(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\') {
      out.push_back(c);
    } else {
      out += fmt::format("\\x{:02x}", u);
    }
  }
  return out;
}

static std::string prefix_for(const LogRecord& r) {
  if (r.cls) return fmt::format("{} {:2}", log_class_tag(*r.cls), r.level);
  switch (r.severity) {
    case LogSeverity::Report: return "Report>";
    case LogSeverity::Error: return "Error";
    case LogSeverity::Warning: return "Warning";
    default: return "Default";
  }
}

LogSink stderr_sink() {
  return [](const LogRecord& r) {
    struct timeval tv {};
    ::gettimeofday(&tv, nullptr);
    struct tm tm {};
    ::localtime_r(&tv.tv_sec, &tm);
    std::string line = fmt::format("{:02}{:02}{:02}.{:06} {} {}\n", tm.tm_hour, tm.tm_min,
                                   tm.tm_sec, tv.tv_usec, prefix_for(r), r.text);
    (void)!::write(STDERR_FILENO, line.data(), line.size());
  };
}

LogSink syslog_sink() {
  ::openlog("isakmpd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
  return [](const LogRecord& r) {
    int prio = LOG_DEBUG;
    switch (r.severity) {
      case LogSeverity::Debug: prio = LOG_DEBUG; break;
      case LogSeverity::Info: prio = LOG_NOTICE; break;
      case LogSeverity::Warning: prio = LOG_WARNING; break;
      case LogSeverity::Error: prio = LOG_ERR; break;
      case LogSeverity::Report: prio = LOG_ALERT; break;
    }
    std::string line = fmt::format("{} {}", prefix_for(r), r.text);
    ::syslog(prio, "%s", line.c_str());
  };
}

LogSink null_sink() {
  return [](const LogRecord&) {};
}

}  // namespace ike::base
