// Fuzz target: FIFO bytes -> LineReader -> parse_ui_line -> execute_ui_line against a ConfDb
// (with the built-in defaults) and a recording host, so every `C` value, section and tag the
// parser lets through reaches the configuration transactions. Invariants (trap on violation):
//  * a line the parser rejects changes neither the configuration nor the host;
//  * after an accepted `C set [s]:t=v force`, `C get [s]:t` reads back v (the transaction was
//    committed) unless the section or tag is empty;
//  * nothing reaches the engine side except through the host interface.
// The result file goes to a private temporary directory created once per process and removed
// at exit.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "conf/defaults.h"
#include "daemon/fifo_ui.h"
#include "daemon/ui_commands.h"

namespace {

using namespace ike::daemon;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

class Host final : public UiHost {
 public:
  explicit Host(std::string result) : m_result(std::move(result)) {}
  ike::conf::ConfDb& conf() override { return db; }
  const std::string& result_file() const override { return m_result; }
  void ui_engine(const ike::engine::UiCommand&) override { ++calls; }
  void ui_connections_changed() override { ++calls; }
  void ui_reinit() override { ++calls; }
  void ui_shutdown() override { ++calls; }
  void ui_report() override { ++calls; }
  std::string ui_status() override {
    ++calls;
    return {};
  }
  void ui_set_passive(bool) override { ++calls; }
  void ui_packet_log(bool, const std::optional<std::string>&) override { ++calls; }

  ike::conf::ConfDb db;
  int calls = 0;

 private:
  std::string m_result;
};

// The private directory and its result file; both are removed when the process exits.
struct ResultDir {
  ResultDir() {
    char tmpl[] = "/tmp/fuzz_ui_exec.XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) dir = tmpl;
    file = (dir.empty() ? std::string("/tmp") : dir) + "/fuzz_ui_exec.result";
  }
  ~ResultDir() {
    ::unlink(file.c_str());
    if (!dir.empty()) ::rmdir(dir.c_str());
  }
  ResultDir(const ResultDir&) = delete;
  ResultDir& operator=(const ResultDir&) = delete;
  std::string dir;
  std::string file;
};

const std::string& result_path() {
  static const ResultDir result;
  return result.file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool quiet = [] {
    ike::base::Logger::instance().set_sink([](const ike::base::LogRecord&) {});
    return true;
  }();
  (void)quiet;
  Host host(result_path());
  ike::conf::load_defaults(host.db);
  LineReader reader(512);
  std::vector<LineReader::Event> events;
  reader.feed(std::string_view(reinterpret_cast<const char*>(data), size), events);
  if (auto last = reader.finish()) events.push_back(*last);
  for (const auto& ev : events) {
    if (ev.kind != LineReader::Event::Kind::Line) {
      handle_ui_event(ev, host);
      continue;
    }
    auto parsed = parse_ui_line(ev.text);
    std::string before = host.db.dump_non_default();
    int calls = host.calls;
    if (!parsed) {
      handle_ui_line(ev.text, host);
      check(host.db.dump_non_default() == before);
      check(host.calls == calls);
      continue;
    }
    execute_ui_line(*parsed, ev.text, host);
    if (const auto* set = std::get_if<UiConfSet>(&*parsed)) {
      if (set->force && !set->section.empty() && !set->tag.empty()) {
        auto v = host.db.get(set->section, set->tag);
        check(v.has_value() && *v == set->value);
      }
    }
  }
  return 0;
}
