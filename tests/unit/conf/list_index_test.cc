// ListIndex and the ConfDb paths built on it (issue #7, configuration at scale): `C add` to a
// long list gives exactly what the scanning implementation gave, whatever mix of adds, sets,
// removals and odd spacing reaches the list; the hash index of sections survives copies,
// moves, swaps, removals and the built-in defaults.
#include "conf/list_index.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "conf/conf_db.h"
#include "conf/defaults.h"

namespace ike::conf {
namespace {

void commit_ok(ConfDb& db, TxId tx) {
  auto r = db.commit(tx);
  ASSERT_TRUE(r) << r.error().detail;
}

TEST(ListIndex, ElementsAreTrimmedAndEmptyOnesSkipped) {
  std::string text = " a , b,,\tc ,";
  ListIndex idx;
  idx.add_elements(text, 0);
  EXPECT_EQ(idx.size(), 3u);
  EXPECT_TRUE(idx.contains(text, "a"));
  EXPECT_TRUE(idx.contains(text, "b"));
  EXPECT_TRUE(idx.contains(text, "c"));
  EXPECT_FALSE(idx.contains(text, " a "));  // an element is compared trimmed, value as given
  EXPECT_FALSE(idx.contains(text, "A"));    // case-sensitive, as ui.c strcmp
  EXPECT_FALSE(idx.contains(text, "a,b"));
  EXPECT_FALSE(idx.contains(text, ""));

  text += "d, e";
  idx.add_elements(text, 12);
  EXPECT_EQ(idx.size(), 5u);
  EXPECT_TRUE(idx.contains(text, "d"));
  EXPECT_TRUE(idx.contains(text, "e"));
}

TEST(ListIndex, WorthIndexingFromKMinCommas) {
  std::string below(ListIndex::kMinCommas - 1, ',');
  EXPECT_FALSE(ListIndex::worth_indexing(below));
  EXPECT_TRUE(ListIndex::worth_indexing(below + ","));
}

TEST(ListIndex, SlotCopiesDoNotShareTheIndex) {
  ListIndexSlot a;
  a.emplace().add_elements("x,y", 0);
  ListIndexSlot b(a);
  EXPECT_EQ(b.get(), nullptr);
  ListIndexSlot c;
  c.emplace();
  c = a;
  EXPECT_EQ(c.get(), nullptr);
  ListIndexSlot d(std::move(a));
  ASSERT_NE(d.get(), nullptr);
  EXPECT_EQ(d.get()->size(), 2u);
}

// The scanning implementation ConfDb had before the index (isakmpd ui.c / conf.c semantics).
struct ListModel {
  std::optional<std::string> value;

