// ikeload result accounting and output (see report.h).
#include "report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace ike::ikeload {

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least q % of the samples at or below it.
  auto rank = static_cast<std::size_t>(std::ceil(q / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::string failure_reason(std::string_view detail) {
  auto sent = detail.find(" sent ");
  if (sent != std::string_view::npos) {
    std::string_view name = detail.substr(sent + 6);
    auto end = name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
    name = name.substr(0, end);
    if (!name.empty()) return "notify " + std::string(name);
  }
  auto cut = detail.find_first_of(":(");
  std::string_view head = detail.substr(0, std::min<std::size_t>(cut, 48));
  while (!head.empty() && head.back() == ' ') head.remove_suffix(1);
  return "failed: " + std::string(head.empty() ? "unknown" : head);
}

std::optional<double> process_cpu_seconds(int pid) {
  // schedstat: "run time on the CPU (ns), wait time (ns), timeslices"; a thread group's total
  // is its threads' sum (the threads of the daemons measured live as long as the run).
  const std::filesystem::path tasks = fmt::format("/proc/{}/task", pid);
  std::error_code ec;
  std::filesystem::directory_iterator it(tasks, ec), end;
  if (!ec) {
    uint64_t ns = 0;
    bool any = false;
    for (; it != end; it.increment(ec)) {
      std::ifstream f(it->path() / "schedstat");
      uint64_t run = 0;
      if (f >> run) {
        ns += run;
        any = true;
      }
    }
    if (any && !ec) return static_cast<double>(ns) / 1e9;
  }
  return process_cpu_seconds_from_stat(pid);
}

std::optional<double> process_cpu_seconds_from_stat(int pid) {
  std::ifstream f(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!f || !std::getline(f, line)) return std::nullopt;
  // proc(5): "pid (comm) state ppid ..."; comm may hold spaces and ')', so split after the last ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string t; rest >> t;) fields.push_back(t);
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  if (fields.size() < 13) return std::nullopt;
  try {
    double ticks = std::stod(fields[11]) + std::stod(fields[12]);
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  } catch (...) {
    return std::nullopt;
  }
}

std::vector<int> with_children(const std::vector<int>& pids) {
  std::set<int> seen;
  std::vector<int> out;
  for (int pid : pids) {
    if (seen.insert(pid).second) out.push_back(pid);
    std::ifstream f(fmt::format("/proc/{}/task/{}/children", pid, pid));
    for (int child = 0; f >> child;) {
      if (seen.insert(child).second) out.push_back(child);
    }
  }
  return out;
}

double total_cpu_seconds(const std::vector<int>& pids) {
  double sum = 0;
  for (int pid : pids) sum += process_cpu_seconds(pid).value_or(0);
  return sum;
}

void Report::finish() { std::sort(latencies_ms.begin(), latencies_ms.end()); }

std::optional<double> Report::responder_cpu_ms_per_handshake() const {
  if (!responder_cpu_s || succeeded == 0) return std::nullopt;
  return *responder_cpu_s * 1000.0 / static_cast<double>(succeeded);
}

double Report::generator_cpu_ms_per_handshake() const {
  return succeeded == 0 ? 0 : generator_cpu_s * 1000.0 / static_cast<double>(succeeded);
}

std::string format_table(const Report& r) {
  std::string s = fmt::format("ikeload: {}\n", r.description);
  s += fmt::format("  {:<28} {}\n", "handshakes started", r.started);
  s += fmt::format("  {:<28} {}\n", "handshakes established", r.succeeded);
  s += fmt::format("  {:<28} {}\n", "handshakes failed", r.failed);
  s += fmt::format("  {:<28} {:.3f}\n", "wall time (s)", r.wall_s);
  s += fmt::format("  {:<28} {:.1f}\n", "handshakes/s", r.handshakes_per_s());
  s += fmt::format("  {:<28} {:.2f} / {:.2f} / {:.2f}\n", "latency p50/p99/max (ms)",
                   percentile(r.latencies_ms, 50), percentile(r.latencies_ms, 99),
                   r.latencies_ms.empty() ? 0.0 : r.latencies_ms.back());
  if (auto cpu = r.responder_cpu_ms_per_handshake()) {
    s += fmt::format("  {:<28} {:.3f} (pids {})\n", "responder CPU ms/handshake", *cpu,
                     fmt::join(r.responder_pids, ","));
  }
  s += fmt::format("  {:<28} {:.3f}\n", "generator CPU ms/handshake",
                   r.generator_cpu_ms_per_handshake());
  for (const auto& [reason, n] : r.failures) {
    s += fmt::format("  failure {:<20} {}\n", reason, n);
  }
  return s;
}

namespace {

std::string json_string(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

std::string format_json(const Report& r) {
  std::string failures;
  for (const auto& [reason, n] : r.failures) {
    if (!failures.empty()) failures += ",";
    failures += fmt::format("{}:{}", json_string(reason), n);
  }
  auto cpu = r.responder_cpu_ms_per_handshake();
  return fmt::format(
      "{{\"description\":{},\"started\":{},\"succeeded\":{},\"failed\":{},\"wall_s\":{:.6f},"
      "\"handshakes_per_s\":{:.3f},\"latency_ms\":{{\"p50\":{:.3f},\"p99\":{:.3f},\"max\":{:.3f}}},"
      "\"responder_pids\":[{}],\"responder_cpu_ms_per_handshake\":{},"
      "\"generator_cpu_ms_per_handshake\":{:.4f},\"failures\":{{{}}}}}\n",
      json_string(r.description), r.started, r.succeeded, r.failed, r.wall_s,
      r.handshakes_per_s(), percentile(r.latencies_ms, 50), percentile(r.latencies_ms, 99),
      r.latencies_ms.empty() ? 0.0 : r.latencies_ms.back(), fmt::join(r.responder_pids, ","),
      cpu ? fmt::format("{:.4f}", *cpu) : std::string("null"), r.generator_cpu_ms_per_handshake(),
      failures);
}

}  // namespace ike::ikeload
