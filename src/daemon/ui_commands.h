// Executing FIFO commands (isakmpd ui.c semantics, isakmpd-features.md §1.15). Configuration
// commands run here, each line as its own ConfDb transaction; debug commands change the
// Logger; the result file (`C get`, `S`) is written here; everything that needs the engine,
// the reload logic or shutdown goes through the UiHost interface the daemon implements, so
// this file is unit-tested with a fake host and no engine.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "conf/conf_db.h"
#include "daemon/fifo_ui.h"
#include "engine/io.h"

namespace ike::daemon {

class UiHost {
 public:
  virtual ~UiHost() = default;
  virtual conf::ConfDb& conf() = 0;
  virtual const std::string& result_file() const = 0;
  // c, t, T, d.
  virtual void ui_engine(const engine::UiCommand& cmd) = 0;
  // A C command changed [Phase 2]:Connections or Passive-connections.
  virtual void ui_connections_changed() = 0;
  virtual void ui_reinit() = 0;                 // R (same as SIGHUP)
  virtual void ui_shutdown() = 0;               // Q (same as SIGTERM)
  virtual void ui_report() = 0;                 // r: report via the log channel
  virtual std::string ui_status() = 0;          // S: the result file content
  virtual void ui_set_passive(bool passive) = 0;  // M
  // p on[=file] / p off: start (restart with a new file) or stop the IKE packet capture.
  virtual void ui_packet_log(bool on, const std::optional<std::string>& file) {
    (void)on;
    (void)file;
  }
};

// Parses and executes one FIFO line. Malformed lines are logged with their sanitized content
// and the reason, and change nothing.
void handle_ui_line(std::string_view line, UiHost& host);
// A reader event: a line, or an overlong line that is only logged.
void handle_ui_event(const LineReader::Event& event, UiHost& host);
// Executes an already parsed line (`raw` only for logs).
void execute_ui_line(const UiLine& line, std::string_view raw, UiHost& host);

// The line as it may be logged (CONTRIBUTING rule 4: secrets are never logged): sanitized,
// and for `C` lines whose tag names a secret (Authentication, *key*, *secret*, *passw*, *psk*)
// everything after the '=' replaced by "<redacted>".
std::string loggable_ui_line(std::string_view line);

// [Phase 2]:Connections / Passive-connections (case-insensitive), whose change re-inits the
// connections.
bool is_connection_list(std::string_view section, std::string_view tag);

}  // namespace ike::daemon
