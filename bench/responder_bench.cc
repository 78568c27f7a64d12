// responder_bench: the engine half of what bench/ikeload_isakmpd.sh measures, without sockets,
// kernel or event loop (issue #7: "profile before optimizing").
//
//   build/release/bench/responder_bench [--benchmark_filter=.../19]
//
// BM_ResponderHandshake/<group>: ONE responder engine configured as the daemon in
// bench/ikeload_isakmpd.sh (peer-any default, PSK, passive connection, AES-128-SHA, the group's
// Main Mode transform) lives for the whole run. Each iteration is one ikeload handshake: a fresh
// initiator engine (ikeload's initiator configuration and its reused-DH provider, from one of 64
// source addresses in turn) runs Main Mode + Quick Mode without PFS against it, then deletes
// its phase-2 and phase-1 SA as ikeload does, and the responder's timers are ticked. Only the
// responder's calls are timed (manual time: on_datagram, on_kernel_reply, on_tick and
// take_outputs); the reported time per iteration is the responder's CPU per handshake minus
// the kernel and the daemon loop. Its cryptography is real (OpenSslProvider, OpenSslRandom),
// so the floor of crypto_bench DhGenerate + DhDerive + exchange_bench Phase1Keys + 2 x Keymat
// applies to it as to the daemon.
// BM_ResponderHandshakeRsa/<group>: the same with RSA_SIG phase 1 instead of PSK, configured as
// bench/lib_compare.sh's RSA responder (CA-directory, Cert-directory, Private-key, loaded by the
// daemon's load_pki) against ikeload --auth rsa initiators (their own certificate for the FQDN
// ID load.ikt.test, sent in MM5). The RSA-2048 PKI is made by tests/pki/make_pki.sh into a
// temporary directory at the first RSA run and removed at exit.
// BM_ResponderHandshakeHolding/<pairs>: the same (ECP256) after <pairs> other peers (distinct
// addresses from 10.100.0.0 on) established Main Mode + Quick Mode with the responder and kept
// their SAs (ikeload --keep-sas): the per-handshake cost with that many ISAKMP SAs and IPsec SA
// pairs in its tables (issue #7: "no per-packet work that grows with the number of SAs").
// Counters: allocs = malloc/calloc/realloc calls (operator new and OpenSSL included) per
// handshake made inside the responder's calls. With RESPONDER_BENCH_ALLOC_SITES=<file> their
// call stacks are written to <file> at exit (alloc_sites.h; bench/alloc_sites.py resolves them).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "alloc_sites.h"
#include "conf/conf_parser.h"
#include "conf/defaults.h"
#include "crypto/openssl_provider.h"
#include "crypto/openssl_random.h"
#include "credentials.h"
#include "daemon/pki_loader.h"
#include "engine/engine.h"
#include "initiator_conf.h"
#include "null_kernel.h"
#include "options.h"
#include "reused_dh.h"
#include "support/scripted_pki.h"

// Allocation counting (this binary only): malloc, calloc and realloc (operator new and OpenSSL's
// CRYPTO_malloc land there) are counted while `g_counting` is set, and served by glibc.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
}
namespace {
std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_allocs{0};
uint64_t g_handshakes = 0;  // timed handshakes of all runs: the alloc-site table's divisor
// Inlined into each entry point, so that alloc_sites' stack starts at the entry point's caller.
inline __attribute__((always_inline)) void count_alloc() {
  if (g_counting.load(std::memory_order_relaxed)) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    if (ike::bench::alloc_sites_enabled()) ike::bench::record_alloc_site();
  }
}
}  // namespace
extern "C" void* malloc(std::size_t n) {
  count_alloc();
  return __libc_malloc(n);
}
extern "C" void* calloc(std::size_t n, std::size_t m) {
  count_alloc();
  return __libc_calloc(n, m);
}
extern "C" void* realloc(void* p, std::size_t n) {
  count_alloc();
  return __libc_realloc(p, n);
}

