// Engine: the public facade (forwarding to EngineImpl) plus EngineImpl's time-driven and
// command-driven entry points: timers (retransmits, Exchange-max-time, lingering exchanges, SA
// hard lifetimes, the connection watchdog), UI commands (c, t, T, d), kernel replies, config
// changes and shutdown (DELETEs: IPsec first, then ISAKMP).
#include "engine/engine.h"

#include <fmt/format.h>

#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/exchanges/common.h"
#include "engine/nat_t.h"
#include "engine/peer_config.h"
#include "engine/rekey.h"
#include "engine/report.h"
#include "engine/xauth_exchange.h"

namespace ike::engine {

// ------------------------------------------------------------------------------ facade

Engine::Engine(const conf::ConfDb& conf, const crypto::Provider& crypto, base::Random& rng,
               EngineOptions options)
    : m_impl(std::make_unique<EngineImpl>(conf, crypto, rng, options)) {}
Engine::~Engine() = default;

void Engine::start(base::TimePoint now) { m_impl->start(now); }
void Engine::on_datagram(const Datagram& d, base::TimePoint now) { m_impl->on_datagram(d, now); }
void Engine::on_ui(const UiCommand& cmd, base::TimePoint now) { m_impl->on_ui(cmd, now); }
void Engine::on_xauth_verdict(const XauthVerdict& verdict, base::TimePoint now) {
  xauth_on_verdict(*m_impl, verdict, now);
}

void Engine::on_kernel_reply(const KernelReply& reply, base::TimePoint now) {
  m_impl->on_kernel_reply(reply, now);
}
void Engine::on_tick(base::TimePoint now) { m_impl->on_tick(now); }
void Engine::on_config_changed(base::TimePoint now) { m_impl->on_config_changed(now); }
void Engine::on_config_reloaded(base::TimePoint now) { m_impl->on_config_reloaded(now); }
void Engine::shutdown(base::TimePoint now, bool send_deletes) {
  m_impl->shutdown(now, send_deletes);
}
void Engine::set_passive(bool passive) { m_impl->set_passive(passive); }
void Engine::set_packet_log(bool on) { m_impl->set_packet_log(on); }
void Engine::set_credentials(std::shared_ptr<const PkiStore> pki) {
  m_impl->set_credentials(std::move(pki));
}
void Engine::set_policy(std::shared_ptr<const policy::PolicyContext> policy) {
  m_impl->set_policy(std::move(policy));
}
std::optional<base::TimePoint> Engine::next_deadline() const { return m_impl->next_deadline(); }
std::vector<Output> Engine::take_outputs() { return m_impl->take_outputs(); }
void Engine::recycle_outputs(std::vector<Output>&& used) {
  m_impl->recycle_outputs(std::move(used));
}
std::string Engine::sa_status_report(base::TimePoint now) const {
  return m_impl->sa_status_report(now);
}
std::vector<std::string> Engine::report_lines(base::TimePoint now) const {
  return m_impl->report_lines(now);
}
Engine::Stats Engine::stats() const { return m_impl->stats(); }
Engine::Status Engine::status(base::TimePoint now, StatusDetail detail) const {
  return engine_status(*m_impl, now, detail);
}
std::size_t Engine::phase1_sa_count() const { return m_impl->sas().isakmp_sas().size(); }
std::size_t Engine::phase2_sa_count() const { return m_impl->sas().ipsec_sas().size(); }
std::size_t Engine::exchange_count() const { return m_impl->exchanges().active_count(); }
std::string Engine::last_drop_reason() const { return m_impl->last_drop_reason(); }
bool Engine::send_r_u_there(const base::CookiePair& cookies, uint32_t seq, base::TimePoint now) {
  (void)now;
  IsakmpSa* sa = m_impl->sas().find_isakmp(cookies);
  if (sa == nullptr) return false;
  // RFC 3706 §5: notify SPI = CKY-I | CKY-R, data = 32-bit sequence number.
  base::Bytes data{static_cast<uint8_t>(seq >> 24), static_cast<uint8_t>(seq >> 16),
                   static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq)};
  send_notify_protected(*m_impl, *sa, base::NotifyType::RUThere,
                        static_cast<uint8_t>(wire::ProtocolId::Isakmp), cookie_spi(cookies),
                        std::move(data));
  return true;
}

// ------------------------------------------------------------------------------ reports

std::string EngineImpl::sa_status_report(base::TimePoint now) const {
  return format_sa_status(*this, now);
}
std::vector<std::string> EngineImpl::report_lines(base::TimePoint now) const {
  return format_report_lines(*this, now);
}

// ------------------------------------------------------------------------------ timers

