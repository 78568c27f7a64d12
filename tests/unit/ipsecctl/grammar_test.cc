// ipsec.conf(5) grammar beyond the OpenBSD regress subset: include (order, errors, depth cap),
// macros (-D wins, undefined macro eats the next line like OpenBSD), nested address lists,
// messages with the right line numbers, byacc-style recovery, transform prefix matching,
// aggressive/tag/transport/group none/lifetime units in ike rules, -vv, and the front end's
// refusals (kernel backend not linked).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "ike_config.h"
#include "run_helper.h"

namespace ike::ipsecctl::test {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kNv{"-nv", "-f", "-"};
const std::string kNotLoaded = "ipsecctl: Syntax error in config file: ipsec rules not loaded\n";

class TempFile {
 public:
  explicit TempFile(const std::string& contents, const char* tag) {
    m_path = (fs::temp_directory_path() / (std::string("ipsecctl_") + tag + "_" +
                                           std::to_string(::getpid()) + ".conf")).string();
    std::ofstream(m_path) << contents;
    ::chmod(m_path.c_str(), 0600);
  }
  ~TempFile() { std::remove(m_path.c_str()); }
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

TEST(Grammar, IncludeInsertsRulesInPlace) {
  TempFile inc("flow esp from 3.3.3.3 to 4.4.4.4\n", "inc");
  auto r = run_ipsecctl(kNv, "include \"" + inc.path() + "\"\nflow esp from 1.1.1.1 to 2.2.2.2\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out,
            "flow esp out from 3.3.3.3 to 4.4.4.4 peer 4.4.4.4 type require\n"
            "flow esp in from 4.4.4.4 to 3.3.3.3 peer 4.4.4.4 type require\n"
            "flow esp out from 1.1.1.1 to 2.2.2.2 peer 2.2.2.2 type require\n"
            "flow esp in from 2.2.2.2 to 1.1.1.1 peer 2.2.2.2 type require\n");
}

TEST(Grammar, ErrorsInIncludedFileNameThatFileAndLine) {
  TempFile inc("\nflow from 1.1.1.1 to 3ffe::1\n", "incerr");
  auto r = run_ipsecctl(kNv, "include \"" + inc.path() + "\"\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, inc.path() + ": 2: source/destination address families do not match\n" +
                       kNotLoaded);
}

TEST(Grammar, MissingIncludeFile) {
  auto r = run_ipsecctl(kNv, "\ninclude \"/nonexistent/ipsec.x\"\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "ipsecctl: /nonexistent/ipsec.x: No such file or directory\n"
            "stdin: 2: failed to include file /nonexistent/ipsec.x\n" + kNotLoaded);
}

TEST(Grammar, IncludeDepthIsCapped) {
  const std::string path =
      (fs::temp_directory_path() / ("ipsecctl_self_" + std::to_string(::getpid()))).string();
  std::ofstream(path) << "include \"" << path << "\"\n";
  ::chmod(path.c_str(), 0600);
  auto r = run_ipsecctl(kNv, "include \"" + path + "\"\n");
  std::remove(path.c_str());
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, path + ": 1: failed to include file " + path +
                                  ": include depth limit reached\n"))
      << r.err;
}

