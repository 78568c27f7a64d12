// ConfDb: case-insensitive verbatim storage, insertion order, transactions (ordering, abort,
// duplicates, defaults precedence), the FIFO list edits, strict getters, the conf_report dump
// and the offer/accept range syntax.
#include "conf/conf_db.h"

#include <gtest/gtest.h>

namespace ike::conf {
namespace {

void commit_ok(ConfDb& db, TxId tx) {
  auto r = db.commit(tx);
  ASSERT_TRUE(r) << r.error().detail;
}

TEST(ConfDb, CaseInsensitiveLookupVerbatimNames) {
  ConfDb db;
  TxId tx = db.begin();
  db.set(tx, "Peer-East", "Local-Address", "10.0.0.1", false);
  commit_ok(db, tx);
  EXPECT_EQ(db.get("peer-east", "local-address"), "10.0.0.1");
  EXPECT_EQ(db.get("PEER-EAST", "LOCAL-ADDRESS"), "10.0.0.1");
  EXPECT_TRUE(db.has_section("pEeR-eAsT"));
  ASSERT_EQ(db.sections().size(), 1u);
  EXPECT_EQ(db.sections()[0], "Peer-East");
  ASSERT_EQ(db.tags("peer-east").size(), 1u);
  EXPECT_EQ(db.tags("peer-east")[0], "Local-Address");
  EXPECT_FALSE(db.get("Peer-East", "Address"));
  EXPECT_FALSE(db.get("Peer-West", "Local-Address"));
}

TEST(ConfDb, TagsKeepInsertionOrder) {
  ConfDb db;
  TxId tx = db.begin();
  db.set(tx, "Phase 1", "192.0.2.9", "peer-c", false);
  db.set(tx, "Phase 1", "10.0.0.2", "peer-a", false);
  db.set(tx, "Phase 1", "Default", "peer-b", false);
  commit_ok(db, tx);
  EXPECT_EQ(db.tags("Phase 1"), (std::vector<std::string>{"192.0.2.9", "10.0.0.2", "Default"}));
}

TEST(ConfDb, NothingVisibleBeforeCommitAndAbortDiscards) {
  ConfDb db;
  TxId tx = db.begin();
  db.set(tx, "General", "Retransmits", "5", false);
  EXPECT_FALSE(db.get("General", "Retransmits"));
  db.abort(tx);
  EXPECT_FALSE(db.get("General", "Retransmits"));
  auto r = db.commit(tx);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, base::ErrorCode::NotFound);
  EXPECT_EQ(db.size(), 0u);
}

TEST(ConfDb, CommitOfUnknownTransactionFails) {
  ConfDb db;
  EXPECT_FALSE(db.commit(4242));
  TxId tx = db.begin();
  EXPECT_TRUE(db.commit(tx));
  EXPECT_FALSE(db.commit(tx));  // already committed
}

TEST(ConfDb, OperationsApplyInOrder) {
  ConfDb db;
  TxId tx = db.begin();
  db.set(tx, "S", "a", "1", false);
  db.remove(tx, "S", "a");
  db.set(tx, "S", "a", "2", false);   // not a duplicate: the tag was removed before
  db.set(tx, "S", "b", "x", false);
  db.remove_section(tx, "s");
  db.set(tx, "S", "c", "y", false);
  auto r = db.commit(tx);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  EXPECT_FALSE(db.get("S", "a"));
  EXPECT_FALSE(db.get("S", "b"));
  EXPECT_EQ(db.get("S", "c"), "y");
  EXPECT_EQ(db.size(), 1u);
}

TEST(ConfDb, TransactionsAreIndependent) {
  ConfDb db;
  TxId t1 = db.begin();
  TxId t2 = db.begin();
  EXPECT_NE(t1, t2);
  db.set(t1, "S", "a", "1", false);
  db.set(t2, "S", "b", "2", false);
  db.abort(t1);
  commit_ok(db, t2);
  EXPECT_FALSE(db.get("S", "a"));
  EXPECT_EQ(db.get("S", "b"), "2");
}

TEST(ConfDb, DuplicateWithoutOverrideIsIgnoredAndReported) {
  ConfDb db;
  TxId tx = db.begin();
  db.set(tx, "General", "Retransmits", "5", false);
  db.set(tx, "general", "RETRANSMITS", "7", false);
  auto r = db.commit(tx);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0], "conf_set: duplicate tag [general]:RETRANSMITS, ignoring...");
  EXPECT_EQ(db.get("General", "Retransmits"), "5");

  tx = db.begin();
  db.set(tx, "GENERAL", "retransmits", "9", true);  // `C set ... force`
  r = db.commit(tx);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(db.get("General", "Retransmits"), "9");
  EXPECT_EQ(db.tags("General"), std::vector<std::string>{"Retransmits"});  // first spelling
}

