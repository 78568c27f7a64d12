// libFuzzer target: the stateful engine (reliability.md §A4 F2). Two in-process engines (left
// initiator 10.0.0.1, right responder 10.0.0.2; deterministic random streams, so cookies,
// nonces and DH values replay byte for byte; RecordingKernel answers every request; FakeClock)
// and a program chosen by the fuzzer: byte 0 picks the scenario (Main/Aggressive Mode, left
// behind a NAT, DPD, short phase-2 lifetimes, phase-1 transform, the HASH bypass, mode-config:
// Flags=ikecfg on both peers, the right one serving the left one's ID section), every further
// op byte (+ arguments) delivers, drops, duplicates, reorders, XORs, overwrites or truncates the
// next datagram towards a side, advances time, ticks, pumps, or issues UI commands (connect,
// teardown, delete), kernel expire events (rekey) and R-U-THERE. The HASH/SIG bypass
// (engine/fuzzing_hook.h) is linked in here only, so mutated exchanges still reach Quick Mode,
// DPD, DELETE and rekey. Invariants (abort on violation): no kernel SA is added by a side that
// has not completed a phase 1; at most kMaxExchanges exchanges per engine; every exchange
// expires within Exchange-max-time; after the program, with the link cut and time advanced past
// Exchange-max-time, no exchange alive at the end of the program is left. Distinct transition
// table rows taken are counted and printed at exit (IKE_FUZZ_ENGINE_QUIET=1 silences it;
// with IKE_FUZZ_ENGINE_REQUIRE_ALL_ROWS=1 the process exits 1 at the end unless every row was
// taken: ctest fuzz_engine_corpus_covers_all_rows replays the seed corpus that way).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "conf/conf_db.h"
#include "conf/conf_parser.h"
#include "conf/defaults.h"
#include "base/hex.h"
#include "base/log.h"
#include "crypto/openssl_provider.h"
#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/sa_db.h"
#include "engine/transitions.h"
#include "support/fake_clock.h"
#include "support/recording_kernel.h"
#include "support/scripted_random.h"
#include "support/simulated_nat.h"
#include "wire/registry.h"

// The fuzzing-only bypass switch (engine/fuzzing_hook.h): on when the scenario byte asks.
namespace {
bool g_bypass = false;
}
extern "C" bool ike_fuzzing_accept_bad_auth() { return g_bypass; }

namespace {

using namespace ike;
using engine::SaEvent;

constexpr std::size_t kMaxOps = 256;
constexpr std::size_t kMaxInflight = 32;
constexpr std::size_t kMaxExchanges = 64;
constexpr int kExchangeMaxTime = 120;  // [General]:Exchange-max-time below
constexpr const char* kPublic = "198.51.100.1";

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_engine invariant violated: %s\n", what);
    std::abort();
  }
}

base::IpAddress ip(const char* s) { return base::IpAddress::parse(s).value(); }

std::optional<base::CookiePair> cookies(const std::string& i, const std::string& r) {
  auto a = base::from_hex(i);
  auto b = base::from_hex(r);
  if (!a || !b || a->size() != 8 || b->size() != 8) return std::nullopt;
  base::CookiePair c;
  std::copy(a->begin(), a->end(), c.initiator.bytes.begin());
  std::copy(b->begin(), b->end(), c.responder.bytes.begin());
  return c;
}

struct Scenario {
  bool aggressive = false, nat = false, dpd = false, short_life = false, bypass = false;
  bool ikecfg = false;
  unsigned transform = 0;
  explicit Scenario(uint8_t b)
      : aggressive(b & 1), nat(b & 2), dpd(b & 4), short_life(b & 8), bypass(b & 16),
        ikecfg(b & 128), transform((b >> 5) & 3) {}
};

