// FIFO command execution (see ui_commands.h). Each C command is one transaction
// (conf_begin / conf_set... / conf_end in isakmpd); duplicate tags of `C set` without force are
// ignored and logged like conf_set_now does.
#include "daemon/ui_commands.h"

#include <strings.h>

#include <type_traits>

#include "base/log.h"
#include "daemon/result_file.h"

namespace ike::daemon {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_secret_tag(std::string_view tag) {
  std::string t = lower(tag);
  for (std::string_view word : {"authentication", "key", "secret", "passw", "psk"}) {
    if (t.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string quote(std::string_view raw) { return loggable_ui_line(raw); }

void write_result(UiHost& host, std::string_view content, std::string_view what) {
  if (auto st = write_file_atomic(host.result_file(), content); !st) {
    IKE_LOG_ERROR("ui: {}: cannot write the result file: {}", what, st.error().detail);
  }
}

// Runs one transaction; returns false (and logs) when the commit failed.
template <class Fn>
bool run_transaction(conf::ConfDb& db, std::string_view raw, Fn&& fn) {
  conf::TxId tx = db.begin();
  fn(tx);
  auto res = db.commit(tx);
  if (!res) {
    IKE_LOG_ERROR("ui: command \"{}\" failed: {}", quote(raw), res.error().detail);
    return false;
  }
  for (const auto& line : *res) IKE_LOG_WARN("ui: {}", line);
  return true;
}

void log_level_change(int cls, int level) {
  auto& log = base::Logger::instance();
  if (cls < 0) {
    log.set_all_levels(level);
    IKE_LOG_INFO("ui: log level set to {} for all classes", level);
    return;
  }
  auto c = static_cast<base::LogClass>(cls);
  int old = log.level(c);
  log.set_level(c, level);
  IKE_LOG_INFO("ui: log level changed from {} to {} for class {}", old, level, cls);
}

}  // namespace

std::string loggable_ui_line(std::string_view line) {
  if (!line.empty() && line[0] == 'C') {
    auto colon = line.find("]:");
    auto eq = colon == std::string_view::npos ? colon : line.find('=', colon + 2);
    if (eq != std::string_view::npos && is_secret_tag(line.substr(colon + 2, eq - colon - 2))) {
      return base::sanitize_for_log(line.substr(0, eq + 1), 200) + "<redacted>";
    }
  }
  return base::sanitize_for_log(line, 200);
}

bool is_connection_list(std::string_view section, std::string_view tag) {
  return iequals(section, "Phase 2") &&
         (iequals(tag, "Connections") || iequals(tag, "Passive-connections"));
}

void execute_ui_line(const UiLine& line, std::string_view raw, UiHost& host) {
  std::visit(
      [&](const auto& cmd) {
        using T = std::decay_t<decltype(cmd)>;
        conf::ConfDb& db = host.conf();
        if constexpr (std::is_same_v<T, UiEmpty>) {
          IKE_LOG_DEBUG(Ui, 50, "ui: empty line ignored");
        } else if constexpr (std::is_same_v<T, engine::UiConnect> ||
                             std::is_same_v<T, engine::UiTeardown> ||
                             std::is_same_v<T, engine::UiTeardownAll> ||
                             std::is_same_v<T, engine::UiDeleteSa>) {
          host.ui_engine(engine::UiCommand{cmd});
        } else if constexpr (std::is_same_v<T, UiConfSet>) {
          if (run_transaction(db, raw, [&](conf::TxId tx) {
                db.set(tx, cmd.section, cmd.tag, cmd.value, cmd.force);
              }) &&
              is_connection_list(cmd.section, cmd.tag)) {
            host.ui_connections_changed();
          }
        } else if constexpr (std::is_same_v<T, UiConfAdd>) {
          if (run_transaction(db, raw, [&](conf::TxId tx) {
                db.add_to_list(tx, cmd.section, cmd.tag, cmd.value);
              }) &&
              is_connection_list(cmd.section, cmd.tag)) {
            host.ui_connections_changed();
          }
        } else if constexpr (std::is_same_v<T, UiConfRemoveValue>) {
          if (run_transaction(db, raw, [&](conf::TxId tx) {
                db.remove_from_list(tx, cmd.section, cmd.tag, cmd.value);
              }) &&
              is_connection_list(cmd.section, cmd.tag)) {
            host.ui_connections_changed();
          }
        } else if constexpr (std::is_same_v<T, UiConfRemoveTag>) {
          if (run_transaction(db, raw,
                              [&](conf::TxId tx) { db.remove(tx, cmd.section, cmd.tag); }) &&
              is_connection_list(cmd.section, cmd.tag)) {
            host.ui_connections_changed();
          }
        } else if constexpr (std::is_same_v<T, UiConfRemoveSection>) {
          if (run_transaction(db, raw,
                              [&](conf::TxId tx) { db.remove_section(tx, cmd.section); }) &&
              iequals(cmd.section, "Phase 2")) {
            host.ui_connections_changed();
          }
        } else if constexpr (std::is_same_v<T, UiConfGet>) {
          auto v = db.get(cmd.section, cmd.tag);
          write_result(host, v ? *v + "\n" : std::string(), "C get");
        } else if constexpr (std::is_same_v<T, UiDebugLevel>) {
          log_level_change(cmd.cls, cmd.level);
        } else if constexpr (std::is_same_v<T, UiDebugToggle>) {
          base::Logger::instance().toggle();
          IKE_LOG_INFO("ui: debug levels toggled");
        } else if constexpr (std::is_same_v<T, UiSetMode>) {
          host.ui_set_passive(cmd.passive);
        } else if constexpr (std::is_same_v<T, UiPacketLog>) {
          host.ui_packet_log(cmd.on, cmd.file);
        } else if constexpr (std::is_same_v<T, UiShutdown>) {
          IKE_LOG_INFO("ui: received shutdown command");
          host.ui_shutdown();
        } else if constexpr (std::is_same_v<T, UiReinit>) {
          host.ui_reinit();
        } else if constexpr (std::is_same_v<T, UiReport>) {
          host.ui_report();
        } else if constexpr (std::is_same_v<T, UiStatus>) {
          write_result(host, host.ui_status(), "S");
        } else {
          static_assert(!sizeof(T*), "unhandled FIFO command");
        }
      },
      line);
}

void handle_ui_line(std::string_view line, UiHost& host) {
  auto parsed = parse_ui_line(line);
  if (!parsed) {
    IKE_LOG_WARN("ui: command \"{}\" malformed: {}", quote(line), parsed.error().detail);
    return;
  }
  IKE_LOG_DEBUG(Ui, 30, "ui: \"{}\"", quote(line));
  execute_ui_line(*parsed, line, host);
}

void handle_ui_event(const LineReader::Event& event, UiHost& host) {
  if (event.kind == LineReader::Event::Kind::Overlong) {
    IKE_LOG_WARN("ui: line longer than {} bytes discarded (starts \"{}\")", kUiLineMax,
                 quote(event.text));
    return;
  }
  handle_ui_line(event.text, host);
}

}  // namespace ike::daemon
