// libFuzzer target for the ipsec.conf(5) parser of ipsecctl (tools/ipsecctl): lexes, parses,
// expands and prints arbitrary text with every printing mode (-nv, -nvv -k, -d), with a file
// loader that refuses every path (no file system access while fuzzing; `include` and key files
// take their error paths). Invariants: the parser always ends in one of its three states, the
// rule list is empty unless parsing succeeded, every generated isakmpd FIFO line is one line
// starting with "C " or "t ", and every printed rule ends with a newline.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>

#include "ike_config.h"
#include "parser.h"

namespace {

using namespace ike::ipsecctl;

void require(bool ok) {
  if (!ok) std::abort();
}

void run_once(const std::string& text, bool verbose2, bool keys, bool del) {
  ParseOptions opts;
  opts.verbose = true;
  opts.verbose2 = verbose2;
  opts.print.verbose2 = verbose2;
  opts.print.show_keys = keys;
  opts.print.del = del;
  opts.print.hostname = "fuzz.example";
  FileLoader loader = [](const std::string& path, bool) -> ike::base::Result<std::string> {
    return ike::base::make_error(ike::base::ErrorCode::Io, ike::base::NotifyType::None,
                                 "{}: refused while fuzzing", path);
  };
  std::ostringstream out;
  std::ostringstream err;
  std::map<std::string, std::string> macros{{"fuzz", "1.2.3.4"}};
  ParseOutcome r = parse_rules("fuzz", text, macros, opts, loader, out, err);
  require(r.status == ParseStatus::Ok || r.status == ParseStatus::Errors ||
          r.status == ParseStatus::Fatal);
  // (Some refusals are silent, as in OpenBSD: a malformed SPI is a bare YYERROR.)
  if (r.status == ParseStatus::Fatal) require(!err.str().empty());
  const std::string printed = out.str();
  require(printed.empty() || printed.back() == '\n');
  for (const Rule& rule : r.rules) {
    if (rule.type != RuleType::Ike) continue;
    auto lines = ike_config_lines(rule, del ? IkeAction::Delete : IkeAction::Add, "fuzz.example");
    if (!lines) continue;
    for (const auto& l : *lines) {
      require(l.find('\n') == std::string::npos);
      require(l.rfind("C ", 0) == 0 || l.rfind("t ", 0) == 0);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  run_once(text, false, false, false);
  if (size > 0 && (data[0] & 8) != 0) {
    run_once(text, (data[0] & 1) != 0, (data[0] & 2) != 0, (data[0] & 4) != 0);
  }
  return 0;
}