std::string conf_text(const Scenario& s, bool left) {
  static const char* kTransforms[] = {"AES-128-SHA", "3DES-SHA", "AES-256-SHA2-256",
                                      "AES-128-SHA-GRP14"};
  const char* local = left ? "10.0.0.1" : "10.0.0.2";
  const char* peer = left ? "10.0.0.2" : (s.nat ? kPublic : "10.0.0.1");
  std::string t = fmt::format(
      "[General]\nRetransmits=3\nExchange-max-time={max}\nCheck-interval=60\n{life}{ka}\n"
      "[Phase 1]\n{peer}=peer-{peer}\n\n[Phase 2]\n{list}=conn\n\n"
      "[peer-{peer}]\nPhase=1\nAddress={peer}\nLocal-address={local}\n"
      "Authentication=s3cr3t-psk\nConfiguration=p1-conf\n{dpd}{rid}{flags}\n"
      "[p1-conf]\nEXCHANGE_TYPE={x}\nTransforms={tr}\n\n"
      "[conn]\nPhase=2\nISAKMP-peer=peer-{peer}\nConfiguration=p2-conf\n"
      "Local-ID=net-local\nRemote-ID=net-remote\n\n"
      "[p2-conf]\nEXCHANGE_TYPE=QUICK_MODE\nSuites=QM-ESP-AES-SHA-SUITE\n\n"
      "[net-local]\nID-type=IPV4_ADDR_SUBNET\nNetwork={ln}\nNetmask=255.255.255.0\n\n"
      "[net-remote]\nID-type=IPV4_ADDR_SUBNET\nNetwork={rn}\nNetmask=255.255.255.0\n\n",
      fmt::arg("max", kExchangeMaxTime),
      fmt::arg("life", s.short_life ? "Default-phase-2-lifetime=120,60:86400\n"
                                      "Default-phase-1-lifetime=240,60:86400\n"
                                    : ""),
      fmt::arg("ka", s.nat ? "NAT-T-Keepalive=5\n" : ""), fmt::arg("peer", peer),
      fmt::arg("local", local), fmt::arg("list", left ? "Connections" : "Passive-connections"),
      fmt::arg("dpd", s.dpd ? "DPD-check-interval=10\n" : ""),
      fmt::arg("rid", !left && s.nat ? "Remote-ID=nat-peer-id\n" : ""),
      fmt::arg("flags", s.ikecfg ? "Flags=ikecfg\n" : ""),
      fmt::arg("x", s.aggressive ? "AGGRESSIVE" : "ID_PROT"),
      fmt::arg("tr", kTransforms[s.transform]),
      fmt::arg("ln", left ? "192.168.1.0" : "192.168.2.0"),
      fmt::arg("rn", left ? "192.168.2.0" : "192.168.1.0"));
  if (!left && s.nat) t += "[nat-peer-id]\nID-type=IPV4_ADDR\nAddress=10.0.0.1\n\n";
  // Mode-config (draft-dukes-ike-mode-cfg-02): the server (right, phase-1 responder) pushes the
  // items of the client's ID section after phase 1 (Transaction: SET, then the client's ACK);
  // with the DPD bit the client pulls instead (REQUEST, then the server's REPLY).
  if (s.ikecfg && !left) {
    t += fmt::format("[ipv4/10.0.0.1]\nAddress=10.1.0.5\nNetmask=255.255.255.0\n"
                     "Nameserver=10.1.0.53\nLifetime=3600\n{}\n",
                     s.dpd ? "Mode=PULL\n" : "");
  }
  if (s.ikecfg && left && s.dpd) {
    t += "[ipv4/10.0.0.2]\nMode=PULL\nAttributes=INTERNAL_IP4_ADDRESS,INTERNAL_IP4_DNS\n\n";
  }
  return t;
}

const crypto::Provider& provider() {
  static const crypto::OpenSslProvider kProvider;
  return kProvider;
}

// Distinct transition rows taken over the whole run: (exchange, role, state) as status strings.
using RowKey = std::tuple<std::string, std::string, std::string>;
std::set<RowKey>& rows_covered() {
  static auto* s = new std::set<RowKey>;  // never destroyed: read by the atexit handler
  return *s;
}

RowKey row_key(const engine::Transition& t) {
  return {std::string(wire::to_string(t.exchange)), engine::role_name(t.role),
          engine::state_name(t.state)};
}

void print_coverage() {
  const char* all = std::getenv("IKE_FUZZ_ENGINE_REQUIRE_ALL_ROWS");
  const bool require_all = all != nullptr && *all == '1';
  const char* q = std::getenv("IKE_FUZZ_ENGINE_QUIET");
  if (!require_all && q != nullptr && *q == '1') return;
  std::size_t hit = 0;
  std::string missed;
  for (const auto& t : engine::transition_table()) {
    if (rows_covered().contains(row_key(t))) {
      ++hit;
    } else {
      const auto [x, r, s] = row_key(t);
      missed += fmt::format(" [{} {} {}]", x, r, s);
    }
  }
  std::fprintf(stderr, "fuzz_engine: distinct transitions covered: %zu / %zu%s%s\n", hit,
               engine::transition_table().size(), missed.empty() ? "" : "; not covered:",
               missed.c_str());
  // The corpus-replay test sets this: a seed corpus that stops reaching a row fails it.
  if (require_all && hit != engine::transition_table().size()) {
    std::fprintf(stderr, "fuzz_engine: the seed corpus no longer reaches every row\n");
    std::_Exit(1);
  }
}

