// conf_bench: the configuration path at scale (issue #7), the in-process half of
// bench/conf_scale.sh.
//
//   build/release/bench/conf_bench [--benchmark_filter=...]
//
// The text is bench/conf_scale.sh's isakmpd.conf with N site-to-site peers: a [Phase 1] address
// line, [peer-i] with its own PSK, [conn-i] listed in one [Phase 2]:Passive-connections line,
// and [net-i] (about 340 bytes and 14 tags per peer).
// BM_ParseConfig/N: conf_parser alone (the transaction is aborted).
// BM_LoadConfigText/N: what a start or an `R` does (config_file.h): parse, commit, validate,
// built-in defaults, swap into the daemon's ConfDb.
// BM_FifoAddToList/N: one FIFO `C add [Phase 2]:Passive-connections=<new>` (a transaction with
// one add, committed) on a list that holds N connections: what ipsecctl makes per rule. The
// list index makes it independent of N.
// BM_LookupPeer/N: the reads the engine makes for one peer (ConfDb::get of [Phase 1]:<address>,
// then three tags of its section) in a database of N peers.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>

#include "conf/conf_db.h"
#include "conf/conf_parser.h"
#include "conf/config_file.h"

namespace {

using ike::conf::ConfDb;

std::string peer_address(int i) {
  return fmt::format("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
}

std::string config_text(int peers) {
  std::string t = "[General]\nListen-on=\t\t10.99.1.2\nCheck-interval=\t\t3600\n\n[Phase 1]\n";
  for (int i = 1; i <= peers; ++i) t += fmt::format("{}=\tpeer-{}\n", peer_address(i), i);
  t += "\n[Phase 2]\nPassive-connections=\t";
  for (int i = 1; i <= peers; ++i) t += fmt::format("{}conn-{}", i > 1 ? "," : "", i);
  t += "\n";
  for (int i = 1; i <= peers; ++i) {
    t += fmt::format(
        "\n[peer-{0}]\nPhase=\t\t\t1\nAddress=\t\t{1}\nAuthentication=\t\tsecret-{0}-0123456789\n"
        "Configuration=\t\tp1-mm\n\n[conn-{0}]\nPhase=\t\t\t2\nISAKMP-peer=\t\tpeer-{0}\n"
        "Configuration=\t\tp2-qm\nLocal-ID=\t\tlocal-net\nRemote-ID=\t\tnet-{0}\n\n[net-{0}]\n"
        "ID-type=\t\tIPV4_ADDR_SUBNET\nNetwork=\t\t172.{2}.{3}.{4}\nNetmask=\t\t255.255.255.255\n",
        i, peer_address(i), 16 + ((i >> 16) & 15), (i >> 8) & 255, i & 255);
  }
  t += "\n[local-net]\nID-type=\t\tIPV4_ADDR_SUBNET\nNetwork=\t\t192.168.0.0\n"
       "Netmask=\t\t255.255.0.0\n\n[p1-mm]\nDOI=\t\t\tIPSEC\nEXCHANGE_TYPE=\t\tID_PROT\n"
       "Transforms=\t\tAES-128-SHA-GRP19\n\n[p2-qm]\nDOI=\t\t\tIPSEC\n"
       "EXCHANGE_TYPE=\t\tQUICK_MODE\nSuites=\t\t\tQM-ESP-AES-128-SHA-SUITE\n";
  return t;
}

void set_counters(benchmark::State& state, const std::string& text) {
  state.counters["peers"] = static_cast<double>(state.range(0));
  state.counters["MB"] = static_cast<double>(text.size()) / 1e6;
}

void BM_ParseConfig(benchmark::State& state) {
  const std::string text = config_text(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    ConfDb db;
    auto out = ike::conf::parse_config(text, "bench.conf", db);
    if (!out) {
      state.SkipWithError(out.error().detail.c_str());
      break;
    }
    db.abort(out->tx);
  }
  set_counters(state, text);
}

void BM_LoadConfigText(benchmark::State& state) {
  const std::string text = config_text(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    ConfDb db;
    auto r = ike::conf::load_config_text(text, "bench.conf", db);
    if (!r) {
      state.SkipWithError(r.error().detail.c_str());
      break;
    }
    benchmark::DoNotOptimize(db.size());
  }
  set_counters(state, text);
}

void BM_FifoAddToList(benchmark::State& state) {
  ConfDb db;
  const int n = static_cast<int>(state.range(0));
  ike::conf::TxId tx = db.begin();
  for (int i = 1; i <= n; ++i) {
    db.add_to_list(tx, "Phase 2", "Passive-connections",
                   fmt::format("from-192.168.0.0/16-to-{}", i));
  }
  (void)db.commit(tx);
  int next = n;
  for (auto _ : state) {
    tx = db.begin();
    db.add_to_list(tx, "Phase 2", "Passive-connections",
                   fmt::format("from-192.168.0.0/16-to-{}", ++next));
    benchmark::DoNotOptimize(db.commit(tx));
  }
  state.counters["list_elements"] = static_cast<double>(next);
}

void BM_LookupPeer(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  ConfDb db;
  if (auto r = ike::conf::load_config_text(config_text(n), "bench.conf", db); !r) {
    state.SkipWithError(r.error().detail.c_str());
    return;
  }
  int i = 0;
  for (auto _ : state) {
    i = i % n + 1;
    auto section = db.get("Phase 1", peer_address(i));
    benchmark::DoNotOptimize(db.get(*section, "Authentication"));
    benchmark::DoNotOptimize(db.get(*section, "Configuration"));
    benchmark::DoNotOptimize(db.get(*section, "Address"));
  }
}

}  // namespace

BENCHMARK(BM_ParseConfig)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoadConfigText)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FifoAddToList)->Arg(100)->Arg(10000)->Arg(100000);
BENCHMARK(BM_LookupPeer)->Arg(1000)->Arg(100000);
BENCHMARK_MAIN();
