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

// The responder's parsed transform and suite sections are memoized per configuration
// generation (conf/conf_memo.h, issue #7): a committed FIFO-style change is used by the very
// next exchange, the memo never answers with the old sections.
TEST(ConfigReload, ResponderUsesChangedTransformsAndSuitesAtOnce) {
  EnginePair p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  // Phase 2 first: the responder now only accepts 3DES; a new Quick Mode over the same ISAKMP
  // SA is refused naming the suite.
  edit(p.right.conf, [](conf::ConfDb& c, conf::TxId tx) {
    c.set(tx, "p2-conf", "Suites", "QM-ESP-3DES-SHA-SUITE", true);
  });
  p.ui(p.left, engine::UiTeardown{2, "conn"});
  p.pump();
  const std::size_t failed = p.right.count(Kind::ExchangeFailed);
  p.ui(p.left, engine::UiConnect{"conn"});
  ASSERT_TRUE(p.run_until([&] { return p.right.count(Kind::ExchangeFailed) > failed; }));
  EXPECT_NE(p.right.last(Kind::ExchangeFailed)->detail.find("QM-ESP-3DES-SHA-SUITE"),
            std::string::npos)
      << p.right.last(Kind::ExchangeFailed)->detail;
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u);

  // Phase 1: the responder's transforms change to 3DES, the initiator still offers AES.
  edit(p.right.conf, [](conf::ConfDb& c, conf::TxId tx) {
    c.set(tx, "p2-conf", "Suites", "QM-ESP-AES-SHA-SUITE", true);
    c.set(tx, "p1-conf", "Transforms", "3DES-SHA", true);
  });
  p.ui(p.left, engine::UiTeardown{1, "peer-10.0.0.2"});
  p.pump();
  const std::size_t failed1 = p.right.count(Kind::ExchangeFailed);
  p.ui(p.left, engine::UiConnect{"conn"});
  ASSERT_TRUE(p.run_until([&] { return p.right.count(Kind::ExchangeFailed) > failed1; }));
  EXPECT_NE(p.right.last(Kind::ExchangeFailed)->detail.find("no acceptable phase-1 transform"),
            std::string::npos)
      << p.right.last(Kind::ExchangeFailed)->detail;
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 0u);

  // And back: the original sections negotiate again.
  edit(p.right.conf, [](conf::ConfDb& c, conf::TxId tx) {
    c.set(tx, "p1-conf", "Transforms", "AES-128-SHA", true);
  });
  p.ui(p.left, engine::UiConnect{"conn"});
  EXPECT_TRUE(p.run_until([&] { return p.established(); }));
}

}  // namespace
}  // namespace ike::test