struct Side {
  Side(const char* addr, uint64_t seed, uint32_t spi_base)
      : address(ip(addr)), rng(seed), kernel(spi_base) {}
  base::IpAddress address;
  conf::ConfDb conf;
  test::ScriptedRandom rng;
  test::RecordingKernel kernel;
  std::unique_ptr<engine::Engine> engine;
  std::size_t phase1_established = 0;
};

// Exchange identity in status terms (the initiator's responder cookie changes at MM2/AM2).
using XKey = std::tuple<std::string, uint32_t, std::string, std::string>;
std::map<XKey, std::string> exchange_states(const engine::Engine& e, base::TimePoint now) {
  std::map<XKey, std::string> out;
  for (const auto& x : e.status(now).exchanges) {
    out[{x.icookie, x.message_id, x.role, x.type}] = x.finished ? "finished" : x.state;
  }
  return out;
}

class Harness {
 public:
  explicit Harness(const Scenario& s)
      : m_left("10.0.0.1", 11, 0x11110000), m_right("10.0.0.2", 22, 0x22220000) {
    load(m_left, conf_text(s, true));
    load(m_right, conf_text(s, false));
    if (s.nat) {
      m_nat = std::make_unique<test::SimulatedNat>(true, ip("10.0.0.1"), ip(kPublic), false);
    }
  }

  void start() {
    m_left.engine->start(m_clock.now());
    m_right.engine->start(m_clock.now());
    drain();
  }

  void run(const uint8_t* p, std::size_t n);
  void finish();

 private:
  static void load(Side& s, const std::string& text) {
    auto parsed = conf::parse_config(text, "fuzz.conf", s.conf);
    require(parsed.has_value(), "the scenario configuration parses");
    require(s.conf.commit(parsed->tx).has_value(), "the scenario configuration commits");
    conf::load_defaults(s.conf);
    s.engine = std::make_unique<engine::Engine>(s.conf, provider(), s.rng, engine::EngineOptions{});
  }

  Side& side(bool right) { return right ? m_right : m_left; }

  void drain_side(Side& s, bool is_left) {
    for (int guard = 0; guard < 64; ++guard) {
      auto outs = s.engine->take_outputs();
      if (outs.empty()) return;
      for (const auto& o : outs) {
        if (const auto* ev = std::get_if<SaEvent>(&o)) {
          if (ev->kind == SaEvent::Kind::Phase1Established) ++s.phase1_established;
        }
      }
      for (auto& o : outs) {
        if (auto* d = std::get_if<engine::SendDatagram>(&o)) {
          if (d->keepalive) continue;
          if (d->local.address.is_unspecified()) d->local.address = s.address;
          if (m_inflight.size() >= kMaxInflight) m_inflight.pop_front();
          m_inflight.push_back({std::move(*d), is_left});
        } else if (auto* k = std::get_if<engine::KernelRequest>(&o)) {
          if (std::holds_alternative<engine::KernelAddSa>(k->op)) {
            require(s.phase1_established > 0, "kernel SA added without a completed phase 1");
          }
          s.engine->on_kernel_reply(s.kernel.handle(*k), m_clock.now());
        }
      }
    }
  }

  void drain() {
    drain_side(m_left, true);
    drain_side(m_right, false);
    drain_side(m_left, true);
    require(m_left.engine->exchange_count() <= kMaxExchanges, "left exchange count bounded");
    require(m_right.engine->exchange_count() <= kMaxExchanges, "right exchange count bounded");
  }

  // The next datagram travelling towards `right` (or any, if none does).
  std::deque<test::Delivery>::iterator pick(bool right) {
    for (auto it = m_inflight.begin(); it != m_inflight.end(); ++it) {
      if (it->left_to_right == right) return it;
    }
    return m_inflight.begin();
  }

