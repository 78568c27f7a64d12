// sa_scale_bench: the engine at 100k SA pairs and in a rekey storm (issue #7), a command that
// prints its figures (one "name value unit" line each; docs/PERFORMANCE.md quotes them).
//
//   sa_scale_bench [--pairs N] [--phase1 M] [--storm K]     (defaults 100000, 10000, 10000;
//                                                          K at most 2^22)
//
// 1. Scale: one engine (EngineImpl over the null kernel: kernel requests are only queued) gets
//    M ISAKMP SAs and N IPsec SA pairs (N/M per ISAKMP SA) shaped as phase1_established and
//    quick_mode_install store them (phase-1 keys, IV, two installed SAs with wiped keys, three
//    tunnel flows, lifetimes with soft expiries spread over 85-95 %). Measured: heap bytes per
//    pair (mallinfo2 before/after, the M phase-1 SAs included), next_deadline(), one on_tick()
//    with nothing due, the `S` report (sa_status_report) time and size, and shutdown() sending a
//    DELETE for every SA.
// 2. Rekey storm: two engines (tests/support EnginePair, in-process datagrams, recording
//    kernel), K connections over one ISAKMP SA, all started by one `C set` (the connection
//    manager queues the Quick Modes beyond 16 in flight), all established; then a soft
//    EXPIRE for every SA of the initiator at the same instant. Measured: simulated time, wall
//    time and process CPU time until every connection has a new pair and every old pair is
//    deleted on both sides, and that no connection lost its SA.
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/random.h"
#include "conf/conf_db.h"
#include "conf/config_file.h"
#include "crypto/deterministic_random.h"
#include "crypto/openssl_provider.h"
#include "engine/engine_impl.h"
#include "engine/rekey.h"
#include "support/engine_pair.h"

