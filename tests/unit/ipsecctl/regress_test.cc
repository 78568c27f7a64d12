// OpenBSD regress/sbin/ipsecctl (Makefile 1.62) replayed case by case: every NAME.in of
// tests/data/ipsecctl-regress gets the Makefile's DIR substitution and family flags, runs through
// ipsecctl in process, and its output must equal NAME.ok byte for byte (for the *fail families
// standard error comes first, then standard output, as `2>&1` into a pipe shows them).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "run_helper.h"

namespace ike::ipsecctl::test {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::path(IKE_SOURCE_DIR) / "tests/data/ipsecctl-regress";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Family {
  std::vector<std::string> flags;
  bool stderr_too;
};

// The Makefile's targets, longest prefix first.
Family family_of(const std::string& name) {
  auto starts = [&](const char* p) { return name.rfind(p, 0) == 0; };
  if (starts("ipsecfail") || starts("safail") || starts("ikefail")) return {{"-nv", "-f", "-"}, true};
  if (starts("ikedel")) return {{"-dnv", "-f", "-"}, false};
  if (starts("tcpmd5")) return {{"-nkv", "-f", "-"}, false};
  if (starts("sa")) return {{"-knv", "-f", "-"}, false};
  return {{"-nv", "-f", "-"}, false};
}

std::vector<std::string> cases() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kDir)) {
    if (e.path().extension() != ".in") continue;
    std::string n = e.path().stem().string();
    // ikedeldel*: not in the Makefile, stale pre-2006 output format (see PROVENANCE.md).
    if (n.rfind("ikedeldel", 0) == 0) continue;
    names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  return names;
}

class Regress : public ::testing::TestWithParam<std::string> {};

TEST_P(Regress, MatchesOpenBsdOutput) {
  const std::string name = GetParam();
  std::string input = slurp(kDir / (name + ".in"));
  // sed -e 's,DIR,${.CURDIR},g'
  const std::string dir = kDir.string();
  for (std::size_t pos = 0; (pos = input.find("DIR", pos)) != std::string::npos;) {
    input.replace(pos, 3, dir);
    pos += dir.size();
  }
  const Family f = family_of(name);
  RunResult r = run_ipsecctl(f.flags, input);
  const std::string expected = slurp(kDir / (name + ".ok"));
  if (f.stderr_too) {
    EXPECT_EQ(r.err + r.out, expected);
    EXPECT_EQ(r.status, 1);
  } else {
    EXPECT_EQ(r.out, expected);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.status, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(OpenBsd, Regress, ::testing::ValuesIn(cases()),
                         [](const auto& p) { return p.param; });

// The whole subset is present: 104 runnable cases (+2 stale ikedeldel files).
TEST(RegressCorpus, AllCasesPresent) {
  EXPECT_EQ(cases().size(), 104u);
  for (const auto& n : cases()) EXPECT_TRUE(fs::exists(kDir / (n + ".ok"))) << n;
}

}  // namespace
}  // namespace ike::ipsecctl::test