  void deliver(test::Delivery dv);
  void tick() {
    m_left.engine->on_tick(m_clock.now());
    m_right.engine->on_tick(m_clock.now());
    drain();
  }
  bool step_to_deadline(base::TimePoint limit) {
    auto a = m_left.engine->next_deadline();
    auto b = m_right.engine->next_deadline();
    std::optional<base::TimePoint> t = a;
    if (b && (!t || *b < *t)) t = b;
    if (!t || *t > limit) return false;
    m_clock.advance_to(*t);
    tick();
    return true;
  }

  Side m_left, m_right;
  test::FakeClock m_clock;
  std::unique_ptr<test::SimulatedNat> m_nat;
  std::deque<test::Delivery> m_inflight;
};

void Harness::deliver(test::Delivery dv) {
  if (m_nat && !m_nat->translate(dv)) return;
  Side& to = dv.left_to_right ? m_right : m_left;
  auto before = exchange_states(*to.engine, m_clock.now());
  uint64_t dropped = to.engine->stats().dropped;
  to.engine->on_datagram(engine::Datagram{dv.d.peer, dv.d.local, dv.d.bytes}, m_clock.now());
  // Transition coverage: a row ran without a drop if an exchange appeared, changed state or
  // ended, or (informational) nothing was dropped.
  if (to.engine->stats().dropped == dropped) {
    const std::string none = engine::state_name(engine::State::None);
    auto after = exchange_states(*to.engine, m_clock.now());
    for (const auto& [k, st] : before) {
      auto it = after.find(k);
      if (it == after.end() || it->second != st) {
        rows_covered().insert({std::get<3>(k), std::get<2>(k), st});
      }
    }
    for (const auto& [k, st] : after) {
      if (!before.contains(k)) rows_covered().insert({std::get<3>(k), std::get<2>(k), none});
    }
    auto h = wire::parse_header(base::view(dv.d.bytes));
    if (h && h->exchange == wire::ExchangeType::Informational && before.size() == after.size()) {
      rows_covered().insert({wire::to_string(h->exchange), "Responder", none});
    }
  }
  drain();
}