  static std::string_view trim(std::string_view s) {
    auto sp = [](char c) { return c == ' ' || c == '\t'; };
    while (!s.empty() && sp(s.front())) s.remove_prefix(1);
    while (!s.empty() && sp(s.back())) s.remove_suffix(1);
    return s;
  }
  static std::vector<std::string> split(std::string_view s) {
    std::vector<std::string> out;
    while (true) {
      std::size_t comma = s.find(',');
      std::string_view f = trim(s.substr(0, comma));
      if (!f.empty()) out.emplace_back(f);
      if (comma == std::string_view::npos) break;
      s.remove_prefix(comma + 1);
    }
    return out;
  }
  void add(const std::string& v) {
    if (!value) {
      value = v;
      return;
    }
    for (const auto& f : split(*value)) {
      if (f == v) return;
    }
    std::string next(trim(*value));
    if (!next.empty() && next.back() != ',') next += ',';
    value = next + v;
  }
  void rmv(const std::string& v) {
    if (!value) return;
    std::string next;
    for (const auto& f : split(*value)) {
      if (f == v) continue;
      if (!next.empty()) next += ',';
      next += f;
    }
    value = next.empty() ? std::nullopt : std::optional<std::string>(next);
  }
};

TEST(ConfDbLongList, AddGivesWhatTheScanGaveThroughEveryEdit) {
  std::mt19937 rng(7);  // fixed: the same sequence every run
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto element = [&] {
    static const char* kPad[] = {"", " ", "\t", "  "};
    std::string e = "conn-" + std::to_string(pick(400));
    switch (pick(10)) {
      case 0: return std::string(kPad[pick(4)]) + e + kPad[pick(4)];  // spaced
      case 1: return e + ",conn-" + std::to_string(pick(400));        // two at once
      case 2: return e + ",";                                          // trailing comma
      default: return e;
    }
  };
  ConfDb db;
  ListModel model;
  for (int step = 0; step < 6000; ++step) {
    TxId tx = db.begin();
    int what = pick(100);
    if (what < 88) {
      std::string e = element();
      db.add_to_list(tx, "Phase 2", "Passive-connections", e);
      model.add(e);
    } else if (what < 94) {
      std::string e = "conn-" + std::to_string(pick(400));
      db.remove_from_list(tx, "Phase 2", "Passive-connections", e);
      model.rmv(e);
    } else if (what < 97 && model.value) {
      // A `C set` of the whole list (spaced, with empty elements): the index is dropped.
      std::string v = " " + *model.value + " ,, ";
      db.set(tx, "Phase 2", "Passive-connections", v, true);
      model.value = v;
    } else if (what < 99) {
      db.set(tx, "Phase 2", "Other", std::to_string(step), true);  // same section, other tag
    } else {
      db.remove(tx, "Phase 2", "Passive-connections");
      model.value.reset();
    }
    commit_ok(db, tx);
    ASSERT_EQ(db.get("phase 2", "passive-connections"), model.value) << "step " << step;
  }
  EXPECT_EQ(db.get_list("Phase 2", "Passive-connections"),
            ListModel::split(model.value.value_or("")));
}

TEST(ConfDbLongList, CopiedDatabaseAddsToItsOwnList) {
  ConfDb a;
  TxId tx = a.begin();
  for (int i = 0; i < 200; ++i) a.add_to_list(tx, "Phase 2", "Connections", fmt::format("c{}", i));
  commit_ok(a, tx);
  ConfDb b(a);
  tx = b.begin();
  b.add_to_list(tx, "Phase 2", "Connections", "c5");    // present (b builds its own index)
  b.add_to_list(tx, "Phase 2", "Connections", "c200");  // new
  commit_ok(b, tx);
  tx = a.begin();
  a.add_to_list(tx, "Phase 2", "Connections", "only-in-a");
  commit_ok(a, tx);
  EXPECT_EQ(b.get_list("Phase 2", "Connections").size(), 201u);
  EXPECT_EQ(b.get_list("Phase 2", "Connections").back(), "c200");
  EXPECT_EQ(a.get_list("Phase 2", "Connections").size(), 201u);
  EXPECT_EQ(a.get_list("Phase 2", "Connections").back(), "only-in-a");
}

TEST(ConfDbSectionIndex, SurvivesCopyMoveSwapRemovalAndDefaults) {
  ConfDb a;
  TxId tx = a.begin();
  a.set(tx, "Peer-East", "Address", "10.0.0.1", false);
  a.set(tx, "Peer-West", "Address", "10.0.0.2", false);
  commit_ok(a, tx);
  load_defaults(a);

  ConfDb copy(a);
  tx = a.begin();
  a.remove_section(tx, "peer-east");
  // Materialises a built-in section (copied from the defaults image, then edited).
  a.set(tx, "Default-phase-1-configuration", "EXCHANGE_TYPE", "AGGRESSIVE", true);
  commit_ok(a, tx);
  EXPECT_FALSE(a.has_section("PEER-EAST"));
  EXPECT_EQ(a.get("default-phase-1-configuration", "exchange_type"), "AGGRESSIVE");
  EXPECT_EQ(a.get("DEFAULT-PHASE-1-CONFIGURATION", "Transforms"), "3DES-SHA-RSA_SIG");
  EXPECT_EQ(copy.get("peer-east", "address"), "10.0.0.1");  // the copy is independent
  EXPECT_EQ(copy.get("DEFAULT-PHASE-1-CONFIGURATION", "EXCHANGE_TYPE"), "ID_PROT");

  ConfDb moved(std::move(copy));
  EXPECT_EQ(moved.get("PEER-WEST", "ADDRESS"), "10.0.0.2");
  ConfDb assigned;
  assigned = moved;
  EXPECT_EQ(assigned.get("peer-east", "address"), "10.0.0.1");

  tx = a.begin();
  a.set(tx, "Peer-East", "Address", "10.0.0.9", false);  // re-created after removal
  commit_ok(a, tx);
  EXPECT_EQ(a.get("peer-east", "address"), "10.0.0.9");
  a.swap_contents(assigned);
  EXPECT_EQ(a.get("peer-east", "address"), "10.0.0.1");
  EXPECT_EQ(assigned.get("peer-east", "address"), "10.0.0.9");
  a.clear();
  EXPECT_FALSE(a.has_section("peer-west"));
  tx = a.begin();
  a.set(tx, "peer-west", "x", "1", false);
  commit_ok(a, tx);
  EXPECT_EQ(a.get("PEER-WEST", "X"), "1");
}

}  // namespace
}  // namespace ike::conf
