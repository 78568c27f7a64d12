// EnginePair: the back-to-back harness and the standard test configuration.
#include "support/engine_pair.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <deque>

#include "conf/conf_parser.h"
#include "conf/defaults.h"
#include "crypto/openssl_provider.h"

namespace ike::test {

namespace {

base::IpAddress ip(std::string_view s) { return base::IpAddress::parse(s).value(); }

void load(conf::ConfDb& db, const std::string& text, const std::string& source) {
  auto parsed = conf::parse_config(text, source, db);
  if (!parsed) {
    ADD_FAILURE() << "config " << source << ": " << parsed.error().detail;
    return;
  }
  auto committed = db.commit(parsed->tx);
  if (!committed) ADD_FAILURE() << "commit " << source << ": " << committed.error().detail;
  conf::load_defaults(db);
}

}  // namespace

std::string make_conf(const PeerConf& p) {
  std::string s = fmt::format(
      "[General]\nRetransmits=3\nExchange-max-time=120\nCheck-interval=60\n\n"
      "[Phase 1]\n{peer}=peer-{peer}\n\n"
      "[Phase 2]\n{list}=conn\n\n"
      "[peer-{peer}]\nPhase=1\nAddress={peer}\nLocal-address={local}\n"
      "{auth}Configuration=p1-conf\n\n"
      "[p1-conf]\nEXCHANGE_TYPE={xchg}\nTransforms={p1}\n\n"
      "[conn]\nPhase=2\nISAKMP-peer=peer-{peer}\nConfiguration=p2-conf\n",
      fmt::arg("peer", p.peer), fmt::arg("local", p.local), fmt::arg("auth", p.psk.empty() ? "" : "Authentication=" + p.psk + "\n"),
      fmt::arg("xchg", p.p1_exchange),
      fmt::arg("p1", p.p1_transforms),
      fmt::arg("list", p.active ? "Connections" : "Passive-connections"));
  if (!p.local_net.empty()) s += "Local-ID=net-local\nRemote-ID=net-remote\n";
  s += fmt::format("\n[p2-conf]\nEXCHANGE_TYPE=QUICK_MODE\nSuites={}\n\n", p.p2_suites);
  if (!p.local_net.empty()) {
    s += fmt::format(
        "[net-local]\nID-type={t}\nNetwork={l}\nNetmask={m}\n\n"
        "[net-remote]\nID-type={t}\nNetwork={r}\nNetmask={m}\n\n",
        fmt::arg("t", p.net_type), fmt::arg("l", p.local_net), fmt::arg("r", p.remote_net),
        fmt::arg("m", p.net_mask));
  }
  s += p.extra;
  return s;
}

PeerConf mirror(PeerConf left) {
  std::swap(left.local, left.peer);
  std::swap(left.local_net, left.remote_net);
  left.active = false;
  return left;
}

Side::Side(std::string l, std::string_view addr, uint64_t seed, uint32_t spi_base)
    : label(std::move(l)), address(ip(addr)), rng(seed), kernel(spi_base) {}

std::size_t Side::count(engine::SaEvent::Kind k) const {
  std::size_t n = 0;
  for (const auto& e : events) n += e.kind == k ? 1 : 0;
  return n;
}

const engine::SaEvent* Side::last(engine::SaEvent::Kind k) const {
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->kind == k) return &*it;
  }
  return nullptr;
}

const crypto::Provider& EnginePair::provider() {
  static const crypto::OpenSslProvider kProvider;
  return kProvider;
}

EnginePair passive_pair() {
  PeerConf l;
  l.active = false;
  return EnginePair(l, mirror(l));
}

base::KernelEvent acquire_event(const char* src, uint8_t src_prefix, const char* dst) {
  auto ip = [](const char* s) { return base::IpAddress::parse(s).value(); };
  base::KernelEvent ev;
  ev.kind = base::KernelEvent::Kind::Acquire;
  ev.src_ts = {ip(src), src_prefix, 0, 0};
  ev.dst_ts = {ip(dst), 24, 0, 0};
  ev.local = ip("10.0.0.1");
  ev.peer = ip("10.0.0.2");
  return ev;
}

EnginePair::EnginePair(const PeerConf& l, const PeerConf& r, engine::EngineOptions options) {
  left.address = ip(l.local);
  right.address = ip(r.local);
  load(left.conf, make_conf(l), "left.conf");
  load(right.conf, make_conf(r), "right.conf");
  left.engine = std::make_unique<engine::Engine>(left.conf, provider(), left.rng, options);
  right.engine = std::make_unique<engine::Engine>(right.conf, provider(), right.rng, options);
}

