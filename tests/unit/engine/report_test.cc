// The `S` result blocks and `r` report lines (isakmpd-features.md §1.18) after a two-engine
// Main Mode + Quick Mode (HDR, SA --> ... HDR*, HASH(3) -->).
#include <gtest/gtest.h>

#include <regex>

#include "support/engine_pair.h"
#include "support/simulated_nat.h"

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
  // `r` lines in the layout of isakmpd's sa_dump / connection_report / timer_report.
  auto lines = p.left.engine->report_lines(p.clock.now());
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  std::string ic = ev->cookies.initiator.hex(), rc = ev->cookies.responder.hex();
  EXPECT_TRUE(std::regex_search(
      all, std::regex("sa_report: 0x[0-9a-f]+ peer-10\\.0\\.0\\.2 phase 1 doi 1 flags 0x81\n"
                      "sa_report: icookie " + ic + " rcookie " + rc + "\n"
                      "sa_report: msgid 00000000 refcnt 1\n"
                      "sa_report: life secs 3600 kb 0\n"
                      "sa_report: suite 1 proto 1\n"
                      "sa_report: spi_sz\\[0\\] 0 spi\\[0\\] 0x0 spi_sz\\[1\\] 0 spi\\[1\\] 0x0\n"
                      "sa_report: initiator id: 10\\.0\\.0\\.1, responder id: 10\\.0\\.0\\.2, "
                      "src: 10\\.0\\.0\\.1 dst: 10\\.0\\.0\\.2\n")))
      << all;
  EXPECT_TRUE(std::regex_search(
      all, std::regex("sa_report: 0x[0-9a-f]+ conn phase 2 doi 1 flags 0x3\n"
                      "sa_report: icookie " + ic + " rcookie " + rc + "\n"
                      "sa_report: msgid [0-9a-f]{8} refcnt 1\n"
                      "sa_report: life secs 1200 kb 0\n"
                      "sa_report: suite 1 proto 3\n"
                      "sa_report: spi_sz\\[0\\] 4 spi\\[0\\] 0x22220000 spi_sz\\[1\\] 4 "
                      "spi\\[1\\] 0x11110000\n"
                      "sa_report: initiator id: 10\\.0\\.0\\.1, responder id: 10\\.0\\.0\\.2, "
                      "src: 10\\.0\\.0\\.1 dst: 10\\.0\\.0\\.2\n"
                      "sa_report: spi\\[0\\]:\n22220000\nsa_report: spi\\[1\\]:\n11110000\n")))
      << all;
  EXPECT_NE(all.find("connection_report: connection conn next check 60 seconds\n"),
            std::string::npos)
      << all;
  EXPECT_TRUE(std::regex_search(
      all, std::regex("timer_report: event connection_checker\\(0x[0-9a-f]+\\) scheduled in 60 "
                      "seconds\n")))
      << all;
  EXPECT_TRUE(std::regex_search(
      all, std::regex("timer_report: event sa_hard_expire\\(0x[0-9a-f]+\\) scheduled in 1200 "
                      "seconds\n")))
      << all;
  // The timer of an SA carries the SA's handle (as isakmpd's pointers tie them together).
  std::smatch m;
  ASSERT_TRUE(std::regex_search(all, m, std::regex("sa_report: (0x[0-9a-f]+) conn phase 2")));
  EXPECT_NE(all.find("sa_hard_expire(" + m[1].str() + ") scheduled in 1200 seconds"),
            std::string::npos)
      << all;
  // Timers are listed soonest first.
  EXPECT_LT(all.find("connection_checker"), all.find("sa_hard_expire"));
  // The right side has the connection as passive: isakmpd's passive connection line.
  std::string right;
  for (const auto& l : p.right.engine->report_lines(p.clock.now())) right += l + "\n";
  EXPECT_NE(right.find("connection_report: passive connection conn local_id: "
                       "192.168.2.0/255.255.255.0, remote_id: 192.168.1.0/255.255.255.0\n"),
            std::string::npos)
      << right;
  // The status snapshot behind JSON/metrics agrees with the report.
  auto st = p.left.engine->status(p.clock.now());
  ASSERT_EQ(st.phase1.size(), 1u);
  EXPECT_EQ(st.phase1[0].icookie, ic);
  EXPECT_EQ(st.phase1[0].role, "Initiator");
  ASSERT_EQ(st.phase2.size(), 1u);
  EXPECT_EQ(st.phase2[0].in_spi, 0x11110000u);
  EXPECT_EQ(st.phase2[0].out_spi, 0x22220000u);
  EXPECT_EQ(st.stats.started_by_exchange.at("ID_PROT"), 1u);
  EXPECT_EQ(st.stats.started_by_exchange.at("QUICK_MODE"), 1u);
  EXPECT_EQ(st.stats.phase1_done, 1u);
  EXPECT_EQ(st.phase1_count, 1u);
  EXPECT_EQ(st.phase2_count, 1u);
  EXPECT_EQ(st.exchange_count, st.exchanges.size());
  // The summary behind the metrics file: the same counts, stats and connections (name, type,
  // up, held; no IDs), and no per-SA vectors.
  auto sum = p.left.engine->status(p.clock.now(), engine::Engine::StatusDetail::Summary);
  EXPECT_EQ(sum.phase1_count, 1u);
  EXPECT_EQ(sum.phase2_count, 1u);
  EXPECT_EQ(sum.exchange_count, st.exchange_count);
  EXPECT_TRUE(sum.phase1.empty() && sum.phase2.empty() && sum.exchanges.empty());
  EXPECT_TRUE(sum.timers.empty());
  EXPECT_EQ(sum.stats.phase1_done, st.stats.phase1_done);
  EXPECT_EQ(sum.stats.started_by_exchange, st.stats.started_by_exchange);
  ASSERT_EQ(sum.connections.size(), st.connections.size());
  ASSERT_FALSE(st.connections.empty());
  for (std::size_t i = 0; i < st.connections.size(); ++i) {
    EXPECT_EQ(sum.connections[i].name, st.connections[i].name);
    EXPECT_EQ(sum.connections[i].active, st.connections[i].active);
    EXPECT_EQ(sum.connections[i].up, st.connections[i].up);
    EXPECT_EQ(sum.connections[i].held, st.connections[i].held);
    EXPECT_TRUE(sum.connections[i].local_id.empty());
  }
  EXPECT_TRUE(st.connections[0].up);
  EXPECT_FALSE(st.connections[0].local_id.empty());
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

