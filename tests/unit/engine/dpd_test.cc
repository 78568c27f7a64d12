// Two-engine tests of Dead Peer Detection (RFC 3706, src/engine/dpd.h): idle-based probing over
// the ISAKMP SA, 32-bit random incrementing sequence numbers, the dead-peer verdict after
// DPD-check-interval + 5 probes 5 s apart, the three DPD-action values, no probing of peers
// without the DPD vendor ID, and R-U-THERE for an unknown SA dropped without state
// (CVE-2009-0790 class, reliability.md).
//
//   (idle 10 s)  HDR*, HASH(1), N(R-U-THERE, CKY-I|CKY-R, seq)      -->
//                        <--  HDR*, HASH(1), N(R-U-THERE-ACK, CKY-I|CKY-R, seq)
#include <gtest/gtest.h>

#include "support/engine_pair.h"
#include "wire/message.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

PeerConf left_conf(const std::string& action = "") {
  PeerConf c;
  c.extra = "[peer-10.0.0.2]\nDPD-check-interval=10\n";
  if (!action.empty()) c.extra += "DPD-action=" + action + "\n";
  return c;
}

// Informational datagrams sent in one direction since log index `from`.
std::size_t infos(const EnginePair& p, std::size_t from, bool left_to_right) {
  std::size_t n = 0;
  for (std::size_t i = from; i < p.link.log().size(); ++i) {
    const auto& rec = p.link.log()[i];
    if (rec.left_to_right != left_to_right) continue;
    auto h = wire::parse_header(base::view(rec.bytes));
    if (h && h->exchange == wire::ExchangeType::Informational) ++n;
  }
  return n;
}

std::optional<uint32_t> ack_seq(EnginePair& p) {
  for (const auto& l : p.left.engine->report_lines(p.clock.now())) {
    if (l.rfind("sa_report: dpd ack seq ", 0) == 0) {
      return static_cast<uint32_t>(std::stoul(l.substr(23)));
    }
  }
  return std::nullopt;
}

void up(EnginePair& p) {
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
}

TEST(Dpd, IdlePeerIsProbedWith32BitIncrementingSequence) {
  EnginePair p(left_conf(), mirror(PeerConf{}));
  up(p);
  std::size_t mark = p.link.log().size();
  // The first probe draws the start sequence: script a value above 15 bits (isakmpd: 0x7fff).
  const uint8_t start[4] = {0xfe, 0xdc, 0xba, 0x98};
  p.left.rng.push(base::ByteView(start, 4));
  p.run_for(base::Seconds{9});
  EXPECT_EQ(infos(p, mark, true), 0u);  // not idle long enough
  p.run_for(base::Seconds{1});
  EXPECT_EQ(infos(p, mark, true), 1u);   // R-U-THERE -->
  EXPECT_EQ(infos(p, mark, false), 1u);  // <-- R-U-THERE-ACK
  EXPECT_EQ(ack_seq(p), 0xfedcba98u);
  // The ACK ended the episode: the next probe comes one interval later with seq + 1.
  p.run_for(base::Seconds{9});
  EXPECT_EQ(infos(p, mark, true), 1u);
  p.run_for(base::Seconds{1});
  EXPECT_EQ(infos(p, mark, true), 2u);
  EXPECT_EQ(ack_seq(p), 0xfedcba99u);
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 1u);
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 1u);
  EXPECT_EQ(p.left.engine->stats().dropped, 0u) << p.left.engine->last_drop_reason();
  EXPECT_EQ(p.right.engine->stats().dropped, 0u) << p.right.engine->last_drop_reason();
}

TEST(Dpd, AuthenticatedTrafficPostponesTheProbe) {
  EnginePair p(left_conf(), mirror(PeerConf{}));
  up(p);
  p.run_for(base::Seconds{6});
  // The responder probes us (it has no interval itself): an authenticated message from it.
  const auto* ev = p.right.last(Kind::Phase1Established);
  ASSERT_TRUE(p.right.engine->send_r_u_there(ev->cookies, 7, p.clock.now()));
  p.pump();
  std::size_t mark = p.link.log().size();
  p.run_for(base::Seconds{9});
  EXPECT_EQ(infos(p, mark, true), 0u);  // idle since t=6 only
  p.run_for(base::Seconds{1});
  EXPECT_EQ(infos(p, mark, true), 1u);
}