TEST(Grammar, GroupWritableIncludeIsRefused) {
  TempFile inc("flow esp from 3.3.3.3 to 4.4.4.4\n", "mode");
  ::chmod(inc.path().c_str(), 0664);
  auto r = run_ipsecctl(kNv, "include \"" + inc.path() + "\"\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, inc.path() + ": group writable or world read/writable")) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(Grammar, CommandLineMacroWinsOverTheFile) {
  auto r = run_ipsecctl({"-nv", "-D", "gw=2.2.2.2", "-f", "-"},
                        "gw = \"9.9.9.9\"\nflow esp from 1.1.1.1 to 3.3.3.0/24 peer $gw\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out,
            "gw = \"9.9.9.9\"\n"
            "flow esp out from 1.1.1.1 to 3.3.3.0/24 peer 2.2.2.2 type require\n"
            "flow esp in from 3.3.3.0/24 to 1.1.1.1 peer 2.2.2.2 type require\n");
}

TEST(Grammar, MultiWordMacroAndListMacro) {
  auto r = run_ipsecctl(kNv, "hosts = \"{\" 1.1.1.1 \"}\"\nflow ah from $hosts to 2.2.2.2\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out,
            "hosts = \"{ 1.1.1.1 }\"\n"
            "flow ah out from 1.1.1.1 to 2.2.2.2 peer 2.2.2.2 type require\n"
            "flow ah in from 2.2.2.2 to 1.1.1.1 peer 2.2.2.2 type require\n");
}

// OpenBSD's lexer skips to the end of the line after "macro not defined" and returns ERROR;
// yacc's recovery then discards the whole next line too.
TEST(Grammar, UndefinedMacroSkipsTheNextLineLikeOpenBsd) {
  auto r = run_ipsecctl(kNv,
                        "flow from $nope to 1.1.1.1\n"
                        "flow from 1.1.1.1 to 2.2.2.2\n"
                        "flow from 5.5.5.5 to 6.6.6.6\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "stdin: 1: macro 'nope' not defined\nstdin: 1: syntax error\n" + kNotLoaded);
  EXPECT_EQ(r.out,
            "flow esp out from 5.5.5.5 to 6.6.6.6 peer 6.6.6.6 type require\n"
            "flow esp in from 6.6.6.6 to 5.5.5.5 peer 6.6.6.6 type require\n");
}

TEST(Grammar, NestedListsExpandInOrder) {
  auto r = run_ipsecctl({"-n", "-f", "-"}, "");
  EXPECT_EQ(r.status, 0);
  r = run_ipsecctl(kNv, "flow esp out from { 1.1.1.1, { 1.1.1.2 1.1.1.3 } } to 2.2.2.2\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out,
            "flow esp out from 1.1.1.1 to 2.2.2.2 peer 2.2.2.2 type require\n"
            "flow esp out from 1.1.1.2 to 2.2.2.2 peer 2.2.2.2 type require\n"
            "flow esp out from 1.1.1.3 to 2.2.2.2 peer 2.2.2.2 type require\n");
}

TEST(Grammar, MessageLineFollowsContinuationLines) {
  auto r = run_ipsecctl(kNv, "\nflow esp from 1.1.1.1 \\\n\tto 3ffe::1\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "stdin: 3: source/destination address families do not match\n" + kNotLoaded);
}

TEST(Grammar, SyntaxErrorRecoversAtNextLine) {
  auto r = run_ipsecctl(kNv,
                        "ike esp from 1.1.1.1 to 2.2.2.2 bogus\n"
                        "flow esp out from 1.1.1.1 to 2.2.2.2\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "stdin: 1: syntax error\n" + kNotLoaded);
  EXPECT_EQ(r.out, "flow esp out from 1.1.1.1 to 2.2.2.2 peer 2.2.2.2 type require\n");
}

TEST(Grammar, OverlongTokenIsRefused) {
  auto r = run_ipsecctl(kNv, "flow esp from " + std::string(9000, 'a') + " to 1.1.1.1\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "stdin: 1: string too long\n")) << r.err;
}

TEST(Grammar, LastLineWithoutNewlineIsAccepted) {
  auto r = run_ipsecctl(kNv, "flow esp out from 1.1.1.1 to 2.2.2.2");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "flow esp out from 1.1.1.1 to 2.2.2.2 peer 2.2.2.2 type require\n");
}

TEST(Grammar, InvalidTransformAndKeyLength) {
  auto r = run_ipsecctl(kNv, "ike esp from 1.1.1.1 to 2.2.2.2 quick enc foo\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "stdin: 1: foo not a valid transform\n" + kNotLoaded);
  r = run_ipsecctl(kNv, "ah from 1.1.1.1 to 2.2.2.2 spi 0x1000 authkey 0xaabb\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "stdin: 1: wrong authentication key length, needs to be 256 bits\n" +
                       kNotLoaded);
  r = run_ipsecctl(kNv, "esp from 1.1.1.1 to 2.2.2.2 spi 0x10 authkey 0xaa\n");
  EXPECT_EQ(r.err, "stdin: 1: illegal SPI value\n" + kNotLoaded);
}

TEST(Grammar, DestinationNatIsRefused) {
  auto r = run_ipsecctl(kNv, "ike from 1.1.1.0/24 to 2.2.2.0/24 (3.3.3.0/24) peer 4.4.4.4\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "stdin: 1: no flow NAT support for destination network: 2.2.2.0/24\n" +
                       kNotLoaded);
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> v;
  std::size_t start = 0;
  for (std::size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1) {
    v.push_back(s.substr(start, nl - start));
  }
  return v;
}

bool has_line(const std::string& out, const std::string& line) {
  for (const auto& l : lines_of(out)) {
    if (l == line) return true;
  }
  return false;
}

TEST(Grammar, IkeTransformPrefixMatchAndPsk) {
  auto r = run_ipsecctl(kNv, "ike esp from 1.1.1.1 to 2.2.2.2 "
                             "quick auth hmac-sha2 enc aes-256 group modp2048 psk secret\n");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string xf =
      "phase2-transform-from-1.1.1.1-to-2.2.2.2-AES256-SHA2_256-MODP_2048-TUNNEL";
  EXPECT_TRUE(has_line(r.out, "C set [peer-2.2.2.2]:Authentication=secret force"));
  EXPECT_TRUE(has_line(r.out, "C set [phase2-protocol-from-1.1.1.1-to-2.2.2.2]:Transforms=" +
                                  xf + " force"));
  EXPECT_TRUE(has_line(r.out, "C set [" + xf + "]:KEY_LENGTH=256,256:256 force"));
  EXPECT_TRUE(has_line(r.out, "C set [" + xf + "]:AUTHENTICATION_ALGORITHM=HMAC_SHA2_256 force"));
  EXPECT_TRUE(has_line(r.out, "C set [" + xf + "]:GROUP_DESCRIPTION=MODP_2048 force"));
}

TEST(Grammar, IkeAggressiveTagTransportGroupNoneDynamic) {
  auto r = run_ipsecctl(kNv,
                        "ike dynamic ah transport from 10.0.0.1 to 10.0.0.2 aggressive "
                        "enc aes-256 auth hmac-sha2-256 group modp2048 lifetime 2h "
                        "quick auth hmac-sha1 group none tag \"vpn\"\n");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string p1 = "phase1-transform-peer-10.0.0.2-RSA_SIG-SHA2_256-AES256-MODP_2048";
  const std::string p2 = "phase2-transform-from-10.0.0.1-to-10.0.0.2-NONE-SHA-NONE-TRANSPORT";
  const auto l = lines_of(r.out);
  ASSERT_GE(l.size(), 3u);
  EXPECT_EQ(l[0], "C set [General]:Check-interval=30 force");
  EXPECT_EQ(l[1], "C set [General]:DPD-check-interval=5 force");
  EXPECT_TRUE(has_line(r.out, "C set [phase1-peer-10.0.0.2]:EXCHANGE_TYPE=AGGRESSIVE force"));
  EXPECT_TRUE(has_line(r.out, "C add [phase1-peer-10.0.0.2]:Transforms=" + p1 + " force"));
  EXPECT_TRUE(has_line(r.out, "C set [" + p1 + "-life]:LIFE_DURATION=7200 force"));
  EXPECT_TRUE(has_line(r.out, "C set [peer-10.0.0.2]:ID=id-testhost.example force"));
  EXPECT_TRUE(has_line(r.out, "C set [id-testhost.example]:ID-type=FQDN force"));
  EXPECT_TRUE(has_line(r.out, "C set [from-10.0.0.1-to-10.0.0.2]:PF-Tag=vpn force"));
  EXPECT_TRUE(has_line(r.out, "C set [phase2-protocol-from-10.0.0.1-to-10.0.0.2]:PROTOCOL_ID="
                              "IPSEC_AH force"));
  EXPECT_TRUE(has_line(r.out, "C set [" + p2 + "]:TRANSFORM_ID=SHA force"));
  EXPECT_TRUE(has_line(r.out, "C set [" + p2 + "]:ENCAPSULATION_MODE=TRANSPORT force"));
  EXPECT_FALSE(contains(r.out, "[" + p2 + "]:GROUP_DESCRIPTION"));
  EXPECT_EQ(l.back(), "C add [Phase 2]:Connections=from-10.0.0.1-to-10.0.0.2");
}

TEST(Grammar, VeryVerboseNumbersRulesAndWarnsUnusedMacros) {
  auto r = run_ipsecctl({"-nvv", "-f", "-"}, "x = \"1\"\nflow esp from 1.1.1.1 to 2.2.2.2\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out,
            "x = \"1\"\n"
            "@0 flow esp out from 1.1.1.1 to 2.2.2.2 peer 2.2.2.2 type require\n"
            "@1 flow esp in from 2.2.2.2 to 1.1.1.1 peer 2.2.2.2 type require\n");
  EXPECT_EQ(r.err, "warning: macro 'x' not used\n");
}

// isakmpd cannot express AH with a cipher: the rule parses (as in OpenBSD) but generating its
// FIFO commands fails; nothing half-written is printed, not even the -vv rule number (a libFuzzer
// find: the "@N " prefix used to be left without a line).
TEST(Grammar, IkeRuleIsakmpdCannotExpressPrintsNothing) {
  auto r = run_ipsecctl({"-nvv", "-f", "-"}, "ike ah from 1.1.1.1 to 2.2.2.2 quick enc aes\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "ipsecctl: illegal transform aes\n");
}

TEST(Grammar, ParseOnlyIsSilentWithoutVerbose) {
  auto r = run_ipsecctl({"-n", "-f", "-"}, "ike esp from 1.1.1.1 to 2.2.2.2\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST(FrontEnd, KernelRulesAndShowNeedTheBackend) {
  auto r = run_ipsecctl({"-f", "-"}, "flow esp from 1.1.1.1 to 2.2.2.2\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "XFRM kernel backend is not linked")) << r.err;
  r = run_ipsecctl({"-s", "sa"}, "");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "reading the SPD/SAD: the XFRM kernel backend is not linked"));
  r = run_ipsecctl({"-s", "bogus"}, "");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "usage: ipsecctl"));
}

TEST(FrontEnd, MissingIsakmpdIsAClearError) {
  const std::string fifo =
      (fs::temp_directory_path() / ("ipsecctl_nofifo_" + std::to_string(::getpid()))).string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto r = run_ipsecctl({"-i", fifo, "-f", "-"}, "ike esp from 1.1.1.1 to 2.2.2.2\n");
  std::remove(fifo.c_str());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "ipsecctl: " + fifo + ": no reader on the FIFO: isakmpd is not running\n");
}

}  // namespace
}  // namespace ike::ipsecctl::test
