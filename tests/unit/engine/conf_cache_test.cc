// ConfCache (engine/conf_cache.h) and ConfDb::generation() (issue #7): the [Phase 1] address
// lookup gives find_phase1_peer_for_address's answers, is built once per configuration
// generation (repeated lookups do not rebuild), and is invalidated by a committed FIFO-style
// `C set` transaction and by a reload (load_config_text swaps the content in). The [Phase 2]
// responder index: the same answer as find_responder_connection over generated configurations
// (property test), built once per generation, invalidated by `C set` and by reload.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/log.h"
#include "conf/config_file.h"
#include "conf/conf_db.h"
#include "engine/conf_cache.h"
#include "engine/ipsec_id.h"
#include "engine/peer_config.h"

namespace ike::engine {
namespace {

constexpr const char* kConf =
    "[Phase 1]\n"
    "10.0.0.2=peer-a\n"
    "Default=peer-default\n"
    "[peer-a]\nPhase=1\n"
    "[peer-default]\nPhase=1\n";

base::IpAddress addr(const char* text) { return *base::IpAddress::parse(text); }

TEST(ConfCache, AnswersAsTheUncachedLookupAndBuildsOncePerGeneration) {
  conf::ConfDb db;
  ASSERT_TRUE(conf::load_config_text(kConf, "test", db));
  ConfCache cache;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(*cache.phase1_peer_for(db, addr("10.0.0.2")), "peer-a");
    EXPECT_EQ(*cache.phase1_peer_for(db, addr("10.0.0.9")), "peer-default");
  }
  EXPECT_EQ(cache.rebuilds(), 1U);
  EXPECT_EQ(*find_phase1_peer_for_address(db, addr("10.0.0.2")), "peer-a");
  EXPECT_EQ(*find_phase1_peer_for_address(db, addr("10.0.0.9")), "peer-default");
}

TEST(ConfCache, InvalidatedByACommittedSetTransaction) {
  conf::ConfDb db;
  ASSERT_TRUE(conf::load_config_text(kConf, "test", db));
  ConfCache cache;
  EXPECT_EQ(*cache.phase1_peer_for(db, addr("10.0.0.3")), "peer-default");
  const uint64_t g = db.generation();
  // FIFO: C set [Phase 1]:10.0.0.3=peer-a
  conf::TxId tx = db.begin();
  db.set(tx, "Phase 1", "10.0.0.3", "peer-a", false, false);
  EXPECT_EQ(db.generation(), g);  // queued, not committed
  ASSERT_TRUE(db.commit(tx));
  EXPECT_GT(db.generation(), g);
  EXPECT_EQ(*cache.phase1_peer_for(db, addr("10.0.0.3")), "peer-a");
  EXPECT_EQ(cache.rebuilds(), 2U);
  // An aborted transaction changes nothing.
  tx = db.begin();
  db.set(tx, "Phase 1", "10.0.0.4", "peer-a", false, false);
  db.abort(tx);
  EXPECT_EQ(*cache.phase1_peer_for(db, addr("10.0.0.4")), "peer-default");
  EXPECT_EQ(cache.rebuilds(), 2U);
}

TEST(ConfCache, InvalidatedByReload) {
  conf::ConfDb db;
  ASSERT_TRUE(conf::load_config_text(kConf, "test", db));
  ConfCache cache;
  EXPECT_EQ(*cache.phase1_peer_for(db, addr("10.0.0.2")), "peer-a");
  const uint64_t g = db.generation();
  ASSERT_TRUE(conf::load_config_text("[Phase 1]\n10.0.0.2=peer-b\n[peer-b]\nPhase=1\n",
                                     "reload", db));
  EXPECT_GT(db.generation(), g);
  EXPECT_EQ(*cache.phase1_peer_for(db, addr("10.0.0.2")), "peer-b");
  // Whatever the reloaded file says for other addresses, the cache agrees with the uncached
  // lookup (the old Default is not served from the previous generation).
  auto cached = cache.phase1_peer_for(db, addr("10.0.0.9"));
  auto direct = find_phase1_peer_for_address(db, addr("10.0.0.9"));
  ASSERT_EQ(static_cast<bool>(cached), static_cast<bool>(direct));
  if (direct) {
    EXPECT_EQ(*cached, *direct);
    EXPECT_NE(*cached, "peer-default");
  }
  EXPECT_EQ(cache.rebuilds(), 2U);
}


// ----------------------------------------------------------------- [Phase 2] responder index

// A generated configuration: `n` connections with random ISAKMP-peer (set, in another case,
// unset), Local-ID / Remote-ID (one of a few subnets, a host equal to a phase-1 address, or
// absent), Active-only flags, listed in Connections, Passive-connections, both or twice, some
// broken (no Configuration, a missing ID section).
std::string generated_phase2(std::mt19937& rng, int n) {
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<unsigned>(k)); };
  const char* peers[] = {"peer-a", "PEER-A", "peer-b", ""};
  const char* ids[] = {"net-1", "net-2", "net-3", "host-l", "host-r", "", "", "missing-id"};
  std::string text =
      "[peer-a]\nPhase=1\n[peer-b]\nPhase=1\n[p2]\nSuites=QM-ESP-AES-SHA-SUITE\n"
      "[net-1]\nID-type=IPV4_ADDR_SUBNET\nNetwork=10.1.0.0\nNetmask=255.255.0.0\n"
      "[net-2]\nID-type=IPV4_ADDR_SUBNET\nNetwork=10.2.0.0\nNetmask=255.255.255.0\n"
      "[net-3]\nID-type=IPV4_ADDR_SUBNET\nNetwork=10.3.3.0\nNetmask=255.255.255.0\n"
      "[host-l]\nID-type=IPV4_ADDR\nAddress=192.0.2.1\n"
      "[host-r]\nID-type=IPV4_ADDR\nAddress=192.0.2.2\n";
  std::string active, passive;
  for (int i = 0; i < n; ++i) {
    std::string name = fmt::format("c{}", i);
    text += fmt::format("[{}]\nPhase=2\n", name);
    if (pick(10) != 0) text += "Configuration=p2\n";
    if (const char* p = peers[pick(4)]; *p != 0) text += fmt::format("ISAKMP-peer={}\n", p);
    if (const char* l = ids[pick(8)]; *l != 0) text += fmt::format("Local-ID={}\n", l);
    if (const char* r = ids[pick(8)]; *r != 0) text += fmt::format("Remote-ID={}\n", r);
    if (pick(5) == 0) text += "Flags=Active-only\n";
    auto append = [](std::string& list, const std::string& v) {
      list += (list.empty() ? "" : ",") + v;
    };
    switch (pick(5)) {
      case 0: append(active, name); break;
      case 1: append(passive, name); break;
      case 2: append(active, name); append(passive, name); break;
      case 3: append(passive, name); append(passive, "C" + name.substr(1)); break;
      default: append(passive, name); break;
    }
  }
  return text + "[Phase 2]\nConnections=" + active + "\nPassive-connections=" + passive + "\n";
}

