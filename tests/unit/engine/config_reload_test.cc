// Two-engine tests of Engine::on_config_reloaded (SIGHUP / FIFO `R`, issue #4): IPsec SAs that
// still match the reloaded configuration are kept; an SA whose connection section is gone, or
// whose connection now covers other traffic, is deleted and the peer is told with a DELETE so
// both sides drop it (RFC 2408 §3.15).
//
//   left (reload without [conn])          right
//   HDR*, HASH(1), D(ESP, in SPI) -->      deletes the pair
#include <gtest/gtest.h>

#include "support/engine_pair.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

void edit(conf::ConfDb& conf, const std::function<void(conf::ConfDb&, conf::TxId)>& change) {
  auto tx = conf.begin();
  change(conf, tx);
  ASSERT_TRUE(conf.commit(tx));
}

TEST(ConfigReload, MatchingSasAreKept) {
  EnginePair p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  // An unrelated change (a new tag elsewhere): the SA still matches.
  edit(p.left.conf, [](conf::ConfDb& c, conf::TxId tx) {
    c.set(tx, "General", "Retransmits", "4", true);
  });
  p.left.engine->on_config_reloaded(p.clock.now());
  p.pump();
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 1u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);
  EXPECT_EQ(p.left.count(Kind::Phase2Deleted), 0u);
}

TEST(ConfigReload, SaOfARemovedConnectionIsDeletedOnBothSides) {
  EnginePair p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  edit(p.left.conf, [](conf::ConfDb& c, conf::TxId tx) {
    c.remove_section(tx, "conn");
    c.remove(tx, "Phase 2", "Connections");
  });
  p.left.engine->on_config_reloaded(p.clock.now());
  p.pump();
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u) << "the DELETE reached the peer";
  EXPECT_EQ(p.left.count(Kind::Phase2Deleted), 1u);
  // The phase-1 SA is not a connection: it stays.
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 1u);
}

TEST(ConfigReload, SaWhoseSelectorsChangedIsDeleted) {
  EnginePair p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  edit(p.left.conf, [](conf::ConfDb& c, conf::TxId tx) {
    c.set(tx, "net-remote", "Network", "192.168.77.0", true);
  });
  p.left.engine->on_config_reloaded(p.clock.now());
  p.pump();
  EXPECT_EQ(p.left.count(Kind::Phase2Deleted), 1u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u);
}

TEST(ConfigReload, FifoStyleChangesDoNotDeleteSas) {
  EnginePair p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  edit(p.left.conf, [](conf::ConfDb& c, conf::TxId tx) { c.remove_section(tx, "conn"); });
  p.left.engine->on_config_changed(p.clock.now());  // a `C rms` line, not a reload
  p.pump();
  EXPECT_EQ(p.left.count(Kind::Phase2Deleted), 0u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);
}

}  // namespace
}  // namespace ike::test