TEST(ConfDb, DefaultsNeverOverrideUserValuesAndUserValuesOverrideDefaults) {
  ConfDb db;
  TxId tx = db.begin();
  db.set(tx, "General", "Retransmits", "5", false);            // file
  db.set(tx, "General", "Retransmits", "3", false, true);      // default afterwards
  db.set(tx, "General", "Exchange-max-time", "120", false, true);  // default first
  db.set(tx, "General", "Exchange-max-time", "30", false);         // file afterwards
  auto r = db.commit(tx);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty()) << "defaults are silent";
  EXPECT_EQ(db.get("General", "Retransmits"), "5");
  EXPECT_FALSE(db.is_default("General", "Retransmits"));
  EXPECT_EQ(db.get("General", "Exchange-max-time"), "30");
  EXPECT_FALSE(db.is_default("General", "Exchange-max-time"));

  tx = db.begin();
  db.set(tx, "General", "Retransmits", "4", true, true);  // even override=true defaults
  db.set(tx, "General", "Use-Keynote", "yes", false, true);
  db.set(tx, "General", "Use-Keynote", "no", false, true);  // a default refreshes a default
  commit_ok(db, tx);
  EXPECT_EQ(db.get("General", "Retransmits"), "5");
  EXPECT_EQ(db.get("General", "Use-Keynote"), "no");
  EXPECT_TRUE(db.is_default("General", "Use-Keynote"));
}

TEST(ConfDb, AddToListAppendsOnceAndCreates) {
  ConfDb db;
  TxId tx = db.begin();
  db.add_to_list(tx, "Phase 2", "Connections", "IPsec-a");  // creates
  db.add_to_list(tx, "Phase 2", "Connections", "IPsec-b");
  db.add_to_list(tx, "Phase 2", "Connections", "IPsec-a");  // already there
  db.add_to_list(tx, "Phase 2", "Connections", "ipsec-a");  // exact match only, as ui.c
  commit_ok(db, tx);
  EXPECT_EQ(db.get("Phase 2", "Connections"), "IPsec-a,IPsec-b,ipsec-a");

  tx = db.begin();
  db.set(tx, "Phase 2", "Passive-connections", "x, ", true);
  db.add_to_list(tx, "Phase 2", "Passive-connections", "y");  // no double comma
  commit_ok(db, tx);
  EXPECT_EQ(db.get("Phase 2", "Passive-connections"), "x,y");
  EXPECT_EQ(db.get_list("Phase 2", "Passive-connections"), (std::vector<std::string>{"x", "y"}));
}

TEST(ConfDb, RemoveFromListRemovesTagWhenEmpty) {
  ConfDb db;
  TxId tx = db.begin();
  db.set(tx, "Phase 2", "Connections", " a , b,,c ", false);
  db.set(tx, "Phase 2", "Other", "keep", false);
  commit_ok(db, tx);

  tx = db.begin();
  db.remove_from_list(tx, "Phase 2", "Connections", "b");
  commit_ok(db, tx);
  EXPECT_EQ(db.get("Phase 2", "Connections"), "a,c");

  tx = db.begin();
  db.remove_from_list(tx, "Phase 2", "Connections", "zz");  // not present: normalised only
  db.remove_from_list(tx, "Phase 2", "Connections", "a");
  db.remove_from_list(tx, "Phase 2", "Connections", "c");
  db.remove_from_list(tx, "Phase 2", "Missing", "c");  // absent tag: no-op
  commit_ok(db, tx);
  EXPECT_FALSE(db.get("Phase 2", "Connections"));
  EXPECT_FALSE(db.get("Phase 2", "Missing"));
  EXPECT_EQ(db.get("Phase 2", "Other"), "keep");
}

TEST(ConfDb, EmptySectionsDisappear) {
  ConfDb db;
  TxId tx = db.begin();
  db.set(tx, "S", "a", "1", false);
  commit_ok(db, tx);
  tx = db.begin();
  db.remove(tx, "s", "A");
  commit_ok(db, tx);
  EXPECT_FALSE(db.has_section("S"));
  EXPECT_TRUE(db.sections().empty());
  EXPECT_EQ(db.size(), 0u);
}

TEST(ConfDb, GetNumIsStrict) {
  ConfDb db;
  TxId tx = db.begin();
  db.set(tx, "G", "ok", "300", false);
  db.set(tx, "G", "neg", "-12", false);
  db.set(tx, "G", "plus", "+7", false);
  db.set(tx, "G", "garbage", "12abc", false);
  db.set(tx, "G", "hex", "0x10", false);
  db.set(tx, "G", "empty", "", false);
  db.set(tx, "G", "huge", "99999999999999999999", false);
  commit_ok(db, tx);
  EXPECT_EQ(db.get_num("G", "ok"), 300);
  EXPECT_EQ(db.get_num("G", "neg"), -12);
  EXPECT_EQ(db.get_num("G", "plus"), 7);
  EXPECT_FALSE(db.get_num("G", "garbage"));
  EXPECT_FALSE(db.get_num("G", "hex"));
  EXPECT_FALSE(db.get_num("G", "empty"));
  EXPECT_FALSE(db.get_num("G", "huge"));
  EXPECT_FALSE(db.get_num("G", "absent"));
  EXPECT_EQ(db.get_num_or("G", "garbage", 10), 10);
  EXPECT_EQ(db.get_num_or("G", "absent", 11), 11);
  EXPECT_EQ(db.get_num_or("G", "ok", 11), 300);

  auto bad = db.get_num_checked("G", "garbage");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, base::ErrorCode::Config);
  EXPECT_NE(bad.error().detail.find("[G]:garbage"), std::string::npos);
  EXPECT_NE(bad.error().detail.find("12abc"), std::string::npos);
  auto absent = db.get_num_checked("G", "absent");
  ASSERT_TRUE(absent);
  EXPECT_FALSE(*absent);
}

