// Two-engine tests of Aggressive Mode with pre-shared keys (RFC 2409 §5.4), then Quick Mode:
//
//   left (initiator) 10.0.0.1                   right (responder) 10.0.0.2
//   HDR, SA, KE, Ni, IDii, VID(DPD)       -->
//                                         <--   HDR, SA, KE, Nr, IDir, HASH_R, VID(DPD)
//   HDR*, HASH_I                          -->
//
// Also: responder refuses AM unless its peer allows AGGRESSIVE, wrong PSK, PSK looked up by
// the initiator's FQDN ID, mixed groups refused, INITIAL-CONTACT in AM2 refused, lost AM3
// recovered by the AM2 retransmit,
// CVE-2023-30570 (AM1 resent with our responder cookie), duplicate-only AM2 resend, and the
// per-peer half-open cap.
#include <gtest/gtest.h>

#include "engine/exchanges/aggressive_mode.h"
#include "support/engine_pair.h"
#include "wire/message.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

wire::Message parse(const base::Bytes& b) { return wire::parse_message(base::view(b)).value(); }

PeerConf am_conf() {
  PeerConf c;
  c.p1_exchange = "AGGRESSIVE";
  return c;
}

engine::Datagram from_left(const base::Bytes& bytes) {
  return engine::Datagram{base::SockAddr{base::IpAddress::parse("10.0.0.2").value(), 500},
                          base::SockAddr{base::IpAddress::parse("10.0.0.1").value(), 500}, bytes};
}

TEST(AggressiveMode, ThreeMessagesEstablishPhase1AndQuickMode) {
  EnginePair p(am_conf(), mirror(am_conf()));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  const engine::SaEvent* l = p.left.last(Kind::Phase1Established);
  const engine::SaEvent* r = p.right.last(Kind::Phase1Established);
  ASSERT_NE(l, nullptr);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(l->cookies, r->cookies);
  EXPECT_NE(l->detail.find("AES_CBC-128/SHA/MODP_1024/PRE_SHARED"), std::string::npos) << l->detail;
  const auto& log = p.link.log();
  ASSERT_GE(log.size(), 6u);  // AM1..AM3, QM1..QM3
  for (std::size_t i = 0; i < 3; ++i) {
    wire::Message m = parse(log[i].bytes);
    EXPECT_EQ(m.header.exchange, wire::ExchangeType::Aggressive) << i;
    EXPECT_EQ(m.header.message_id.value, 0u) << i;
    EXPECT_EQ(log[i].left_to_right, i != 1) << i;
    EXPECT_EQ((m.header.flags & wire::kFlagEncryption) != 0, i == 2) << i;
  }
  wire::Message am1 = parse(log[0].bytes);
  EXPECT_TRUE(am1.header.cookies.responder.is_zero());
  EXPECT_EQ(am1.count(wire::PayloadType::Sa), 1u);
  EXPECT_EQ(am1.count(wire::PayloadType::KeyExchange), 1u);
  EXPECT_EQ(am1.count(wire::PayloadType::Nonce), 1u);
  EXPECT_EQ(am1.count(wire::PayloadType::Notify), 0u);  // never INITIAL-CONTACT in AM
  const auto* idii = am1.find<wire::IdPayload>();
  ASSERT_NE(idii, nullptr);
  EXPECT_EQ(idii->id_type, static_cast<uint8_t>(wire::IdType::Ipv4Addr));
  EXPECT_EQ(idii->data, (base::Bytes{10, 0, 0, 1}));
  wire::Message am2 = parse(log[1].bytes);
  EXPECT_EQ(am2.count(wire::PayloadType::Hash), 1u);
  EXPECT_EQ(am2.count(wire::PayloadType::Id), 1u);
  EXPECT_EQ(am2.count(wire::PayloadType::Notify), 0u);
  EXPECT_EQ(p.left.engine->exchange_count(), 0u);
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
  EXPECT_EQ(p.left.engine->stats().dropped, 0u) << p.left.engine->last_drop_reason();
  EXPECT_EQ(p.right.engine->stats().dropped, 0u) << p.right.engine->last_drop_reason();
}

TEST(AggressiveMode, ResponderRefusesPeerNotConfiguredForAggressive) {
  EnginePair p(am_conf(), mirror(PeerConf{}));  // right: EXCHANGE_TYPE=ID_PROT
  p.start();
  p.run_for(base::Seconds{30});
  EXPECT_EQ(p.right.count(Kind::Phase1Established), 0u);
  EXPECT_TRUE(p.right.sent.empty());  // no AM2: nothing to amplify or crack
  EXPECT_GE(p.right.engine->stats().dropped, 1u);
  EXPECT_NE(p.right.engine->last_drop_reason().find("is not AGGRESSIVE"), std::string::npos)
      << p.right.engine->last_drop_reason();
}

