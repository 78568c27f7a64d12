// ConfCache (engine/conf_cache.h) and ConfDb::generation() (issue #7): the [Phase 1] address
// lookup gives find_phase1_peer_for_address's answers, is built once per configuration
// generation (repeated lookups do not rebuild), and is invalidated by a committed FIFO-style
// `C set` transaction and by a reload (load_config_text swaps the content in).
#include <gtest/gtest.h>

#include "conf/config_file.h"
#include "conf/conf_db.h"
#include "engine/conf_cache.h"
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

}  // namespace
}  // namespace ike::engine
