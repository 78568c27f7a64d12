// Deterministic mutation regression (reliability.md §A4 F3, OpenBSD iked style): every golden
// packet of deterministic EnginePair runs (MM1-MM6, AM1-AM3, QM1-QM3, NAT-D variants behind a
// NAT, INFORMATIONAL DELETE and DPD R-U-THERE/ACK, a NO-PROPOSAL-CHOSEN notify) x {every 1-bit
// flip, every byte set to 0x00 and 0xff, 2-byte flips at a stride, truncation at the start and
// at the end at every length, 2-bit flips (bit pairs up to 4 bits apart) for packets < 128
// bytes} is delivered to the receiving engine in the state where the original was expected.
// Each mutant must be (a) rejected with no state change (status snapshot: SAs, exchanges,
// connections, timers; no kernel request; no event but ExchangeFailed for a refused new
// exchange), or (b) accepted with the original's effect: the same exchange/SA shape for
// cleartext messages (a changed nonce, KE or cookie is an indistinguishable different
// message), the identical snapshot for encrypted ones (ignored bits, e.g. padding) except the
// NAT verdict of AM3, whose NAT-D payloads are encrypted but not covered by HASH_I (RFC 3947
// §3.2; counted as "NAT-D changed"). There is no third outcome: a mutant never fails an exchange
// (engine/unverifiable.cc: on MM2-MM6, AM2, AM3 as on Quick Mode and informational rows, an
// unverifiable message is dropped with no state change and the exchange keeps waiting for the
// genuine one). Anything else (an SA or kernel change the original did not cause, an
// ExchangeFailed, another state) fails the test. The receiving engine is reused while mutants
// are rejected and rebuilt by replaying the scenario otherwise.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "base/log.h"
#include "engine/engine.h"
#include "engine/fuzzing_hook.h"
#include "support/engine_pair.h"
#include "support/simulated_nat.h"
#include "wire/message.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

struct Scenario {
  std::string name;
  std::function<std::unique_ptr<EnginePair>()> make;
  std::vector<std::function<void(EnginePair&)>> steps;  // after start()
  std::size_t first_golden = 0;  // deliveries before this index are covered elsewhere
  bool nat = false;
  std::size_t end_golden = SIZE_MAX;  // deliveries from this index on are covered elsewhere
};

std::function<void(EnginePair&)> advance(int seconds) {
  return [seconds](EnginePair& p) {
    p.clock.advance(base::Seconds{seconds});
    p.left.engine->on_tick(p.clock.now());
    p.right.engine->on_tick(p.clock.now());
    p.pump();
  };
}

std::vector<Scenario> scenarios() {
  std::vector<Scenario> s;
  s.push_back({"main_mode_psk", [] { return std::make_unique<EnginePair>(); }, {}, 0});
  s.push_back({"aggressive_mode_psk",
               [] {
                 PeerConf l;
                 l.p1_exchange = "AGGRESSIVE";
                 return std::make_unique<EnginePair>(l, mirror(l));
               },
               {}, 0});
  s.push_back({"nat_t_main_mode",
               [] {
                 PeerConf l;
                 PeerConf r = mirror(l);
                 r.peer = "198.51.100.1";
                 r.extra = "[peer-198.51.100.1]\nRemote-ID=nat-peer-id\n\n"
                           "[nat-peer-id]\nID-type=IPV4_ADDR\nAddress=10.0.0.1\n\n";
                 return std::make_unique<EnginePair>(l, r);
               },
               {}, 2, true, 6});
  s.push_back({"dpd_and_delete",
               [] {
                 PeerConf l;
                 l.extra = "[peer-10.0.0.2]\nDPD-check-interval=10\n";
                 return std::make_unique<EnginePair>(l, mirror(PeerConf{}));
               },
               {advance(11),
                [](EnginePair& p) { p.ui(p.left, engine::UiTeardown{2, "conn"}); },
                [](EnginePair& p) { p.ui(p.left, engine::UiTeardown{1, "peer-10.0.0.2"}); }},
               9});
  s.push_back({"no_proposal_chosen",
               [] {
                 PeerConf l;
                 PeerConf r = mirror(l);
                 r.p2_suites = "QM-ESP-3DES-MD5-SUITE";
                 return std::make_unique<EnginePair>(l, r);
               },
               {}, 6});
  return s;
}

