// One remote host that is several peers of ours: two [peer] sections with the same Address and
// different Local-address values (a gateway with two uplinks, or bench/rekey_storm.sh's many
// initiator addresses). Each section has its own ISAKMP SA, its connections run over that SA
// and no other, the INITIAL-CONTACT of one does not delete the other's SAs (the peer is the
// pair of addresses, as isakmpd compares both ends), and each rekeys over its own SA. Also the
// error notify of a refused Quick Mode: it ends the Quick Mode its SPI names, not the others in
// flight over the same ISAKMP SA.
//
//   left 10.0.0.1 [peer-a] --- MM, QM conn-a ---> right 10.0.0.2 ([Phase 1] 10.0.0.1=peer-1)
//   left 10.0.0.3 [peer-b] --- MM, QM conn-b ---> right 10.0.0.2 ([Phase 1] 10.0.0.3=peer-3)
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "conf/config_file.h"
#include "support/engine_pair.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

std::string net(const char* name, const char* network) {
  return fmt::format("[{}]\nID-type=IPV4_ADDR_SUBNET\nNetwork={}\nNetmask=255.255.255.0\n\n",
                     name, network);
}

// `general`: [General] lines appended to both configurations.
void configure_two_homed(EnginePair& p, const std::string& general) {
  const std::string common =
      "[p1-conf]\nEXCHANGE_TYPE=ID_PROT\nTransforms=AES-128-SHA\n\n"
      "[p2-conf]\nEXCHANGE_TYPE=QUICK_MODE\nSuites=QM-ESP-AES-SHA-SUITE\n\n";
  std::string left =
      "[General]\nRetransmits=3\nExchange-max-time=120\nCheck-interval=60\n" + general +
      "\n[Phase 2]\nConnections=conn-a,conn-b\n\n"
      "[peer-a]\nPhase=1\nAddress=10.0.0.2\nLocal-address=10.0.0.1\nAuthentication=psk-a\n"
      "Configuration=p1-conf\n\n"
      "[peer-b]\nPhase=1\nAddress=10.0.0.2\nLocal-address=10.0.0.3\nAuthentication=psk-b\n"
      "Configuration=p1-conf\n\n"
      "[conn-a]\nPhase=2\nISAKMP-peer=peer-a\nConfiguration=p2-conf\nLocal-ID=a-l\n"
      "Remote-ID=a-r\n\n"
      "[conn-b]\nPhase=2\nISAKMP-peer=peer-b\nConfiguration=p2-conf\nLocal-ID=b-l\n"
      "Remote-ID=b-r\n\n" +
      net("a-l", "192.168.1.0") + net("a-r", "192.168.2.0") + net("b-l", "192.168.3.0") +
      net("b-r", "192.168.4.0") + common;
  std::string right =
      "[General]\nRetransmits=3\nExchange-max-time=120\nCheck-interval=60\n" + general +
      "\n[Phase 1]\n10.0.0.1=peer-1\n10.0.0.3=peer-3\n\n"
      "[Phase 2]\nPassive-connections=conn-a,conn-b\n\n"
      "[peer-1]\nPhase=1\nAddress=10.0.0.1\nAuthentication=psk-a\nConfiguration=p1-conf\n\n"
      "[peer-3]\nPhase=1\nAddress=10.0.0.3\nAuthentication=psk-b\nConfiguration=p1-conf\n\n"
      "[conn-a]\nPhase=2\nISAKMP-peer=peer-1\nConfiguration=p2-conf\nLocal-ID=a-r\n"
      "Remote-ID=a-l\n\n"
      "[conn-b]\nPhase=2\nISAKMP-peer=peer-3\nConfiguration=p2-conf\nLocal-ID=b-r\n"
      "Remote-ID=b-l\n\n" +
      net("a-l", "192.168.1.0") + net("a-r", "192.168.2.0") + net("b-l", "192.168.3.0") +
      net("b-r", "192.168.4.0") + common;
  ASSERT_TRUE(conf::load_config_text(left, "left", p.left.conf));
  ASSERT_TRUE(conf::load_config_text(right, "right", p.right.conf));
}

// Left's phase-1 SAs by cookies -> local address, from its events (deleted ones removed).
std::map<base::CookiePair, std::string> left_isakmp_sas(const Side& s) {
  std::map<base::CookiePair, std::string> out;
  for (const auto& ev : s.events) {
    if (ev.kind == Kind::Phase1Established) out[ev.cookies] = ev.local.address.to_string();
    if (ev.kind == Kind::Phase1Deleted) out.erase(ev.cookies);
  }
  return out;
}