TEST(AggressiveMode, WrongPskFailsAtTheInitiatorsHashRCheck) {
  PeerConf r = mirror(am_conf());
  r.psk = "another-key";
  EnginePair p(am_conf(), r);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.left.count(Kind::ExchangeFailed) > 0; }));
  EXPECT_NE(p.left.last(Kind::ExchangeFailed)->detail.find("HASH_R mismatch"), std::string::npos)
      << p.left.last(Kind::ExchangeFailed)->detail;
  EXPECT_EQ(p.left.count(Kind::Phase1Established), 0u);
  EXPECT_EQ(p.right.count(Kind::Phase1Established), 0u);
}

TEST(AggressiveMode, NoProposalChosenFromResponderFailsTheInitiatorAtOnce) {
  PeerConf r = mirror(am_conf());
  r.p1_transforms = "AES-256-SHA";
  EnginePair p(am_conf(), r);
  p.start();
  ASSERT_EQ(p.left.count(Kind::ExchangeFailed), 1u);
  EXPECT_NE(p.left.last(Kind::ExchangeFailed)->detail.find("sent NO_PROPOSAL_CHOSEN"),
            std::string::npos)
      << p.left.last(Kind::ExchangeFailed)->detail;
  EXPECT_EQ(p.left.engine->exchange_count(), 0u);
}

TEST(AggressiveMode, ResponderFindsPskInTheSectionNamedAfterTheFqdnId) {
  PeerConf l = am_conf();
  l.extra = "[peer-10.0.0.2]\nID=left-id\n\n[left-id]\nID-type=FQDN\nName=left.example.org\n";
  PeerConf r = mirror(am_conf());
  r.psk.clear();  // no [peer]:Authentication
  r.extra = "[left.example.org]\nAuthentication=s3cr3t-psk\n";
  EnginePair p(l, r);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  wire::Message am1 = parse(p.link.log()[0].bytes);
  const auto* idii = am1.find<wire::IdPayload>();
  ASSERT_NE(idii, nullptr);
  EXPECT_EQ(idii->id_type, static_cast<uint8_t>(wire::IdType::Fqdn));
  EXPECT_EQ(std::string(idii->data.begin(), idii->data.end()), "left.example.org");
}

// [General]:Default-phase-1-ID names the ID section used when the peer has no ID tag; the
// responder checks it against its Remote-ID (a USER_FQDN here).
TEST(AggressiveMode, DefaultPhase1IdAndRemoteId) {
  PeerConf l = am_conf();
  l.extra = "[General]\nDefault-phase-1-ID=my-id\n\n"
            "[my-id]\nID-type=USER_FQDN\nName=left@example.org\n";
  PeerConf r = mirror(am_conf());
  r.extra = "[peer-10.0.0.1]\nRemote-ID=left-id\n\n"
            "[left-id]\nID-type=USER_FQDN\nName=left@example.org\n";
  EnginePair p(l, r);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  wire::Message am1 = parse(p.link.log()[0].bytes);
  const auto* idii = am1.find<wire::IdPayload>();
  ASSERT_NE(idii, nullptr);
  EXPECT_EQ(idii->id_type, static_cast<uint8_t>(wire::IdType::UserFqdn));
  // A different Remote-ID on the responder: the AM1 is refused before any AM2.
  PeerConf r2 = mirror(am_conf());
  r2.extra = "[peer-10.0.0.1]\nRemote-ID=left-id\n\n"
             "[left-id]\nID-type=USER_FQDN\nName=other@example.org\n";
  EnginePair q(l, r2);
  q.start();
  q.run_for(base::Seconds{5});
  EXPECT_TRUE(q.right.sent.empty());
  EXPECT_NE(q.right.engine->last_drop_reason().find(
                "peer phase-1 ID ufqdn/left@example.org does not match [left-id]"),
            std::string::npos)
      << q.right.engine->last_drop_reason();
  EXPECT_EQ(q.right.count(Kind::Phase1Established), 0u);
}

TEST(AggressiveMode, NoPskForPeerOrIdIsDropped) {
  PeerConf r = mirror(am_conf());
  r.psk.clear();
  EnginePair p(am_conf(), r);
  p.start();
  p.run_for(base::Seconds{10});
  EXPECT_TRUE(p.right.sent.empty());
  EXPECT_NE(p.right.engine->last_drop_reason().find("no [10.0.0.1]:Authentication"),
            std::string::npos)
      << p.right.engine->last_drop_reason();
}