// Silences the right side after setup; returns the log index where silence began.
std::size_t silence(EnginePair& p) {
  p.link.blackhole(true);
  p.link.blackhole(false);
  return p.link.log().size();
}

TEST(Dpd, SilentPeerIsDeadAfterIntervalPlusFiveProbes) {
  EnginePair p(left_conf(), mirror(PeerConf{}));
  up(p);
  std::size_t mark = silence(p);
  // Probes at 10, 15, 20, 25, 30 s; the verdict at 35 s.
  p.run_for(base::Seconds{34});
  EXPECT_EQ(infos(p, mark, true), 5u);
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 1u);
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 1u);
  p.run_for(base::Seconds{1});
  EXPECT_EQ(infos(p, mark, true), 5u);
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 0u);
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 0u);
  // DPD-action=clear (default): kernel SAs and flows gone, the peer got no DELETE (it is dead).
  EXPECT_TRUE(p.left.kernel.sas.empty());
  EXPECT_TRUE(p.left.kernel.flows.empty());
  EXPECT_EQ(p.left.count(Kind::Phase2Deleted), 1u);
  EXPECT_EQ(p.left.last(Kind::Phase1Deleted)->detail, "DPD: peer dead");
  // Nothing restarts before the Check-interval watchdog (60 s after start here).
  EXPECT_EQ(p.left.engine->exchange_count(), 0u);
  p.link.restore();
  ASSERT_TRUE(p.run_until([&] { return p.left.engine->phase2_sa_count() == 1; },
                          base::Seconds{60}));
  EXPECT_GE(p.clock.elapsed(), base::Seconds{60});
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);  // the new pair replaced the stale one
}

TEST(Dpd, RestartActionReinitiatesAtOnce) {
  EnginePair p(left_conf("restart"), mirror(PeerConf{}));
  up(p);
  silence(p);
  p.run_for(base::Seconds{35});
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 0u);
  EXPECT_EQ(p.left.engine->exchange_count(), 1u);  // a new Main Mode is already running
  base::Duration dead_at = p.clock.elapsed();
  p.link.restore();
  // The peer is back: the retransmitted MM1 re-establishes the connection (INITIAL-CONTACT is
  // not sent again: not the first contact since start).
  ASSERT_TRUE(p.run_until([&] { return p.established() && p.left.engine->phase2_sa_count() == 1; },
                          base::Seconds{60}));
  EXPECT_LT(p.clock.elapsed() - dead_at, base::Seconds{60});

  EXPECT_EQ(p.left.count(Kind::Phase1Established), 2u);
  EXPECT_EQ(p.left.count(Kind::Phase2Established), 2u);
  // The responder still has the old pair until INITIAL-CONTACT or its lifetime: its new pair
  // replaced the old one of the same connection (rekey.h), so exactly one remains.
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);
}

TEST(Dpd, HoldActionKeepsFlowsAndDoesNotRenegotiate) {
  EnginePair p(left_conf("hold"), mirror(PeerConf{}));
  up(p);
  auto flows = p.left.kernel.flows;
  ASSERT_FALSE(flows.empty());
  silence(p);
  p.run_for(base::Seconds{35});
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 0u);
  EXPECT_TRUE(p.left.kernel.sas.empty());
  EXPECT_EQ(p.left.kernel.flows, flows);  // traffic keeps matching policy, never leaks
  bool held = false;
  for (const auto& l : p.left.engine->report_lines(p.clock.now())) {
    if (l.find("connection_report: connection conn") == 0 &&
        l.find("(held: dead peer)") != std::string::npos) {
      held = true;
    }
  }
  EXPECT_TRUE(held);
  p.link.restore();
  std::size_t mark = p.link.log().size();
  p.run_for(base::Seconds{130});  // two watchdog runs (Check-interval=60)
  EXPECT_EQ(p.link.log().size(), mark);
  EXPECT_EQ(p.left.engine->exchange_count(), 0u);
  // `c conn` releases the hold.
  p.ui(p.left, engine::UiConnect{"conn"});
  ASSERT_TRUE(p.run_until([&] { return p.left.engine->phase2_sa_count() == 1; }));
}