void Harness::run(const uint8_t* p, std::size_t n) {
  std::size_t i = 0, ops = 0;
  auto arg = [&]() -> uint8_t { return i < n ? p[i++] : 0; };
  while (i < n && ops++ < kMaxOps) {
    const uint8_t op = p[i++];
    const bool right = (op & 0x10) != 0;
    const unsigned extra = op >> 5;
    switch (op & 0x0f) {
      case 0:  // deliver the next datagram towards a side
      case 2:  // duplicate it (deliver a copy, keep it queued)
      case 1: {  // drop it
        if (m_inflight.empty()) break;
        auto it = pick(right);
        test::Delivery dv = *it;
        if ((op & 0x0f) != 2) m_inflight.erase(it);
        if ((op & 0x0f) != 1) deliver(std::move(dv));
        break;
      }
      case 3: {  // reorder: move it to the back of the queue
        if (m_inflight.empty()) break;
        auto it = pick(right);
        test::Delivery dv = std::move(*it);
        m_inflight.erase(it);
        m_inflight.push_back(std::move(dv));
        break;
      }
      case 4:    // XOR a byte
      case 5: {  // set a byte
        const unsigned off = (unsigned{arg()} << 8) | arg();
        const uint8_t v = arg();
        if (m_inflight.empty()) break;
        auto& b = pick(right)->d.bytes;
        if (b.empty()) break;
        uint8_t& at = b[off % b.size()];
        at = (op & 0x0f) == 4 ? static_cast<uint8_t>(at ^ v) : v;
        break;
      }
      case 6: {  // truncate
        const uint8_t len = arg();
        if (m_inflight.empty()) break;
        auto& b = pick(right)->d.bytes;
        if (!b.empty()) b.resize(len % b.size());
        break;
      }
      case 7:  // advance time by arg << extra seconds, then tick
        m_clock.advance(base::Seconds{static_cast<int64_t>(arg()) << extra});
        tick();
        break;
      case 8:  // jump to the next engine deadline
        (void)step_to_deadline(m_clock.now() + base::Seconds{3600});
        break;
      case 9:  // pump: deliver everything in order (bounded)
        for (int k = 0; k < 64 && !m_inflight.empty(); ++k) {
          test::Delivery dv = std::move(m_inflight.front());
          m_inflight.pop_front();
          deliver(std::move(dv));
        }
        break;
      case 10:
        side(right).engine->on_ui(engine::UiConnect{"conn"}, m_clock.now());
        drain();
        break;
      case 11: {
        std::string what = (extra & 2) ? (right ? "10.0.0.1" : "10.0.0.2") : "conn";
        side(right).engine->on_ui(engine::UiTeardown{(extra & 1) ? 1 : 2, what}, m_clock.now());
        drain();
        break;
      }
      case 12:
        side(right).engine->on_ui(engine::UiTeardownAll{}, m_clock.now());
        drain();
        break;
      case 13: {  // d <cookies> [msgid] on a phase-1 SA picked by index
        const uint8_t idx = arg();
        auto st = side(right).engine->status(m_clock.now());
        if (st.phase1.empty()) break;
        const auto& sa = st.phase1[idx % st.phase1.size()];
        auto c = cookies(sa.icookie, sa.rcookie);
        if (!c) break;
        engine::UiDeleteSa d{*c, std::nullopt};
        if ((extra & 1) && !st.phase2.empty()) {
          d.message_id = base::MessageId{st.phase2[idx % st.phase2.size()].message_id};
        }
        side(right).engine->on_ui(d, m_clock.now());
        drain();
        break;
      }
      case 14: {  // kernel soft (rekey) or hard expire of an installed SA
        const uint8_t idx = arg();
        Side& s = side(right);
        if (s.kernel.sas.empty()) break;
        auto it = s.kernel.sas.begin();
        std::advance(it, idx % s.kernel.sas.size());
        base::KernelEvent ev;
        ev.kind = (extra & 1) ? base::KernelEvent::Kind::HardExpire
                              : base::KernelEvent::Kind::SoftExpire;
        ev.ref = it->first;
        ev.src = it->second.src;
        if (ev.kind == base::KernelEvent::Kind::HardExpire) s.kernel.sas.erase(it);
        s.engine->on_kernel_event(ev, m_clock.now());
        drain();
        break;
      }
      default: {  // 15: R-U-THERE over a phase-1 SA picked by index
        const uint8_t idx = arg();
        const uint8_t seq = arg();
        auto st = side(right).engine->status(m_clock.now());
        if (st.phase1.empty()) break;
        const auto& sa = st.phase1[idx % st.phase1.size()];
        if (auto c = cookies(sa.icookie, sa.rcookie)) {
          (void)side(right).engine->send_r_u_there(*c, seq, m_clock.now());
        }
        drain();
        break;
      }
    }
  }
}

void Harness::finish() {
  // Every exchange must expire within Exchange-max-time of its start or last restart.
  for (Side* s : {&m_left, &m_right}) {
    for (const auto& x : s->engine->status(m_clock.now()).exchanges) {
      require(x.expires_in <= kExchangeMaxTime, "exchange expiry beyond Exchange-max-time");
    }
  }
  // Cut the link and let time run past Exchange-max-time: nothing alive now may survive.
  auto left_before = exchange_states(*m_left.engine, m_clock.now());
  auto right_before = exchange_states(*m_right.engine, m_clock.now());
  const base::TimePoint end = m_clock.now() + base::Seconds{kExchangeMaxTime + 1};
  m_inflight.clear();
  for (int guard = 0; guard < 100000; ++guard) {
    if (!step_to_deadline(end)) break;
    m_inflight.clear();
    require(guard < 99999, "timers keep firing without time advancing");
  }
  m_clock.advance_to(end);
  tick();
  m_inflight.clear();
  auto left_after = exchange_states(*m_left.engine, m_clock.now());
  auto right_after = exchange_states(*m_right.engine, m_clock.now());
  for (const auto& [k, st] : left_before) {
    require(!left_after.contains(k), "left: half-open exchange left after Exchange-max-time");
  }
  for (const auto& [k, st] : right_before) {
    require(!right_after.contains(k), "right: half-open exchange left after Exchange-max-time");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)rows_covered();
  (void)engine::transition_table();  // constructed before the handler is registered
  std::atexit(print_coverage);
  // The engine's warnings (authentication failed, ...) would flood the fuzzer's output.
  base::Logger::instance().set_sink([](const base::LogRecord&) {});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Scenario scenario(data[0]);
  g_bypass = scenario.bypass;
  Harness h(scenario);
  h.start();
  h.run(data + 1, size - 1);
  h.finish();
  g_bypass = false;
  return 0;
}
