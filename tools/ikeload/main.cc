// ikeload(1): IKEv1 load generator (Main Mode + Quick Mode initiators) for isakmpd, strongSwan
// and libreswan responders. Parses the options, runs the load (runner.h), prints the report as
// a table or JSON. Exit status: 0 when every handshake succeeded, 1 when some failed, 2 on a
// usage or set-up error.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "options.h"
#include "report.h"
#include "runner.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      fmt::print("{}", ike::ikeload::help_text());
      return 0;
    }
  }
  auto opts = ike::ikeload::parse_options(args);
  if (!opts) {
    fmt::print(stderr, "ikeload: {}\n{}", opts.error().detail, ike::ikeload::help_text());
    return 2;
  }
  auto report = ike::ikeload::run_load(*opts);
  if (!report) {
    fmt::print(stderr, "ikeload: {}\n", report.error().detail);
    return 2;
  }
  fmt::print("{}", opts->json ? ike::ikeload::format_json(*report)
                              : ike::ikeload::format_table(*report));
  return report->failed == 0 ? 0 : 1;
}