// The initiator behind a masquerading NAT (RFC 3947) with DPD (RFC 3706): the report's
// timer_report lists the RFC 3948 keepalive of the ISAKMP SA (isakmpd's
// nat_t_send_keepalive) with the SA's handle, and the DPD check; the status snapshot shows
// the NAT-T state and the translated peer.
TEST(Report, NatKeepaliveAndDpdTimers) {
  PeerConf left;
  left.extra = "[General]\nNAT-T-Keepalive=5\n\n[peer-10.0.0.2]\nDPD-check-interval=10\n\n";
  PeerConf right = mirror(left);
  right.peer = "198.51.100.1";
  right.extra = "[General]\nNAT-T-Keepalive=5\n\n[peer-198.51.100.1]\nRemote-ID=nat-id\n\n"
                "[nat-id]\nID-type=IPV4_ADDR\nAddress=10.0.0.1\n\n";
  EnginePair p(left, right);
  SimulatedNat nat(true, *base::IpAddress::parse("10.0.0.1"),
                   *base::IpAddress::parse("198.51.100.1"), false);
  p.middlebox = [&nat](Delivery& d) { return nat.translate(d); };
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  std::string all;
  for (const auto& l : p.left.engine->report_lines(p.clock.now())) all += l + "\n";
  std::smatch m;
  ASSERT_TRUE(std::regex_search(all, m, std::regex("sa_report: (0x[0-9a-f]+) peer-10\\.0\\.0\\.2 "
                                                   "phase 1 doi 1 flags 0x3[0-9a-f]{2}\n")))
      << all;
  EXPECT_TRUE(std::regex_search(
      all, std::regex("timer_report: event nat_t_send_keepalive\\(" + m[1].str() +
                      "\\) scheduled in [0-5] seconds\n")))
      << all;
  EXPECT_TRUE(std::regex_search(
      all, std::regex("timer_report: event dpd_check_event\\(0x[0-9a-f]+\\) scheduled in "
                      "(10|[0-9]) seconds\n")))
      << all;
  EXPECT_NE(all.find("src: 10.0.0.1:4500 dst: 10.0.0.2:4500\n"), std::string::npos) << all;
  auto st = p.right.engine->status(p.clock.now());
  ASSERT_EQ(st.phase1.size(), 1u);
  EXPECT_EQ(st.phase1[0].nat, "nat-t rfc3947, peer behind NAT, floated");
  EXPECT_EQ(st.phase1[0].peer.rfind("198.51.100.1:", 0), 0u) << st.phase1[0].peer;
  EXPECT_EQ(st.phase1[0].initiator_id, "10.0.0.1");
}

}  // namespace
}  // namespace ike::test
