// A read-only snapshot of the engine state for operators (docs/STATUS.md): ISAKMP and IPsec
// SAs, exchanges in progress, connections, timers and counters. The daemon turns it into the
// JSON status file and the Prometheus metrics; the isakmpd-format report lines (report.cc)
// are built from the same engine state. Plain values; times are seconds relative to `now`
// (-1: no such timer).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ike::engine {

struct StatusPhase1 {
  std::string name, role, local, peer, icookie, rcookie, suite, nat;
  std::string initiator_id, responder_id;
  uint32_t flags = 0;
  uint64_t life_seconds = 0, life_kbytes = 0;
  int64_t age = 0, soft_in = -1, hard_in = -1;
  bool peer_dpd = false;
};

struct StatusPhase2 {
  std::string name, role, local, peer, icookie, rcookie, suite;
  uint32_t message_id = 0, in_spi = 0, out_spi = 0, flags = 0;
  uint64_t life_seconds = 0, life_kbytes = 0;
  int64_t age = 0, soft_in = -1, hard_in = -1;
  std::vector<std::string> flows;  // "10.1.1.0/24 -> 10.1.2.0/24"
};

struct StatusExchange {
  std::string name, type, role, state, peer, icookie, rcookie;
  uint32_t message_id = 0;
  bool finished = false;
  int64_t expires_in = 0;
};

struct StatusConnection {
  std::string name;
  bool active = false;  // [Phase 2]:Connections (else Passive-connections)
  bool up = false;      // an IPsec SA with this name exists
  bool held = false;    // DPD hold
  std::string local_id, remote_id;  // isakmpd text ("10.1.1.0/255.255.255.0"), "" unknown
};

struct StatusTimer {
  std::string event;  // isakmpd timer names: connection_checker, sa_soft_expire, ...
  std::string subject;
  int64_t in = 0;
};

}  // namespace ike::engine
