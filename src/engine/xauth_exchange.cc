// The XAUTH exchange (draft-beaulieu-ike-xauth-02 §4): server REQUEST -> client REPLY ->
// daemon verdict -> server SET(STATUS) -> client ACK, then mode-config and phase 2. Every
// received message is verified (HASH by the caller, attributes by parse_xauth, message type,
// identifier and state here) before anything changes. See xauth_exchange.h for the diagram.
#include "engine/xauth_exchange.h"

#include <fmt/format.h>

#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/exchanges/common.h"
#include "engine/exchanges/transaction.h"
#include "engine/transitions.h"
#include "engine/xauth.h"

namespace ike::engine {

namespace {

using base::ErrorCode;
using base::NotifyType;
using wire::CfgType;
using Phase = XauthState::Phase;

base::Error refuse(std::string detail) {
  return base::Error{ErrorCode::State, NotifyType::None, std::move(detail)};
}

void emit_result(EngineImpl& e, const IsakmpSa& sa, bool ok, std::string detail) {
  XauthEvent ev;
  ev.kind = ok ? XauthEvent::Kind::Succeeded : XauthEvent::Kind::Failed;
  ev.server = sa.xauth && sa.xauth->role == XauthRole::Server;
  ev.name = sa.name;
  ev.peer = sa.peer;
  ev.cookies = sa.cookies;
  ev.user = sa.xauth ? sa.xauth->user : std::string();
  ev.detail = std::move(detail);
  if (ok) {
    IKE_LOG_INFO("XAUTH {} user \"{}\" with {}: {}", ev.server ? "accepted" : "succeeded for",
                 base::sanitize_for_log(ev.user), sa.peer.to_string(), ev.detail);
  } else {
    IKE_LOG_WARN("XAUTH failed for user \"{}\" with {}: {}", base::sanitize_for_log(ev.user),
                 sa.peer.to_string(), ev.detail);
  }
  e.emit(std::move(ev));
}

// XAUTH failed: the ISAKMP SA goes (DELETE sent), so no phase 2 can follow.
void fail(EngineImpl& e, const base::CookiePair& cookies, const std::string& why) {
  IsakmpSa* sa = e.sas().find_isakmp(cookies);
  if (sa == nullptr || !sa->xauth) return;
  emit_result(e, *sa, false, why);
  sa->xauth.reset();  // deleting fails our pending XAUTH exchange: no second report
  delete_isakmp_sa(e, cookies, true, "XAUTH failed: " + why);
}

// STATUS OK acknowledged: mode-config, then the queued Quick Modes.
void succeed(EngineImpl& e, IsakmpSa& sa, base::TimePoint now) {
  sa.xauth->phase = Phase::Done;
  std::vector<std::string> queued;
  if (sa.phase2_hold) queued = std::move(sa.phase2_hold->queued);
  sa.phase2_hold.reset();
  emit_result(e, sa, true, "status OK");
  transaction_after_phase1(e, sa.cookies, std::move(queued), now);
}

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::WaitRequest: return "waiting for REQUEST";
    case Phase::WaitReply: return "waiting for REPLY";
    case Phase::Verifying: return "verifying";
    case Phase::WaitAck: return "waiting for SET/ACK";
    case Phase::Done: return "done";
  }
  return "?";
}

// Client: REQUEST -> REPLY with our credentials.
base::Status client_request(EngineImpl& e, IsakmpSa& sa, const Inbound& in,
                            const XauthMessage& msg, base::TimePoint now) {
  if (sa.xauth->phase != Phase::WaitRequest && sa.xauth->phase != Phase::WaitAck) {
    return refuse(fmt::format("XAUTH REQUEST while {}", phase_name(sa.xauth->phase)));
  }
  if (!msg.user || !msg.password) {
    return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                            "XAUTH REQUEST without {} (generic type needs both)",
                            !msg.user ? "XAUTH_USER_NAME" : "XAUTH_USER_PASSWORD");
  }
  auto cred = xauth_client_credentials(e.conf(), sa.name);
  if (!cred) {
    const std::string why = cred.error().detail;
    fail(e, sa.cookies, "no credentials: " + why);
    return base::ok();
  }
  IKE_TRY(wire::AttributePayload reply,
          build_xauth_reply(msg.identifier, msg.xauth_type.has_value(), cred->user,
                            base::view(cred->password)));
  IKE_TRY_VOID(transaction_answer(e, sa, in, std::move(reply), {}, now));
  // The wire copy of the password lived in `reply` only (encrypted into the datagram).
  sa.xauth->user = cred->user;
  sa.xauth->phase = Phase::WaitAck;
  IKE_LOG_DEBUG(Exchange, 10, "XAUTH: sent REPLY for user \"{}\" to {}",
                base::sanitize_for_log(cred->user), sa.peer.to_string());
  return base::ok();
}