TEST(AggressiveMode, InitiatorRefusesTransformsWithDifferentGroups) {
  PeerConf l = am_conf();
  l.p1_transforms = "AES-128-SHA,AES-128-SHA-GRP14";
  EnginePair p(l, mirror(am_conf()));
  p.start();
  p.run_for(base::Seconds{10});
  EXPECT_TRUE(p.left.sent.empty());
  EXPECT_EQ(p.left.count(Kind::Phase1Established), 0u);
}

TEST(AggressiveMode, IdPskSectionNamesAreSanitised) {
  wire::IdPayload fqdn{static_cast<uint8_t>(wire::IdType::Fqdn), 0, 0,
                       base::Bytes{'a', '.', 'b'}};
  EXPECT_EQ(engine::id_section_name(fqdn).value_or("?"), "a.b");
  fqdn.data = base::Bytes{'a', ']', 'b'};
  EXPECT_FALSE(engine::id_section_name(fqdn).has_value());
  fqdn.data = base::Bytes{'a', '\n', 'b'};
  EXPECT_FALSE(engine::id_section_name(fqdn).has_value());
  wire::IdPayload v4{static_cast<uint8_t>(wire::IdType::Ipv4Addr), 0, 0, base::Bytes{10, 0, 0}};
  EXPECT_FALSE(engine::id_section_name(v4).has_value());
  v4.data.push_back(9);
  EXPECT_EQ(engine::id_section_name(v4).value_or("?"), "10.0.0.9");
  wire::IdPayload v6{static_cast<uint8_t>(wire::IdType::Ipv6Addr), 0, 0, base::Bytes(16, 0)};
  v6.data[0] = 0xfd;
  v6.data[15] = 1;
  EXPECT_EQ(engine::id_section_name(v6).value_or("?"), "fd00::1");
}

// AM3 lost: the responder retransmits AM2 (a duplicate), the lingering initiator answers it
// from its cache. Meanwhile an AM1 resent with the responder cookie (CVE-2023-30570) and a
// changed AM1 with the same initiator cookie are dropped without any answer; so is an exact
// duplicate of AM1 (AM2's retransmit timer recovers the lost AM3).
TEST(AggressiveMode, LostAm3AndForgedAm1sAreHandled) {
  EnginePair p(am_conf(), mirror(am_conf()));
  p.link.drop(3);  // AM3
  p.start();
  ASSERT_EQ(p.right.sent.size(), 1u);
  base::Bytes am1 = p.left.sent.at(0);
  base::Bytes forged = am1;
  std::copy(p.right.sent[0].begin() + 8, p.right.sent[0].begin() + 16, forged.begin() + 8);
  uint64_t dropped = p.right.engine->stats().dropped;
  p.right.engine->on_datagram(from_left(forged), p.clock.now());
  EXPECT_EQ(p.right.engine->stats().dropped, dropped + 1);
  EXPECT_NE(p.right.engine->last_drop_reason().find("AM3"), std::string::npos)
      << p.right.engine->last_drop_reason();
  base::Bytes changed = am1;
  changed.back() ^= 0x01;  // same icookie, different bytes: not a duplicate
  p.right.engine->on_datagram(from_left(changed), p.clock.now());
  EXPECT_EQ(p.right.engine->stats().dropped, dropped + 2);
  p.pump();
  EXPECT_EQ(p.right.sent.size(), 1u);  // nothing answered
  // An exact duplicate of AM1 is dropped unanswered: AM2 is not the final message of the
  // exchange, so its retransmit timer answers (isakmpd message_check_duplicate, MSG_LAST).
  p.right.engine->on_datagram(from_left(am1), p.clock.now());
  EXPECT_EQ(p.right.engine->stats().dropped, dropped + 3);
  EXPECT_NE(p.right.engine->last_drop_reason().find("duplicate"), std::string::npos)
      << p.right.engine->last_drop_reason();
  p.pump();
  EXPECT_EQ(p.right.sent.size(), 1u);
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  EXPECT_EQ(p.left.count(Kind::Phase1Established), 1u);
  EXPECT_EQ(p.right.count(Kind::Phase1Established), 1u);
}

