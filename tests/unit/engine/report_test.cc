// The `S` result blocks and `r` report lines (isakmpd-features.md §1.18) after a two-engine
// Main Mode + Quick Mode (HDR, SA --> ... HDR*, HASH(3) -->).
#include <gtest/gtest.h>

#include <regex>

#include "support/engine_pair.h"

namespace ike::test {
namespace {

// The "Soft timeout in N seconds" lines in order (isakmpd ui.c report_sa).
std::vector<int> soft_timeouts(const std::string& s) {
  std::vector<int> out;
  std::regex re("Soft timeout in ([0-9]+) seconds\n");
  for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it) {
    out.push_back(std::stoi((*it)[1]));
  }
  return out;
}

TEST(Report, SaStatusBlocksInIsakmpdFormat) {
  EnginePair p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  std::string s = p.left.engine->sa_status_report(p.clock.now());
  // Soft timeouts at a random 85-95 % of the lifetime (isakmpd sa.c), phase 1 first.
  auto soft = soft_timeouts(s);
  ASSERT_EQ(soft.size(), 2u) << s;
  EXPECT_GE(soft[0], 3060);
  EXPECT_LE(soft[0], 3420);
  EXPECT_GE(soft[1], 1020);
  EXPECT_LE(soft[1], 1140);
  s = std::regex_replace(s, std::regex("Soft timeout in [0-9]+ seconds\n"), "SOFT\n");
  const auto* ev = p.left.last(engine::SaEvent::Kind::Phase1Established);
  EXPECT_NE(s.find("SA name: peer-10.0.0.2 (Phase 1/Initiator)\nsrc: 10.0.0.1 dst: 10.0.0.2\n"
                   "Lifetime: 3600 seconds\nSOFT\nHard timeout in 3600 seconds\n"
                   "Flags 0x00000081\nicookie " +
                   ev->cookies.initiator.hex() + " rcookie " + ev->cookies.responder.hex() +
                   "\n\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("SA name: conn (Phase 2)\nsrc: 10.0.0.1 dst: 10.0.0.2\nLifetime: 1200 seconds\n"
                   "SOFT\nHard timeout in 1200 seconds\nFlags 0x00000003\n"
                   "SPI 0: 22220000 \nSPI 1: 11110000 \nTransform: IPsec ESP\n"
                   "Encryption key length: 16\nAuthentication key length: 20\n"
                   "Encryption algorithm: AES (CBC)\nAuthentication algorithm: HMAC-SHA1\n\n"),
            std::string::npos)
      << s;
  std::string r = p.right.engine->sa_status_report(p.clock.now());
  EXPECT_NE(r.find("(Phase 1/Responder)"), std::string::npos);
  auto lines = p.left.engine->report_lines(p.clock.now());
  bool sa_line = false, conn_line = false;
  for (const auto& l : lines) {
    if (l.rfind("sa_report: peer-10.0.0.2 peer 10.0.0.2:500 phase 1 doi 1 flags 0x81", 0) == 0) {
      sa_line = true;
    }
    if (l == "connection_report: connection conn next check 60 seconds") conn_line = true;
  }
  EXPECT_TRUE(sa_line);
  EXPECT_TRUE(conn_line);
  // Hard lifetimes (no rekey when passive): the IPsec SA goes at 1200 s, deleted on both sides.
  p.left.engine->set_passive(true);
  p.right.engine->set_passive(true);
  p.run_for(base::Seconds{1201});
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 1u);
  p.run_for(base::Seconds{2400});
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 0u);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 0u);
}

}  // namespace
}  // namespace ike::test