namespace ike {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kPsk = "ikeload-bench-secret-0123456789";
constexpr const char* kResponder = "10.99.1.2";

// The RSA-2048 PKI of the RSA runs (make_pki.sh: ca/ca.crt, load/{cert,key}.pem for the
// initiators' FQDN ID, resp/{cert,key}.pem for the responder's address), laid out as
// lib_compare.sh gives it to the daemon: trust/ (the CA certificate alone), certs/ and
// local.key. Made once, removed at exit.
class BenchPki {
 public:
  static const BenchPki& get() {
    static const BenchPki pki;
    return pki;
  }
  bool ok() const { return m_ok; }
  std::string path(const std::string& rel) const { return m_pki.path(rel); }

 private:
  BenchPki() : m_pki(fmt::format("load=DNS:load.ikt.test resp=IP:{}", kResponder), true) {
    if (!m_pki.ok()) return;
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(path("trust"), ec);
    fs::create_directories(path("certs"), ec);
    fs::copy_file(path("ca/ca.crt"), path("trust/ca.crt"), ec);
    if (!ec) fs::copy_file(path("resp/cert.pem"), path("certs/resp.pem"), ec);
    if (!ec) fs::copy_file(path("resp/key.pem"), path("local.key"), ec);
    m_ok = !ec;
  }
  test::ScriptedPki m_pki;
  bool m_ok = false;
};

std::string responder_conf(ikeload::Auth auth) {
  const bool rsa = auth == ikeload::Auth::Rsa;
  const std::string x509 =
      rsa ? fmt::format("[X509-certificates]\nCA-directory={}/\nCert-directory={}/\n"
                        "Private-key={}\n\n",
                        BenchPki::get().path("trust"), BenchPki::get().path("certs"),
                        BenchPki::get().path("local.key"))
          : std::string();
  return fmt::format(
      "[General]\nListen-on={r}\nExchange-max-time=30\nCheck-interval=3600\n\n"
      "[Phase 1]\nDefault=peer-any\n\n[Phase 2]\nPassive-connections=load-in\n\n"
      "[peer-any]\nPhase=1\nConfiguration=p1-mm\n{auth}\n"
      "[p1-mm]\nDOI=IPSEC\nEXCHANGE_TYPE=ID_PROT\n"
      "Transforms=AES-128-SHA-GRP14{sig},AES-128-SHA-GRP19{sig}\n\n{x509}"
      "[load-in]\nPhase=2\nISAKMP-peer=peer-any\nConfiguration=p2-qm\n\n"
      "[p2-qm]\nDOI=IPSEC\nEXCHANGE_TYPE=QUICK_MODE\nSuites=QM-ESP-AES-128-SHA-SUITE\n",
      fmt::arg("r", kResponder),
      fmt::arg("auth", rsa ? std::string() : fmt::format("Authentication={}\n", kPsk)),
      fmt::arg("sig", rsa ? "-RSA_SIG" : ""), fmt::arg("x509", x509));
}

// ikeload's options for `group` and `auth` (the initiators' configuration and credentials).
ikeload::Options initiator_options(const base::SockAddr& target, uint16_t group,
                                   ikeload::Auth auth) {
  ikeload::Options o;
  o.target = target;
  o.group = group;
  o.auth = auth;
  if (auth == ikeload::Auth::Psk) {
    o.psk = kPsk;
  } else {
    o.cert_file = BenchPki::get().path("load/cert.pem");
    o.key_file = BenchPki::get().path("load/key.pem");
    o.ca_file = BenchPki::get().path("ca/ca.crt");
    o.id_fqdn = "load.ikt.test";
  }
  return o;
}

struct Bench {
  crypto::OpenSslProvider provider;
  ikeload::ReusedDhProvider reused{provider};
  crypto::OpenSslRandom rng;
  conf::ConfDb responder_db;
  std::unique_ptr<engine::Engine> responder;
  std::shared_ptr<engine::PkiStore> initiator_pki;  // RSA: ikeload's credentials
  std::vector<std::unique_ptr<conf::ConfDb>> initiator_dbs;
  std::vector<base::IpAddress> sources;
  base::TimePoint now = base::TimePoint{} + std::chrono::hours(1);
  const base::SockAddr resp_addr{base::IpAddress::parse(kResponder).value(), 500};
  std::vector<base::Bytes> from_responder;  // reused: the harness allocates nothing timed
  ikeload::NullKernel kernel;  // ikeload's: every request succeeds
  Clock::duration timed{};
  uint64_t allocs = 0;