// Client: SET(STATUS) -> ACK; OK lets phase 2 run, FAIL ends the SA.
base::Status client_set(EngineImpl& e, IsakmpSa& sa, const Inbound& in, const XauthMessage& msg,
                        base::TimePoint now) {
  if (!msg.status) {
    return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                            "XAUTH SET without XAUTH_STATUS");
  }
  if (sa.xauth->phase != Phase::WaitAck && sa.xauth->phase != Phase::WaitRequest) {
    return refuse(fmt::format("XAUTH SET while {}", phase_name(sa.xauth->phase)));
  }
  IKE_TRY_VOID(transaction_answer(e, sa, in, build_xauth_ack(msg.identifier, *msg.status), {},
                                  now));
  if (*msg.status == kXauthStatusOk) {
    succeed(e, sa, now);
  } else {
    fail(e, sa.cookies,
         msg.message ? "server said FAIL: " + base::sanitize_for_log(*msg.message)
                     : std::string("server said FAIL"));
  }
  return base::ok();
}

}  // namespace

bool xauth_after_phase1(EngineImpl& e, const base::CookiePair& cookies,
                        std::vector<std::string>& queued, base::TimePoint now) {
  IsakmpSa* sa = e.sas().find_isakmp(cookies);
  if (sa == nullptr) return false;
  const XauthRole role = xauth_role(sa->suite.xauth_method, sa->role == Role::Initiator);
  if (role == XauthRole::None) return false;
  XauthState st;
  st.role = role;
  st.deadline = now + xauth_timeout(e.conf());
  st.phase = role == XauthRole::Server ? Phase::WaitReply : Phase::WaitRequest;
  sa->xauth = std::make_unique<XauthState>(std::move(st));
  // Our Quick Modes wait for XAUTH (qm_initiate queues into the hold).
  sa->phase2_hold = std::make_unique<Phase2Hold>(
      Phase2Hold{Phase2Hold::Until::XauthDone, base::MessageId{}, std::move(queued)});
  queued.clear();
  e.xauth_timers().arm(cookies, sa->xauth->deadline);
  IKE_LOG_DEBUG(Exchange, 10, "XAUTH: {} with {} ({})",
                role == XauthRole::Server ? "asking" : "waiting for the request of",
                sa->peer.to_string(), sa->suite.to_string());
  if (role == XauthRole::Server) {
    if (auto s = transaction_start_xauth(e, *sa, build_xauth_request(0), now); !s) {
      fail(e, cookies, "cannot send REQUEST: " + s.error().detail);
    }
  }
  return true;
}

base::Status xauth_allows_phase2(const IsakmpSa& sa) {
  if (!sa.xauth || sa.xauth->phase == Phase::Done) return base::ok();
  return refuse(fmt::format("Quick Mode refused: XAUTH {} on ISAKMP SA {}",
                            phase_name(sa.xauth->phase), sa.cookies.hex()));
}

base::Status xauth_r_recv(EngineImpl& e, IsakmpSa& sa, const Inbound& in, base::TimePoint now) {
  IKE_TRY(XauthMessage msg, parse_xauth(*in.find<wire::AttributePayload>()));
  if (!sa.xauth || sa.xauth->role != XauthRole::Client) {
    return refuse(fmt::format("XAUTH {} from {}: phase 1 did not make us the XAUTH client",
                              msg.type == CfgType::Set ? "SET" : "message",
                              sa.peer.to_string()));
  }
  switch (msg.type) {
    case CfgType::Request: return client_request(e, sa, in, msg, now);
    case CfgType::Set: return client_set(e, sa, in, msg, now);
    default:
      return refuse(fmt::format("XAUTH message type {} without a pending REQUEST/SET",
                                static_cast<unsigned>(msg.type)));
  }
}