// Returns whether the (uncached) lookup found a connection.
bool expect_same_answer(const ConfCache& cache, const conf::ConfDb& db, std::string_view peer,
                        const base::IpAddress& local, const base::IpAddress& remote,
                        const wire::IdPayload* idci, const wire::IdPayload* idcr) {
  auto cached = cache.responder_connection(db, peer, local, remote, idci, idcr);
  auto direct = find_responder_connection(db, peer, local, remote, idci, idcr);
  EXPECT_EQ(static_cast<bool>(cached), static_cast<bool>(direct))
      << (cached ? cached->connection.section : cached.error().detail) << " vs "
      << (direct ? direct->connection.section : direct.error().detail);
  if (static_cast<bool>(cached) != static_cast<bool>(direct)) return static_cast<bool>(direct);
  if (direct) {
    EXPECT_EQ(cached->connection.section, direct->connection.section);
    EXPECT_EQ(cached->connection.isakmp_peer, direct->connection.isakmp_peer);
    EXPECT_EQ(cached->selectors.local, direct->selectors.local);
    EXPECT_EQ(cached->selectors.remote, direct->selectors.remote);
  } else {
    EXPECT_EQ(cached.error().detail, direct.error().detail);
    EXPECT_EQ(cached.error().notify, direct.error().notify);
    EXPECT_EQ(cached.error().code, direct.error().code);
  }
  return static_cast<bool>(direct);
}

