// The mode-config Transaction exchange (draft-dukes-ike-mode-cfg-02 §3.2, §4; isakmpd
// isakmp_cfg.c): start after phase 1 (push SET / pull REQUEST), the responder step answering
// SET with ACK and REQUEST with REPLY, and the initiator step consuming ACK/REPLY. Every message
// is verified (HASH in constant time, ATTRIBUTE payload through parse_mode_cfg) before any state
// changes. See transaction.h for the diagram and the trigger rules.
#include "engine/exchanges/transaction.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/exchanges/common.h"
#include "engine/fuzzing_hook.h"
#include "engine/keymat.h"
#include "engine/mode_cfg.h"
#include "engine/peer_config.h"
#include "engine/transitions.h"
#include "engine/xauth_exchange.h"

namespace ike::engine {

namespace {

using base::ErrorCode;
using base::NotifyType;
using wire::CfgType;

constexpr std::array kCfgPayloads{
    PayloadCount{wire::PayloadType::Hash, 1, 1},
    PayloadCount{wire::PayloadType::Attribute, 1, 1},
};

bool ikecfg_enabled(const conf::ConfDb& conf, std::string_view peer_section) {
  for (const auto& f : conf.get_list(peer_section, "Flags")) {
    std::string lower;
    for (char c : f) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "ikecfg") return true;
  }
  return false;
}

// The ID payload body as phase 1 kept it (IsakmpSa::peer_id: type, protocol, port, data).
std::string id_section_of(const IsakmpSa& sa) {
  if (sa.peer_id.size() < 4) return {};
  wire::IdPayload id;
  id.id_type = sa.peer_id[0];
  id.protocol = sa.peer_id[1];
  id.port = static_cast<uint16_t>((sa.peer_id[2] << 8) | sa.peer_id[3]);
  id.data.assign(sa.peer_id.begin() + 4, sa.peer_id.end());
  return mode_cfg_section(id);
}

std::vector<std::pair<std::string, std::string>> named(const std::vector<CfgItem>& items) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& i : items) {
    out.emplace_back(wire::registry_name_or_number(wire::Registry::CfgAttr, i.type), i.value);
  }
  return out;
}

const char* cfg_type_name(CfgType t) {
  switch (t) {
    case CfgType::Request: return "REQUEST";
    case CfgType::Reply: return "REPLY";
    case CfgType::Set: return "SET";
    case CfgType::Ack: return "ACK";
    case CfgType::Reserved: break;
  }
  return "?";
}

void emit_event(EngineImpl& e, ModeCfgEvent::Kind kind, const IsakmpSa& sa,
                const std::vector<CfgItem>& items) {
  ModeCfgEvent ev;
  ev.kind = kind;
  ev.name = sa.name;
  ev.local = sa.local;
  ev.peer = sa.peer;
  ev.cookies = sa.cookies;
  ev.attributes = named(items);
  if (kind == ModeCfgEvent::Kind::Applied) ev.environment = mode_cfg_environment(items);
  std::string text;
  for (const auto& [k, v] : ev.attributes) text += fmt::format(" {}={}", k, v);
  IKE_LOG_INFO("mode-config {} with {}:{}",
               kind == ModeCfgEvent::Kind::Applied ? "received" : "served", sa.peer.to_string(),
               text.empty() ? " (no attributes)" : text);
  e.emit(std::move(ev));
}

// Encrypts `attr` with HASH(n) = prf(SKEYID_a, M-ID | ATTR) in exchange `x`'s IV chain.
base::Result<Built> build_cfg_message(EngineImpl& e, IsakmpSa& sa, const ExchangeKey& key,
                                      wire::AttributePayload attr) {
  wire::Header h;
  h.cookies = key.cookies;
  h.exchange = wire::ExchangeType::Transaction;
  h.message_id = key.message_id;
  IKE_TRY(base::Bytes iv, sa.iv.exchange_iv(e.crypto(), sa.suite.hash, key.message_id));
  const crypto::Provider& p = e.crypto();
  const crypto::HashAlg hash = sa.suite.hash;
  const base::ByteView skeyid_a = sa.keys.skeyid_a();
  const base::MessageId mid = key.message_id;
  std::vector<wire::Payload> payloads{std::move(attr)};
  return build_encrypted(p, sa.cipher, sa.keys.enc_key(), base::view(iv), h, payloads,
                         crypto::hash_length(hash), [&](base::ByteView after) {
                           // draft-dukes §3.2: HASH = prf(SKEYID_a, M-ID | ATTR)
                           return informational_hash(p, hash, skeyid_a, mid, after);
                         });
}