base::Status xauth_i_recv(EngineImpl& e, Exchange& x, IsakmpSa& sa, const Inbound& in,
                          base::TimePoint now) {
  IKE_TRY(XauthMessage msg, parse_xauth(*in.find<wire::AttributePayload>()));
  const CfgType want = x.cfg->sent == CfgType::Set ? CfgType::Ack : CfgType::Reply;
  if (msg.type != want) {
    return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                            "XAUTH {} answered with type {} (expected {})",
                            x.cfg->sent == CfgType::Set ? "SET" : "REQUEST",
                            static_cast<unsigned>(msg.type), want == CfgType::Ack ? "ACK" : "REPLY");
  }
  // The message id and HASH already bind the answer to our exchange. strongSwan 5.9 answers
  // with identifier 0 instead of echoing ours: accepted; any other mismatch is refused.
  if (msg.identifier != x.cfg->identifier && msg.identifier != 0) {
    return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                            "XAUTH answer identifier {:04x} (expected {:04x})", msg.identifier,
                            x.cfg->identifier);
  }
  if (!sa.xauth || sa.xauth->role != XauthRole::Server) {
    return refuse("XAUTH answer on an ISAKMP SA without XAUTH");
  }
  if (want == CfgType::Reply) {
    if (sa.xauth->phase != Phase::WaitReply) {
      return refuse(fmt::format("XAUTH REPLY while {}", phase_name(sa.xauth->phase)));
    }
    if (!msg.user || !msg.password) {
      return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                              "XAUTH REPLY without {}",
                              !msg.user ? "XAUTH_USER_NAME" : "XAUTH_USER_PASSWORD");
    }
    if (msg.user->empty()) {
      return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                              "XAUTH REPLY with an empty XAUTH_USER_NAME");
    }
    IKE_TRY_VOID(accept(e, x, in));
    const ExchangeKey key = x.key;  // x goes with finish_exchange
    e.finish_exchange(key, now, false);
    XauthState& st = *sa.xauth;
    st.phase = Phase::Verifying;
    st.user = *msg.user;
    ++st.verify_id;
    XauthVerify v;
    v.request_id = st.verify_id;
    v.name = sa.name;
    v.peer = sa.peer;
    v.cookies = sa.cookies;
    v.user = *msg.user;
    v.password = std::move(*msg.password);
    IKE_LOG_DEBUG(Exchange, 10, "XAUTH: checking user \"{}\" of {}",
                  base::sanitize_for_log(v.user), sa.peer.to_string());
    e.emit(std::move(v));
    return base::ok();
  }
  // ACK: the client saw our status.
  if (sa.xauth->phase != Phase::WaitAck) {
    return refuse(fmt::format("XAUTH ACK while {}", phase_name(sa.xauth->phase)));
  }
  IKE_TRY_VOID(accept(e, x, in));
  const ExchangeKey key = x.key;
  e.finish_exchange(key, now, false);
  if (sa.xauth->status_ok) {
    succeed(e, sa, now);
  } else {
    fail(e, sa.cookies, "credentials refused");
  }
  return base::ok();
}

void xauth_on_verdict(EngineImpl& e, const XauthVerdict& v, base::TimePoint now) {
  IsakmpSa* sa = e.sas().find_isakmp(v.cookies);
  if (sa == nullptr || !sa->xauth || sa->xauth->phase != Phase::Verifying ||
      sa->xauth->verify_id != v.request_id) {
    IKE_LOG_DEBUG(Exchange, 20, "XAUTH: stale verdict {} for {}", v.request_id,
                  v.cookies.hex());
    return;
  }
  sa->xauth->status_ok = v.ok;
  sa->xauth->phase = Phase::WaitAck;
  if (!v.ok) {
    IKE_LOG_WARN("XAUTH: user \"{}\" of {} refused: {}", base::sanitize_for_log(sa->xauth->user),
                 sa->peer.to_string(), base::sanitize_for_log(v.detail));
  }
  // §4: the edge device reports the outcome with SET(XAUTH_STATUS) and waits for the ACK.
  if (auto s = transaction_start_xauth(e, *sa, build_xauth_set(0, v.ok), now); !s) {
    fail(e, v.cookies, "cannot send SET: " + s.error().detail);
  }
}

void xauth_exchange_failed(EngineImpl& e, const base::CookiePair& cookies,
                           const std::string& reason) {
  fail(e, cookies, reason);
}

void xauth_abandon(EngineImpl& e, IsakmpSa& sa, std::string_view why) {
  if (!sa.xauth) return;
  if (sa.xauth->phase != Phase::Done) {
    emit_result(e, sa, false,
                fmt::format("ISAKMP SA deleted while {} ({})", phase_name(sa.xauth->phase), why));
  }
  sa.xauth.reset();
}

namespace {
// The XAUTH deadline of an ISAKMP SA, nullopt when it has none pending (DeadlineIndex contract).
std::optional<base::TimePoint> xauth_deadline_of(const EngineImpl& e, const base::CookiePair& c) {
  const IsakmpSa* sa = e.sas().find_isakmp(c);
  if (sa == nullptr || !sa->xauth || sa->xauth->phase == Phase::Done) return std::nullopt;
  return sa->xauth->deadline;
}
}  // namespace

void xauth_tick(EngineImpl& e, base::TimePoint now) {
  // Only the SAs whose XAuth-timeout passed (the engine's DeadlineIndex), in deadline order.
  auto due = e.xauth_timers().due(
      now, [&](const base::CookiePair& c) { return xauth_deadline_of(e, c); });
  for (const auto& c : due) {
    e.xauth_timers().forget(c);
    fail(e, c, fmt::format("not completed within {} s (XAuth-timeout)",
                           std::chrono::duration_cast<base::Seconds>(xauth_timeout(e.conf()))
                               .count()));
  }
}

std::optional<base::TimePoint> xauth_deadline(const EngineImpl& e) {
  return e.xauth_timers().next(
      [&](const base::CookiePair& c) { return xauth_deadline_of(e, c); });
}

}  // namespace ike::engine