TEST(ConfCacheResponder, PropertySameAnswerAsUncachedLookupOverGeneratedConfigs) {
  const std::vector<base::TrafficSelector> selectors = {
      {addr("10.1.0.0"), 16, 0, 0}, {addr("10.2.0.0"), 24, 0, 0}, {addr("10.3.3.0"), 24, 0, 0},
      {addr("10.4.0.0"), 16, 0, 0}, {addr("192.0.2.1"), 32, 0, 0}, {addr("192.0.2.2"), 32, 0, 0},
      {addr("192.0.2.9"), 32, 0, 0}};
  std::vector<wire::IdPayload> id_payloads;
  for (const auto& s : selectors) id_payloads.push_back(selector_to_id(s));
  const base::IpAddress locals[] = {addr("192.0.2.1"), addr("192.0.2.9")};
  const base::IpAddress remotes[] = {addr("192.0.2.2"), addr("192.0.2.9")};
  const char* phase1_peers[] = {"Peer-A", "peer-b", ""};
  std::size_t matched = 0, queries = 0;
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    std::mt19937 rng(seed);
    conf::ConfDb db;
    ASSERT_TRUE(conf::load_config_text(generated_phase2(rng, 4 + static_cast<int>(seed * 3)),
                                       "generated", db));
    ConfCache cache;
    for (const char* peer : phase1_peers) {
      for (const auto& local : locals) {
        for (const auto& remote : remotes) {
          expect_same_answer(cache, db, peer, local, remote, nullptr, nullptr);
          for (const auto& ci : id_payloads) {
            for (const auto& cr : id_payloads) {
              matched += expect_same_answer(cache, db, peer, local, remote, &ci, &cr) ? 1U : 0U;
              ++queries;
            }
          }
          // One ID alone: the same BadValue error.
          expect_same_answer(cache, db, peer, local, remote, &id_payloads[0], nullptr);
        }
      }
    }
    EXPECT_EQ(cache.phase2_rebuilds(), 1U) << "seed " << seed;
  }
  // The generated space exercises both outcomes.
  EXPECT_GT(matched, queries / 50);
  EXPECT_LT(matched, queries);
}

constexpr const char* kPhase2Conf =
    "[peer-a]\nPhase=1\n[p2]\nSuites=QM-ESP-AES-SHA-SUITE\n"
    "[net-l]\nID-type=IPV4_ADDR_SUBNET\nNetwork=10.1.1.0\nNetmask=255.255.255.0\n"
    "[net-r]\nID-type=IPV4_ADDR_SUBNET\nNetwork=10.2.2.0\nNetmask=255.255.255.0\n"
    "[net-x]\nID-type=IPV4_ADDR_SUBNET\nNetwork=10.9.9.0\nNetmask=255.255.255.0\n"
    "[conn-a]\nPhase=2\nISAKMP-peer=peer-a\nConfiguration=p2\nLocal-ID=net-l\nRemote-ID=net-r\n"
    "[Phase 2]\nPassive-connections=conn-a\n";

TEST(ConfCacheResponder, InvalidatedByACommittedSetTransactionAndByReload) {
  conf::ConfDb db;
  ASSERT_TRUE(conf::load_config_text(kPhase2Conf, "test", db));
  ConfCache cache;
  const auto local = addr("192.0.2.1"), peer = addr("192.0.2.2");
  wire::IdPayload idci = selector_to_id({addr("10.9.9.0"), 24, 0, 0});
  wire::IdPayload idcr = selector_to_id({addr("10.1.1.0"), 24, 0, 0});
  auto before = cache.responder_connection(db, "peer-a", local, peer, &idci, &idcr);
  ASSERT_FALSE(before);
  EXPECT_EQ(before.error().notify, base::NotifyType::InvalidIdInformation);
  for (int i = 0; i < 50; ++i) (void)cache.responder_connection(db, "peer-a", local, peer,
                                                                &idci, &idcr);
  EXPECT_EQ(cache.phase2_rebuilds(), 1U);
  // FIFO: C set [conn-a]:Remote-ID=net-x
  conf::TxId tx = db.begin();
  db.set(tx, "conn-a", "Remote-ID", "net-x", true, false);
  ASSERT_TRUE(db.commit(tx));
  auto after = cache.responder_connection(db, "peer-a", local, peer, &idci, &idcr);
  ASSERT_TRUE(after) << after.error().detail;
  EXPECT_EQ(after->connection.section, "conn-a");
  EXPECT_EQ(after->selectors.remote.to_string(), "10.9.9.0/24");
  EXPECT_EQ(cache.phase2_rebuilds(), 2U);
  // A new passive connection added by `C set` is found too.
  tx = db.begin();
  db.set(tx, "conn-b", "Phase", "2", false, false);
  db.set(tx, "conn-b", "Configuration", "p2", false, false);
  db.set(tx, "Phase 2", "Passive-connections", "conn-a,conn-b", true, false);
  ASSERT_TRUE(db.commit(tx));
  auto hosts = cache.responder_connection(db, "peer-a", local, peer, nullptr, nullptr);
  ASSERT_TRUE(hosts) << hosts.error().detail;
  EXPECT_EQ(hosts->connection.section, "conn-b");
  EXPECT_EQ(hosts->selectors.local.to_string(), "192.0.2.1/32");
  // Reload: conn-a is gone.
  ASSERT_TRUE(conf::load_config_text("[p2]\nSuites=QM-ESP-AES-SHA-SUITE\n", "reload", db));
  auto gone = cache.responder_connection(db, "peer-a", local, peer, &idci, &idcr);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().detail, find_responder_connection(db, "peer-a", local, peer, &idci,
                                                           &idcr).error().detail);
  EXPECT_EQ(cache.phase2_rebuilds(), 4U);
}

