// Report, JSON status and metrics formatting (see status_files.h; schema in docs/STATUS.md).
#include "daemon/status_files.h"

#include <fmt/format.h>
#include <strings.h>
#include <time.h>

#include <map>
#include <nlohmann/json.hpp>

namespace ike::daemon {

namespace {

using Clock = std::chrono::system_clock;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string handle(std::string_view key) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : key) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ULL;
  return fmt::format("0x{:x}", h & 0xfffffffffULL);
}

// "10.0.0.2:500" / "[fd00::2]:500" -> the address part.
std::string address_of(const std::string& endpoint) {
  if (!endpoint.empty() && endpoint[0] == '[') {
    auto close = endpoint.find(']');
    return endpoint.substr(1, close == std::string::npos ? std::string::npos : close - 1);
  }
  auto colon = endpoint.rfind(':');
  return colon == std::string::npos ? endpoint : endpoint.substr(0, colon);
}

std::string with_port(const std::string& address, uint16_t port) {
  return address.find(':') != std::string::npos ? fmt::format("[{}]:{}", address, port)
                                                : fmt::format("{}:{}", address, port);
}

// Prometheus label value escaping (exposition format: backslash, double quote, newline).
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

bool is_secret_conf_tag(std::string_view tag) {
  std::string t = lower(tag);
  for (std::string_view word : {"authentication", "key", "secret", "passw", "psk"}) {
    if (t.find(word) != std::string::npos) return true;
  }
  return false;
}

std::vector<std::string> transport_report_lines(const std::vector<UdpTransport::Socket>& sockets,
                                                const engine::Engine::Status& status) {
  std::vector<std::string> lines;
  auto block = [&](const UdpTransport::Socket& s, const std::string& dst) {
    lines.push_back(fmt::format("{}: fd {} src {} dst {}", s.nat_t ? "udp_encap_report" : "udp_report",
                                s.fd, s.bound.to_string(), dst));
    lines.push_back(fmt::format("transport_report: transport {} flags 0 refcnt 1",
                                handle(fmt::format("{}>{}", s.fd, dst))));
  };
  // Virtual transports towards each peer of an ISAKMP SA (isakmpd keeps one per peer).
  std::map<std::string, std::string> peers;  // address -> endpoint
  for (const auto& p : status.phase1) peers.emplace(address_of(p.peer), p.peer);
  for (const auto& [addr, endpoint] : peers) {
    bool v6 = addr.find(':') != std::string::npos;
    for (bool natt : {true, false}) {
      for (const auto& s : sockets) {
        if (s.nat_t != natt || s.bound.address.is_v4() == v6) continue;
        uint16_t port = natt ? s.bound.port : static_cast<uint16_t>(0);
        std::string dst = natt ? with_port(addr, port) : endpoint;
        block(s, dst);
        break;
      }
    }
  }
  // The listening sockets themselves.
  for (const auto& s : sockets) block(s, s.bound.address.is_v4() ? "0.0.0.0:0" : "[::]:0");
  return lines;
}

