// Engine::status(): the operator snapshot (status.h, docs/STATUS.md) of the SA database, the
// exchange table, the connection lists and the engine's timers. Read-only over EngineImpl;
// the isakmpd-format report lines (report.cc) are built from it, as are the daemon's JSON
// status and Prometheus metrics. Timer names follow isakmpd's timer_report events.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/ipsec_id.h"
#include "engine/peer_config.h"
#include "engine/report.h"
#include "wire/registry.h"

namespace ike::engine {

namespace {

int64_t secs(base::TimePoint t, base::TimePoint now) {
  auto d = std::chrono::duration_cast<base::Seconds>(t - now).count();
  return d < 0 ? 0 : d;
}
int64_t secs_opt(const std::optional<base::TimePoint>& t, base::TimePoint now) {
  return t ? secs(*t, now) : -1;
}

// isakmpd ipsec_decode_id text: hosts as addresses, subnets as "network/netmask".
std::string isakmpd_selector_text(const base::TrafficSelector& ts) {
  unsigned width = ts.network.is_v4() ? 32 : 128;
  if (ts.prefix >= width) return ts.network.to_string();
  return fmt::format("{}/{}", ts.network.to_string(),
                     base::IpAddress::netmask(ts.network.family(), ts.prefix).to_string());
}

std::string connection_id_text(const conf::ConfDb& conf, const std::string& section) {
  if (section.empty()) return {};
  auto ts = ipsec_id_selector(conf, section);
  return ts ? isakmpd_selector_text(*ts) : std::string();
}

// A phase-1 ID body as received (RFC 2407 §4.6.2: type, protocol, port, data).
std::string phase1_id_text(const base::Bytes& body, const base::IpAddress& fallback) {
  if (body.size() < 4) return fallback.to_string();
  wire::IdPayload id{body[0], body[1], static_cast<uint16_t>((body[2] << 8) | body[3]),
                     base::Bytes(body.begin() + 4, body.end())};
  using wire::IdType;
  if (id.id_type == static_cast<uint8_t>(IdType::Ipv4Addr) && id.data.size() == 4) {
    return base::IpAddress::v4_bytes(base::view(id.data)).to_string();
  }
  if (id.id_type == static_cast<uint8_t>(IdType::Ipv6Addr) && id.data.size() == 16) {
    return base::IpAddress::v6(base::view(id.data)).to_string();
  }
  return id_to_string(id);
}

// The SAs, exchanges and their timers (StatusDetail::Full).
void add_sas_and_exchanges(const EngineImpl& e, base::TimePoint now, Engine::Status& st);

}  // namespace

Engine::Status engine_status(const EngineImpl& e, base::TimePoint now,
                             Engine::StatusDetail detail) {
  Engine::Status st;
  st.phase1_count = e.sas().isakmp_sas().size();
  st.phase2_count = e.sas().ipsec_sas().size();
  st.exchange_count = e.exchanges().all().size();
  const bool full = detail == Engine::StatusDetail::Full;
  if (full) add_sas_and_exchanges(e, now, st);
  const auto& conns = e.connections();
  auto add_connection = [&](const std::string& name, bool active) {
    StatusConnection c;
    c.name = name;
    c.active = active;
    c.up = e.sas().ipsec_count_for(name) > 0;
    c.held = conns.held(name);
    if (!full) {
      st.connections.push_back(std::move(c));
      return;
    }
    if (auto cc = load_connection_config(e.conf(), name)) {
      c.local_id = connection_id_text(e.conf(), cc->local_id);
      c.remote_id = connection_id_text(e.conf(), cc->remote_id);
    }
    st.connections.push_back(std::move(c));
  };
  for (const auto& name : conns.active()) add_connection(name, true);
  for (const auto& name : passive_connections(e.conf())) add_connection(name, false);
  if (!full) {
    st.stats = e.stats();
    return st;
  }
  if (auto next = conns.next_check()) {
    st.timers.push_back({"connection_checker", "", secs(*next, now)});
  }
  std::stable_sort(st.timers.begin(), st.timers.end(),
                   [](const StatusTimer& a, const StatusTimer& b) { return a.in < b.in; });
  st.stats = e.stats();
  return st;
}

namespace {

void add_sas_and_exchanges(const EngineImpl& e, base::TimePoint now, Engine::Status& st) {
  for (const auto& [c, sa] : e.sas().isakmp_sas()) {
    StatusPhase1 p;
    p.name = sa.name.empty() ? "<unnamed>" : sa.name;
    p.role = role_name(sa.role);
    p.local = sa.local.to_string();
    p.peer = sa.peer.to_string();
    p.icookie = c.initiator.hex();
    p.rcookie = c.responder.hex();
    p.suite = sa.suite.to_string();
    p.nat = sa.nat.version != NatTVersion::None ? sa.nat.to_string() : std::string();
    std::string us = sa.local.address.to_string();
    std::string them = phase1_id_text(sa.peer_id, sa.peer.address);
    p.initiator_id = sa.role == Role::Initiator ? us : them;
    p.responder_id = sa.role == Role::Initiator ? them : us;
    p.flags = sa.flags;
    p.life_seconds = sa.suite.life_seconds;
    p.life_kbytes = sa.suite.life_kbytes;
    p.age = secs(now, sa.established);
    p.soft_in = secs_opt(sa.soft_expiry, now);
    p.hard_in = secs_opt(sa.hard_expiry, now);
    p.peer_dpd = sa.peer_dpd;
    st.phase1.push_back(std::move(p));
    if (sa.soft_expiry) st.timers.push_back({"sa_soft_expire", c.hex(), secs(*sa.soft_expiry, now)});
    if (sa.hard_expiry) st.timers.push_back({"sa_hard_expire", c.hex(), secs(*sa.hard_expiry, now)});
    if (sa.next_keepalive) {  // RFC 3948 §2.3
      st.timers.push_back({"nat_t_send_keepalive", c.hex(), secs(*sa.next_keepalive, now)});
    }
  }
  if (auto d = e.dpd().next_deadline(e)) {  // RFC 3706 probes (dpd.h)
    st.timers.push_back({"dpd_check_event", "", secs(*d, now)});
  }
  for (const auto& [spi, sa] : e.sas().ipsec_sas()) {
    StatusPhase2 p;
    p.name = sa.name.empty() ? "<unnamed>" : sa.name;
    p.role = role_name(sa.role);
    p.local = sa.local.to_string();
    p.peer = sa.peer.to_string();
    p.icookie = sa.parent.initiator.hex();
    p.rcookie = sa.parent.responder.hex();
    p.suite = sa.suite.to_string();
    p.message_id = sa.message_id.value;
    p.in_spi = sa.in_spi.value;
    p.out_spi = sa.out_spi.value;
    p.flags = sa.flags;
    p.life_seconds = sa.life_seconds;
    p.life_kbytes = sa.life_kbytes;
    p.age = secs(now, sa.established);
    p.soft_in = secs_opt(sa.soft_expiry, now);
    p.hard_in = secs_opt(sa.hard_expiry, now);
    if ((sa.flow_dirs & flow_dir_bit(base::Direction::Out)) != 0) {
      p.flows.push_back(fmt::format("{} -> {}", sa.local_ts.to_string(), sa.peer_ts.to_string()));
    }
    std::string subject = fmt::format("spi 0x{:08x}", sa.in_spi.value);
    if (sa.soft_expiry) st.timers.push_back({"sa_soft_expire", subject, secs(*sa.soft_expiry, now)});
    if (sa.hard_expiry) st.timers.push_back({"sa_hard_expire", subject, secs(*sa.hard_expiry, now)});
    st.phase2.push_back(std::move(p));
  }
  for (const auto& [k, x] : e.exchanges().all()) {
    StatusExchange s;
    s.name = x.name;
    s.type = wire::to_string(x.type);
    s.role = role_name(x.role);
    s.state = state_name(x.state);
    s.peer = x.peer.to_string();
    s.icookie = k.cookies.initiator.hex();
    s.rcookie = k.cookies.responder.hex();
    s.message_id = k.message_id.value;
    s.finished = x.finished;
    s.expires_in = secs(x.expires, now);
    std::string subject = fmt::format("{} {:08x}", k.cookies.hex(), k.message_id.value);
    if (auto d = x.rtx.deadline()) st.timers.push_back({"message_send_expire", subject, secs(*d, now)});
    st.timers.push_back({"exchange_free_aux", subject, s.expires_in});
    st.exchanges.push_back(std::move(s));
  }
}

}  // namespace

}  // namespace ike::engine