TEST(Dpd, NoProbesWhenThePeerDidNotSendTheVendorId) {
  // The right side has the interval; the left's DPD VID is stripped from MM1.
  PeerConf r = mirror(PeerConf{});
  r.extra = "[peer-10.0.0.1]\nDPD-check-interval=10\n";
  EnginePair p(PeerConf{}, r);
  p.link.tamper = [](engine::SendDatagram& d, bool left_to_right) {
    auto m = wire::parse_message(base::view(d.bytes));
    if (!left_to_right || !m || m->header.exchange != wire::ExchangeType::IdProt ||
        (m->header.flags & wire::kFlagEncryption) != 0) {
      return;
    }
    std::vector<wire::Payload> keep;
    for (const auto& e : m->payloads) {
      if (!std::holds_alternative<wire::VendorPayload>(e.value)) keep.push_back(e.value);
    }
    d.bytes = wire::encode_message(m->header, keep);
  };
  up(p);
  bool dpd_flag = false;
  for (const auto& l : p.right.engine->report_lines(p.clock.now())) {
    if (l.find("phase 1 doi 1 flags 0x81") != std::string::npos) dpd_flag = true;
  }
  EXPECT_FALSE(dpd_flag);
  std::size_t mark = p.link.log().size();
  p.run_for(base::Seconds{100});
  EXPECT_EQ(infos(p, mark, false), 0u);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 1u);
}

TEST(Dpd, RuThereForUnknownSaIsDroppedWithoutState) {
  EnginePair p(left_conf(), mirror(PeerConf{}));
  up(p);
  auto before = p.right.engine->stats();
  std::size_t exchanges = p.right.engine->exchange_count();
  wire::Header h;
  h.cookies.initiator.bytes = {1, 2, 3, 4, 5, 6, 7, 8};
  h.cookies.responder.bytes = {9, 9, 9, 9, 9, 9, 9, 9};
  h.exchange = wire::ExchangeType::Informational;
  h.message_id = base::MessageId{0x01020304};
  wire::NotifyPayload n;
  n.protocol_id = static_cast<uint8_t>(wire::ProtocolId::Isakmp);
  n.type = static_cast<uint16_t>(base::NotifyType::RUThere);
  n.spi = base::Bytes(16, 9);
  n.data = {0, 0, 0, 1};
  std::vector<wire::Payload> payloads{n};
  base::Bytes clear = wire::encode_message(h, payloads);
  // Encrypted (as a real R-U-THERE is) and in the clear: neither is answered nor creates state.
  base::Bytes enc = clear;
  h.flags = wire::kFlagEncryption;
  enc = wire::encode_message(h, std::vector<wire::Payload>{wire::HashPayload{base::Bytes(20, 0)}, n});
  for (const auto& bytes : {enc, clear}) {
    engine::Datagram d{{base::IpAddress::parse("10.0.0.2").value(), 500},
                       {base::IpAddress::parse("10.0.0.1").value(), 500}, bytes};
    p.right.engine->on_datagram(d, p.clock.now());
    EXPECT_TRUE(p.right.engine->take_outputs().empty());
  }
  EXPECT_EQ(p.right.engine->stats().dropped, before.dropped + 2);
  EXPECT_EQ(p.right.engine->stats().datagrams_out, before.datagrams_out);
  EXPECT_EQ(p.right.engine->exchange_count(), exchanges);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 1u);
}

TEST(Dpd, SettingsPerPeerOverrideGeneral) {
  PeerConf l;
  l.extra = "[General]\nDPD-check-interval=30\nDPD-action=restart\n"
            "[peer-10.0.0.2]\nDPD-check-interval=10\n";
  EnginePair p(l, mirror(PeerConf{}));
  up(p);
  std::size_t mark = p.link.log().size();
  p.run_for(base::Seconds{10});
  EXPECT_EQ(infos(p, mark, true), 1u);  // the peer's 10 s, not [General]'s 30 s
  silence(p);
  p.run_for(base::Seconds{35});
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 0u);
  EXPECT_EQ(p.left.engine->exchange_count(), 1u);  // [General]:DPD-action=restart applies
}

}  // namespace
}  // namespace ike::test
