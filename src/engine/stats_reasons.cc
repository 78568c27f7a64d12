// Reason categories for the engine counters (Engine::Stats dropped_by_reason and
// failed_by_reason) exported by the daemon as JSON status and Prometheus metrics
// (docs/STATUS.md). Drop and failure details are free text naming peers and values; metrics
// need a small fixed label set, so each detail is mapped to one category by the phrases the
// engine uses when it drops a datagram (engine_impl.cc dispatch/handle_row_error) or fails an
// exchange. Unmatched details count as "other". Pure functions.
#include <array>
#include <string_view>
#include <utility>

#include "engine/engine_impl.h"

namespace ike::engine {

namespace {

using Rule = std::pair<std::string_view, std::string_view>;  // phrase -> category

std::string_view classify(std::string_view text, const auto& rules) noexcept {
  for (const auto& [phrase, category] : rules) {
    if (text.find(phrase) != std::string_view::npos) return category;
  }
  return "other";
}

// Order matters: the first matching phrase wins.
constexpr std::array kDropRules{
    Rule{"fragmentation disabled", "fragment_refused"},  // [peer]:Fragmentation=no
    Rule{"half-open", "half_open_cap"},  // Max-half-open-per-peer (half_open.h)
    Rule{"duplicate", "duplicate"},
    Rule{"authentication failed", "authentication"},
    Rule{"HASH", "authentication"},
    Rule{"unknown ISAKMP SA", "unknown_sa"},
    Rule{"unknown cookies", "unknown_sa"},
    Rule{"no ISAKMP SA", "unknown_sa"},
    Rule{"phase 1 not complete", "unknown_sa"},
    Rule{"for the established ISAKMP SA", "unexpected_state"},
    Rule{"unexpected in state", "unexpected_state"},
    Rule{"finished exchange", "unexpected_state"},
    Rule{"before keys exist", "unexpected_state"},
    Rule{"for a ", "unexpected_state"},
    Rule{"message id", "bad_message_id"},
    Rule{"not supported", "unsupported"},
    Rule{"reuses our initiator cookie", "bad_cookie"},
    Rule{"zero initiator cookie", "bad_cookie"},
    Rule{"(expected ", "wrong_peer"},
    Rule{"NO_PROPOSAL_CHOSEN", "no_proposal"},
    Rule{"no acceptable", "no_proposal"},
    Rule{"decrypt", "decryption"},
    Rule{"block size", "decryption"},
    Rule{"encrypt", "encryption_flag"},
    Rule{"length", "malformed"},
    Rule{"truncated", "malformed"},
    Rule{"malformed", "malformed"},
    Rule{"payload", "malformed"},
    Rule{"version", "malformed"},
    Rule{"reserved", "malformed"},
};

constexpr std::array kFailureRules{
    Rule{"evicted", "half_open_evicted"},  // Max-half-open (half_open.h)
    Rule{"unverifiable", "unverifiable"},  // timeout/cap after dropped messages (unverifiable.cc)
    Rule{"timed out", "timeout"},
    Rule{"no response", "timeout"},
    Rule{"authentication failed", "authentication"},
    Rule{"HASH", "authentication"},
    Rule{"signature", "authentication"},
    Rule{"INVALID_ID_INFORMATION", "invalid_id"},
    // Before "ID": the detail lists the peer's and our transforms, which may name anything.
    Rule{"no acceptable", "no_proposal"},
    Rule{"ID", "invalid_id"},
    Rule{"NO_PROPOSAL_CHOSEN", "no_proposal"},
    Rule{"proposal", "no_proposal"},
    Rule{"not acceptable", "no_proposal"},
    Rule{"sent ", "peer_notify"},
    Rule{"ISAKMP SA deleted", "sa_deleted"},
    Rule{"GETSPI", "kernel"},
    Rule{"kernel", "kernel"},
};

}  // namespace

std::string_view drop_reason_category(std::string_view reason) noexcept {
  return classify(reason, kDropRules);
}

std::string_view failure_reason_category(std::string_view reason) noexcept {
  return classify(reason, kFailureRules);
}

}  // namespace ike::engine
