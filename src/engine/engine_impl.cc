// The datagram driver and the shared services of EngineImpl (design §3.3, §3.4): parse the
// header, find the exchange by (cookies, message id), answer duplicates from the retransmit
// cache, look up the transition row, check the ENC flag, decrypt with the IV chain, parse the
// payloads, check them against the row's payload rule, then run the step. Everything before
// the step's commit point is side-effect free (reliability.md A1.6 classes 6, 12-16): a bad
// datagram is dropped and counted with its reason in Stats.dropped and at IKE_LOG_DEBUG(Message,
// 10); one for an exchange in progress is also remembered by it (unverifiable.cc).
#include "engine/engine_impl.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/log.h"
#include "engine/exchanges/common.h"
#include "engine/exchanges/transaction.h"
#include "engine/message_crypto.h"
#include "engine/nat_t.h"
#include "engine/xauth_exchange.h"
#include "wire/registry.h"

namespace ike::engine {

EngineImpl::EngineImpl(const conf::ConfDb& conf, const crypto::Provider& crypto,
                       base::Random& rng, EngineOptions options)
    : m_conf(conf),
      m_crypto(crypto),
      m_rng(rng),
      m_options(options),
      m_rtx_policy(RetransmitPolicy::from_conf(conf)),
      m_half_open_limits(HalfOpenLimits::from_conf(conf, m_rtx_policy.exchange_max_time)) {}

void EngineImpl::start(base::TimePoint now) {
  m_rtx_policy = RetransmitPolicy::from_conf(m_conf);
  m_half_open_limits = HalfOpenLimits::from_conf(m_conf, m_rtx_policy.exchange_max_time);
  m_connections.start(*this, now);
}

std::vector<Output> EngineImpl::take_outputs() {
  std::vector<Output> out;
  if (m_outputs.empty()) return out;  // keeps the capacity a recycled vector brought
  out.swap(m_outputs);
  m_outputs.swap(m_spare_outputs);
  return out;
}

void EngineImpl::recycle_outputs(std::vector<Output>&& used) {
  // Kept up to a small capacity: the burst of a shutdown or a reload is not held on to.
  constexpr std::size_t kMaxKept = 64;
  if (used.capacity() > kMaxKept) return;
  used.clear();  // outputs may hold key material: SecureBytes wipe as they go
  // Collects the next outputs at once when nothing is pending; else it waits as the spare
  // that take_outputs() puts in place.
  std::vector<Output>& slot = m_outputs.empty() ? m_outputs : m_spare_outputs;
  if (used.capacity() > slot.capacity()) slot.swap(used);
}

void EngineImpl::send(const base::SockAddr& local, const base::SockAddr& peer, base::Bytes bytes) {
  ++m_stats.datagrams_out;
  if (bytes.size() >= wire::kHeaderSize && (bytes[19] & wire::kFlagEncryption) == 0) {
    log_packet(local, peer, base::view(bytes));  // encrypted ones: at the build site
  }
  // IKE fragmentation (fragment_send.h): a large message to a peer that announced support.
  auto parts = fragments_for(*this, local, peer, base::view(bytes));
  if (!parts.empty()) {
    m_stats.datagrams_out += parts.size() - 1;
    for (auto& p : parts) m_outputs.emplace_back(SendDatagram{local, peer, std::move(p)});
    return;
  }
  m_outputs.emplace_back(SendDatagram{local, peer, std::move(bytes)});
}

void EngineImpl::send_exchange_message(Exchange& x, base::Bytes bytes, base::TimePoint now,
                                       bool expect_answer) {
  send(x.local, x.peer, bytes);
  x.rtx.sent(std::move(bytes), now, expect_answer);
}

uint64_t EngineImpl::kernel(decltype(KernelRequest::op) op) {
  uint64_t id = m_next_request++;
  m_outputs.emplace_back(KernelRequest{id, std::move(op)});
  return id;
}

void EngineImpl::event(SaEvent ev) {
  if (m_options.verbose && ev.kind != SaEvent::Kind::ExchangeFailed) {
    IKE_LOG_INFO("{}: {} {} {}", ev.name, ev.peer.to_string(), ev.cookies.hex(), ev.detail);
  }
  m_outputs.emplace_back(std::move(ev));
}

base::Cookie EngineImpl::new_cookie() {
  base::Cookie c;
  do {
    m_rng.fill(c.bytes);
  } while (c.is_zero());
  return c;
}

base::MessageId EngineImpl::new_message_id(IsakmpSa& sa) {
  for (;;) {
    uint32_t v = m_rng.u32();
    if (v != 0 && sa.used_message_ids.insert(v).second) return base::MessageId{v};
  }
}

void EngineImpl::drop(std::string reason) {
  std::string_view category = drop_reason_category(reason);
  ++m_stats.dropped;
  ++m_stats.dropped_by_reason[std::string(category)];
  // Every drop is counted; the log line is rate-limited per category (floods, class 18).
  log_limited(base::LogSeverity::Debug, fmt::format("drop:{}", category),
              fmt::format("dropped: {}", reason));
  m_last_drop = std::move(reason);
}

void EngineImpl::fail_exchange(const ExchangeKey& key, const std::string& reason) {
  Exchange* x = m_exchanges.find(key);
  if (x == nullptr) return;
  std::string_view category = failure_reason_category(reason);
  ++m_stats.exchanges_failed;
  ++m_stats.failed_by_reason[std::string(category)];
  log_limited(base::LogSeverity::Warning, fmt::format("failed:{}", category),
              fmt::format("{} exchange {} with {} failed: {}", wire::to_string(x->type), x->name,
                          x->peer.to_string(), reason));
  SaEvent ev{SaEvent::Kind::ExchangeFailed, x->name, x->local, x->peer, key.cookies,
             key.message_id, {}, reason};
  event(std::move(ev));
  end_exchange_iv(*this, key);
  const bool xauth = x->cfg && x->cfg->xauth;
  const bool cfg = x->cfg && !xauth;
  m_exchanges.remove(key);
  if (xauth) xauth_exchange_failed(*this, key.cookies, reason);  // the SA goes (xauth_exchange.h)
  if (cfg) mode_cfg_exchange_failed(*this, key, m_now);  // a pull's held Quick Modes start
}

void EngineImpl::finish_exchange(const ExchangeKey& key, base::TimePoint now, bool linger) {
  Exchange* x = m_exchanges.find(key);
  if (x == nullptr) return;
  m_exchanges.authenticated(key);  // a finished phase 1 is no longer half-open
  end_exchange_iv(*this, key);
  if (!linger) {
    m_exchanges.remove(key);
    return;
  }
  m_exchanges.mark_finished(key);
  x->rtx.answered();
  // Keep the final message for the peer's retransmits (isakmpd keeps the last message of an
  // exchange); bounded by Exchange-max-time.
  x->expires = now + m_rtx_policy.exchange_max_time;
  // A lingering exchange only answers duplicates from `rtx` (on_datagram): its working set goes
  // now, not at Exchange-max-time (issue #7: after a burst of 100,000 handshakes every finished
  // one lingers at once).
  x->mm.reset();
  x->qm.reset();
  x->cfg.reset();
}

// ------------------------------------------------------------------------------ datagrams

void EngineImpl::on_datagram(const Datagram& d, base::TimePoint now) {
  m_now = now;
  ++m_stats.datagrams_in;
  auto h = wire::parse_header(base::view(d.bytes));
  if (!h) {
    drop(fmt::format("datagram from {}: {}", d.peer.to_string(), h.error().detail));
    return;
  }
  if (h->next_payload == wire::PayloadType::Fragment) {
    // IKE fragmentation: the whole message is dispatched once its last fragment arrived.
    auto whole = on_fragment(*this, d, now);
    if (!whole) return;
    Datagram full{d.local, d.peer, std::move(*whole)};
    auto inner = wire::parse_header(base::view(full.bytes));  // checked by on_fragment
    if (!inner) return;
    if ((inner->flags & wire::kFlagEncryption) == 0) {
      log_packet(full.peer, full.local, base::view(full.bytes));
    }
    dispatch(full, *inner, now);
    return;
  }
  if ((h->flags & wire::kFlagEncryption) == 0) log_packet(d.peer, d.local, base::view(d.bytes));
  dispatch(d, *h, now);
}

void EngineImpl::dispatch(const Datagram& d, const wire::Header& h, base::TimePoint now) {
  switch (h.exchange) {
    case wire::ExchangeType::IdProt:
    case wire::ExchangeType::Aggressive:
      dispatch_phase1(d, h, now);
      return;
    case wire::ExchangeType::QuickMode: {
      if (h.message_id.value == 0) {
        drop(fmt::format("Quick Mode from {} with message id 0", d.peer.to_string()));
        return;
      }
      if (m_sas.find_isakmp(h.cookies) == nullptr) {
        drop(fmt::format("Quick Mode from {} for unknown ISAKMP SA {} (phase 1 not complete)",
                         d.peer.to_string(), h.cookies.hex()));
        return;
      }
      if (Exchange* x = m_exchanges.find({h.cookies, h.message_id})) {
        dispatch_to_exchange(*x, d, h, now);
        return;
      }
      run_row(*find_transition(h.exchange, Role::Responder, State::None), nullptr, d, h, now);
      return;
    }
    case wire::ExchangeType::Transaction: {
      // Mode-config (exchanges/transaction.h): only over an established ISAKMP SA.
      if (h.message_id.value == 0 || m_sas.find_isakmp(h.cookies) == nullptr) {
        drop(fmt::format("TRANSACTION from {} with message id {:08x} for ISAKMP SA {} (none)",
                         d.peer.to_string(), h.message_id.value, h.cookies.hex()));
        return;
      }
      if (Exchange* x = m_exchanges.find({h.cookies, h.message_id})) {
        dispatch_to_exchange(*x, d, h, now);
        return;
      }
      run_row(*find_transition(h.exchange, Role::Responder, State::None), nullptr, d, h, now);
      return;
    }
    case wire::ExchangeType::Informational: {
      bool enc = (h.flags & wire::kFlagEncryption) != 0;
      if (!enc) {
        handle_unprotected_info(*this, d, h, now);
        return;
      }
      if (m_sas.find_isakmp(h.cookies) == nullptr) {
        drop(fmt::format("encrypted informational from {} for unknown ISAKMP SA {}",
                         d.peer.to_string(), h.cookies.hex()));
        return;
      }
      if (h.message_id.value == 0) {
        drop(fmt::format("informational from {} with message id 0", d.peer.to_string()));
        return;
      }
      run_row(*find_transition(h.exchange, Role::Responder, State::None), nullptr, d, h, now);
      return;
    }
    default:
      drop(fmt::format("{} exchange from {} not supported", wire::to_string(h.exchange),
                       d.peer.to_string()));
      return;
  }
}

void EngineImpl::dispatch_phase1(const Datagram& d, const wire::Header& h, base::TimePoint now) {
  if (h.message_id.value != 0) {
    drop(fmt::format("Main Mode from {} with message id {:08x}", d.peer.to_string(),
                     h.message_id.value));
    return;
  }
  if (h.cookies.initiator.is_zero()) {
    drop(fmt::format("Main Mode from {} with a zero initiator cookie", d.peer.to_string()));
    return;
  }
  if (h.cookies.responder.is_zero()) {
    // MM1, or a retransmitted MM1 of an exchange we already answered.
    if (Exchange* x = m_exchanges.find_responder_by_icookie(h.cookies.initiator, d.peer)) {
      dispatch_to_exchange(*x, d, h, now);
      return;
    }
    if (Exchange* x = m_exchanges.find_initiator_mm(h.cookies.initiator)) {
      (void)x;
      drop(fmt::format("MM1 from {} reuses our initiator cookie {}", d.peer.to_string(),
                       h.cookies.initiator.hex()));
      return;
    }
    if (m_sas.find_isakmp_by_icookie(h.cookies.initiator, d.peer.address) != nullptr) {
      // A late copy of the first message of a phase 1 that completed (its exchange may be gone
      // already: phase1_confirmed_by_peer). A new negotiation comes with a new initiator
      // cookie (RFC 2408 2.5.3), so answering would only leave a half-open exchange behind.
      drop(fmt::format("first message from {} repeats the initiator cookie of the ISAKMP SA"
                       " established with it ({})", d.peer.to_string(), h.cookies.initiator.hex()));
      return;
    }
    if ((h.flags & wire::kFlagEncryption) != 0) {
      drop(fmt::format("encrypted MM1 from {}", d.peer.to_string()));
      return;
    }
    run_row(*find_transition(h.exchange, Role::Responder, State::None), nullptr, d, h, now);
    return;
  }
  if (Exchange* x = m_exchanges.find({h.cookies, base::MessageId{0}})) {
    dispatch_to_exchange(*x, d, h, now);
    return;
  }
  // MM2: our initiator exchange is still keyed with a zero responder cookie.
  base::CookiePair half{h.cookies.initiator, base::Cookie{}};
  if (Exchange* x = m_exchanges.find({half, base::MessageId{0}});
      x != nullptr && x->role == Role::Initiator) {
    dispatch_to_exchange(*x, d, h, now);
    return;
  }
  if (m_sas.find_isakmp(h.cookies) != nullptr) {
    drop(fmt::format("Main Mode message from {} for the established ISAKMP SA {}",
                     d.peer.to_string(), h.cookies.hex()));
    return;
  }
  drop(fmt::format("Main Mode message from {} with unknown cookies {}", d.peer.to_string(),
                   h.cookies.hex()));
}

void EngineImpl::dispatch_to_exchange(Exchange& x, const Datagram& d, const wire::Header& h,
                                      base::TimePoint now) {
  if (h.exchange != x.type) {
    drop(fmt::format("{} message from {} for a {} exchange", wire::to_string(h.exchange),
                     d.peer.to_string(), wire::to_string(x.type)));
    return;
  }
  if (d.peer.address != x.peer.address) {
    drop(fmt::format("message for exchange {} from {} (expected {})", x.key.cookies.hex(),
                     d.peer.to_string(), x.peer.to_string()));
    return;
  }
  if (x.rtx.is_duplicate(base::view(d.bytes))) {
    // isakmpd message_check_duplicate: the peer did not get the final message of the
    // exchange; resend it (once per duplicate). An earlier step answers only the peer's own
    // retransmissions (retransmit.h kDuplicateAnswerGap); a path's copies wait for the timer.
    const bool final_message = x.rtx.last_sent_final();
    if (x.rtx.answer_duplicate(now)) {
      IKE_LOG_DEBUG(Message, 20, "duplicate from {} in state {}: resending our last message{}",
                    d.peer.to_string(), state_name(x.state),
                    final_message ? "" : " (the peer retransmitted: ours was lost?)");
      ++m_stats.retransmits;
      send(x.local, x.peer, x.rtx.last_sent());
    } else {
      drop(fmt::format("duplicate message from {} in state {}", d.peer.to_string(),
                       state_name(x.state)));
    }
    return;
  }
  if (x.finished) {
    drop(fmt::format("message from {} for finished exchange {} (state {})", d.peer.to_string(),
                     x.key.cookies.hex(), state_name(x.state)));
    return;
  }
  const Transition* row = find_transition(h.exchange, x.role, x.state);
  if (row == nullptr) {
    drop(fmt::format("{} message from {} unexpected in state {}", wire::to_string(h.exchange),
                     d.peer.to_string(), state_name(x.state)));
    return;
  }
  run_row(*row, &x, d, h, now);
}

namespace {

struct DecryptKeys {
  crypto::CipherAlg cipher;
  base::SecureBytes key;
  base::Bytes iv;
};

}  // namespace

void EngineImpl::run_row(const Transition& row, Exchange* x, const Datagram& d,
                         const wire::Header& h, base::TimePoint now) {
  Inbound in;
  in.datagram = &d;
  in.header = h;
  in.encrypted = (h.flags & wire::kFlagEncryption) != 0;
  bool in_step = false;
  std::optional<NatRebind> rebind;
  base::Status st = [&]() -> base::Status {
    IKE_TRY_VOID(check_encryption(*row.rule, in.encrypted));
    base::ByteView body = base::view(d.bytes).subspan(wire::kHeaderSize);
    if (in.encrypted) {
      crypto::CipherAlg cipher{};
      base::ByteView key;
      base::Bytes iv;
      std::optional<base::Bytes> quirk_iv;  // libreswan push, see below
      if (is_phase1_exchange(h.exchange)) {
        if (x == nullptr || !x->mm || x->mm->keys.enc_key.empty()) {
          return base::make_error(base::ErrorCode::State, base::NotifyType::None,
                                  "encrypted Main Mode message before keys exist");
        }
        cipher = x->mm->cipher;
        key = base::view(x->mm->keys.enc_key);
        iv = x->mm->iv.phase1_iv();
      } else {
        IsakmpSa* sa = m_sas.find_isakmp(h.cookies);
        if (sa == nullptr) {
          return base::make_error(base::ErrorCode::State, base::NotifyType::None,
                                  "no ISAKMP SA {}", h.cookies.hex());
        }
        cipher = sa->cipher;
        key = sa->keys.enc_key();
        IKE_TRY(iv, sa->iv.exchange_iv(m_crypto, sa->suite.hash, h.message_id));
        // libreswan 4.10 as mode-config server pushes its SET (a Transaction it starts) CBC-
        // encrypted with the phase-1 IV itself instead of RFC 2409 App. B's hash(phase-1 IV |
        // M-ID) (ikev1_xauth.c modecfg_send_set: no init_phase2_iv). Only the first plaintext
        // block differs; when the RFC IV does not parse, the phase-1 IV is tried once. The
        // message must still pass HASH(1) (prf(SKEYID_a, M-ID | ATTR)) in the step.
        if (x == nullptr && h.exchange == wire::ExchangeType::Transaction) {
          quirk_iv = sa->iv.phase1_iv();
        }
      }
      IKE_TRY(auto opened, open(m_crypto, cipher, key, base::view(iv), body));
      in.area = std::move(opened.plaintext);
      in.last_block = std::move(opened.last_block);
      if (quirk_iv && !wire::parse_payloads(h.next_payload, base::view(in.area),
                                            wire::kHeaderSize, true)) {
        IKE_TRY(auto again, open(m_crypto, cipher, key, base::view(*quirk_iv), body));
        if (wire::parse_payloads(h.next_payload, base::view(again.plaintext), wire::kHeaderSize,
                                 true)) {
          IKE_LOG_DEBUG(Exchange, 10,
                        "TRANSACTION from {} decrypted with the phase-1 IV (libreswan push)",
                        d.peer.to_string());
          in.area = std::move(again.plaintext);
          in.last_block = std::move(again.last_block);
        }
      }
    } else {
      in.area = base::to_bytes(body);
    }
    IKE_TRY(in.payloads, wire::parse_payloads(h.next_payload, base::view(in.area),
                                              wire::kHeaderSize, in.encrypted));
    if (!in.payloads.empty()) {
      in.area_end = in.payloads.back().offset + in.payloads.back().total_length;
    }
    if (in.encrypted) {
      log_packet(d.peer, d.local, base::view(d.bytes),
                 base::view(in.area).first(std::min(in.area_end, in.area.size())));
    }
    IKE_TRY_VOID(check_payloads(*row.rule, in.encrypted, in.payloads));
    if (in.encrypted && !is_phase1_exchange(h.exchange)) {
      rebind = nat_t_rebind_begin(*this, h, d, x);
    }
    in_step = true;
    return row.step != nullptr ? row.step(*this, *x, in, now) : row.start(*this, in, now);
  }();
  if (!is_phase1_exchange(h.exchange)) {
    // One-message exchanges and rejected QM1s must not leave an IV chain behind.
    if (m_exchanges.find({h.cookies, h.message_id}) == nullptr) {
      if (IsakmpSa* sa = m_sas.find_isakmp(h.cookies)) sa->iv.end_exchange(h.message_id);
    }
    // An authenticated message over an ISAKMP SA: the peer is alive (dpd.h).
    if (st && in.encrypted) m_dpd.heard(h.cookies, now);
  }
  // NAT rebinding (RFC 3947 §4): kept only if the step accepted (authenticated) the message.
  if (rebind) nat_t_rebind_end(*this, h, *rebind, static_cast<bool>(st));
  if (!st) {
    // Strict "no state change" (unverifiable.cc): a message for an exchange in progress that
    // fails before the step's commit point (accept(): the datagram recorded as received) is
    // dropped and remembered; only a failure after the commit (our own, e.g. building the
    // reply) fails the exchange. A step never changes the exchange before its commit point.
    bool committed = in_step && x != nullptr && x->rtx.is_duplicate(base::view(d.bytes));
    handle_row_error(row, x, committed, d, h, in.encrypted, st.error(), now);
  }
}

namespace {
// An encrypted phase-1 message (MM5/MM6, an encrypted AM3) that decrypted into a well-formed
// payload chain and then failed a certificate, identity, signature or policy check came from
// the holder of SKEYID_e, i.e. the DH partner, never an off-path forger (noise from a wrong key
// does not parse into a CERT or ID payload). That is a real misconfiguration (revoked or
// untrusted certificate, ID not in the certificate, wrong public key, KeyNote refusal): fail
// the exchange at once with the precise reason instead of waiting for the timeout.
bool from_key_holder(const Exchange& x, bool encrypted, const base::Error& e) {
  if (!encrypted || !is_phase1_exchange(x.type)) return false;
  switch (e.notify) {
    case base::NotifyType::InvalidIdInformation:
    case base::NotifyType::InvalidCertEncoding:
    case base::NotifyType::InvalidCertificate:
    case base::NotifyType::CertTypeUnsupported:
    case base::NotifyType::InvalidCertAuthority:
    case base::NotifyType::AuthenticationFailed:
    case base::NotifyType::InvalidSignature:
    case base::NotifyType::CertificateUnavailable: return true;
    default: return false;
  }
}
}  // namespace

void EngineImpl::handle_row_error(const Transition& row, Exchange* x, bool committed,
                                  const Datagram& d, const wire::Header& h, bool encrypted,
                                  const base::Error& e, base::TimePoint now) {
  (void)now;
  std::string what = fmt::format("{} from {}: {}", row.rule->name, d.peer.to_string(), e.detail);
  if (x != nullptr && !committed && !from_key_holder(*x, encrypted, e)) {
    drop_unverifiable(row.rule->name, *x, d, encrypted, e);
    return;
  }
  if (x == nullptr || row.on_error == OnError::Drop) {
    drop(std::move(what));
    return;
  }
  if (row.auth_step) {
    IKE_LOG_WARN("{}: authentication failed for peer {} ({})", x->name, d.peer.to_string(),
                 e.detail);
    what = fmt::format("authentication failed for peer {}: {}", d.peer.to_string(), e.detail);
  }
  if (e.notify != base::NotifyType::None && is_phase1_exchange(x->type)) {
    // Phase 1 has no authenticated keys to protect the notify with: cleartext (RFC 2408 §5).
    send_notify_clear(*this, x->local, x->peer, h.cookies, e.notify);
  }
  fail_exchange(x->key, what);
}

}  // namespace ike::engine