TEST(ConfDb, GetListTrimsAndDropsEmpty) {
  ConfDb db;
  TxId tx = db.begin();
  db.set(tx, "C", "Transforms", " 3DES-SHA ,\tAES-SHA,, ,BLF-MD5\t", false);
  db.set(tx, "C", "Empty", " , ,", false);
  commit_ok(db, tx);
  EXPECT_EQ(db.get_list("C", "Transforms"),
            (std::vector<std::string>{"3DES-SHA", "AES-SHA", "BLF-MD5"}));
  EXPECT_TRUE(db.get_list("C", "Empty").empty());
  EXPECT_TRUE(db.get_list("C", "Absent").empty());
}

TEST(ConfDb, DumpNonDefaultUsesConfReportFormat) {
  ConfDb db;
  TxId tx = db.begin();
  db.set(tx, "General", "Retransmits", "3", false, true);  // default: not dumped
  db.set(tx, "Phase 1", "10.0.0.2", "peer", false);
  db.set(tx, "General", "Listen-on", "10.0.0.1", false);
  db.set(tx, "Phase 1", "Default", "peer", false);
  db.set(tx, "Only-defaults", "x", "y", false, true);
  commit_ok(db, tx);
  EXPECT_EQ(db.dump_non_default(),
            "[General]\nListen-on=\t10.0.0.1\n\n[Phase 1]\n10.0.0.2=\tpeer\nDefault=\tpeer\n");
  ConfDb empty;
  EXPECT_EQ(empty.dump_non_default(), "");
}

TEST(ConfDb, ClearAndSwapContents) {
  ConfDb a;
  ConfDb b;
  TxId ta = a.begin();
  a.set(ta, "A", "x", "1", false);
  commit_ok(a, ta);
  TxId tb = b.begin();
  b.set(tb, "B", "y", "2", false);
  commit_ok(b, tb);
  TxId pending = a.begin();
  a.set(pending, "A", "z", "3", false);
  a.swap_contents(b);
  EXPECT_EQ(a.get("B", "y"), "2");
  EXPECT_FALSE(a.get("A", "x"));
  EXPECT_EQ(b.get("A", "x"), "1");
  commit_ok(a, pending);  // pending transactions stay with their database
  EXPECT_EQ(a.get("A", "z"), "3");
  a.clear();
  EXPECT_EQ(a.size(), 0u);
  EXPECT_FALSE(a.has_section("B"));
}

TEST(ConfDb, OperationOnUnknownTransactionIsDropped) {
  ConfDb db;
  db.set(77, "S", "a", "1", false);
  db.add_to_list(77, "S", "a", "1");
  EXPECT_EQ(db.size(), 0u);
}

TEST(OfferRange, Forms) {
  auto r = parse_offer_range("3600,60:86400");
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->offer, 3600u);
  EXPECT_EQ(r->min, 60u);
  EXPECT_EQ(r->max, 86400u);
  EXPECT_FALSE(r->any);
  EXPECT_TRUE(r->accepts(60));
  EXPECT_TRUE(r->accepts(86400));
  EXPECT_FALSE(r->accepts(59));
  EXPECT_FALSE(r->accepts(86401));

  r = parse_offer_range(" 128 , 128 : 256 ");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->offer, 128u);
  EXPECT_EQ(r->max, 256u);

  r = parse_offer_range("1200");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->offer, 1200u);
  EXPECT_TRUE(r->accepts(1200));
  EXPECT_FALSE(r->accepts(1201));

  r = parse_offer_range("any");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->any);
  EXPECT_TRUE(r->accepts(0));
  EXPECT_TRUE(r->accepts(UINT64_MAX));
}

TEST(OfferRange, ErrorsNameTheText) {
  for (const char* bad : {"", "abc", "1,2", "1:2", "10,20:5", "5,10:20", "1,x:3", "-1",
                          "1,2:3:4", "99999999999999999999999", "0x10"}) {
    auto r = parse_offer_range(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, base::ErrorCode::Config);
    EXPECT_NE(r.error().detail.find(std::string("\"") + bad + "\""), std::string::npos)
        << r.error().detail;
  }
}

}  // namespace
}  // namespace ike::conf