// Checks peer address and HASH. Nothing changes before this.
base::Status verify_cfg_hash(EngineImpl& e, IsakmpSa& sa, const Inbound& in) {
  if (in.datagram->peer.address != sa.peer.address) {
    return base::make_error(ErrorCode::State, NotifyType::None, "ISAKMP SA {} belongs to {}",
                            sa.cookies.hex(), sa.peer.to_string());
  }
  base::Bytes expected = informational_hash(e.crypto(), sa.suite.hash,
                                            sa.keys.skeyid_a(), in.header.message_id,
                                            in.after_hash());
  const auto* hash = in.find<wire::HashPayload>();
  if (!auth_check_passes(
          crypto::constant_time_equal(base::view(expected), base::view(hash->data)))) {
    return base::make_error(ErrorCode::Auth, NotifyType::InvalidHashInformation,
                            "transaction HASH mismatch");
  }
  phase1_confirmed_by_peer(e, sa.cookies);
  return base::ok();
}

// Peer address and HASH, then the ATTRIBUTE payload.
base::Result<CfgMessage> verify_cfg(EngineImpl& e, IsakmpSa& sa, const Inbound& in) {
  IKE_TRY_VOID(verify_cfg_hash(e, sa, in));
  return parse_mode_cfg(*in.find<wire::AttributePayload>());
}

// A Transaction exchange over `sa` (its own message id and IV chain), either role.
Exchange new_transaction(EngineImpl& e, const IsakmpSa& sa, ExchangeKey key, Role role,
                         State state, CfgType sent, uint16_t identifier,
                         std::vector<CfgItem> items, base::TimePoint now) {
  Exchange x;
  x.key = key;
  x.type = wire::ExchangeType::Transaction;
  x.role = role;
  x.state = state;
  x.name = sa.name;
  x.local = sa.local;
  x.peer = sa.peer;
  x.started = now;
  x.expires = now + e.retransmit_policy().exchange_max_time;
  x.cfg = std::make_unique<TransactionData>();
  x.cfg->sent = sent;
  x.cfg->identifier = identifier;
  x.cfg->items = std::move(items);
  return x;
}

// Sends `attr` in a new Transaction exchange over `sa`; returns its message id.
base::Result<base::MessageId> start_with(EngineImpl& e, IsakmpSa& sa, wire::AttributePayload attr,
                                         std::vector<CfgItem> items, bool xauth,
                                         base::TimePoint now) {
  const auto type = static_cast<CfgType>(attr.cfg_type);
  const uint16_t identifier = attr.identifier;
  Exchange x = new_transaction(e, sa, ExchangeKey{sa.cookies, e.new_message_id(sa)},
                               Role::Initiator, State::CfgISent1, type, identifier, items, now);
  x.cfg->xauth = xauth;
  auto built = build_cfg_message(e, sa, x.key, std::move(attr));
  if (!built) {
    sa.iv.end_exchange(x.key.message_id);
    return std::move(built).error();
  }
  IKE_TRY_VOID(sa.iv.advance_exchange(x.key.message_id, base::view(built->last_block)));
  Exchange& stored = e.exchanges().add(std::move(x));
  IKE_LOG_DEBUG(Exchange, 10, "mode-config: sending {} ({} attributes) to {}",
                cfg_type_name(type), items.size(), sa.peer.to_string());
  e.log_packet(stored.local, stored.peer, base::view(built->cleartext));
  const base::MessageId mid = stored.key.message_id;
  e.send_exchange_message(stored, std::move(built->datagram), now, true);
  return mid;
}

uint16_t new_identifier(EngineImpl& e) {
  uint8_t idb[2];
  e.rng().fill(idb);
  return static_cast<uint16_t>((idb[0] << 8) | idb[1]);
}

base::Result<base::MessageId> start_transaction(EngineImpl& e, IsakmpSa& sa, CfgType type,
                                                std::vector<CfgItem> items,
                                                base::TimePoint now) {
  IKE_TRY(wire::AttributePayload attr, build_mode_cfg(type, new_identifier(e), items));
  return start_with(e, sa, std::move(attr), std::move(items), false, now);
}

// The Quick Modes the pull `request` on `cookies` held (none: it holds nothing) start now.
void release_phase2(EngineImpl& e, const base::CookiePair& cookies, base::MessageId request,
                    base::TimePoint now, std::string_view why) {
  IsakmpSa* sa = e.sas().find_isakmp(cookies);
  if (sa == nullptr || !sa->phase2_hold ||
      sa->phase2_hold->until != Phase2Hold::Until::ModeCfgReply ||
      sa->phase2_hold->request != request) {
    return;
  }
  std::vector<std::string> queued = std::move(sa->phase2_hold->queued);
  sa->phase2_hold.reset();
  if (!queued.empty()) {
    IKE_LOG_DEBUG(Exchange, 20, "{}: mode-config {}: starting {} Quick Mode(s)", sa->name, why,
                  queued.size());
  }
  e.connections().start_quick_modes(e, cookies, queued, now);
}

}  // namespace

