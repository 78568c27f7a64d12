// ConnectionManager's Quick Mode queue (connection_manager.h, issue #7): starting many
// connections at once over one new ISAKMP SA keeps at most kQuickModeBurst Quick Modes in flight
// and brings the rest up as slots free, instead of failing every Quick Mode beyond the 32 IV
// chains of the ISAKMP SA (IvChain::kMaxExchanges).
#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "conf/config_file.h"
#include "engine/connection_manager.h"
#include "support/engine_pair.h"

namespace ike::test {
namespace {

// `n` connections c0..c<n-1> between distinct /24s over the standard peer; the initiator lists
// them in [Phase 2]:Connections, the responder in Passive-connections.
std::string many_connections(const PeerConf& p, uint32_t n, bool initiator) {
  std::string list = "conn";
  std::string sections;
  for (uint32_t i = 0; i < n; ++i) {
    std::string l = fmt::format("10.{}.{}.0", (i >> 8) & 255, i & 255);
    std::string r = fmt::format("20.{}.{}.0", (i >> 8) & 255, i & 255);
    if (!initiator) std::swap(l, r);
    list += fmt::format(",c{}", i);
    sections += fmt::format(
        "[c{i}]\nPhase=2\nISAKMP-peer=peer-{peer}\nConfiguration=p2-conf\n"
        "Local-ID=c{i}-l\nRemote-ID=c{i}-r\n\n"
        "[c{i}-l]\nID-type=IPV4_ADDR_SUBNET\nNetwork={l}\nNetmask=255.255.255.0\n\n"
        "[c{i}-r]\nID-type=IPV4_ADDR_SUBNET\nNetwork={r}\nNetmask=255.255.255.0\n\n",
        fmt::arg("i", i), fmt::arg("peer", p.peer), fmt::arg("l", l), fmt::arg("r", r));
  }
  std::string text = make_conf(p);
  const std::string key = initiator ? "Connections=conn\n" : "Passive-connections=conn\n";
  std::string repl = (initiator ? "Connections=" : "Passive-connections=") + list + "\n";
  text.replace(text.find(key), key.size(), repl);
  return text + sections;
}

TEST(ConnectionBurst, HundredsOfConnectionsOverOneNewIsakmpSaAllComeUp) {
  constexpr uint32_t kConnections = 200;  // + "conn": 201, more than 6x the 32 IV chains
  PeerConf left;
  PeerConf right = mirror(left);
  EnginePair pair(left, right);
  ASSERT_TRUE(conf::load_config_text(many_connections(left, kConnections, true), "left",
                                     pair.left.conf));
  ASSERT_TRUE(conf::load_config_text(many_connections(right, kConnections, false), "right",
                                     pair.right.conf));
  const base::TimePoint t0 = pair.clock.now();
  pair.start();  // one Main Mode; every connection queued on it, then the first burst
  EXPECT_EQ(pair.left.engine->phase1_sa_count(), 1U);
  EXPECT_EQ(pair.left.engine->phase2_sa_count(), engine::kQuickModeBurst);
  const std::size_t want = kConnections + 1;
  ASSERT_TRUE(pair.run_until([&] {
    return pair.left.engine->phase2_sa_count() == want &&
           pair.right.engine->phase2_sa_count() == want;
  }, base::Seconds{60}));
  // No Quick Mode failed for want of an IV chain, none was started twice, one ISAKMP SA.
  EXPECT_EQ(pair.left.engine->stats().exchanges_failed, 0U);
  EXPECT_EQ(pair.right.engine->stats().exchanges_failed, 0U);
  EXPECT_EQ(pair.left.engine->stats().phase2_done, want);
  EXPECT_EQ(pair.right.engine->stats().phase2_done, want);
  EXPECT_EQ(pair.left.engine->phase1_sa_count(), 1U);
  // Spread in bursts of kQuickModeBurst, one retry period apart.
  const auto bursts = (want + engine::kQuickModeBurst - 1) / engine::kQuickModeBurst;
  EXPECT_GE(pair.clock.now() - t0, engine::kQuickModeRetry * static_cast<int64_t>(bursts - 1));
  // The watchdog later finds every connection up and starts nothing more.
  pair.run_for(base::Seconds{2 * engine::kDefaultCheckInterval});
  EXPECT_EQ(pair.left.engine->stats().phase2_done, want);
  EXPECT_EQ(pair.left.engine->phase2_sa_count(), want);
}

TEST(ConnectionBurst, ConnectionsAddedByConfigChangeOverAnExistingIsakmpSaAreQueued) {
  constexpr uint32_t kConnections = 100;
  PeerConf left;
  PeerConf right = mirror(left);
  EnginePair pair(left, right);
  ASSERT_TRUE(conf::load_config_text(many_connections(right, kConnections, false), "right",
                                     pair.right.conf));
  pair.start();
  ASSERT_TRUE(pair.established());  // "conn" over the ISAKMP SA
  // Reload with the 100 extra connections: the re-init 5 s later connects them all at once.
  ASSERT_TRUE(conf::load_config_text(many_connections(left, kConnections, true), "left",
                                     pair.left.conf));
  pair.left.engine->on_config_changed(pair.clock.now());
  const std::size_t want = kConnections + 1;
  ASSERT_TRUE(pair.run_until([&] {
    return pair.left.engine->phase2_sa_count() == want &&
           pair.right.engine->phase2_sa_count() == want;
  }, base::Seconds{60}));
  EXPECT_EQ(pair.left.engine->stats().exchanges_failed, 0U);
  EXPECT_EQ(pair.right.engine->stats().exchanges_failed, 0U);
  EXPECT_EQ(pair.left.engine->phase1_sa_count(), 1U);
}

}  // namespace
}  // namespace ike::test
