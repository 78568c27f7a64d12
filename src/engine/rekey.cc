// Soft timeouts, rekey starts and the deletion of replaced SAs (see rekey.h).
//
//   (soft timeout of the IPsec SA of an active connection, initiator of the rekey)
//   HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] -->                  (new Quick Mode)
//                   <-- HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
//   HDR*, HASH(3) -->
//   HDR*, HASH(1), D(ESP, old inbound SPI) -->      (both sides, once the new pair is in)
#include "engine/rekey.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/esp_keys.h"
#include "engine/exchanges/aggressive_mode.h"
#include "engine/exchanges/common.h"
#include "engine/exchanges/quick_mode_install.h"
#include "engine/peer_config.h"

namespace ike::engine {

namespace {

bool is_active(const EngineImpl& e, const std::string& name) {
  return e.connections().is_active(name);
}

// The survivor of a collision is the pair with the lower key on both sides.
auto collision_key(const IpsecSa& sa) { return std::tie(sa.message_id, sa.parent); }

// HDR*, HASH(1), D(protocol, SPI size 4, our inbound SPI) --> over the SA's parent, or over
// the newest ISAKMP SA with the peer when the parent was rekeyed away.
void send_ipsec_delete(EngineImpl& e, const IpsecSa& sa) {
  IsakmpSa* over = e.sas().find_isakmp(sa.parent);
  if (over == nullptr) over = e.sas().find_isakmp_by_peer(sa.peer.address, &sa.local.address);
  if (over == nullptr) over = e.sas().find_isakmp_by_peer(sa.peer.address);
  if (over == nullptr) return;
  std::vector<wire::Payload> dels;
  for (const auto& proto : sa.suite.protocols) {
    wire::DeletePayload d;
    d.protocol_id = static_cast<uint8_t>(proto.protocol);
    d.spi_size = 4;
    d.spis.push_back(spi_bytes(proto.protocol, proto.our_spi));
    dels.emplace_back(std::move(d));
  }
  auto st = send_info_protected(e, *over, std::move(dels));
  if (!st) IKE_LOG_WARN("cannot send DELETE for {}: {}", sa.name, st.error().detail);
}

// Deletes `victim` in favour of `keeper`: the flows both installed stay in the kernel.
void retire(EngineImpl& e, base::Spi victim, base::Spi keeper, std::string_view why) {
  IpsecSa* v = e.sas().find_ipsec_by_in_spi(victim);
  const IpsecSa* k = e.sas().find_ipsec_by_in_spi(keeper);
  if (v == nullptr || k == nullptr) return;
  const std::vector<base::FlowInstall> kept = ipsec_sa_flows(*k);
  for (const auto& f : ipsec_sa_flows(*v)) {
    if (std::find(kept.begin(), kept.end(), f) != kept.end()) {
      v->flow_dirs &= static_cast<uint8_t>(~flow_dir_bit(f.direction));
    }
  }
  v->flags |= kSaFlagReplaced;
  IKE_LOG_INFO("{}: SA spi {:08x}/{:08x} replaced by {:08x}/{:08x} ({})", v->name,
               v->in_spi.value, v->out_spi.value, k->in_spi.value, k->out_spi.value, why);
  send_ipsec_delete(e, *v);
  delete_ipsec_sa(e, victim, false, why);
}

// Rekey storms (issue #7): many SAs reaching their soft lifetime together must not start more
// Quick Modes over one ISAKMP SA than its IV chains allow (IvChain::kMaxExchanges concurrent
// message ids; beyond it the exchange fails and the SA would run into its hard lifetime). At
// most kRekeyBurst are in flight per ISAKMP SA; the other due SAs are retried kRekeyRetry later,
// so the storm spreads over time instead of dropping SAs.
constexpr std::size_t kRekeyBurst = IvChain::kMaxExchanges / 2;
constexpr base::Duration kRekeyRetry{100};

bool qm_running(const EngineImpl& e, const std::string& name) {
  return e.exchanges().quick_mode_running(name);  // a counter, not a walk (exchange.h)
}

// A new Quick Mode for `name`, over a fresh phase 1 when the newest one is fading or gone.
void start_phase2_rekey(EngineImpl& e, const std::string& name, base::TimePoint now) {
  if (qm_running(e, name)) return;  // the peer (or we) already rekeys
  auto conn = load_connection_config(e.conf(), name);
  if (!conn || conn->isakmp_peer.empty()) return;
  auto peer = load_peer_config(e.conf(), conn->isakmp_peer);
  if (!peer || !peer->address) return;
  const base::IpAddress* local = peer->local_address ? &*peer->local_address : nullptr;
  IsakmpSa* p1 = e.sas().find_isakmp_by_peer(*peer->address, local);
  if (p1 != nullptr && (p1->flags & kSaFlagFading) == 0) {
    IKE_LOG_INFO("{}: soft lifetime reached, rekeying (Quick Mode)", name);
    if (auto st = qm_initiate(e, *p1, name, now); !st) {
      IKE_LOG_WARN("{}: rekey failed: {}", name, st.error().detail);
    }
    return;
  }
  if (Exchange* x = e.exchanges().initiator_main_mode_to(*peer->address, local)) {
    if (std::find(x->mm->queued.begin(), x->mm->queued.end(), name) == x->mm->queued.end()) {
      x->mm->queued.push_back(name);
    }
    return;
  }
  IKE_LOG_INFO("{}: soft lifetime reached, rekeying (new Main Mode first)", name);
  if (auto st = phase1_initiate(e, conn->isakmp_peer, {name}, now); !st) {
    IKE_LOG_WARN("{}: rekey failed: {}", name, st.error().detail);
  }
}

bool peer_needed(const EngineImpl& e, const IsakmpSa& sa) {
  return e.connections().peer_used(e, sa.peer.address, sa.local.address);
}

// An unfinished exchange runs over ISAKMP SA `c` (the table counts them per cookie pair: the
// finished Quick Modes lingering over one SA in a rekey storm are not walked).
bool isakmp_in_use(const EngineImpl& e, const base::CookiePair& c) {
  return e.exchanges().unfinished_over(c);
}

// Fading ISAKMP SAs (SaDb::fading_isakmp, not every SA) with a newer non-fading SA with the
// same peer and no exchange running over them are deleted.
void retire_unused_isakmp(EngineImpl& e) {
  std::vector<base::CookiePair> victims;
  const SaDb& db = e.sas();
  for (const auto& c : db.fading_isakmp()) {
    const IsakmpSa* sa = db.find_isakmp(c);
    if (sa == nullptr) continue;
    bool newer = false;
    for (const auto& c2 : db.isakmp_with_peer(sa->peer.address)) {
      const IsakmpSa* other = db.find_isakmp(c2);
      if (c2 != c && other != nullptr && (other->flags & kSaFlagFading) == 0 &&
          other->local.address == sa->local.address && other->established >= sa->established) {
        newer = true;
      }
    }
    if (newer && !isakmp_in_use(e, c)) victims.push_back(c);
  }
  for (const auto& c : victims) delete_isakmp_sa(e, c, true, "replaced by a newer ISAKMP SA");
}

}  // namespace

std::optional<base::TimePoint> soft_expiry_after(base::Random& rng, base::TimePoint now,
                                                 uint64_t life_seconds) {
  if (life_seconds == 0) return std::nullopt;
  uint64_t permille = 850 + rng.u32() % 101;
  return now + base::Duration{static_cast<int64_t>(life_seconds * permille)};  // ms
}

void phase2_installed(EngineImpl& e, base::Spi in_spi, base::TimePoint now) {
  IpsecSa* fresh = e.sas().find_ipsec_by_in_spi(in_spi);
  if (fresh == nullptr) return;
  if (is_active(e, fresh->name)) fresh->flags |= kSaFlagStayalive;
  std::vector<base::Spi> others;
  for (auto spi : std::as_const(e.sas()).ipsec_with_peer_and_name(fresh->peer.address,
                                                                   fresh->name)) {
    if (spi != in_spi) others.push_back(spi);
  }
  for (auto spi : others) {
    IpsecSa* n = e.sas().find_ipsec_by_in_spi(in_spi);
    IpsecSa* o = e.sas().find_ipsec_by_in_spi(spi);
    if (n == nullptr) return;
    if (o == nullptr) continue;
    // Both sides rekeyed at once: the other pair was negotiated in the opposite role and is
    // younger than half its lifetime (a predecessor is at least 85 % through it, or was
    // negotiated in the same role: a re-initiation after DPD or a restart of the peer).
    auto age = now - o->established;
    bool duplicate = o->role != n->role && o->life_seconds != 0 &&
                     age < base::Seconds{static_cast<int64_t>(o->life_seconds / 2)};
    if (!duplicate) {
      retire(e, spi, in_spi, "replaced by rekey");
    } else if (collision_key(*n) < collision_key(*o)) {
      retire(e, spi, in_spi, "rekey collision, keeping the lower message id");
    } else {
      retire(e, in_spi, spi, "rekey collision, keeping the lower message id");
      return;
    }
  }
}

void phase1_installed(EngineImpl& e, const base::CookiePair& fresh, base::TimePoint now) {
  (void)fresh;
  (void)now;
  retire_unused_isakmp(e);
}

void rekey_tick(EngineImpl& e, base::TimePoint now) {
  // Only the SAs whose timer passed (SaDb's deadline heaps; hard expiries went first).
  std::vector<base::Spi> p2;
  std::map<base::CookiePair, std::size_t> in_flight;  // per ISAKMP SA, this tick included
  std::map<base::CookiePair, std::size_t> deferred;   // per ISAKMP SA, deferred this tick
  for (auto spi : e.sas().due_ipsec(now)) {
    IpsecSa* sa = e.sas().find_ipsec_by_in_spi(spi);
    if (sa == nullptr || !sa->soft_expiry || now < *sa->soft_expiry) continue;
    const bool rekey = (sa->flags & kSaFlagReplaced) == 0 && is_active(e, sa->name);
    if (rekey && !e.options().passive) {
      const SaDb& sas = e.sas();
      const IsakmpSa* p1 = sas.find_isakmp_by_peer(sa->peer.address, &sa->local.address);
      if (p1 == nullptr) p1 = sas.find_isakmp_by_peer(sa->peer.address);
      if (p1 != nullptr) {
        auto [it, fresh] = in_flight.try_emplace(p1->cookies, 0);
        if (fresh) it->second = quick_modes_in_flight(e, p1->cookies);
        if (it->second >= kRekeyBurst) {
          // Spread the storm: the k-th SA deferred over this ISAKMP SA retries after
          // (1 + k / kRekeyBurst) retry periods, so each later tick sees about one burst
          // instead of every waiting SA (O(waiting) per storm, not O(waiting^2 / burst)).
          const auto k = deferred[p1->cookies]++;
          sa->soft_expiry = now + kRekeyRetry * static_cast<int64_t>(1 + k / kRekeyBurst);
          continue;
        }
        ++it->second;
      }
    }
    sa->soft_expiry.reset();
    sa->flags |= kSaFlagFading;
    if (rekey) p2.push_back(spi);
  }
  std::vector<base::CookiePair> p1;
  for (const auto& c : e.sas().due_isakmp(now)) {
    IsakmpSa* sa = e.sas().find_isakmp(c);
    if (sa == nullptr || !sa->soft_expiry || now < *sa->soft_expiry) continue;
    sa->soft_expiry.reset();
    e.sas().mark_isakmp_fading(c);
    if (peer_needed(e, *sa)) p1.push_back(c);
  }
  if (!e.options().passive) {
    for (const auto& c : p1) {
      const IsakmpSa* sa = e.sas().find_isakmp(c);
      if (sa == nullptr ||
          e.exchanges().initiator_main_mode_to(sa->peer.address, &sa->local.address) != nullptr) {
        continue;
      }
      IKE_LOG_INFO("{}: ISAKMP SA soft lifetime reached, starting a new Main Mode", sa->name);
      if (auto st = phase1_initiate(e, sa->name, {}, now); !st) {
        IKE_LOG_WARN("{}: phase-1 rekey failed: {}", sa->name, st.error().detail);
      }
    }
    for (auto spi : p2) {
      const IpsecSa* sa = e.sas().find_ipsec_by_in_spi(spi);
      if (sa != nullptr) start_phase2_rekey(e, sa->name, now);
    }
  }
  retire_unused_isakmp(e);
}

}  // namespace ike::engine
