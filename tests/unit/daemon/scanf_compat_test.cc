// sscanf subset: the C rules the FIFO parser depends on, checked against glibc's sscanf.
#include "daemon/scanf_compat.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace ike::daemon {
namespace {

TEST(ScanfCompat, MatchesGlibcOnIsakmpdFormats) {
  const char* inputs[] = {
      "C set [a b]:c d=e f",  "C set [a]:b=c",   "Cset[a]:b=c", "C set [a]:b",
      "C set [a]:=c",         "C set []:b=c",    "C  set  [x]:y=z   w",
      "C set [a]:b=c\td",     "C set [a]b=c",    "C",
  };
  for (const char* in : inputs) {
    char sec[201] = {}, tag[201] = {}, val[201] = {}, tmp[201] = {};
    int want = std::sscanf(in, "C %*s [%200[^]]]:%200[^=]=%200s %200s", sec, tag, val, tmp);
    if (want < 0) want = 0;
    std::string s, t, v, x;
    auto got = scan(in, "C %*s [%200[^]]]:%200[^=]=%200s %200s", {&s, &t, &v, &x});
    EXPECT_EQ(got.assigned, want) << in;
    if (want >= 1) {
      EXPECT_EQ(s, sec) << in;
    }
    if (want >= 2) {
      EXPECT_EQ(t, tag) << in;
    }
    if (want >= 3) {
      EXPECT_EQ(v, val) << in;
    }
    if (want >= 4) {
      EXPECT_EQ(x, tmp) << in;
    }
  }
}

TEST(ScanfCompat, IntegersAndTwoCharStrings) {
  int a = 0, b = 0;
  auto r = scan("D  7 -3", "D %d %d", {&a, &b});
  EXPECT_EQ(r.assigned, 2);
  EXPECT_EQ(a, 7);
  EXPECT_EQ(b, -3);
  r = scan("D A 5", "D %d %d", {&a, &b});
  EXPECT_EQ(r.assigned, 0);
  std::string sub;
  r = scan("D ABC 5", "D %2s %d", {&sub, &a});
  EXPECT_EQ(r.assigned, 1);  // "AB", then %d fails on 'C'
  EXPECT_EQ(sub, "AB");
  EXPECT_EQ(r.truncated_field, 0);
  r = scan("D 3000000000 1", "D %d %d", {&a, &b});
  EXPECT_TRUE(r.range_error);
}

TEST(ScanfCompat, WidthTruncationIsReported) {
  std::string v;
  auto r = scan("c abcdef", "c %3s", {&v});
  EXPECT_EQ(r.assigned, 1);
  EXPECT_EQ(v, "abc");
  EXPECT_EQ(r.truncated_field, 0);
  r = scan("c abc", "c %3s", {&v});
  EXPECT_EQ(r.truncated_field, -1);
  r = scan("c abc def", "c %3s", {&v});
  EXPECT_EQ(r.truncated_field, -1);
}

TEST(ScanfCompat, SuppressedAndLiteralMismatch) {
  std::string a;
  auto r = scan("x yyy [z]", "x %*s [%5[^]]]", {&a});
  EXPECT_EQ(r.assigned, 1);
  EXPECT_EQ(a, "z");
  r = scan("t quick", "t main %200s", {&a});
  EXPECT_EQ(r.assigned, 0);
}

}  // namespace
}  // namespace ike::daemon