// One run of a scenario: every delivery is recorded; with `stop_at`, that delivery is held
// back (captured) and nothing is delivered after it, so its receiver is left in the state in
// which it expects the packet.
struct Run {
  std::unique_ptr<EnginePair> pair;
  std::unique_ptr<SimulatedNat> nat;
  std::vector<Delivery> deliveries;
  std::optional<Delivery> captured;
};

std::unique_ptr<Run> run_scenario(const Scenario& sc, std::optional<std::size_t> stop_at) {
  auto owned = std::make_unique<Run>();
  Run& r = *owned;
  r.pair = sc.make();
  if (sc.nat) {
    r.nat = std::make_unique<SimulatedNat>(true, r.pair->left.address,
                                           base::IpAddress::parse("198.51.100.1").value(), false);
  }
  Run* rp = owned.get();
  r.pair->middlebox = [rp, stop_at](Delivery& dv) {
    if (rp->captured) return false;  // frozen
    if (rp->nat && !rp->nat->translate(dv)) return false;
    if (dv.d.keepalive) return true;
    std::size_t i = rp->deliveries.size();
    rp->deliveries.push_back(dv);
    if (stop_at && i == *stop_at) {
      rp->captured = dv;
      return false;
    }
    return true;
  };
  r.pair->start();
  for (const auto& step : sc.steps) {
    if (r.captured) break;
    step(*r.pair);
  }
  return owned;
}

Side& receiver(EnginePair& p, const Delivery& dv) { return dv.left_to_right ? p.right : p.left; }

