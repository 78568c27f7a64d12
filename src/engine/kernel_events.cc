// Kernel events (XFRM_MSG_ACQUIRE / XFRM_MSG_EXPIRE, SADB_ACQUIRE / SADB_EXPIRE) fed by the
// daemon through Engine::on_kernel_event (the engine still never reads the kernel itself).
//   Acquire: traffic hit a policy without SA (on-demand tunnel). The connection is the first
//     section of [Phase 2]:Connections, then Passive-connections, whose ISAKMP-peer address is
//     the acquired template's peer and whose Local-ID / Remote-ID selectors contain the
//     acquired flow; it is brought up exactly as `c <name>` does (ConnectionManager::connect),
//     unless a Quick Mode for it is already running (no duplicate negotiation).
//   SoftExpire: the kernel's soft limit (seconds, or kilobytes which only the kernel counts)
//     for one SA of a pair we hold: the pair's soft timeout is brought forward to now and the
//     rekey logic of rekey.h runs (a new Quick Mode when the connection is active).
//   HardExpire: the kernel dropped the SA: the pair is removed from the SA database, a DELETE
//     is sent for it and the remaining kernel SA and flows are removed (delete_ipsec_sa).
// Unknown SPIs (e.g. the second SA of a pair already handled, or SAs of another daemon) are
// logged and ignored.
#include <fmt/core.h>

#include "base/log.h"
#include "engine/engine.h"
#include "engine/engine_impl.h"
#include "engine/exchanges/common.h"
#include "engine/peer_config.h"
#include "engine/rekey.h"

namespace ike::engine {

namespace {

// `outer` (a connection selector) covers `inner` (the acquired flow): same family, inner
// network inside outer's prefix, protocol and port equal unless outer's are 0 (any).
bool covers(const base::TrafficSelector& outer, const base::TrafficSelector& inner) {
  if (outer.network.family() != inner.network.family()) return false;
  if (inner.prefix < outer.prefix) return false;
  if (inner.network.masked(outer.prefix) != outer.network.masked(outer.prefix)) return false;
  if (outer.ip_protocol != 0 && outer.ip_protocol != inner.ip_protocol) return false;
  if (outer.port != 0 && outer.port != inner.port) return false;
  return true;
}

bool matches(const EngineImpl& e, const std::string& name, const base::KernelEvent& ev) {
  auto conn = load_connection_config(e.conf(), name);
  if (!conn || conn->isakmp_peer.empty()) return false;
  auto peer = load_peer_config(e.conf(), conn->isakmp_peer);
  if (!peer || !peer->address || *peer->address != ev.peer) return false;
  auto sel = connection_selectors(e.conf(), *conn, ev.local, ev.peer);
  if (!sel) {
    IKE_LOG_DEBUG(Misc, 20, "acquire: connection {}: {}", name, sel.error().detail);
    return false;
  }
  return covers(sel->local, ev.src_ts) && covers(sel->remote, ev.dst_ts);
}

bool negotiating(const EngineImpl& e, const std::string& name) {
  for (const auto& [k, x] : e.exchanges().all()) {
    if (x.finished) continue;
    if (x.qm && x.qm->connection == name) return true;
    if (x.mm && x.role == Role::Initiator) {
      for (const auto& q : x.mm->queued) {
        if (q == name) return true;
      }
    }
  }
  return false;
}

void on_acquire(EngineImpl& e, const base::KernelEvent& ev, base::TimePoint now) {
  std::vector<std::string> candidates = active_connections(e.conf());
  for (auto& p : passive_connections(e.conf())) candidates.push_back(std::move(p));
  for (const auto& name : candidates) {
    if (!matches(e, name, ev)) continue;
    if (negotiating(e, name)) {
      IKE_LOG_DEBUG(Misc, 10, "{}: negotiation already running for connection {}",
                    ev.to_string(), name);
      return;
    }
    IKE_LOG_INFO("{}: starting connection {}", ev.to_string(), name);
    (void)e.connections().connect(e, name, now);  // logs its own failures
    return;
  }
  IKE_LOG_INFO("{}: no connection matches, ignored", ev.to_string());
}

// The pair holding `ref` (our inbound SPI, or the peer's SPI on the outbound SA).
IpsecSa* find_pair(EngineImpl& e, const base::KernelEvent& ev) {
  return e.sas().find_ipsec_by_ref(ev.ref.spi, ev.ref.dst);  // hash index (sa_db.h)
}

void on_expire(EngineImpl& e, const base::KernelEvent& ev, base::TimePoint now) {
  IpsecSa* sa = find_pair(e, ev);
  if (sa == nullptr) {
    IKE_LOG_INFO("{}: no such SA, ignored", ev.to_string());
    return;
  }
  if (ev.kind == base::KernelEvent::Kind::HardExpire) {
    IKE_LOG_INFO("{}: hard lifetime of {} SA {:08x}/{:08x} reached in the kernel, deleting",
                 ev.to_string(), sa->name, sa->in_spi.value, sa->out_spi.value);
    delete_ipsec_sa(e, sa->in_spi, true, "hard lifetime expired (kernel)");
    return;
  }
  if ((sa->flags & (kSaFlagReplaced | kSaFlagFading)) != 0 || !sa->soft_expiry) {
    IKE_LOG_DEBUG(Misc, 10, "{}: {} already fading or replaced", ev.to_string(), sa->name);
    return;
  }
  IKE_LOG_INFO("{}: soft lifetime of {} SA {:08x}/{:08x} reached in the kernel",
               ev.to_string(), sa->name, sa->in_spi.value, sa->out_spi.value);
  sa->soft_expiry = now;
  rekey_tick(e, now);
}

}  // namespace

void Engine::on_kernel_event(const base::KernelEvent& ev, base::TimePoint now) {
  switch (ev.kind) {
    case base::KernelEvent::Kind::Acquire:
      on_acquire(*m_impl, ev, now);
      return;
    case base::KernelEvent::Kind::SoftExpire:
    case base::KernelEvent::Kind::HardExpire:
      on_expire(*m_impl, ev, now);
      return;
  }
}

}  // namespace ike::engine