namespace ike {
namespace {

using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void print(const char* name, double value, const char* unit) {
  std::printf("%-32s %14.3f %s\n", name, value, unit);
}

base::SecureBytes secret(std::size_t n) { return base::SecureBytes(n, 0x5a); }

base::IpAddress v4(uint32_t a) { return base::IpAddress::v4(a); }

// --------------------------------------------------------------------------- 1. scale

void scale(uint32_t pairs, uint32_t phase1) {
  conf::ConfDb conf;
  const crypto::Provider& crypto = test::EnginePair::provider();
  crypto::DeterministicRandom rng(7);
  engine::EngineOptions opts;
  engine::EngineImpl e(conf, crypto, rng, opts);
  const base::TimePoint now = base::TimePoint{} + base::Seconds{1000};

  const std::size_t heap0 = mallinfo2().uordblks;
  const uint32_t per = pairs / phase1;
  uint32_t spi = 0x10000000;
  for (uint32_t p = 0; p < phase1; ++p) {
    engine::IsakmpSa sa;
    for (std::size_t i = 0; i < 8; ++i) {
      sa.cookies.initiator.bytes[i] = static_cast<uint8_t>((p + 1) >> (8 * (i % 4)));
      sa.cookies.responder.bytes[i] = static_cast<uint8_t>(~p >> (8 * (i % 4)));
    }
    sa.role = engine::Role::Responder;
    sa.name = fmt::format("peer-{}", p);
    sa.local = base::SockAddr{v4(0x0a000001), 500};
    sa.peer = base::SockAddr{v4(0x0b000000 + p), 500};
    engine::Phase1Keys keys;  // what phase1_established keeps of them
    keys.skeyid_d = secret(20);
    keys.skeyid_a = secret(20);
    keys.enc_key = secret(16);
    sa.keys = engine::IsakmpSaKeys(std::move(keys));
    // The phase-1 IV chain (last CBC block of MM6): shutdown's DELETEs are encrypted with it.
    sa.iv = engine::IvChain(base::Bytes(16, 0x3c));
    sa.established = now;
    sa.hard_expiry = now + base::Seconds{3600};
    sa.soft_expiry = engine::soft_expiry_after(rng, now, 3600);
    sa.peer_id = base::Bytes(8, 2);
    const base::CookiePair cookies = sa.cookies;
    (void)e.sas().add_isakmp(std::move(sa));
    for (uint32_t q = 0; q < per; ++q, ++spi) {
      engine::IpsecSa ip;
      ip.name = fmt::format("conn-{}-{}", p, q);
      ip.parent = cookies;
      ip.message_id = base::MessageId{spi};
      ip.role = engine::Role::Responder;
      ip.local = base::SockAddr{v4(0x0a000001), 500};
      ip.peer = base::SockAddr{v4(0x0b000000 + p), 500};
      ip.in_spi = base::Spi{spi};
      ip.out_spi = base::Spi{spi ^ 0x40000000U};
      engine::Phase2Protocol esp;  // ESP AES-128 / HMAC-SHA1 tunnel, as the interop suites
      esp.transform_id = 12;
      esp.key_length_bits = 128;
      esp.auth_algorithm = 2;
      esp.life_seconds = 1200;
      esp.our_spi = ip.in_spi;
      esp.peer_spi = ip.out_spi;
      ip.suite.protocols.push_back(esp);
      ip.established = now;
      ip.life_seconds = 1200;
      ip.hard_expiry = now + base::Seconds{1200};
      ip.soft_expiry = engine::soft_expiry_after(rng, now, 1200);
      for (int dir = 0; dir < 2; ++dir) {  // what install_phase2 keeps: references
        engine::InstalledSa s;
        s.ref.dst = dir == 0 ? ip.local.address : ip.peer.address;
        s.ref.spi = dir == 0 ? ip.in_spi : ip.out_spi;
        s.src = dir == 0 ? ip.peer.address : ip.local.address;
        s.inbound = dir == 0;
        ip.installed.push_back(s);
      }
      ip.local_ts = {ip.local.address, 32, 0, 0};
      ip.peer_ts = {ip.peer.address, 32, 0, 0};
      ip.flow_dirs = engine::flow_dir_bit(base::Direction::Out) |
                     engine::flow_dir_bit(base::Direction::In) |
                     engine::flow_dir_bit(base::Direction::Fwd);
      (void)e.sas().add_ipsec(std::move(ip));
    }
  }
  (void)e.next_deadline();  // arms the touched SAs
  const std::size_t heap1 = mallinfo2().uordblks;
  print("scale.phase1_sas", static_cast<double>(e.sas().isakmp_sas().size()), "");
  print("scale.sa_pairs", static_cast<double>(e.sas().ipsec_sas().size()), "");
  print("scale.bytes_per_pair", static_cast<double>(heap1 - heap0) / pairs,
        "B (heap, phase-1 SAs included)");

  auto t0 = Clock::now();
  const int calls = 100000;
  std::optional<base::TimePoint> d;
  for (int i = 0; i < calls; ++i) d = e.next_deadline();
  print("scale.next_deadline", since(t0) / calls * 1e9, "ns/call");
  (void)d;

  t0 = Clock::now();
  const int ticks = 1000;
  for (int i = 0; i < ticks; ++i) e.on_tick(now + base::Seconds{1});
  print("scale.tick_nothing_due", since(t0) / ticks * 1e6, "us/tick");
  (void)e.take_outputs();

  t0 = Clock::now();
  const double c0 = cpu_seconds();
  std::string report = e.sa_status_report(now + base::Seconds{1});
  print("scale.S_report", since(t0), "s wall");
  print("scale.S_report_cpu", cpu_seconds() - c0, "s CPU");
  print("scale.S_report_size", static_cast<double>(report.size()) / 1e6, "MB");

  // Shutdown with DELETEs (isakmpd on SIGTERM): one Informational per SA and the kernel removals.
  t0 = Clock::now();
  e.shutdown(now + base::Seconds{2}, true);
  auto outputs = e.take_outputs();
  print("scale.shutdown", since(t0), "s wall (DELETEs built, kernel removals queued)");
  print("scale.shutdown_outputs", static_cast<double>(outputs.size()), "");
}

// --------------------------------------------------------------------------- 2. storm

std::string storm_conf(const test::PeerConf& p, uint32_t n, bool initiator) {
  std::string list = "conn";
  std::string sections;
  for (uint32_t i = 0; i < n; ++i) {
    // Distinct selectors per connection, up to 2^22 of them: 10.<i>/30 (left) <-> 20.<i>/30
    // (right), the /30 networks of 10.0.0.0/8 and 20.0.0.0/8 in order. (/24s repeated from
    // the 65 537th connection on, which the responder then matched to the first ones.)
    std::string l = fmt::format("10.{}.{}.{}", (i >> 14) & 255, (i >> 6) & 255, (i & 63) << 2);
    std::string r = fmt::format("20.{}.{}.{}", (i >> 14) & 255, (i >> 6) & 255, (i & 63) << 2);
    if (!initiator) std::swap(l, r);
    // Continuation lines: the parser caps a physical line at 8 KiB (64 KiB joined).
    list += fmt::format(",c{}", i);
    if (i % 500 == 499 && i + 1 < n) list += "\\\n";
    sections += fmt::format(
        "[c{i}]\nPhase=2\nISAKMP-peer=peer-{peer}\nConfiguration=p2-conf\n"
        "Local-ID=c{i}-l\nRemote-ID=c{i}-r\n\n"
        "[c{i}-l]\nID-type=IPV4_ADDR_SUBNET\nNetwork={l}\nNetmask=255.255.255.252\n\n"
        "[c{i}-r]\nID-type=IPV4_ADDR_SUBNET\nNetwork={r}\nNetmask=255.255.255.252\n\n",
        fmt::arg("i", i), fmt::arg("peer", p.peer), fmt::arg("l", l), fmt::arg("r", r));
  }
  std::string text = test::make_conf(p);
  const std::string key = initiator ? "Connections=conn\n" : "Passive-connections=conn\n";
  std::string repl = (initiator ? "Connections=" : "Passive-connections=") + list + "\n";
  text.replace(text.find(key), key.size(), repl);
  return text + sections;
}

void storm(uint32_t n) {
  test::PeerConf left;
  test::PeerConf right = test::mirror(left);
  test::EnginePair pair(left, right);
  auto load = [](test::Side& s, const std::string& text) {
    if (!conf::load_config_text(text, s.label, s.conf)) std::abort();
  };
  std::string sections = storm_conf(left, n, true);
  sections = sections.substr(sections.find("[c0]"));
  {
    // The storm connections' sections (not yet listed in [Phase 2]:Connections).
    if (!conf::load_config_text(test::make_conf(left) + sections, "left", pair.left.conf)) {
      std::abort();
    }
  }
  load(pair.right, storm_conf(right, n, false));
  pair.left.engine->on_config_changed(pair.clock.now());
  pair.right.engine->on_config_changed(pair.clock.now());
  // Set-up: all K connections added to the initiator's [Phase 2]:Connections by one FIFO-style
  // `C set`; the connection manager keeps at most kQuickModeBurst Quick Modes in flight over the
  // one ISAKMP SA and queues the rest (connection_manager.h).
  auto t0 = Clock::now();
  double c0 = cpu_seconds();
  pair.start();
  std::string list = "conn";
  for (uint32_t i = 0; i < n; ++i) list += fmt::format(",c{}", i);
  const std::size_t want = n + 1;
  const base::TimePoint setup0 = pair.clock.now();
  conf::TxId tx = pair.left.conf.begin();
  pair.left.conf.set(tx, "Phase 2", "Connections", list, true);
  if (!pair.left.conf.commit(tx)) std::abort();
  pair.left.engine->on_config_changed(pair.clock.now());
  pair.pump();
  const bool up = pair.run_until(
      [&] {
        return pair.left.engine->phase2_sa_count() >= want &&
               pair.right.engine->phase2_sa_count() >= want;
      },
      base::Seconds{120 + n / 16});
  print("storm.connections", static_cast<double>(want), "");
  print("storm.setup_sim_time",
        std::chrono::duration<double>(pair.clock.now() - setup0).count(), "s");
  print("storm.setup_wall", since(t0), "s");
  print("storm.setup_cpu", cpu_seconds() - c0, "s");
  if (!up) {
    std::printf("storm: only %zu/%zu pairs established\n", pair.left.engine->phase2_sa_count(),
                want);
    std::exit(1);
  }
  // Every initiator SA hits its soft lifetime at the same instant (kernel soft EXPIRE).
  std::vector<base::KernelEvent> evs;
  std::set<uint32_t> old_spis;
  for (const auto& ev : pair.left.events) {
    if (ev.kind != engine::SaEvent::Kind::Phase2Established) continue;
    base::KernelEvent k;
    k.kind = base::KernelEvent::Kind::SoftExpire;
    k.ref.dst = ev.local.address;
    k.ref.spi = ev.spis.front();
    evs.push_back(k);
    old_spis.insert(ev.spis.front().value);
  }
  const std::size_t deleted0 = pair.left.count(engine::SaEvent::Kind::Phase2Deleted);
  const std::size_t rdeleted0 = pair.right.count(engine::SaEvent::Kind::Phase2Deleted);
  const base::TimePoint sim0 = pair.clock.now();
  t0 = Clock::now();
  c0 = cpu_seconds();
  for (const auto& k : evs) pair.left.engine->on_kernel_event(k, pair.clock.now());
  bool done = pair.run_until(
      [&] {
        return pair.left.count(engine::SaEvent::Kind::Phase2Deleted) - deleted0 >= evs.size() &&
               pair.right.count(engine::SaEvent::Kind::Phase2Deleted) - rdeleted0 >= evs.size();
      },
      base::Seconds{3600});
  const double wall = since(t0), cpu = cpu_seconds() - c0;
  std::set<std::string> fresh_names;  // connections with a pair negotiated in the storm
  for (const auto& ev : pair.left.events) {
    if (ev.kind == engine::SaEvent::Kind::Phase2Established &&
        old_spis.count(ev.spis.front().value) == 0) {
      fresh_names.insert(ev.name);
    }
  }
  const std::size_t fresh = fresh_names.size();
  print("storm.rekeyed_sas", static_cast<double>(evs.size()), "");
  print("storm.sim_time", std::chrono::duration<double>(pair.clock.now() - sim0).count(), "s");
  print("storm.wall", wall, "s");
  print("storm.cpu", cpu, "s (both engines, one process)");
  print("storm.left_pairs_after", static_cast<double>(pair.left.engine->phase2_sa_count()), "");
  print("storm.right_pairs_after", static_cast<double>(pair.right.engine->phase2_sa_count()), "");
  print("storm.left_fresh_pairs", static_cast<double>(fresh), "");
  print("storm.exchanges_failed",
        static_cast<double>(pair.left.engine->stats().exchanges_failed +
                            pair.right.engine->stats().exchanges_failed),
        "(set-up and storm, both engines)");
  if (!done || fresh != want || pair.left.engine->phase2_sa_count() != want ||
      pair.right.engine->phase2_sa_count() != want) {
    std::printf("storm: FAILED (done=%d)\n", done ? 1 : 0);
    std::exit(1);
  }
}

}  // namespace
}  // namespace ike

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures survive a timeout
  uint32_t pairs = 100000, phase1 = 10000, storm = 10000;
  for (int i = 1; i + 1 < argc; i += 2) {
    uint32_t v = static_cast<uint32_t>(std::strtoul(argv[i + 1], nullptr, 10));
    if (std::strcmp(argv[i], "--pairs") == 0) pairs = v;
    if (std::strcmp(argv[i], "--phase1") == 0) phase1 = v;
    if (std::strcmp(argv[i], "--storm") == 0) storm = v;
  }
  if (pairs > 0 && phase1 > 0) ike::scale(pairs, phase1);
  if (storm > (1u << 22)) {
    std::fprintf(stderr, "sa_scale_bench: --storm is at most %u (distinct selectors)\n", 1u << 22);
    return 2;
  }
  if (storm > 0) ike::storm(storm);
  return 0;
}
