// Reports (isakmpd-features.md §1.18): the `S` result-file blocks (sa_status_report) and the
// `r`/SIGUSR1 report lines (sa_report, exchange_report, connection_report), formatted as
// isakmpd prints them. Read-only over the engine state.
#pragma once

#include <string>
#include <vector>

#include "base/clock.h"
#include "engine/engine.h"

namespace ike::engine {

class EngineImpl;

std::string format_sa_status(const EngineImpl& e, base::TimePoint now);
std::vector<std::string> format_report_lines(const EngineImpl& e, base::TimePoint now);
// The snapshot behind Engine::status() (status_snapshot.cc).
Engine::Status engine_status(const EngineImpl& e, base::TimePoint now,
                             Engine::StatusDetail detail = Engine::StatusDetail::Full);

// isakmpd's names for the `S` block ("AES (CBC)", "HMAC-SHA1", "unknown (11)").
std::string esp_encryption_name(uint16_t transform_id);
std::string auth_algorithm_name(uint16_t auth_algorithm);

}  // namespace ike::engine
