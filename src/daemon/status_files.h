// The operator files beyond the FIFO result (isakmpd-features.md §1.18 and issue #4):
//  * the report file (`r`, SIGUSR1; -R): isakmpd's report layout, every line prefixed with the
//    log time and "Report> " as isakmpd writes it (HHMMSS.uuuuuu), in isakmpd's order:
//    sa_report, the transports (udp_encap_report/udp_report + transport_report), the
//    connection and timer reports, then the configuration dump (conf_report) -- with the
//    values of secret tags (Authentication, *key*, *secret*, *passw*, *psk) redacted;
//  * the JSON status (docs/STATUS.md): SAs, peers, exchanges, connections, timers, counters;
//  * the Prometheus text exposition format (version 0.0.4) metrics.
// Pure formatting over the engine snapshot; the daemon writes the results atomically.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/address.h"
#include "conf/conf_db.h"
#include "daemon/udp_transport.h"
#include "engine/engine.h"

namespace ike::daemon {

// Daemon-level facts that are not engine state.
struct DaemonInfo {
  int64_t pid = 0;
  int64_t uptime_seconds = 0;
  bool passive = false;
  bool packet_capture = false;
  std::string packet_capture_file;
  uint64_t packet_capture_messages = 0;
};

// isakmpd transport reports: one block per socket, then one virtual transport per peer of an
// ISAKMP SA (udp_encap_report first when a NAT-T socket exists, as in an OpenBSD report).
std::vector<std::string> transport_report_lines(const std::vector<UdpTransport::Socket>& sockets,
                                                const engine::Engine::Status& status);
// The configuration as isakmpd's conf_report prints it ("[section]", "tag=\tvalue"), secrets
// redacted.
std::vector<std::string> conf_report_lines(const conf::ConfDb& conf);
bool is_secret_conf_tag(std::string_view tag);
// The whole report file: lines in isakmpd order, each as "HHMMSS.uuuuuu Report> line".
std::string format_report_file(const std::vector<std::string>& engine_lines,
                               const std::vector<std::string>& transport_lines,
                               const std::vector<std::string>& conf_lines,
                               std::chrono::system_clock::time_point when);
std::string status_json(const engine::Engine::Status& status, const DaemonInfo& info,
                        std::chrono::system_clock::time_point when);
std::string prometheus_metrics(const engine::Engine::Status& status, const DaemonInfo& info);
// <report>.json: the JSON status path used without --status-json.
std::string default_status_json_path(const std::string& report_file);

}  // namespace ike::daemon