  Bench(uint16_t group, ikeload::Auth auth) {
    auto parsed = conf::parse_config(responder_conf(auth), "responder_bench", responder_db);
    if (!parsed || !responder_db.commit(parsed->tx)) std::abort();
    conf::load_defaults(responder_db);
    engine::EngineOptions eo;
    responder = std::make_unique<engine::Engine>(responder_db, provider, rng, eo);
    const ikeload::Options o = initiator_options(resp_addr, group, auth);
    if (auth == ikeload::Auth::Rsa) {
      responder->set_credentials(daemon::load_pki(responder_db));
      // --cert: one store shared by every source address.
      const base::IpAddress any = base::IpAddress::parse("10.99.1.100").value();
      auto pki = ikeload::load_credentials(o, std::span(&any, 1), std::time(nullptr));
      if (!pki) std::abort();
      initiator_pki = std::move(pki->front());
    }
    responder->start(now);
    (void)responder->take_outputs();
    from_responder.reserve(16);
    for (int i = 0; i < 64; ++i) {
      sources.push_back(base::IpAddress::parse(fmt::format("10.99.1.{}", 100 + i)).value());
      auto db = ikeload::initiator_conf(o, sources.back());
      if (!db) std::abort();
      initiator_dbs.push_back(std::move(*db));
    }
  }

  // Runs `f` on the responder, timed and with its allocations counted.
  template <typename F>
  void timed_call(F&& f) {
    auto t0 = Clock::now();
    g_allocs.store(0, std::memory_order_relaxed);
    g_counting.store(true, std::memory_order_relaxed);
    f();
    g_counting.store(false, std::memory_order_relaxed);
    allocs += g_allocs.load(std::memory_order_relaxed);
    timed += Clock::now() - t0;
  }

  // `n` handshakes from addresses of their own that keep their SAs (not timed); the responder
  // then holds n more ISAKMP SAs and n more IPsec SA pairs.
  bool establish_background(std::size_t n, uint16_t group) {
    const ikeload::Options o = initiator_options(resp_addr, group, ikeload::Auth::Psk);
    const std::size_t before = responder->phase2_sa_count();
    for (std::size_t k = 0; k < n; ++k) {
      const auto addr = base::IpAddress::v4(static_cast<uint32_t>(0x0a640000u + k));  // 10.100/16+
      auto db = ikeload::initiator_conf(o, addr);
      if (!db || !handshake_from(addr, **db, /*keep=*/true, /*time_it=*/false)) return false;
    }
    return responder->phase2_sa_count() == before + n;
  }

  // One handshake from source `i`; true when the initiator reached Phase2Established.
  bool handshake(std::size_t i) {
    return handshake_from(sources[i], *initiator_dbs[i], /*keep=*/false, /*time_it=*/true);
  }