void EnginePair::start() {
  left.engine->start(clock.now());
  right.engine->start(clock.now());
  pump();
}

void EnginePair::ui(Side& s, const engine::UiCommand& cmd) {
  s.engine->on_ui(cmd, clock.now());
  pump();
}

bool EnginePair::drain(Side& s, std::vector<Delivery>& inflight) {
  bool any = false;
  for (;;) {
    auto outs = s.engine->take_outputs();
    if (outs.empty()) return any;
    any = true;
    for (auto& o : outs) {
      if (auto* d = std::get_if<engine::SendDatagram>(&o)) {
        s.sent.push_back(d->bytes);
        engine::SendDatagram fixed = *d;
        if (fixed.local.address.is_unspecified()) fixed.local.address = s.address;
        for (auto& dv : link.transmit(fixed, &s == &left)) inflight.push_back(std::move(dv));
      } else if (auto* k = std::get_if<engine::KernelRequest>(&o)) {
        if (s.auto_kernel) {
          engine::KernelReply reply = s.kernel.handle(*k);
          s.engine->on_kernel_reply(reply, clock.now());
        } else {
          s.kernel.requests.push_back(*k);
        }
      } else if (auto* ev = std::get_if<engine::SaEvent>(&o)) {
        s.events.push_back(*ev);
      } else if (auto* km = std::get_if<engine::KeyMaterial>(&o)) {
        s.keys.push_back(*km);
      } else if (auto* mc = std::get_if<engine::ModeCfgEvent>(&o)) {
        s.mode_cfg.push_back(*mc);
      } else if (auto* xv = std::get_if<engine::XauthVerify>(&o)) {
        s.xauth_requests.push_back(*xv);
        if (s.xauth_verifier) {
          if (auto ok = s.xauth_verifier(*xv)) {
            s.engine->on_xauth_verdict(engine::XauthVerdict{xv->cookies, xv->request_id, *ok,
                                                            *ok ? "" : "refused by the test"},
                                       clock.now());
          }
        }
      } else if (auto* xe = std::get_if<engine::XauthEvent>(&o)) {
        s.xauth.push_back(*xe);
      }
    }
  }
}

void EnginePair::deliver(const Delivery& in) {
  Delivery dv = in;
  if (middlebox && !middlebox(dv)) return;
  if (dv.d.keepalive) return;  // the daemon's NAT-T socket swallows 0xFF keepalives
  Side& to = dv.left_to_right ? right : left;
  engine::Datagram d{dv.d.peer, dv.d.local, dv.d.bytes};
  to.engine->on_datagram(d, clock.now());
}

void EnginePair::pump() {
  std::vector<Delivery> inflight;
  std::deque<Delivery> queue;
  for (int guard = 0; guard < 100000; ++guard) {
    bool progress = drain(left, inflight) | drain(right, inflight);
    for (auto& dv : inflight) queue.push_back(std::move(dv));
    inflight.clear();
    if (!queue.empty()) {
      Delivery dv = std::move(queue.front());
      queue.pop_front();
      deliver(dv);
      continue;
    }
    if (!progress) {
      auto held = link.release_held();
      if (held.empty()) return;
      for (auto& dv : held) queue.push_back(std::move(dv));
    }
  }
  ADD_FAILURE() << "EnginePair::pump did not settle";
}

bool EnginePair::step_time(base::Duration limit) {
  auto a = left.engine->next_deadline();
  auto b = right.engine->next_deadline();
  std::optional<base::TimePoint> t = a;
  if (b && (!t || *b < *t)) t = b;
  if (!t || *t > clock.now() + limit) return false;
  clock.advance_to(*t);
  left.engine->on_tick(clock.now());
  right.engine->on_tick(clock.now());
  pump();
  return true;
}

bool EnginePair::run_until(const std::function<bool()>& pred, base::Duration limit) {
  pump();
  base::TimePoint end = clock.now() + limit;
  while (!pred()) {
    if (clock.now() >= end) return false;
    if (!step_time(std::chrono::duration_cast<base::Duration>(end - clock.now()))) return pred();
  }
  return true;
}

void EnginePair::run_for(base::Duration d) {
  base::TimePoint end = clock.now() + d;
  pump();
  while (step_time(std::chrono::duration_cast<base::Duration>(end - clock.now()))) {
  }
  clock.advance_to(end);
}

bool EnginePair::established() const {
  return left.engine->phase1_sa_count() > 0 && right.engine->phase1_sa_count() > 0 &&
         left.engine->phase2_sa_count() > 0 && right.engine->phase2_sa_count() > 0;
}

}  // namespace ike::test
