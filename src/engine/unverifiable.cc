// Unverifiable messages of an exchange in progress (strict "no state change", as strongSwan
// does): a message for an existing exchange that fails to decrypt, fails its payload parse or
// payload rule after decryption, or fails a check of the step (HASH/SIG mismatch, bad KE or
// nonce, a reply SA we did not offer) before the step's commit point (accept(), transitions.h)
// is DROPPED. Nothing of the exchange changes (keys, IV, message id, retransmit timer, state),
// so an off-path attacker who saw the cookies cannot end a negotiation with one forged
// datagram; the genuine message can still come. The drop is counted (Stats.dropped_by_reason),
// logged through the rate limit with the peer, the row and the reason, and remembered on the
// exchange (Exchange::unverifiable). When the exchange then fails (Exchange-max-time,
// retransmits exhausted, or [General]:Max-unverifiable-messages reached) its failure reason
// names the unverifiable messages instead of a bare timeout, and the remembered notify
// (INVALID_HASH_INFORMATION for what looks like a wrong pre-shared key) is sent once, in the
// clear for phase 1 (RFC 2408 §5: no authenticated keys yet).
#include <fmt/format.h>

#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/exchanges/common.h"

namespace ike::engine {

namespace {

// Rows that carry the phase-1 authentication (HASH_I/HASH_R or what a wrong PSK garbles).
bool psk_auth_row(std::string_view row) {
  return row == "MM5" || row == "MM6" || row == "AM2" || row == "AM3";
}

}  // namespace

void EngineImpl::drop_unverifiable(std::string_view row, Exchange& x, const Datagram& d,
                                   bool encrypted, const base::Error& e) {
  Exchange::Unverifiable& u = x.unverifiable;
  // A wrong pre-shared key garbles the whole encrypted MM5/MM6/AM3 (SKEYID differs: decryption
  // yields noise) or shows as a HASH_R mismatch in the cleartext AM2 (whose initiator has not
  // chosen a suite yet: only a HASH, never a SIG, mismatch carries INVALID_HASH_INFORMATION).
  const bool psk = is_phase1_exchange(x.type) && x.mm && !phase1_uses_signatures(*x.mm);
  const bool hint = psk_auth_row(row) &&
                    ((encrypted && psk) || (e.code == base::ErrorCode::Auth &&
                                            e.notify == base::NotifyType::InvalidHashInformation));
  ++u.count;
  u.row = std::string(row);
  u.reason = e.detail;
  u.psk_hint = hint;
  u.notify = hint && e.notify != base::NotifyType::AuthenticationFailed &&
                     e.notify != base::NotifyType::InvalidSignature
                 ? base::NotifyType::InvalidHashInformation
                 : e.notify;
  std::string what =
      fmt::format("{} from {}: {}, dropped{}", row, d.peer.address.to_string(), e.detail,
                  hint ? "; a wrong pre-shared key looks like this" : "");
  std::string_view category = drop_reason_category(what);
  ++m_stats.dropped;
  ++m_stats.dropped_by_reason[std::string(category)];
  log_limited(base::LogSeverity::Warning, fmt::format("unverifiable:{}", category),
              fmt::format("{}: {}", x.name, what));
  m_last_drop = std::move(what);
  if (m_rtx_policy.max_unverifiable > 0 && u.count >= m_rtx_policy.max_unverifiable) {
    fail_unverifiable(x.key, "failed",
                      fmt::format("Max-unverifiable-messages {} reached",
                                  m_rtx_policy.max_unverifiable));
  }
}

void EngineImpl::fail_unverifiable(const ExchangeKey& key, std::string_view lead,
                                   const std::string& why) {
  Exchange* x = m_exchanges.find(key);
  if (x == nullptr) return;
  const Exchange::Unverifiable& u = x->unverifiable;
  if (u.count == 0) {
    fail_exchange(key, why);
    return;
  }
  std::string reason = fmt::format("{} after {} unverifiable {} from {} ({}{}); {}", lead, u.count,
                                   u.row, x->peer.address.to_string(), u.reason,
                                   u.psk_hint ? ": wrong pre-shared key?" : "", why);
  if (u.notify != base::NotifyType::None && is_phase1_exchange(x->type)) {
    // Once, at failure: the peer learns why (a forged message alone never triggers it).
    send_notify_clear(*this, x->local, x->peer, key.cookies, u.notify);
  }
  fail_exchange(key, reason);
}

}  // namespace ike::engine
