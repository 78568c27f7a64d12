// The Transaction exchange (ISAKMP exchange type 6) of ISAKMP mode-config
// (draft-dukes-ike-mode-cfg-02 §3.2/§4), run over an established ISAKMP SA with its own message
// id and IV, protected like an Informational exchange:
//
//   Initiator                                    Responder
//   HDR*, HASH(1), ATTR(SET | REQUEST)  -->
//                                       <--      HDR*, HASH(2), ATTR(ACK | REPLY)
//   HASH(1) = HASH(2) = prf(SKEYID_a, M-ID | ATTR)   (draft-dukes §3.2, as isakmpd/strongSwan)
//
// Trigger (isakmpd isakmp_cfg.c): Flags=ikecfg on the phase-1 peer section. After phase 1 the
// phase-1 responder (server) pushes SET unless the client's ID section says Mode other than SET;
// the phase-1 initiator (client) pulls with REQUEST when its server's ID section (or the peer
// section) says Mode=PULL. Received SET/REQUEST are answered only with Flags=ikecfg.
//
// A pull holds our phase 2 over that ISAKMP SA until the REPLY (IsakmpSa::phase2_hold): the client
// asks for its configuration before it negotiates traffic, as strongSwan and libreswan clients
// do, and a server that handles one exchange at a time (charon: a Transaction arriving while
// its Quick Mode responder task runs is not answered) sees them in turn. The Quick Modes that
// waited start when the REPLY arrives, or when the REQUEST exchange fails (the configured IDs
// do not depend on it); a push (SET) holds nothing.
#pragma once

#include <string>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "base/result.h"
#include "engine/mode_cfg.h"
#include "engine/payload_rules.h"
#include "wire/payload.h"

namespace ike::engine {

class EngineImpl;
struct Exchange;
struct ExchangeKey;
struct Inbound;
struct IsakmpSa;

// Phase 1 with `cookies` just completed (or XAUTH on it succeeded): starts the push or pull the
// configuration asks for (nothing without Flags=ikecfg), then the Quick Modes of `queued`, at
// once or, after a pull, once its REPLY arrives. Problems are logged; phase 1 is not affected.
void transaction_after_phase1(EngineImpl& e, const base::CookiePair& cookies,
                              std::vector<std::string> queued, base::TimePoint now);

// Transaction exchange `key` failed (EngineImpl::fail_exchange): when it was a pull, the Quick
// Modes it held start now.
void mode_cfg_exchange_failed(EngineImpl& e, const ExchangeKey& key, base::TimePoint now);

// HDR*, HASH, ATTR: the rule of both messages (HASH first, exactly one ATTRIBUTE, encrypted).
extern const PayloadRule kRuleCfg1;  // SET / REQUEST
extern const PayloadRule kRuleCfg2;  // ACK / REPLY

// XAUTH (xauth_exchange.cc) rides the same exchange: a new Transaction carrying `attr` (its
// identifier chosen here), marked TransactionData::xauth so the answer goes to XAUTH.
[[nodiscard]] base::Status transaction_start_xauth(EngineImpl& e, IsakmpSa& sa,
                                                   wire::AttributePayload attr,
                                                   base::TimePoint now);
// Responder: answers the verified Transaction `in` with `attr` (ACK/REPLY), the exchange
// lingering for duplicates.
[[nodiscard]] base::Status transaction_answer(EngineImpl& e, IsakmpSa& sa, const Inbound& in,
                                              wire::AttributePayload attr,
                                              std::vector<CfgItem> items, base::TimePoint now);

// Transition steps (transitions.cc).
base::Status cfg_r_recv1(EngineImpl& e, const Inbound& in, base::TimePoint now);
base::Status cfg_i_recv2(EngineImpl& e, Exchange& x, const Inbound& in, base::TimePoint now);

}  // namespace ike::engine
