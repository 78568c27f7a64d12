// ikeload results: setup latencies (percentiles), failures by bounded reason ("timeout",
// "notify NO_PROPOSAL_CHOSEN", "failed: <category>"), and CPU time of the responder read from
// /proc/<pid>/stat (utime + stime of every --responder-pid and of its children, i.e. both
// processes of a privilege-separated daemon) and of the generator itself (getrusage). Formats
// one run as a text table or as one JSON object (field names in ikeload(1)).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ike::ikeload {

// Nearest-rank percentile (q in 0..100) of an ascending vector; 0 when empty.
double percentile(const std::vector<double>& sorted, double q);

// A bounded failure label for an engine ExchangeFailed detail: "notify <NAME>" when the peer
// sent an error notify ("peer 10.0.0.2:500 sent NO_PROPOSAL_CHOSEN"), else "failed: " + the
// text up to the first ':' or '(' (at most 48 characters).
std::string failure_reason(std::string_view detail);

// CPU time of `pid` in seconds: the nanosecond run time of each of its threads
// (/proc/<pid>/task/<tid>/schedstat, first field), else utime + stime from /proc/<pid>/stat
// (clock ticks: 10 ms, 8 % of the CPU of 1000 ECP256 handshakes); nullopt if unreadable.
std::optional<double> process_cpu_seconds(int pid);
// The same from /proc/<pid>/stat only (utime + stime, clock ticks).
std::optional<double> process_cpu_seconds_from_stat(int pid);
// `pids` plus their children (/proc/<pid>/task/<pid>/children), deduplicated.
std::vector<int> with_children(const std::vector<int>& pids);
// Sum over `pids` (unreadable ones count 0).
double total_cpu_seconds(const std::vector<int>& pids);

struct Report {
  std::string description;        // "MM PSK MODP2048 + QM (no PFS), closed loop 8"
  uint64_t started = 0, succeeded = 0, failed = 0;
  double wall_s = 0;
  std::vector<double> latencies_ms;  // of the successful handshakes (sorted by finish())
  std::map<std::string, uint64_t> failures;
  std::vector<int> responder_pids;   // what was measured (with children)
  std::optional<double> responder_cpu_s;
  double generator_cpu_s = 0;

  void finish();  // sorts latencies
  double handshakes_per_s() const { return wall_s > 0 ? static_cast<double>(succeeded) / wall_s : 0; }
  std::optional<double> responder_cpu_ms_per_handshake() const;
  double generator_cpu_ms_per_handshake() const;
};

std::string format_table(const Report& r);
std::string format_json(const Report& r);

}  // namespace ike::ikeload