// isakmpd never sends INITIAL-CONTACT in Aggressive Mode and rejects a received one: an AM2
// carrying N(INITIAL-CONTACT) fails the initiator's exchange without a phase-1 SA.
TEST(AggressiveMode, InitialContactInAm2IsDroppedAndNamedAtTheTimeout) {
  EnginePair p(am_conf(), mirror(am_conf()));
  p.link.blackhole(false);  // right -> left: we deliver a modified AM2 ourselves
  p.start();
  ASSERT_EQ(p.right.sent.size(), 1u);
  wire::Message am2 = parse(p.right.sent[0]);
  std::vector<wire::Payload> payloads;
  for (const auto& e : am2.payloads) payloads.push_back(e.value);
  wire::NotifyPayload ic;
  ic.protocol_id = static_cast<uint8_t>(wire::ProtocolId::Isakmp);
  ic.type = static_cast<uint16_t>(base::NotifyType::InitialContact);
  payloads.emplace_back(ic);
  base::Bytes bytes = wire::encode_message(am2.header, payloads);
  p.left.engine->on_datagram(
      engine::Datagram{base::SockAddr{base::IpAddress::parse("10.0.0.1").value(), 500},
                       base::SockAddr{base::IpAddress::parse("10.0.0.2").value(), 500}, bytes},
      p.clock.now());
  p.pump();
  // Unverifiable (engine/unverifiable.cc): dropped, the exchange keeps waiting for a genuine
  // AM2; the reason is named when it times out.
  EXPECT_EQ(p.left.count(Kind::ExchangeFailed), 0u);
  EXPECT_EQ(p.left.engine->exchange_count(), 1u);
  EXPECT_NE(p.left.engine->last_drop_reason().find("INITIAL-CONTACT"), std::string::npos);
  ASSERT_TRUE(p.run_until([&] { return p.left.count(Kind::ExchangeFailed) > 0; }));
  ASSERT_EQ(p.left.count(Kind::ExchangeFailed), 1u);
  EXPECT_NE(p.left.last(Kind::ExchangeFailed)->detail.find("timeout after 1 unverifiable AM2"),
            std::string::npos)
      << p.left.last(Kind::ExchangeFailed)->detail;
  EXPECT_NE(p.left.last(Kind::ExchangeFailed)->detail.find(
                "AM2: INITIAL-CONTACT is not allowed in Aggressive Mode"),
            std::string::npos)
      << p.left.last(Kind::ExchangeFailed)->detail;
  EXPECT_EQ(p.left.count(Kind::Phase1Established), 0u);
}

// RFC 2409 §5.4: the KE in AM1 fixes the group, so every offered transform must name it. An
// AM1 whose second transform uses MODP_2048 is refused with NO_PROPOSAL_CHOSEN (in the clear).
TEST(AggressiveMode, ResponderRefusesOfferWithDifferentGroups) {
  EnginePair p(am_conf(), mirror(am_conf()));
  p.link.blackhole(true);
  p.start();
  wire::Message am1 = parse(p.left.sent.at(0));
  std::vector<wire::Payload> payloads;
  for (const auto& e : am1.payloads) payloads.push_back(e.value);
  auto& sa = std::get<wire::SaPayload>(payloads.front());
  wire::Transform t2 = sa.proposals.at(0).transforms.at(0);
  t2.number = 2;
  for (auto& a : t2.attributes) {
    if (a.type == static_cast<uint16_t>(wire::IkeAttr::GroupDescription)) a.short_value = 14;
  }
  sa.proposals[0].transforms.push_back(t2);
  p.right.engine->on_datagram(from_left(wire::encode_message(am1.header, payloads)),
                              p.clock.now());
  p.pump();
  ASSERT_EQ(p.right.count(Kind::ExchangeFailed), 1u);
  EXPECT_NE(p.right.last(Kind::ExchangeFailed)->detail.find("Aggressive Mode needs one group"),
            std::string::npos)
      << p.right.last(Kind::ExchangeFailed)->detail;
  ASSERT_EQ(p.right.sent.size(), 1u);
  wire::Message notify = parse(p.right.sent[0]);
  ASSERT_NE(notify.find<wire::NotifyPayload>(), nullptr);
  EXPECT_EQ(notify.find<wire::NotifyPayload>()->type,
            static_cast<uint16_t>(base::NotifyType::NoProposalChosen));
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
}

TEST(AggressiveMode, HalfOpenResponderExchangesAreCappedPerPeer) {
  EnginePair p(am_conf(), mirror(am_conf()));
  p.link.blackhole(true);
  p.start();  // left's AM1 never arrives
  ASSERT_EQ(p.left.sent.size(), 1u);
  base::Bytes am1 = p.left.sent[0];
  for (uint8_t i = 0; i < 8; ++i) {
    base::Bytes b = am1;
    b[0] ^= static_cast<uint8_t>(i + 1);  // a fresh initiator cookie each time
    p.right.engine->on_datagram(from_left(b), p.clock.now());
  }
  p.pump();
  EXPECT_EQ(p.right.sent.size(), engine::kMaxHalfOpenAggressivePerPeer);
  EXPECT_NE(p.right.engine->last_drop_reason().find("half-open"), std::string::npos)
      << p.right.engine->last_drop_reason();
}

}  // namespace
}  // namespace ike::test