base::Status transaction_start_xauth(EngineImpl& e, IsakmpSa& sa, wire::AttributePayload attr,
                                     base::TimePoint now) {
  attr.identifier = new_identifier(e);
  IKE_TRY_VOID(start_with(e, sa, std::move(attr), {}, true, now));
  return base::ok();
}

base::Status transaction_answer(EngineImpl& e, IsakmpSa& sa, const Inbound& in,
                                wire::AttributePayload attr, std::vector<CfgItem> items,
                                base::TimePoint now) {
  const wire::Header& h = in.header;
  const auto reply_type = static_cast<CfgType>(attr.cfg_type);
  sa.used_message_ids.insert(h.message_id.value);
  Exchange x = new_transaction(e, sa, ExchangeKey{h.cookies, h.message_id}, Role::Responder,
                               State::CfgRDone, reply_type, attr.identifier, std::move(items),
                               now);
  Exchange& stored = e.exchanges().add(std::move(x));
  const ExchangeKey key = stored.key;
  IKE_TRY_VOID(accept(e, stored, in));
  IKE_TRY(Built built, build_cfg_message(e, sa, key, std::move(attr)));
  e.log_packet(stored.local, stored.peer, base::view(built.cleartext));
  e.send_exchange_message(stored, std::move(built.datagram), now, false);
  e.finish_exchange(key, now, true);
  return base::ok();
}

const PayloadRule kRuleCfg1{"CFG1", kCfgPayloads, true, true};
const PayloadRule kRuleCfg2{"CFG2", kCfgPayloads, true, true};

namespace {

// Flags=ikecfg: the push or pull the configuration asks for. A pull takes `queued` over.
void start_mode_cfg(EngineImpl& e, const base::CookiePair& cookies,
                    std::vector<std::string>& queued, base::TimePoint now) {
  IsakmpSa* sa = e.sas().find_isakmp(cookies);
  if (sa == nullptr || !ikecfg_enabled(e.conf(), sa->name)) return;
  const std::string id_section = id_section_of(*sa);
  auto role = mode_cfg_role(e.conf(), id_section, sa->name);
  if (!role) {
    IKE_LOG_WARN("{}: mode-config not started: {}", sa->name, role.error().detail);
    return;
  }
  if (sa->role == Role::Responder && !role->pull) {
    // Server push (isakmpd default Mode=SET): SET with the client's configured attributes.
    auto items = mode_cfg_server_items(e.conf(), id_section);
    if (!items) {
      IKE_LOG_WARN("{}: mode-config SET not sent: {}", sa->name, items.error().detail);
      return;
    }
    if (items->empty()) {
      IKE_LOG_WARN("{}: mode-config SET not sent: no attributes in [{}]", sa->name, id_section);
      return;
    }
    auto sent = start_transaction(e, *sa, CfgType::Set, std::move(*items), now);
    if (!sent) IKE_LOG_WARN("{}: mode-config not started: {}", sa->name, sent.error().detail);
  } else if (sa->role == Role::Initiator && role->pull) {
    std::vector<CfgItem> want;
    for (uint16_t t : role->request) want.push_back(CfgItem{t, {}});
    auto sent = start_transaction(e, *sa, CfgType::Request, std::move(want), now);
    if (!sent) {
      IKE_LOG_WARN("{}: mode-config not started: {}", sa->name, sent.error().detail);
      return;
    }
    if (!queued.empty()) {
      IKE_LOG_DEBUG(Exchange, 20, "{}: {} Quick Mode(s) wait for the mode-config REPLY",
                    sa->name, queued.size());
    }
    sa->phase2_hold = std::make_unique<Phase2Hold>(
        Phase2Hold{Phase2Hold::Until::ModeCfgReply, *sent, std::move(queued)});
    queued.clear();
  }
}

}  // namespace

void transaction_after_phase1(EngineImpl& e, const base::CookiePair& cookies,
                              std::vector<std::string> queued, base::TimePoint now) {
  start_mode_cfg(e, cookies, queued, now);
  // Empty when a pull took them over (started by its REPLY or failure).
  e.connections().start_quick_modes(e, cookies, queued, now);
}

void mode_cfg_exchange_failed(EngineImpl& e, const ExchangeKey& key, base::TimePoint now) {
  // The configured IDs do not depend on the REPLY: phase 2 goes ahead without it.
  release_phase2(e, key.cookies, key.message_id, now, "REQUEST failed");
}

