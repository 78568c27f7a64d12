// Two-engine tests of lifetimes and rekeying (src/engine/rekey.h, features §1.12): soft
// timeouts at a random 85-95 % of the lifetime, the Quick Mode rekey of an active connection
// with the replaced pair deleted once the new one is installed, hard expiry (delete + DELETE),
// simultaneous rekeys from both sides ending with exactly one pair per direction, the phase-1
// rekey, and INITIAL-CONTACT honoured only when authenticated.
//
//   (soft timeout)  HDR*, HASH(1), SA, Ni, IDci, IDcr -->
//                          <-- HDR*, HASH(2), SA, Nr, IDci, IDcr
//                   HDR*, HASH(3) -->
//                   HDR*, HASH(1), D(ESP, old SPI) -->    (and <-- from the responder)
#include <gtest/gtest.h>

#include <regex>

#include "engine/rekey.h"
#include "support/engine_pair.h"
#include "wire/message.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

constexpr const char* kShortP2 = "[General]\nDefault-phase-2-lifetime=120,60:86400\n";

std::vector<int> soft_timeouts(const std::string& s) {
  std::vector<int> out;
  std::regex re("Soft timeout in ([0-9]+) seconds\\n");
  for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it) {
    out.push_back(std::stoi((*it)[1]));
  }
  return out;
}

// Exactly one IPsec pair on each side, the same pair, and only its two SAs in each kernel.
void expect_one_pair(EnginePair& p) {
  ASSERT_EQ(p.left.engine->phase2_sa_count(), 1u);
  ASSERT_EQ(p.right.engine->phase2_sa_count(), 1u);
  EXPECT_EQ(p.left.kernel.sas.size(), 2u);
  EXPECT_EQ(p.right.kernel.sas.size(), 2u);
  for (const auto& [ref, sa] : p.left.kernel.sas) {
    EXPECT_TRUE(p.right.kernel.find_sa(ref.spi).has_value()) << std::hex << ref.spi.value;
  }
  EXPECT_FALSE(p.left.kernel.flows.empty());
  EXPECT_FALSE(p.right.kernel.flows.empty());
}

TEST(Rekey, SoftTimeoutIs85To95PercentOfTheLifetime) {
  ScriptedRandom rng;
  base::TimePoint t0 = FakeClock::start_time();
  const uint8_t r0[4] = {0, 0, 0, 0};      // % 101 = 0   -> 85.0 %
  const uint8_t r100[4] = {0, 0, 0, 100};  // % 101 = 100 -> 95.0 %
  const uint8_t r101[4] = {0, 0, 0, 101};  // wraps to 85.0 %
  rng.push(base::ByteView(r0, 4));
  EXPECT_EQ(*engine::soft_expiry_after(rng, t0, 1000), t0 + base::Seconds{850});
  rng.push(base::ByteView(r100, 4));
  EXPECT_EQ(*engine::soft_expiry_after(rng, t0, 1000), t0 + base::Seconds{950});
  rng.push(base::ByteView(r101, 4));
  EXPECT_EQ(*engine::soft_expiry_after(rng, t0, 1000), t0 + base::Seconds{850});
  EXPECT_FALSE(engine::soft_expiry_after(rng, t0, 0).has_value());
}

TEST(Rekey, Phase2RekeyAtSoftTimeoutReplacesTheOldPair) {
  PeerConf l;
  l.extra = kShortP2;
  PeerConf r = mirror(l);
  EnginePair p(l, r);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  auto soft = soft_timeouts(p.left.engine->sa_status_report(p.clock.now()));
  ASSERT_EQ(soft.size(), 2u);
  ASSERT_GE(soft[1], 102);
  ASSERT_LE(soft[1], 114);
  auto old = p.left.last(Kind::Phase2Established)->spis;
  auto flows = p.left.kernel.flows;
  p.run_for(base::Seconds{soft[1] - 1});
  EXPECT_EQ(p.left.count(Kind::Phase2Established), 1u);
  p.run_for(base::Seconds{2});
  EXPECT_EQ(p.left.count(Kind::Phase2Established), 2u);
  EXPECT_EQ(p.right.count(Kind::Phase2Established), 2u);
  expect_one_pair(p);
  EXPECT_FALSE(p.left.kernel.find_sa(old[0]).has_value());
  EXPECT_FALSE(p.left.kernel.find_sa(old[1]).has_value());
  EXPECT_FALSE(p.right.kernel.find_sa(old[0]).has_value());
  EXPECT_EQ(p.left.kernel.flows, flows);  // flows are updated, never removed
  EXPECT_EQ(p.right.count(Kind::Phase2Deleted), 1u);
  EXPECT_EQ(p.right.last(Kind::Phase2Deleted)->spis, (std::vector<base::Spi>{old[1], old[0]}));
  // Two more lifetimes: rekeyed each time, never more than one pair.
  for (int i = 0; i < 4; ++i) {
    p.run_for(base::Seconds{60});
    expect_one_pair(p);
  }
  EXPECT_GE(p.left.count(Kind::Phase2Established), 4u);
  EXPECT_EQ(p.left.engine->stats().dropped, 0u) << p.left.engine->last_drop_reason();
  EXPECT_EQ(p.right.engine->stats().dropped, 0u) << p.right.engine->last_drop_reason();
  EXPECT_EQ(p.left.engine->stats().exchanges_failed, 0u);
}