  // A handshake from `source` with the initiator configuration `db`: deleted at the end unless
  // `keep`, the responder's calls timed when `time_it`.
  bool handshake_from(const base::IpAddress& source, conf::ConfDb& db, bool keep, bool time_it) {
    auto call = [&](auto&& f) {
      if (time_it) {
        timed_call(f);
      } else {
        f();
      }
    };
    const base::SockAddr init_addr{source, 500};
    engine::EngineOptions eo;
    engine::Engine init(db, reused, rng, eo);
    if (initiator_pki) init.set_credentials(initiator_pki);
    init.start(now);
    bool established = false, deleting = false;
    for (int round = 0; round < 64; ++round) {
      std::vector<base::Bytes> to_responder;
      auto init_outs = init.take_outputs();
      for (auto& out : init_outs) {
        if (auto* d = std::get_if<engine::SendDatagram>(&out)) {
          to_responder.push_back(std::move(d->bytes));
        } else if (auto* k = std::get_if<engine::KernelRequest>(&out)) {
          init.on_kernel_reply(kernel.answer(*k), now);
        } else if (auto* ev = std::get_if<engine::SaEvent>(&out)) {
          if (ev->kind == engine::SaEvent::Kind::Phase2Established) established = true;
        }
      }
      if (init_outs.empty()) break;
      for (auto& bytes : to_responder) {
        engine::Datagram d{resp_addr, init_addr, std::move(bytes)};
        call([&] {
          responder->on_datagram(d, now);
          drain_responder();
        });
        for (auto& b : from_responder) {
          init.on_datagram(engine::Datagram{init_addr, resp_addr, std::move(b)}, now);
        }
        from_responder.clear();
      }
      if (established && !deleting && !keep) {
        deleting = true;
        init.shutdown(now, true);  // ikeload: DELETE phase 2, then phase 1
      }
    }
    now += std::chrono::microseconds(100);
    call([&] {
      responder->on_tick(now);
      drain_responder();
    });
    from_responder.clear();  // nothing due: no retransmissions in a lossless run
    return established;
  }

  // The responder's outputs: kernel requests answered at once, datagrams to from_responder.
  void drain_responder() {
    for (;;) {
      auto outs = responder->take_outputs();
      if (outs.empty()) return;
      for (auto& out : outs) {
        if (auto* d = std::get_if<engine::SendDatagram>(&out)) {
          from_responder.push_back(std::move(d->bytes));
        } else if (auto* k = std::get_if<engine::KernelRequest>(&out)) {
          responder->on_kernel_reply(kernel.answer(*k), now);
        }
      }
      responder->recycle_outputs(std::move(outs));  // as the daemon does
    }
  }
};

void run_handshakes(benchmark::State& st, uint16_t group, ikeload::Auth auth,
                    std::size_t background) {
  if (auth == ikeload::Auth::Rsa && !BenchPki::get().ok()) {
    st.SkipWithError("tests/pki/make_pki.sh failed (is openssl installed?)");
    return;
  }
  Bench b(group, auth);
  if (!b.establish_background(background, group)) {
    st.SkipWithError("a background handshake did not complete");
    return;
  }
  std::size_t i = 0;
  for (auto _ : st) {
    b.timed = {};
    if (!b.handshake(i++ % b.sources.size())) {
      st.SkipWithError("handshake did not complete");
      break;
    }
    st.SetIterationTime(std::chrono::duration<double>(b.timed).count());
    ++g_handshakes;
  }
  st.counters["allocs"] =
      benchmark::Counter(static_cast<double>(b.allocs), benchmark::Counter::kAvgIterations);
  st.SetLabel(fmt::format("{} {} MM+QM+DELETE, responder only{}",
                          group == 14 ? "MODP2048" : "ECP256",
                          auth == ikeload::Auth::Psk ? "PSK" : "RSA_SIG",
                          background ? fmt::format(", {} other SA pairs held", background) : ""));
}

void BM_ResponderHandshake(benchmark::State& st) {
  run_handshakes(st, static_cast<uint16_t>(st.range(0)), ikeload::Auth::Psk, 0);
}
BENCHMARK(BM_ResponderHandshake)->Arg(19)->Arg(14)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_ResponderHandshakeRsa(benchmark::State& st) {
  run_handshakes(st, static_cast<uint16_t>(st.range(0)), ikeload::Auth::Rsa, 0);
}
BENCHMARK(BM_ResponderHandshakeRsa)
    ->Arg(19)
    ->Arg(14)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// Same, ECP256, with range(0) SA pairs of other peers in the responder's tables.
void BM_ResponderHandshakeHolding(benchmark::State& st) {
  run_handshakes(st, 19, ikeload::Auth::Psk, static_cast<std::size_t>(st.range(0)));
}
BENCHMARK(BM_ResponderHandshakeHolding)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ike

int main(int argc, char** argv) {
  ike::bench::enable_alloc_sites();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  ike::bench::dump_alloc_sites(g_handshakes);
  return 0;
}