base::Status cfg_r_recv1(EngineImpl& e, const Inbound& in, base::TimePoint now) {
  const wire::Header& h = in.header;
  IsakmpSa* sa = e.sas().find_isakmp(h.cookies);
  if (sa == nullptr) {
    return base::make_error(ErrorCode::State, NotifyType::None, "no ISAKMP SA");
  }
  // XAUTH attributes on an SA whose phase 1 negotiated XAUTH; elsewhere they are unknown
  // mode-config attributes (ignored).
  if (sa->xauth && is_xauth_payload(*in.find<wire::AttributePayload>())) {
    IKE_TRY_VOID(verify_cfg_hash(e, *sa, in));
    return xauth_r_recv(e, *sa, in, now);  // draft-beaulieu-ike-xauth-02 (xauth_exchange.h)
  }
  IKE_TRY(CfgMessage msg, verify_cfg(e, *sa, in));
  if (msg.type != CfgType::Set && msg.type != CfgType::Request) {
    return base::make_error(ErrorCode::State, NotifyType::None,
                            "mode-cfg {} (type {}) without a pending SET/REQUEST",
                            cfg_type_name(msg.type), static_cast<unsigned>(msg.type));
  }
  if (!ikecfg_enabled(e.conf(), sa->name)) {
    return base::make_error(ErrorCode::Unsupported, NotifyType::None,
                            "mode-cfg {} from {}: Flags=ikecfg not set on [{}]",
                            cfg_type_name(msg.type), sa->peer.to_string(), sa->name);
  }
  for (uint16_t t : msg.ignored) {
    IKE_LOG_DEBUG(Exchange, 20, "mode-config: ignoring attribute {} from {}",
                  wire::registry_name_or_number(wire::Registry::CfgAttr, t),
                  sa->peer.to_string());
  }
  // The answer, computed before any state is created.
  std::vector<CfgItem> answer;
  CfgType reply_type = CfgType::Ack;
  if (msg.type == CfgType::Request) {
    reply_type = CfgType::Reply;
    IKE_TRY(auto configured, mode_cfg_server_items(e.conf(), id_section_of(*sa)));
    answer = mode_cfg_answer(configured, msg);
  } else {
    // draft-dukes §3.2: the ACK names the accepted attributes with zero length.
    for (const auto& item : msg.items) {
      if (std::none_of(answer.begin(), answer.end(),
                       [&](const CfgItem& a) { return a.type == item.type; })) {
        answer.push_back(CfgItem{item.type, {}});
      }
    }
  }
  IKE_TRY(wire::AttributePayload attr, build_mode_cfg(reply_type, msg.identifier, answer));
  IKE_TRY_VOID(transaction_answer(e, *sa, in, std::move(attr), answer, now));
  if (msg.type == CfgType::Set) {
    emit_event(e, ModeCfgEvent::Kind::Applied, *sa, msg.items);
  } else {
    emit_event(e, ModeCfgEvent::Kind::Served, *sa, answer);
  }
  return base::ok();
}

base::Status cfg_i_recv2(EngineImpl& e, Exchange& x, const Inbound& in, base::TimePoint now) {
  IsakmpSa* sa = e.sas().find_isakmp(x.key.cookies);
  if (sa == nullptr) {
    return base::make_error(ErrorCode::State, NotifyType::None, "ISAKMP SA {} vanished",
                            x.key.cookies.hex());
  }
  if (x.cfg->xauth) {
    IKE_TRY_VOID(verify_cfg_hash(e, *sa, in));
    return xauth_i_recv(e, x, *sa, in, now);  // draft-beaulieu-ike-xauth-02 (xauth_exchange.h)
  }
  IKE_TRY(CfgMessage msg, verify_cfg(e, *sa, in));
  const CfgType want = x.cfg->sent == CfgType::Set ? CfgType::Ack : CfgType::Reply;
  if (msg.type != want) {
    return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                            "mode-cfg {} answered with {} (expected {})",
                            cfg_type_name(x.cfg->sent), cfg_type_name(msg.type),
                            cfg_type_name(want));
  }
  if (msg.identifier != x.cfg->identifier) {
    return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                            "mode-cfg {} identifier {:04x} (expected {:04x})",
                            cfg_type_name(msg.type), msg.identifier, x.cfg->identifier);
  }
  IKE_TRY_VOID(accept(e, x, in));
  const ExchangeKey key = x.key;
  if (msg.type == CfgType::Ack) {
    emit_event(e, ModeCfgEvent::Kind::Served, *sa, x.cfg->items);
  } else {
    emit_event(e, ModeCfgEvent::Kind::Applied, *sa, msg.items);
  }
  e.finish_exchange(key, now, false);
  release_phase2(e, key.cookies, key.message_id, now, "REPLY received");
  return base::ok();
}

}  // namespace ike::engine