void EngineImpl::on_tick(base::TimePoint now) {
  m_now = now;
  flush_log_summaries(now);
  expire_exchanges(now);
  expire_sas(now);
  xauth_tick(*this, now);  // XAuth-timeout (xauth_exchange.h)
  m_fragments.reassembler.expire(now);
  nat_t_send_keepalives(*this, now);
  rekey_tick(*this, now);
  m_dpd.on_tick(*this, now);
  m_connections.on_tick(*this, now);
}

void EngineImpl::expire_exchanges(base::TimePoint now) {
  // Only the exchanges whose deadline passed (ExchangeTable's deadline heap), in key order.
  const std::vector<ExchangeKey> keys = m_exchanges.due(now);
  for (const auto& k : keys) {
    Exchange* x = m_exchanges.find(k);
    if (x == nullptr) continue;
    if (x->finished) {
      if (now >= x->expires) m_exchanges.remove(k);
      continue;
    }
    if (now >= x->expires) {
      bool half_open = k.message_id.value == 0 && m_exchanges.half_open().contains(k.cookies);
      fail_unverifiable(
          k, "timeout",
          half_open ? fmt::format("half-open exchange timed out after {} s (Half-open-max-time)",
                                  m_half_open_limits.max_time.count())
                    : fmt::format("exchange timed out after {} s (Exchange-max-time)",
                                  m_rtx_policy.exchange_max_time.count()));
      continue;
    }
    switch (x->rtx.on_timer(now, m_rtx_policy.retransmits)) {
      case Retransmitter::Expiry::None:
        break;
      case Retransmitter::Expiry::Resend:
        ++m_stats.retransmits;
        IKE_LOG_DEBUG(Message, 10, "retransmitting to {} (transmission {}) in state {}",
                      x->peer.to_string(), x->rtx.transmissions(), state_name(x->state));
        send(x->local, x->peer, x->rtx.last_sent());
        break;
      case Retransmitter::Expiry::GiveUp:
        fail_unverifiable(k, "timeout",
                          fmt::format("no response from peer {} after {} retransmits",
                                      x->peer.to_string(), m_rtx_policy.retransmits));
        break;
    }
  }
}

void EngineImpl::expire_sas(base::TimePoint now) {
  // Only the SAs whose timer passed (SaDb's deadline heaps), in (deadline, key) order.
  for (auto spi : m_sas.due_ipsec(now)) {
    const IpsecSa* sa = std::as_const(m_sas).find_ipsec_by_in_spi(spi);
    // Features §1.12: hard expiry deletes the SA (kernel SAs and flows) and tells the peer.
    if (sa != nullptr && sa->hard_expiry && now >= *sa->hard_expiry) {
      delete_ipsec_sa(*this, spi, true, "hard lifetime expired");
    }
  }
  for (const auto& c : m_sas.due_isakmp(now)) {
    const IsakmpSa* sa = std::as_const(m_sas).find_isakmp(c);
    if (sa != nullptr && sa->hard_expiry && now >= *sa->hard_expiry) {
      delete_isakmp_sa(*this, c, true, "hard lifetime expired");
    }
  }
}

std::optional<base::TimePoint> EngineImpl::next_deadline() const {
  std::optional<base::TimePoint> d;
  auto consider = [&](std::optional<base::TimePoint> t) {
    if (t && (!d || *t < *d)) d = t;
  };
  consider(m_exchanges.next_deadline());  // O(log n): the table's deadline heap
  consider(m_sas.next_deadline());  // lifetimes, rekey, NAT-T keepalives: SaDb's heaps
  consider(m_connections.next_deadline());
  consider(next_log_summary());
  consider(m_dpd.next_deadline(*this));  // DPD's own heap
  consider(xauth_deadline(*this));
  return d;
}

// ------------------------------------------------------------------------------ commands

void EngineImpl::on_kernel_reply(const KernelReply& reply, base::TimePoint now) {
  m_now = now;
  if (Exchange* x = m_exchanges.find_by_request(reply.request_id)) {
    qm_on_spi(*this, *x, reply, now);
    return;
  }
  if (auto it = m_sa_installs.find(reply.request_id); it != m_sa_installs.end()) {
    const base::Spi in_spi = it->second;
    m_sa_installs.erase(it);
    if (!reply.ok && m_sas.find_ipsec_by_in_spi(in_spi) != nullptr) {
      // The kernel refused a key of the pair: without both SAs the tunnel cannot carry traffic,
      // so the pair goes and the peer is told (DELETE) rather than left sending into a void.
      IKE_LOG_ERROR("{}; deleting the IPsec SA pair (in spi {:08x})", reply.error, in_spi.value);
      delete_ipsec_sa(*this, in_spi, true, "the kernel refused the SA");
    }
    return;
  }
  if (!reply.ok) {
    IKE_LOG_WARN("kernel request {} failed: {}", reply.request_id, reply.error);
  }
}