TEST(Rekey, HardExpiryDeletesAndSendsDelete) {
  PeerConf l;
  l.extra = kShortP2;
  EnginePair p(l, mirror(l));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  p.left.engine->set_passive(true);  // no rekey: the SA runs into its hard lifetime
  std::size_t mark = p.link.log().size();
  p.run_for(base::Seconds{119});
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 1u);
  EXPECT_NE(p.left.engine->sa_status_report(p.clock.now()).find("Flags 0x00000013"),
            std::string::npos);  // READY | STAYALIVE | FADING
  p.run_for(base::Seconds{1});
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u);
  EXPECT_TRUE(p.left.kernel.sas.empty());
  EXPECT_TRUE(p.left.kernel.flows.empty());
  EXPECT_TRUE(p.right.kernel.sas.empty());
  bool delete_sent = false;
  for (std::size_t i = mark; i < p.link.log().size(); ++i) {
    auto h = wire::parse_header(base::view(p.link.log()[i].bytes));
    if (p.link.log()[i].left_to_right && h->exchange == wire::ExchangeType::Informational) {
      delete_sent = true;
    }
  }
  EXPECT_TRUE(delete_sent);
}

TEST(Rekey, BothSidesActiveEndWithExactlyOnePairPerDirection) {
  PeerConf l;
  l.extra = kShortP2;
  PeerConf r = mirror(l);
  r.active = true;  // both keep "conn" up and both rekey it: collisions at start and later
  EnginePair p(l, r);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  p.pump();
  expect_one_pair(p);
  for (int i = 0; i < 6; ++i) {
    p.run_for(base::Seconds{50});
    expect_one_pair(p);
  }
  EXPECT_GE(p.left.count(Kind::Phase2Established), 4u);
  EXPECT_EQ(p.left.engine->stats().exchanges_failed, 0u);
}

TEST(Rekey, CrossingQuickModesKeepTheLowerMessageIdOnBothSides) {
  PeerConf l;
  l.extra = kShortP2;
  PeerConf r = mirror(l);
  r.active = true;
  EnginePair p(l, r);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  p.run_for(base::Seconds{100});  // the old pair is past half its lifetime
  std::size_t before = p.left.count(Kind::Phase2Established);
  // Both start a Quick Mode at the same instant: the QM1s cross on the wire.
  p.left.engine->on_ui(engine::UiConnect{"conn"}, p.clock.now());
  p.right.engine->on_ui(engine::UiConnect{"conn"}, p.clock.now());
  p.pump();
  EXPECT_EQ(p.left.count(Kind::Phase2Established), before + 2);
  EXPECT_EQ(p.right.count(Kind::Phase2Established), before + 2);
  expect_one_pair(p);
  // The survivor is the pair with the lower message id.
  std::vector<const engine::SaEvent*> fresh;
  for (const auto& ev : p.left.events) {
    if (ev.kind == Kind::Phase2Established) fresh.push_back(&ev);
  }
  const auto* x = fresh[fresh.size() - 1];
  const auto* y = fresh[fresh.size() - 2];
  const auto* winner = x->message_id < y->message_id ? x : y;
  EXPECT_TRUE(p.left.kernel.find_sa(winner->spis[0]).has_value());
}

TEST(Rekey, Phase1RekeyDeletesTheOldIsakmpSa) {
  PeerConf l;
  l.extra = "[General]\nDefault-phase-1-lifetime=120,60:86400\n";
  EnginePair p(l, mirror(l));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  auto old = p.left.last(Kind::Phase1Established)->cookies;
  p.run_for(base::Seconds{116});  // soft at most 95 % = 114 s
  EXPECT_EQ(p.left.count(Kind::Phase1Established), 2u);
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 1u);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 1u);
  EXPECT_NE(p.left.last(Kind::Phase1Established)->cookies, old);
  EXPECT_EQ(p.right.last(Kind::Phase1Deleted)->cookies, old);
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 1u);  // IPsec SAs outlive their phase 1
  EXPECT_EQ(p.left.engine->stats().exchanges_failed, 0u);
}

TEST(InitialContact, HonouredWhenAuthenticatedOnly) {
  EnginePair p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  const auto* ev = p.right.last(Kind::Phase1Established);
  // Unprotected INITIAL-CONTACT naming the live SA: logged only, nothing deleted.
  wire::Header h;
  h.cookies = ev->cookies;
  h.exchange = wire::ExchangeType::Informational;
  wire::NotifyPayload n;
  n.protocol_id = static_cast<uint8_t>(wire::ProtocolId::Isakmp);
  n.type = static_cast<uint16_t>(base::NotifyType::InitialContact);
  n.spi = base::Bytes(ev->cookies.initiator.bytes.begin(), ev->cookies.initiator.bytes.end());
  n.spi.insert(n.spi.end(), ev->cookies.responder.bytes.begin(), ev->cookies.responder.bytes.end());
  engine::Datagram d{{p.right.address, 500}, {p.left.address, 500},
                     wire::encode_message(h, std::vector<wire::Payload>{n})};
  p.right.engine->on_datagram(d, p.clock.now());
  p.pump();
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 1u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);
  // The left daemon restarts: its first Main Mode carries INITIAL-CONTACT in MM5 (encrypted,
  // authenticated by HASH_I); the responder drops every older SA with that peer.
  p.left.engine = std::make_unique<engine::Engine>(p.left.conf, EnginePair::provider(),
                                                   p.left.rng, engine::EngineOptions{});
  std::size_t deleted = p.right.count(Kind::Phase2Deleted);
  p.left.engine->start(p.clock.now());
  p.pump();
  EXPECT_EQ(p.right.count(Kind::Phase2Deleted), deleted + 1);
  EXPECT_EQ(p.right.last(Kind::Phase1Deleted)->detail, "INITIAL-CONTACT");
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 1u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);
  EXPECT_EQ(p.right.kernel.sas.size(), 2u);
}

}  // namespace
}  // namespace ike::test
