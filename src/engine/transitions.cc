// The transition table rows and the accept() commit point.
#include "engine/transitions.h"

#include "engine/engine_impl.h"
#include "engine/exchanges/aggressive_mode.h"
#include "engine/exchanges/transaction.h"

namespace ike::engine {

using wire::ExchangeType;

const std::vector<Transition>& transition_table() {
  static const std::vector<Transition> kTable{
      // Main Mode with pre-shared keys (RFC 2409 §5.4).
      {ExchangeType::IdProt, Role::Responder, State::None, &kRuleMm1, nullptr, &mm_r_recv1,
       OnError::Drop, false, "HDR, SA, VID -->"},
      {ExchangeType::IdProt, Role::Initiator, State::MmISent1, &kRuleMm2, &mm_i_recv2, nullptr,
       OnError::Fail, false, "<-- HDR, SA, VID"},
      {ExchangeType::IdProt, Role::Responder, State::MmRSent2, &kRuleMm3, &mm_r_recv3, nullptr,
       OnError::Fail, false, "HDR, KE, Ni -->"},
      {ExchangeType::IdProt, Role::Initiator, State::MmISent3, &kRuleMm4, &mm_i_recv4, nullptr,
       OnError::Fail, false, "<-- HDR, KE, Nr"},
      {ExchangeType::IdProt, Role::Responder, State::MmRSent4, &kRuleMm5, &mm_r_recv5, nullptr,
       OnError::Fail, true, "HDR*, IDii, HASH_I [, N(INITIAL-CONTACT)] -->"},
      {ExchangeType::IdProt, Role::Initiator, State::MmISent5, &kRuleMm6, &mm_i_recv6, nullptr,
       OnError::Fail, true, "<-- HDR*, IDir, HASH_R [, N(INITIAL-CONTACT)]"},
      // Aggressive Mode with pre-shared keys (RFC 2409 §5.4); exchanges/aggressive_mode.cc.
      // AM2/AM3 arrive in the clear, so only a failure inside the step (bad HASH, ID, SA)
      // ends the exchange; a message that fails its payload rule is dropped.
      {ExchangeType::Aggressive, Role::Responder, State::None, &kRuleAm1, nullptr, &am_r_recv1,
       OnError::Drop, false, "HDR, SA, KE, Ni, IDii -->"},
      {ExchangeType::Aggressive, Role::Initiator, State::AmISent1, &kRuleAm2, &am_i_recv2,
       nullptr, OnError::Fail, false, "<-- HDR, SA, KE, Nr, IDir, HASH_R"},
      {ExchangeType::Aggressive, Role::Responder, State::AmRSent2, &kRuleAm3, &am_r_recv3,
       nullptr, OnError::Fail, false, "HDR*, HASH_I -->"},
      // Quick Mode (RFC 2409 §5.5). HASH failures are dropped: a forged message must not end a
      // negotiation (retransmits and Exchange-max-time bound the wait).
      {ExchangeType::QuickMode, Role::Responder, State::None, &kRuleQm1, nullptr, &qm_r_recv1,
       OnError::Drop, false, "HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] -->"},
      {ExchangeType::QuickMode, Role::Initiator, State::QmISent1, &kRuleQm2, &qm_i_recv2,
       nullptr, OnError::Drop, false, "<-- HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]"},
      {ExchangeType::QuickMode, Role::Responder, State::QmRSent2, &kRuleQm3, &qm_r_recv3,
       nullptr, OnError::Drop, false, "HDR*, HASH(3) -->"},
      // Informational (RFC 2409 §5.7), either role.
      {ExchangeType::Informational, Role::Responder, State::None, &kRuleInfoProtected, nullptr,
       &info_recv, OnError::Drop, false, "HDR*, HASH(1), N/D -->"},
      // Transaction (mode-config, exchanges/transaction.h), either phase-1 role.
      {ExchangeType::Transaction, Role::Responder, State::None, &kRuleCfg1, nullptr,
       &cfg_r_recv1, OnError::Drop, false, "HDR*, HASH(1), ATTR(SET | REQUEST) -->"},
      {ExchangeType::Transaction, Role::Initiator, State::CfgISent1, &kRuleCfg2, &cfg_i_recv2,
       nullptr, OnError::Drop, false, "<-- HDR*, HASH(2), ATTR(ACK | REPLY)"},
  };
  return kTable;
}

const Transition* find_transition(ExchangeType exchange, Role role, State state) {
  for (const auto& row : transition_table()) {
    if (row.exchange == exchange && row.role == role && row.state == state) return &row;
  }
  return nullptr;
}

const wire::PayloadEntry* Inbound::entry(wire::PayloadType t) const {
  for (const auto& e : payloads) {
    if (wire::payload_type(e.value) == t) return &e;
  }
  return nullptr;
}

base::ByteView Inbound::after_hash() const {
  const wire::PayloadEntry* h = entry(wire::PayloadType::Hash);
  if (h == nullptr) return {};
  std::size_t from = h->offset + h->total_length;
  if (from > area_end || area_end > area.size()) return {};
  return base::ByteView(area).subspan(from, area_end - from);
}

base::Status accept(EngineImpl& e, Exchange& x, const Inbound& in) {
  (void)e;
  x.rtx.received(base::view(in.datagram->bytes));
  x.rtx.answered();
  if (!in.encrypted) return base::ok();
  if (is_phase1_exchange(x.type)) {
    return x.mm->iv.advance_phase1(in.last_block);
  }
  IsakmpSa* sa = e.sas().find_isakmp(x.key.cookies);
  if (sa == nullptr) {
    return base::make_error(base::ErrorCode::State, base::NotifyType::None,
                            "ISAKMP SA {} vanished", x.key.cookies.hex());
  }
  return sa->iv.advance_exchange(x.key.message_id, in.last_block);
}

}  // namespace ike::engine