void EngineImpl::on_config_changed(base::TimePoint now) {
  m_rtx_policy = RetransmitPolicy::from_conf(m_conf);
  m_half_open_limits = HalfOpenLimits::from_conf(m_conf, m_rtx_policy.exchange_max_time);
  m_connections.config_changed(now);
}

namespace {

// Why an established IPsec SA no longer matches the configuration (empty: it still matches):
// its connection section must still load and give the selectors the SA was negotiated for.
std::string stale_reason(const conf::ConfDb& conf, const IpsecSa& sa) {
  auto c = load_connection_config(conf, sa.name);
  if (!c) return fmt::format("connection {} no longer configured ({})", sa.name, c.error().detail);
  auto sel = connection_selectors(conf, *c, sa.local.address, sa.peer.address);
  if (!sel) return fmt::format("connection {}: {}", sa.name, sel.error().detail);
  if (sa.local_ts != sel->local || sa.peer_ts != sel->remote) {
    return fmt::format("connection {} now covers {} <-> {}, the SA {} <-> {}", sa.name,
                       sel->local.to_string(), sel->remote.to_string(), sa.local_ts.to_string(),
                       sa.peer_ts.to_string());
  }
  return {};
}

}  // namespace

void EngineImpl::on_config_reloaded(base::TimePoint now) {
  m_now = now;
  on_config_changed(now);
  std::vector<std::pair<base::Spi, std::string>> stale;
  for (const auto& [spi, sa] : m_sas.ipsec_sas()) {
    if (std::string why = stale_reason(m_conf, sa); !why.empty()) stale.emplace_back(spi, why);
  }
  for (const auto& [spi, why] : stale) {
    IKE_LOG_INFO("reload: deleting IPsec SA (in spi {:08x}): {}", spi.value, why);
    delete_ipsec_sa(*this, spi, true, "configuration reload");
  }
}

void EngineImpl::on_ui(const UiCommand& cmd, base::TimePoint now) {
  m_now = now;
  if (const auto* c = std::get_if<UiConnect>(&cmd)) {
    m_connections.connect(*this, c->name, now);
    return;
  }
  if (std::holds_alternative<UiTeardownAll>(cmd)) {
    std::vector<base::Spi> all;
    for (const auto& [spi, sa] : m_sas.ipsec_sas()) all.push_back(spi);
    for (auto spi : all) delete_ipsec_sa(*this, spi, true, "teardown all (T)");
    return;
  }
  if (const auto* t = std::get_if<UiTeardown>(&cmd)) {
    auto addr = base::IpAddress::parse(t->name);
    if (t->phase == 1) {
      std::vector<base::CookiePair> victims;
      for (const auto& [c, sa] : m_sas.isakmp_sas()) {
        if (addr ? sa.peer.address == *addr : sa.name == t->name) victims.push_back(c);
      }
      for (const auto& c : victims) delete_isakmp_sa(*this, c, true, "teardown (t main)");
      return;
    }
    if (!addr) m_connections.forget(t->name);
    std::vector<base::Spi> victims;
    for (const auto& [spi, sa] : m_sas.ipsec_sas()) {
      if (addr ? sa.peer.address == *addr : sa.name == t->name) victims.push_back(spi);
    }
    if (victims.empty()) IKE_LOG_INFO("teardown: no SA for {}", base::sanitize_for_log(t->name));
    for (auto spi : victims) delete_ipsec_sa(*this, spi, true, "teardown (t)");
    return;
  }
  if (const auto* d = std::get_if<UiDeleteSa>(&cmd)) {
    if (!d->message_id) {
      delete_isakmp_sa(*this, d->cookies, true, "delete (d)");
      return;
    }
    std::vector<base::Spi> victims;
    for (const auto& [spi, sa] : m_sas.ipsec_sas()) {
      if (sa.parent == d->cookies && sa.message_id == *d->message_id) victims.push_back(spi);
    }
    for (auto spi : victims) delete_ipsec_sa(*this, spi, true, "delete (d)");
  }
}

void EngineImpl::shutdown(base::TimePoint now, bool send_deletes) {
  (void)now;
  std::vector<base::Spi> p2;
  for (const auto& [spi, sa] : m_sas.ipsec_sas()) p2.push_back(spi);
  for (auto spi : p2) delete_ipsec_sa(*this, spi, send_deletes, "shutdown");
  std::vector<base::CookiePair> p1;
  for (const auto& [c, sa] : m_sas.isakmp_sas()) p1.push_back(c);
  for (const auto& c : p1) delete_isakmp_sa(*this, c, send_deletes, "shutdown");
  m_exchanges.clear();
}

}  // namespace ike::engine
