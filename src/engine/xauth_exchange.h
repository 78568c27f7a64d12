// The XAUTH exchange (draft-beaulieu-ike-xauth-02 §4) over Transaction exchanges after a
// phase 1 that negotiated an XAUTH method (xauth.h). The edge device (server) asks, the client
// answers, the server's verdict comes from the daemon (sans-I/O: an XauthVerify output, the
// answer an on_xauth_verdict input; the password file or PAM run in the monitor):
//
//   Client                                       Edge device (server)
//                                       <--      HDR*, HASH, ATTR(REQUEST: TYPE, NAME, PASSWORD)
//   HDR*, HASH, ATTR(REPLY: NAME, PASSWORD) -->
//                                                [XauthVerify -> daemon -> XauthVerdict]
//                                       <--      HDR*, HASH, ATTR(SET: STATUS OK | FAIL)
//   HDR*, HASH, ATTR(ACK: STATUS)          -->
//
// Each line pair is one Transaction (own message id and IV; HASH = prf(SKEYID_a, M-ID | ATTR)).
// Until STATUS OK is acknowledged the ISAKMP SA carries no phase 2: Quick Modes we would start
// wait (queued), the server refuses the client's QM1, and mode-config (Flags=ikecfg) waits too.
// STATUS FAIL, a REQUEST/SET exchange that gets no answer, or [General]:XAuth-timeout passing
// deletes the ISAKMP SA (DELETE sent). Owns the IsakmpSa::xauth progress.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "base/result.h"
#include "engine/io.h"

namespace ike::engine {

class EngineImpl;
struct Exchange;
struct Inbound;
struct IsakmpSa;

// Phase 1 with `cookies` just completed (phase1.cc). With an XAUTH method: starts XAUTH (the
// server sends REQUEST, the client waits), takes over `queued` and returns true; mode-config
// and the queued Quick Modes run once XAUTH succeeded. False (nothing done) otherwise.
bool xauth_after_phase1(EngineImpl& e, const base::CookiePair& cookies,
                        std::vector<std::string>& queued, base::TimePoint now);

// qm_r_recv1(): State error while XAUTH has not succeeded on `sa`.
[[nodiscard]] base::Status xauth_allows_phase2(const IsakmpSa& sa);

// A verified (HASH checked) Transaction with XAUTH attributes that the peer started: the client
// answers REQUEST with REPLY and SET with ACK.
[[nodiscard]] base::Status xauth_r_recv(EngineImpl& e, IsakmpSa& sa, const Inbound& in,
                                        base::TimePoint now);
// The answer (HASH checked) to our XAUTH REQUEST (REPLY) or SET (ACK): the server.
[[nodiscard]] base::Status xauth_i_recv(EngineImpl& e, Exchange& x, IsakmpSa& sa,
                                        const Inbound& in, base::TimePoint now);

// The daemon's answer to an XauthVerify.
void xauth_on_verdict(EngineImpl& e, const XauthVerdict& v, base::TimePoint now);
// Our XAUTH REQUEST/SET exchange failed (no answer): the ISAKMP SA is deleted.
void xauth_exchange_failed(EngineImpl& e, const base::CookiePair& cookies,
                           const std::string& reason);
// The ISAKMP SA is being deleted (delete_isakmp_sa: a peer DELETE, expiry, our shutdown) while
// its XAUTH is still pending: reports the failure (XauthEvent Failed with the user, WARN log)
// and drops the XAUTH state. No-op when XAUTH succeeded or already failed. libreswan as client
// sends DELETE at once when our SET says FAIL, before any ACK.
void xauth_abandon(EngineImpl& e, IsakmpSa& sa, std::string_view why);
// XAuth-timeout: ISAKMP SAs whose XAUTH did not complete in time are deleted.
void xauth_tick(EngineImpl& e, base::TimePoint now);
std::optional<base::TimePoint> xauth_deadline(const EngineImpl& e);

}  // namespace ike::engine