// Everything observable about one engine, except counters (and ages: time stands still).
struct Snapshot {
  std::string status;
  std::string status_but_nat;  // without the phase-1 NAT detection result
  std::vector<std::string> shape;  // exchange (type, role, state), SA counts
  std::size_t events = 0, failed = 0, kernel_requests = 0;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(Side& s, base::TimePoint now) {
  Snapshot out;
  auto line = [&out](const std::string& l) {
    out.status += l;
    out.status_but_nat += l;
  };
  auto st = s.engine->status(now);
  for (const auto& x : st.exchanges) {
    line(fmt::format("X {} {} {} {} {} {} {} {} {}\n", x.name, x.type, x.role, x.state, x.peer,
                     x.icookie, x.rcookie, x.message_id, x.finished));
    out.shape.push_back(fmt::format("{} {} {} {}", x.type, x.role, x.state, x.finished));
  }
  for (const auto& a : st.phase1) {
    std::string p1 = fmt::format("P1 {} {} {} {} {} {} {} {}", a.name, a.role, a.peer,
                                 a.icookie, a.rcookie, a.suite, a.initiator_id, a.responder_id);
    out.status_but_nat += p1 + "\n";
    out.status += p1 + " nat=" + a.nat + "\n";
  }
  for (const auto& a : st.phase2) {
    line(fmt::format("P2 {} {} {} {:08x} {:08x} {:08x} {} {}\n", a.name, a.role, a.peer,
                     a.message_id, a.in_spi, a.out_spi, a.suite, fmt::join(a.flows, ",")));
  }
  for (const auto& c : st.connections) {
    line(fmt::format("C {} {} {} {}\n", c.name, c.up, c.held, c.remote_id));
  }
  for (const auto& t : st.timers) line(fmt::format("T {} {} {}\n", t.event, t.subject, t.in));
  out.shape.push_back(fmt::format("p1={} p2={}", st.phase1.size(), st.phase2.size()));
  out.events = s.events.size();
  for (const auto& e : s.events) out.failed += e.kind == Kind::ExchangeFailed ? 1 : 0;
  out.kernel_requests = s.kernel.requests.size();
  return out;
}

// Delivers `bytes` as `dv` to its receiver and runs the receiver's outputs (kernel requests
// answered; datagrams not forwarded).
void deliver(EnginePair& p, const Delivery& dv, const base::Bytes& bytes) {
  Side& to = receiver(p, dv);
  to.engine->on_datagram(engine::Datagram{dv.d.peer, dv.d.local, bytes}, p.clock.now());
  for (int guard = 0; guard < 16; ++guard) {
    auto outs = to.engine->take_outputs();
    if (outs.empty()) break;
    for (auto& o : outs) {
      if (auto* k = std::get_if<engine::KernelRequest>(&o)) {
        to.engine->on_kernel_reply(to.kernel.handle(*k), p.clock.now());
      } else if (auto* ev = std::get_if<engine::SaEvent>(&o)) {
        to.events.push_back(*ev);
      }
    }
  }
}

std::vector<base::Bytes> mutants(const base::Bytes& g) {
  std::vector<base::Bytes> out;
  const std::size_t n = g.size();
  auto add = [&](base::Bytes m) {
    if (m != g) out.push_back(std::move(m));
  };
  for (std::size_t i = 0; i < n; ++i) {
    for (unsigned b = 0; b < 8; ++b) {
      base::Bytes m = g;
      m[i] ^= static_cast<uint8_t>(1u << b);
      add(std::move(m));
    }
    for (uint8_t v : {uint8_t{0x00}, uint8_t{0xff}}) {
      base::Bytes m = g;
      m[i] = v;
      add(std::move(m));
    }
  }
  for (std::size_t i = 0; i + 1 < n; i += 3) {  // 2-byte flips, stride 3
    base::Bytes m = g;
    m[i] ^= 0xff;
    m[i + 1] ^= 0xff;
    add(std::move(m));
  }
  for (std::size_t len = 0; len < n; ++len) {
    add(base::Bytes(g.begin(), g.begin() + static_cast<std::ptrdiff_t>(len)));      // end
    add(base::Bytes(g.begin() + static_cast<std::ptrdiff_t>(n - len), g.end()));    // start
  }
  if (n < 128) {  // 2-bit flips: every bit pair up to 4 bits apart
    for (std::size_t a = 0; a < n * 8; ++a) {
      for (std::size_t b = a + 1; b < std::min(n * 8, a + 5); ++b) {
        base::Bytes m = g;
        m[a / 8] ^= static_cast<uint8_t>(1u << (a % 8));
        m[b / 8] ^= static_cast<uint8_t>(1u << (b % 8));
        add(std::move(m));
      }
    }
  }
  return out;
}

std::string label(const Delivery& dv) {
  auto h = wire::parse_header(base::view(dv.d.bytes));
  if (!h) return "?";
  return fmt::format("{}{} {} bytes -> {}", wire::to_string(h->exchange),
                     (h->flags & wire::kFlagEncryption) ? "*" : "", dv.d.bytes.size(),
                     dv.left_to_right ? "right" : "left");
}

struct Totals {
  std::size_t golden = 0, mutants = 0, rejected = 0, refused = 0, accepted = 0, rebuilds = 0;
};

void check_packet(const Scenario& sc, std::size_t k, Totals& t) {
  auto base_run = run_scenario(sc, k);
  ASSERT_TRUE(base_run->captured) << sc.name << ": delivery " << k << " not reached";
  const Delivery golden = *base_run->captured;
  EnginePair& bp = *base_run->pair;
  const bool encrypted = golden.d.bytes.size() > 19 && (golden.d.bytes[19] & 1) != 0;
  const std::string what = fmt::format("{} #{} {}", sc.name, k, label(golden));
  // The original's effect.
  Snapshot orig_before = snapshot(receiver(bp, golden), bp.clock.now());
  deliver(bp, golden, golden.d.bytes);
  Snapshot orig_after = snapshot(receiver(bp, golden), bp.clock.now());

  auto list = mutants(golden.d.bytes);
  ++t.golden;
  t.mutants += list.size();
  std::size_t rejected = 0, refused = 0, accepted = 0, nat_changed = 0;
  auto run = run_scenario(sc, k);
  for (std::size_t i = 0; i < list.size(); ++i) {
    Side& to = receiver(*run->pair, golden);
    const auto now = run->pair->clock.now();
    Snapshot before = snapshot(to, now);
    ASSERT_EQ(before.status, orig_before.status) << what << ": state differs before mutant " << i;
    deliver(*run->pair, golden, list[i]);
    Snapshot after = snapshot(to, now);
    // Rejected: nothing changed but, at most, an ExchangeFailed event for a refused NEW
    // exchange (e.g. NO-PROPOSAL-CHOSEN to a mutated MM1), which leaves no state behind (an
    // exchange in progress that failed would be missing from `after.status`).
    if (after.status == before.status && after.kernel_requests == before.kernel_requests &&
        after.events - before.events == after.failed - before.failed) {
      ++rejected;
      refused += after.failed - before.failed;
      continue;
    }
    auto delta = [](const Snapshot& a, const Snapshot& b) {
      return std::tuple(a.events - b.events, a.failed - b.failed,
                        a.kernel_requests - b.kernel_requests);
    };
    const bool same_counts = delta(after, before) == delta(orig_after, orig_before);
    // Encrypted: the same result, except that NAT-D is not covered by HASH_I in AM3 (RFC 3947
    // §3.2 sends it encrypted, not authenticated): a mutant there may change the NAT verdict.
    const bool same_effect =
        same_counts && (encrypted ? after.status_but_nat == orig_after.status_but_nat
                                  : after.shape == orig_after.shape);
    if (same_effect && encrypted && after.status != orig_after.status) ++nat_changed;
    if (same_effect) {
      ++accepted;
    } else {
      ADD_FAILURE() << what << ": mutant " << i << " changed the state\nbefore:\n"
                    << before.status << "after:\n" << after.status << "original after:\n"
                    << orig_after.status;
      return;
    }
    ++t.rebuilds;
    run = run_scenario(sc, k);
  }
  t.rejected += rejected;
  t.accepted += accepted;
  t.refused += refused;
  std::printf("  %-44s %5zu mutants: %5zu rejected with no state change (%zu refused new "
              "exchanges), %4zu accepted with the original's effect (%zu NAT-D changed)\n",
              what.c_str(), list.size(), rejected, refused, accepted, nat_changed);
}

// The HASH/SIG bypass of fuzz_engine is not linked into this (or any non-fuzz) binary, so a
// mismatch stays a mismatch (engine/fuzzing_hook.h).
TEST(GoldenMutation, FuzzingAuthBypassIsNotLinkedIn) {
  EXPECT_FALSE(engine::fuzzing_auth_bypass_active());
  EXPECT_FALSE(engine::auth_check_passes(false));
  EXPECT_TRUE(engine::auth_check_passes(true));
}

TEST(GoldenMutation, EveryGoldenPacketSurvivesEveryMutant) {
  const auto start = std::chrono::steady_clock::now();
  base::Logger::instance().set_sink([](const base::LogRecord&) {});  // millions of warnings
  Totals t;
  for (const auto& sc : scenarios()) {
    auto full = run_scenario(sc, std::nullopt);
    ASSERT_GT(full->pair->left.count(Kind::Phase1Established), 0u) << sc.name;
    std::printf("%s: %zu deliveries\n", sc.name.c_str(), full->deliveries.size());
    for (std::size_t k = sc.first_golden; k < std::min(sc.end_golden, full->deliveries.size());
         ++k) {
      ASSERT_NO_FATAL_FAILURE(check_packet(sc, k, t));
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("golden packets: %zu, mutants: %zu (rejected with no state change %zu, of them "
              "%zu refused new exchanges; accepted with the original's effect %zu; failed an "
              "exchange 0), rebuilds %zu, %.1f s\n",
              t.golden, t.mutants, t.rejected, t.refused, t.accepted, t.rebuilds, secs);
  EXPECT_GE(t.golden, 20u);
  EXPECT_EQ(t.mutants, t.rejected + t.accepted);
}

}  // namespace
}  // namespace ike::test