std::vector<std::string> conf_report_lines(const conf::ConfDb& conf) {
  std::vector<std::string> lines;
  std::string dump = conf.dump_non_default();
  std::size_t pos = 0;
  while (pos < dump.size()) {
    auto nl = dump.find('\n', pos);
    std::string line = dump.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? dump.size() : nl + 1;
    auto eq = line.find("=\t");
    if (!line.empty() && line[0] != '[' && eq != std::string::npos &&
        is_secret_conf_tag(std::string_view(line).substr(0, eq))) {
      line = line.substr(0, eq + 2) + "<redacted>";
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string format_report_file(const std::vector<std::string>& engine_lines,
                               const std::vector<std::string>& transport_lines,
                               const std::vector<std::string>& conf_lines,
                               Clock::time_point when) {
  auto usec = std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch());
  time_t secs = static_cast<time_t>(usec.count() / 1000000);
  struct tm tm {};
  ::localtime_r(&secs, &tm);
  std::string prefix = fmt::format("{:02}{:02}{:02}.{:06} Report> ", tm.tm_hour, tm.tm_min,
                                   tm.tm_sec, usec.count() % 1000000);
  std::string out;
  auto put = [&](const std::string& l) { out += prefix + l + "\n"; };
  bool transports_done = false;
  for (const auto& l : engine_lines) {
    bool sa_section = l.rfind("sa_report:", 0) == 0 || l.find(' ') == std::string::npos;
    if (!transports_done && !sa_section) {
      for (const auto& t : transport_lines) put(t);
      transports_done = true;
    }
    put(l);
  }
  if (!transports_done) {
    for (const auto& t : transport_lines) put(t);
  }
  for (const auto& l : conf_lines) put(l);
  return out;
}

std::string default_status_json_path(const std::string& report_file) {
  return report_file + ".json";
}

std::string status_json(const engine::Engine::Status& st, const DaemonInfo& info,
                        Clock::time_point when) {
  using nlohmann::json;
  auto timer = [](int64_t v) { return v < 0 ? json(nullptr) : json(v); };
  json j;
  j["schema"] = "isakmpd-status/1";
  j["generated_at"] = std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count();
  j["daemon"] = {{"pid", info.pid},
                 {"uptime_seconds", info.uptime_seconds},
                 {"passive", info.passive},
                 {"packet_capture",
                  {{"enabled", info.packet_capture},
                   {"file", info.packet_capture ? json(info.packet_capture_file) : json(nullptr)},
                   {"messages", info.packet_capture_messages}}}};
  json p1 = json::array();
  std::map<std::string, std::pair<int, int>> peers;
  for (const auto& s : st.phase1) {
    p1.push_back({{"name", s.name}, {"role", s.role}, {"local", s.local}, {"peer", s.peer},
                  {"icookie", s.icookie}, {"rcookie", s.rcookie},
                  {"initiator_id", s.initiator_id}, {"responder_id", s.responder_id},
                  {"suite", s.suite}, {"nat_t", s.nat.empty() ? json(nullptr) : json(s.nat)},
                  {"flags", s.flags}, {"lifetime_seconds", s.life_seconds},
                  {"lifetime_kbytes", s.life_kbytes}, {"age_seconds", s.age},
                  {"soft_expiry_in", timer(s.soft_in)}, {"hard_expiry_in", timer(s.hard_in)},
                  {"peer_dpd", s.peer_dpd}});
    ++peers[address_of(s.peer)].first;
  }
  json p2 = json::array();
  for (const auto& s : st.phase2) {
    p2.push_back({{"name", s.name}, {"role", s.role}, {"local", s.local}, {"peer", s.peer},
                  {"icookie", s.icookie}, {"rcookie", s.rcookie},
                  {"message_id", fmt::format("{:08x}", s.message_id)},
                  {"in_spi", fmt::format("{:08x}", s.in_spi)},
                  {"out_spi", fmt::format("{:08x}", s.out_spi)}, {"suite", s.suite},
                  {"flags", s.flags}, {"lifetime_seconds", s.life_seconds},
                  {"lifetime_kbytes", s.life_kbytes}, {"age_seconds", s.age},
                  {"soft_expiry_in", timer(s.soft_in)}, {"hard_expiry_in", timer(s.hard_in)},
                  {"flows", s.flows}});
    ++peers[address_of(s.peer)].second;
  }
  json pj = json::array();
  for (const auto& [addr, n] : peers) {
    pj.push_back({{"address", addr}, {"phase1_sas", n.first}, {"phase2_sas", n.second}});
  }
  json xs = json::array();
  for (const auto& x : st.exchanges) {
    xs.push_back({{"name", x.name}, {"type", x.type}, {"role", x.role}, {"state", x.state},
                  {"peer", x.peer}, {"icookie", x.icookie}, {"rcookie", x.rcookie},
                  {"message_id", fmt::format("{:08x}", x.message_id)},
                  {"finished", x.finished}, {"expires_in", x.expires_in}});
  }
  json cs = json::array();
  for (const auto& c : st.connections) {
    cs.push_back({{"name", c.name}, {"type", c.active ? "active" : "passive"}, {"up", c.up},
                  {"held", c.held},
                  {"local_id", c.local_id.empty() ? json(nullptr) : json(c.local_id)},
                  {"remote_id", c.remote_id.empty() ? json(nullptr) : json(c.remote_id)}});
  }
  json ts = json::array();
  for (const auto& t : st.timers) {
    ts.push_back({{"event", t.event}, {"subject", t.subject}, {"in_seconds", t.in}});
  }
  const auto& s = st.stats;
  j["phase1_sas"] = std::move(p1);
  j["phase2_sas"] = std::move(p2);
  j["peers"] = std::move(pj);
  j["exchanges"] = std::move(xs);
  j["connections"] = std::move(cs);
  j["timers"] = std::move(ts);
  j["counters"] = {{"datagrams_received", s.datagrams_in},
                   {"datagrams_sent", s.datagrams_out},
                   {"datagrams_dropped", s.dropped},
                   {"dropped_by_reason", s.dropped_by_reason},
                   {"retransmits", s.retransmits},
                   {"exchanges_started", s.started_by_exchange},
                   {"exchanges_completed", {{"phase1", s.phase1_done}, {"phase2", s.phase2_done}}},
                   {"exchanges_failed", s.exchanges_failed},
                   {"failed_by_reason", s.failed_by_reason},
                   {"half_open", {{"current", s.half_open},
                                  {"refused", s.half_open_refused},
                                  {"evicted", s.half_open_evicted}}},
                   {"log_lines_suppressed", s.log_suppressed}};
  // error_handler replace: hostile bytes in names never make dump() throw.
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string prometheus_metrics(const engine::Engine::Status& st, const DaemonInfo& info) {
  std::string out;
  auto metric = [&](std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  const auto& s = st.stats;
  metric("isakmpd_up", "gauge", "1 while the daemon runs.");
  out += "isakmpd_up 1\n";
  metric("isakmpd_uptime_seconds", "gauge", "Seconds since the daemon started.");
  out += fmt::format("isakmpd_uptime_seconds {}\n", info.uptime_seconds);
  metric("isakmpd_passive", "gauge", "1 in passive mode (-S, M passive).");
  out += fmt::format("isakmpd_passive {}\n", info.passive ? 1 : 0);
  metric("isakmpd_packet_capture_enabled", "gauge", "1 while IKE packet capture is on.");
  out += fmt::format("isakmpd_packet_capture_enabled {}\n", info.packet_capture ? 1 : 0);
  metric("isakmpd_phase1_sas", "gauge", "Established ISAKMP SAs.");
  out += fmt::format("isakmpd_phase1_sas {}\n", st.phase1_count);
  metric("isakmpd_phase2_sas", "gauge", "Established IPsec SAs.");
  out += fmt::format("isakmpd_phase2_sas {}\n", st.phase2_count);
  metric("isakmpd_exchanges_in_progress", "gauge", "Exchanges in the exchange table.");
  out += fmt::format("isakmpd_exchanges_in_progress {}\n", st.exchange_count);
  metric("isakmpd_connection_up", "gauge", "1 when the connection has an IPsec SA.");
  for (const auto& c : st.connections) {
    out += fmt::format("isakmpd_connection_up{{name=\"{}\",type=\"{}\"}} {}\n", label(c.name),
                       c.active ? "active" : "passive", c.up ? 1 : 0);
  }
  metric("isakmpd_datagrams_received_total", "counter", "IKE datagrams handed to the engine.");
  out += fmt::format("isakmpd_datagrams_received_total {}\n", s.datagrams_in);
  metric("isakmpd_datagrams_sent_total", "counter", "IKE datagrams sent.");
  out += fmt::format("isakmpd_datagrams_sent_total {}\n", s.datagrams_out);
  metric("isakmpd_retransmits_total", "counter", "Retransmitted messages.");
  out += fmt::format("isakmpd_retransmits_total {}\n", s.retransmits);
  metric("isakmpd_datagrams_dropped_total", "counter", "Invalid or unexpected datagrams dropped.");
  for (const auto& [reason, n] : s.dropped_by_reason) {
    out += fmt::format("isakmpd_datagrams_dropped_total{{reason=\"{}\"}} {}\n", label(reason), n);
  }
  metric("isakmpd_exchanges_started_total", "counter", "Exchanges started, by type.");
  for (const auto& [type, n] : s.started_by_exchange) {
    out += fmt::format("isakmpd_exchanges_started_total{{type=\"{}\"}} {}\n", label(type), n);
  }
  metric("isakmpd_exchanges_completed_total", "counter", "Completed phase 1 and phase 2.");
  out += fmt::format("isakmpd_exchanges_completed_total{{phase=\"1\"}} {}\n", s.phase1_done);
  out += fmt::format("isakmpd_exchanges_completed_total{{phase=\"2\"}} {}\n", s.phase2_done);
  metric("isakmpd_exchanges_failed_total", "counter", "Failed exchanges, by reason.");
  for (const auto& [reason, n] : s.failed_by_reason) {
    out += fmt::format("isakmpd_exchanges_failed_total{{reason=\"{}\"}} {}\n", label(reason), n);
  }
  metric("isakmpd_half_open_exchanges", "gauge",
         "Half-open responder phase-1 exchanges (Max-half-open).");
  out += fmt::format("isakmpd_half_open_exchanges {}\n", s.half_open);
  metric("isakmpd_half_open_refused_total", "counter",
         "MM1/AM1 refused by Max-half-open-per-peer.");
  out += fmt::format("isakmpd_half_open_refused_total {}\n", s.half_open_refused);
  metric("isakmpd_half_open_evicted_total", "counter",
         "Half-open exchanges evicted by Max-half-open.");
  out += fmt::format("isakmpd_half_open_evicted_total {}\n", s.half_open_evicted);
  metric("isakmpd_log_lines_suppressed_total", "counter",
         "Log lines suppressed by the rate limit (events still counted).");
  out += fmt::format("isakmpd_log_lines_suppressed_total {}\n", s.log_suppressed);
  return out;
}

}  // namespace ike::daemon
