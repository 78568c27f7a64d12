// ConfMemo (conf/conf_memo.h): a value is built once per configuration generation and key;
// a committed transaction or a reload (a new generation) rebuilds it; an aborted transaction
// does not; value types have separate key spaces; beyond kMaxEntries values are still correct
// (built per call, not memoized).
#include <gtest/gtest.h>

#include <string>

#include "conf/conf_db.h"
#include "conf/conf_memo.h"
#include "conf/config_file.h"

namespace ike::conf {
namespace {

TEST(ConfMemo, BuildsOncePerGenerationAndKey) {
  ConfDb db;
  ASSERT_TRUE(load_config_text("[peer]\nTransforms=A,B\n", "test", db));
  ConfMemo memo;
  int builds = 0;
  auto transforms = [&] {
    return memo.get<std::string>(db, "peer", [&] {
      ++builds;
      return db.get("peer", "Transforms").value_or("");
    });
  };
  for (int i = 0; i < 10; ++i) EXPECT_EQ(transforms(), "A,B");
  EXPECT_EQ(builds, 1);
  EXPECT_EQ(memo.hits(), 9U);

  // An aborted transaction keeps the generation: still memoized.
  TxId tx = db.begin();
  db.set(tx, "peer", "Transforms", "C", true, false);
  db.abort(tx);
  EXPECT_EQ(transforms(), "A,B");
  EXPECT_EQ(builds, 1);

  // FIFO `C set [peer]:Transforms=C force`: a new generation, rebuilt from the new content.
  tx = db.begin();
  db.set(tx, "peer", "Transforms", "C", true, false);
  ASSERT_TRUE(db.commit(tx));
  EXPECT_EQ(transforms(), "C");
  EXPECT_EQ(builds, 2);

  // A reload swaps the content in: rebuilt again.
  ConfDb fresh;
  ASSERT_TRUE(load_config_text("[peer]\nTransforms=D\n", "test", fresh));
  db.swap_contents(fresh);
  EXPECT_EQ(transforms(), "D");
  EXPECT_EQ(builds, 3);
}

TEST(ConfMemo, TypesHaveSeparateKeySpaces) {
  ConfDb db;
  ConfMemo memo;
  EXPECT_EQ(memo.get<std::string>(db, "k", [] { return std::string("text"); }), "text");
  EXPECT_EQ(memo.get<int>(db, "k", [] { return 42; }), 42);
  EXPECT_EQ(memo.get<std::string>(db, "k", [] { return std::string("other"); }), "text");
  EXPECT_EQ(memo.size(), 2U);
}

TEST(ConfMemo, BeyondTheCapValuesAreBuiltPerCallAndStillRight) {
  ConfDb db;
  ConfMemo memo;
  for (std::size_t i = 0; i < ConfMemo::kMaxEntries + 10; ++i) {
    const std::string key = std::to_string(i);
    EXPECT_EQ(memo.get<std::string>(db, key, [&] { return "v" + key; }), "v" + key);
  }
  EXPECT_EQ(memo.size(), ConfMemo::kMaxEntries);
  const uint64_t builds = memo.builds();
  const std::string last = std::to_string(ConfMemo::kMaxEntries + 9);
  EXPECT_EQ(memo.get<std::string>(db, last, [&] { return "v" + last; }), "v" + last);
  EXPECT_EQ(memo.builds(), builds + 1);  // not memoized
  EXPECT_EQ(memo.get<std::string>(db, "0", [] { return std::string("rebuilt"); }), "v0");
}

}  // namespace
}  // namespace ike::conf