// The ISAKMP SA (cookies) of the newest phase 2 of `name`.
std::optional<base::CookiePair> parent_of(const Side& s, const std::string& name) {
  std::optional<base::CookiePair> c;
  for (const auto& ev : s.events) {
    if (ev.kind == Kind::Phase2Established && ev.name == name) c = ev.cookies;
  }
  return c;
}

TEST(MultihomedPeer, EachPeerSectionHasItsOwnIsakmpSaAndInitialContactKeepsTheOther) {
  EnginePair p;
  configure_two_homed(p, "");
  p.start();
  ASSERT_TRUE(p.run_until([&] {
    return p.left.engine->phase2_sa_count() == 2 && p.right.engine->phase2_sa_count() == 2;
  }, base::Seconds{30}));
  p.run_for(base::Seconds{5});
  // Both Main Modes carried INITIAL-CONTACT; neither SA was deleted by the other's.
  auto sas = left_isakmp_sas(p.left);
  ASSERT_EQ(sas.size(), 2U);
  EXPECT_EQ(p.left.count(Kind::Phase1Deleted), 0U);
  EXPECT_EQ(p.left.count(Kind::Phase2Deleted), 0U);
  EXPECT_EQ(p.left.count(Kind::ExchangeFailed), 0U);
  EXPECT_EQ(p.right.count(Kind::ExchangeFailed), 0U);
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 2U);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 2U);
  // conn-a over the SA from 10.0.0.1, conn-b over the one from 10.0.0.3.
  auto a = parent_of(p.left, "conn-a"), b = parent_of(p.left, "conn-b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(sas[*a], "10.0.0.1");
  EXPECT_EQ(sas[*b], "10.0.0.3");
  // The right matched each Quick Mode to its peer's connection.
  for (const auto& ev : p.right.events) {
    if (ev.kind != Kind::Phase2Established) continue;
    EXPECT_EQ(ev.peer.address.to_string(), ev.name == "conn-a" ? "10.0.0.1" : "10.0.0.3");
  }
}

TEST(MultihomedPeer, EachConnectionRekeysOverItsOwnIsakmpSa) {
  EnginePair p;
  configure_two_homed(p, "Default-phase-2-lifetime=120,60:86400\n");
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.left.engine->phase2_sa_count() == 2; },
                          base::Seconds{30}));
  const auto sas = left_isakmp_sas(p.left);
  p.run_for(base::Seconds{130});  // past every soft (85-95 %) and the hard lifetime
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 2U);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 2U);
  EXPECT_EQ(p.left.count(Kind::Phase2Established), 4U);  // one rekey each
  EXPECT_EQ(p.left.count(Kind::ExchangeFailed), 0U);
  EXPECT_EQ(p.right.count(Kind::ExchangeFailed), 0U);
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 2U);
  auto a = parent_of(p.left, "conn-a"), b = parent_of(p.left, "conn-b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(sas.at(*a), "10.0.0.1");
  EXPECT_EQ(sas.at(*b), "10.0.0.3");
}