// Two rules for one pair of networks with the same peer: a responder always selects the first
// (as the uncached lookup does), and the index build names the other one in a warning. The same
// IDs for any peer, and a name listed twice, are not shadowed.
TEST(ConfCacheResponder, NamesTheConnectionsThatAnEarlierOneShadows) {
  std::string text = kPhase2Conf;
  std::string list = "conn-a,Conn-A,conn-b,conn-any";
  text.replace(text.find("[Phase 2]"), std::string::npos,
               "[conn-b]\nPhase=2\nISAKMP-peer=PEER-A\nConfiguration=p2\nLocal-ID=net-l\n"
               "Remote-ID=net-r\n"
               "[conn-any]\nPhase=2\nConfiguration=p2\nLocal-ID=net-l\nRemote-ID=net-r\n");
  for (int i = 0; i < 10; ++i) {
    text += fmt::format("[dup-{}]\nPhase=2\nISAKMP-peer=peer-a\nConfiguration=p2\n"
                        "Local-ID=net-l\nRemote-ID=net-r\n", i);
    list += fmt::format(",dup-{}", i);
  }
  text += "[Phase 2]\nPassive-connections=" + list + "\n";
  conf::ConfDb db;
  ASSERT_TRUE(conf::load_config_text(text, "test", db));
  std::vector<std::string> warnings;
  base::Logger::instance().set_sink([&](const base::LogRecord& r) {
    if (r.severity == base::LogSeverity::Warning) warnings.emplace_back(r.text);
  });
  ConfCache cache;
  wire::IdPayload idci = selector_to_id({addr("10.2.2.0"), 24, 0, 0});
  wire::IdPayload idcr = selector_to_id({addr("10.1.1.0"), 24, 0, 0});
  auto match = cache.responder_connection(db, "peer-a", addr("192.0.2.1"), addr("192.0.2.2"),
                                          &idci, &idcr);
  base::Logger::instance().set_sink(base::stderr_sink());
  ASSERT_TRUE(match) << match.error().detail;
  EXPECT_EQ(match->connection.section, "conn-a");
  ASSERT_EQ(cache.phase2_shadowed().size(), 11U);
  EXPECT_EQ(cache.phase2_shadowed()[0].section, "conn-b");
  EXPECT_EQ(cache.phase2_shadowed()[0].shadowed_by, "conn-a");
  EXPECT_EQ(cache.phase2_shadowed()[10].section, "dup-9");
  ASSERT_EQ(warnings.size(), 9U);
  EXPECT_EQ(warnings[0],
            "connection [conn-b] is never chosen for a peer's Quick Mode: [conn-a] comes before "
            "it in [Phase 2] with the same ISAKMP-peer, Local-ID and Remote-ID");
  EXPECT_EQ(warnings[8], "3 more connections are shadowed the same way (first: [dup-7])");
  // Another peer still finds conn-any.
  auto other = cache.responder_connection(db, "peer-b", addr("192.0.2.1"), addr("192.0.2.2"),
                                          &idci, &idcr);
  ASSERT_TRUE(other) << other.error().detail;
  EXPECT_EQ(other->connection.section, "conn-any");
  EXPECT_EQ(cache.phase2_rebuilds(), 1U);
}

}  // namespace
}  // namespace ike::engine
