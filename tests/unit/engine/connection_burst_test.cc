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

// Connections to many distinct peers (issue #7: start-up and every watchdog check walked the
// exchange table once per connection, 1.9 s for 10 000 connections): each peer gets one Main
// Mode, a second connection to the same peer queues on it, and the watchdog starts nothing for
// connections whose Main Mode is still running. The extra peers never answer (the link carries
// only what is addressed to the right side).
TEST(ConnectionBurst, ConnectionsToDistinctPeersShareOneMainModePerPeerAndAreNotRestarted) {
  constexpr uint32_t kPeers = 150;  // two connections each, plus "conn" to the right side
  PeerConf left;
  PeerConf right = mirror(left);
  EnginePair pair(left, right);
  std::string list = "conn";
  std::string sections;
  for (uint32_t i = 0; i < kPeers; ++i) {
    list += fmt::format(",d{0}a,d{0}b", i);
    sections += fmt::format(
        "[far-{0}]\nPhase=1\nAddress=10.1.{1}.{2}\nAuthentication=x\nConfiguration=p1-conf\n\n"
        "[d{0}a]\nPhase=2\nISAKMP-peer=far-{0}\nConfiguration=p2-conf\n\n"
        "[d{0}b]\nPhase=2\nISAKMP-peer=far-{0}\nConfiguration=p2-conf\n\n",
        i, i / 256, i % 256 + 1);
  }
  std::string text = make_conf(left);
  const std::string key = "Connections=conn\n";
  text.replace(text.find(key), key.size(), "Connections=" + list + ",d0a\n");  // d0a twice
  const std::string check = "Check-interval=60\n";
  text.replace(text.find(check), check.size(), "Check-interval=20\n");
  ASSERT_TRUE(conf::load_config_text(text + sections, "left", pair.left.conf));
  const base::IpAddress right_address = pair.right.address;
  pair.middlebox = [&](Delivery& dv) {
    return !dv.left_to_right || dv.d.peer.address == right_address;
  };
  pair.start();
  ASSERT_TRUE(pair.established());  // "conn"
  auto main_modes = [&] { return pair.left.engine->stats().started_by_exchange["ID_PROT"]; };
  EXPECT_EQ(main_modes(), kPeers + 1);
  // A watchdog check (every 20 s here) while the Main Modes still retransmit (7+9+11+13 s):
  // nothing is started again.
  pair.run_for(base::Seconds{21});
  EXPECT_EQ(main_modes(), kPeers + 1);
  EXPECT_EQ(pair.left.engine->stats().exchanges_failed, 0U);
  // They fail at 40 s; the check at 40 or 60 s starts one Main Mode per peer again.
  pair.run_for(base::Seconds{40});
  EXPECT_EQ(pair.left.engine->stats().exchanges_failed, kPeers);
  EXPECT_EQ(main_modes(), 2 * kPeers + 1);
}

}  // namespace
}  // namespace ike::test