// conn-a is up from 10.0.0.1; conn-b's GETSPI (from 10.0.0.3) then returns conn-a's inbound
// SPI, as a kernel that makes SPIs unique per destination may. The engine keys SAs by inbound
// SPI: it releases that SPI (a DELETE of the larval SA at 10.0.0.3, not conn-a's) and asks
// again; both SAs stay.
TEST(MultihomedPeer, AGetspiAnswerAlreadyInUseIsReleasedAndAskedAgain) {
  EnginePair p;
  configure_two_homed(p, "");
  conf::TxId tx = p.left.conf.begin();
  p.left.conf.set(tx, "Phase 2", "Connections", "conn-a", true, false);
  ASSERT_TRUE(p.left.conf.commit(tx));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.left.engine->phase2_sa_count() == 1; },
                          base::Seconds{30}));
  const engine::SaEvent* a = p.left.last(Kind::Phase2Established);
  ASSERT_NE(a, nullptr);
  const base::Spi a_in = a->spis.front();
  p.left.kernel.forced_spis = {a_in, a_in};
  const std::size_t deletes0 = p.left.kernel.count_delete_sa();
  p.ui(p.left, engine::UiConnect{"conn-b"});
  ASSERT_TRUE(p.run_until([&] { return p.left.engine->phase2_sa_count() == 2; },
                          base::Seconds{30}));
  EXPECT_TRUE(p.left.kernel.forced_spis.empty());
  // Two larval SAs released at 10.0.0.3; conn-a's SA at 10.0.0.1 untouched.
  ASSERT_EQ(p.left.kernel.count_delete_sa(), deletes0 + 2);
  std::size_t released = 0;
  for (const auto& r : p.left.kernel.requests) {
    if (const auto* d = std::get_if<base::KernelDeleteSa>(&r.op)) {
      EXPECT_EQ(d->ref.spi, a_in);
      EXPECT_EQ(d->ref.dst.to_string(), "10.0.0.3");
      ++released;
    }
  }
  EXPECT_EQ(released, 2U);
  const engine::SaEvent* b = p.left.last(Kind::Phase2Established);
  ASSERT_EQ(b->name, "conn-b");
  EXPECT_NE(b->spis.front(), a_in);
  EXPECT_EQ(p.left.count(Kind::Phase2Deleted), 0U);
  EXPECT_EQ(p.left.count(Kind::ExchangeFailed), 0U);
}

// Three connections start together over one new ISAKMP SA; the responder has no connection for
// the first one. Its INVALID_ID_INFORMATION notify names the refused proposal's SPI, and only
// that Quick Mode fails: the two others in flight over the same SA come up.
//
//   QM1 bad, QM1 ok-1, QM1 ok-2 -->
//   <-- N(INVALID_ID_INFORMATION, SPI of bad's proposal), QM2 ok-1, QM2 ok-2
TEST(QuickModeNotify, ARefusalEndsTheQuickModeItsSpiNamesAndNoOther) {
  PeerConf l;
  l.extra =
      "[bad]\nPhase=2\nISAKMP-peer=peer-10.0.0.2\nConfiguration=p2-conf\nLocal-ID=net-local\n"
      "Remote-ID=bad-r\n\n" + net("bad-r", "172.16.9.0") +
      "[ok-1]\nPhase=2\nISAKMP-peer=peer-10.0.0.2\nConfiguration=p2-conf\nLocal-ID=net-local\n"
      "Remote-ID=ok1-r\n\n" + net("ok1-r", "172.16.1.0") +
      "[ok-2]\nPhase=2\nISAKMP-peer=peer-10.0.0.2\nConfiguration=p2-conf\nLocal-ID=net-local\n"
      "Remote-ID=ok2-r\n\n" + net("ok2-r", "172.16.2.0");
  PeerConf r = mirror(l);
  r.extra =
      "[ok-1]\nPhase=2\nISAKMP-peer=peer-10.0.0.1\nConfiguration=p2-conf\nLocal-ID=ok1-r\n"
      "Remote-ID=net-remote\n\n" + net("ok1-r", "172.16.1.0") +
      "[ok-2]\nPhase=2\nISAKMP-peer=peer-10.0.0.1\nConfiguration=p2-conf\nLocal-ID=ok2-r\n"
      "Remote-ID=net-remote\n\n" + net("ok2-r", "172.16.2.0");
  EnginePair p(l, r);
  {
    std::string text = make_conf(l);
    text.replace(text.find("Connections=conn"), 16, "Connections=bad,ok-1,ok-2");
    ASSERT_TRUE(conf::load_config_text(text, "left", p.left.conf));
    std::string rt = make_conf(r);
    rt.replace(rt.find("Passive-connections=conn"), 24, "Passive-connections=ok-1,ok-2");
    ASSERT_TRUE(conf::load_config_text(rt, "right", p.right.conf));
  }
  p.start();
  p.pump();
  ASSERT_EQ(p.left.engine->phase2_sa_count(), 2U);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 2U);
  ASSERT_EQ(p.left.count(Kind::ExchangeFailed), 1U);
  const auto* failed = p.left.last(Kind::ExchangeFailed);
  EXPECT_EQ(failed->name, "bad");
  EXPECT_NE(failed->detail.find("sent INVALID_ID_INFORMATION"), std::string::npos)
      << failed->detail;
  EXPECT_EQ(parent_of(p.left, "ok-1").has_value(), true);
  EXPECT_EQ(parent_of(p.left, "ok-2").has_value(), true);
}

}  // namespace
}  // namespace ike::test
