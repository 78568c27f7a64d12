// NAT traversal between two engines through a SimulatedNat (RFC 3947, RFC 3948 §2.3):
//
//   left 10.0.0.1 --[NAT 198.51.100.1]-- right 10.0.0.2       (initiator behind a masquerade)
//   MM1 SA,VID(DPD),VID(RFC),VID(d03),VID(d02) -->   <-- MM2 SA,VID(DPD),VID(RFC)
//   MM3 KE,Ni,NAT-D,NAT-D -->                        <-- MM4 KE,Nr,NAT-D,NAT-D
//   MM5* ... on 4500 (both ends)  QM with UDP_ENCAP_TUNNEL (3), ESP-in-UDP ports in the SaInstall
//   0xFF keepalives from the side behind the NAT every NAT-T-Keepalive seconds.
//
// Also: no NAT (no float), responder behind a port-forwarding NAT, draft-only peers (types
// 130/131, modes 61443/61444), -T, transport mode with NAT-OA, NAT rebinding, vectors.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "base/hex.h"
#include "engine/nat_t.h"
#include "support/engine_pair.h"
#include "support/simulated_nat.h"
#include "wire/message.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

base::IpAddress ip(std::string_view s) { return base::IpAddress::parse(s).value(); }
wire::Message parse(const base::Bytes& b) { return wire::parse_message(base::view(b)).value(); }

constexpr const char* kPublic = "198.51.100.1";
constexpr const char* kKeepalive5 = "[General]\nNAT-T-Keepalive=5\n\n";

std::string id_section(const char* address) {
  return fmt::format("[nat-peer-id]\nID-type=IPV4_ADDR\nAddress={}\n\n", address);
}

struct NatPair {
  std::unique_ptr<EnginePair> p;
  std::unique_ptr<SimulatedNat> nat;
};

// left behind a masquerading NAT; right sees it as 198.51.100.1.
NatPair initiator_behind_nat(PeerConf left = {}, engine::EngineOptions opts = {}) {
  PeerConf right = mirror(left);
  right.peer = kPublic;
  left.extra += kKeepalive5;
  right.extra += kKeepalive5;
  // The translated peer's phase-1 ID is its private address.
  right.extra += fmt::format("[peer-{}]\nRemote-ID=nat-peer-id\n\n{}", kPublic,
                             id_section("10.0.0.1"));
  NatPair n;
  n.p = std::make_unique<EnginePair>(left, right, opts);
  n.nat = std::make_unique<SimulatedNat>(true, ip("10.0.0.1"), ip(kPublic), false);
  n.p->middlebox = [nat = n.nat.get()](Delivery& d) { return nat->translate(d); };
  return n;
}

// Overwrites every copy of a 16-byte vendor ID in cleartext datagrams (a peer without it).
void hide_vid(EnginePair& p, const uint8_t (&vid)[16]) {
  auto prev = p.middlebox;
  p.middlebox = [prev, &vid](Delivery& d) {
    auto& b = d.d.bytes;
    auto it = std::search(b.begin(), b.end(), std::begin(vid), std::end(vid));
    if (it != b.end()) std::fill(it, it + 16, uint8_t{0x5a});
    return prev ? prev(d) : true;
  };
}

const base::SaInstall* added(const Side& s, bool inbound) {
  for (const auto& sa : s.kernel.added) {
    if (sa.inbound == inbound) return &sa;
  }
  return nullptr;
}

bool report_has(const Side& s, EnginePair& p, const std::string& needle) {
  for (const auto& l : s.engine->report_lines(p.clock.now())) {
    if (l.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::size_t keepalives(const SimulatedNat& nat, bool left_to_right) {
  std::size_t n = 0;
  for (const auto& s : nat.seen()) {
    n += s.left_to_right == left_to_right && s.bytes == base::Bytes{0xff} ? 1U : 0U;
  }
  return n;
}

TEST(NatT, VendorIdsAndNatDHash) {
  // MD5("RFC 3947") (RFC 3947 §3.1) and the draft VIDs as isakmpd sends them.
  auto vids = engine::nat_t_vendor_ids();
  ASSERT_EQ(vids.size(), 3u);
  EXPECT_EQ(base::to_hex(base::view(std::get<wire::VendorPayload>(vids[0]).data)),
            "4a131c81070358455c5728f20e95452f");
  EXPECT_EQ(base::to_hex(base::view(std::get<wire::VendorPayload>(vids[1]).data)),
            "7d9419a65310ca6f2c179d9215529d56");
  EXPECT_EQ(base::to_hex(base::view(std::get<wire::VendorPayload>(vids[2]).data)),
            "90cb80913ebb696e086381b5ec427b1f");
  // NAT-D = SHA1(CKY-I | CKY-R | IP | port): recomputed independently with the provider.
  base::CookiePair c;
  c.initiator.bytes = {1, 2, 3, 4, 5, 6, 7, 8};
  c.responder.bytes = {9, 10, 11, 12, 13, 14, 15, 16};
  base::SockAddr a{ip("10.0.0.1"), 4500};
  const uint8_t raw[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                         10, 0, 0, 1, 0x11, 0x94};
  const base::ByteView parts[] = {base::ByteView(raw, sizeof raw)};
  EXPECT_EQ(engine::nat_d_hash(EnginePair::provider(), crypto::HashAlg::Sha1, c, a),
            EnginePair::provider().hash(crypto::HashAlg::Sha1, parts));
}

TEST(NatT, TranslatedHostIdAcceptedOnlyWhenItIsTheNatOa) {
  // strongSwan echoes IDci translated to the NAT's address in transport mode (its NAT-OAi).
  wire::IdPayload sent{static_cast<uint8_t>(wire::IdType::Ipv4Addr), 17, 500, {10, 0, 0, 1}};
  wire::IdPayload got = sent;
  got.data = {198, 51, 100, 1};
  EXPECT_TRUE(engine::nat_t_translated_id_ok(got, sent, ip(kPublic)));
  EXPECT_FALSE(engine::nat_t_translated_id_ok(got, sent, ip("198.51.100.2")));
  EXPECT_FALSE(engine::nat_t_translated_id_ok(got, sent, std::nullopt));
  got.port = 4500;  // protocol/port must still be echoed
  EXPECT_FALSE(engine::nat_t_translated_id_ok(got, sent, ip(kPublic)));
  wire::IdPayload subnet = sent;
  subnet.id_type = static_cast<uint8_t>(wire::IdType::Ipv4AddrSubnet);
  subnet.data = {198, 51, 100, 1, 255, 255, 255, 255};
  EXPECT_FALSE(engine::nat_t_translated_id_ok(subnet, sent, ip(kPublic)));
}

TEST(NatT, NoNatNegotiatesRfcButDoesNotFloat) {
  EnginePair p;
  SimulatedNat tap(true, ip("10.0.0.1"), ip("10.0.0.1"), true);  // identity: records only
  p.middlebox = [&](Delivery& d) { return tap.translate(d); };
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  for (const auto& s : tap.seen()) {
    EXPECT_EQ(s.from.port, 500);
    EXPECT_EQ(s.to.port, 500);
  }
  wire::Message mm3 = parse(tap.seen()[2].bytes);
  EXPECT_EQ(mm3.count(wire::PayloadType::NatD), 2u);
  EXPECT_TRUE(report_has(p.left, p, "nat-t rfc3947, no NAT"));
  EXPECT_TRUE(report_has(p.right, p, "nat-t rfc3947, no NAT"));
  ASSERT_NE(added(p.left, true), nullptr);
  EXPECT_EQ(added(p.left, true)->udp_encap_dst_port, 0);
  EXPECT_NE(p.left.last(Kind::Phase2Established)->detail.find(" TUNNEL"), std::string::npos);
  p.run_for(base::Seconds{60});
  EXPECT_EQ(keepalives(tap, true) + keepalives(tap, false), 0u);
}

TEST(NatT, InitiatorBehindNatFloatsAndUsesUdpEncapTunnel) {
  NatPair n = initiator_behind_nat();
  EnginePair& p = *n.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  const auto& seen = n.nat->seen();
  ASSERT_GE(seen.size(), 9u);
  // MM1-MM4 on 500 (left's 500 masqueraded), MM5 on from 4500 to 4500.
  for (std::size_t i = 0; i < 9; ++i) {
    wire::Header h = wire::parse_header(base::view(seen[i].bytes)).value();
    uint16_t right_port = seen[i].left_to_right ? seen[i].to.port : seen[i].from.port;
    EXPECT_EQ(right_port, i < 4 ? 500 : 4500) << "datagram " << i + 1;
    if (i >= 4) {
      EXPECT_NE(h.flags & wire::kFlagEncryption, 0) << i;
    }
  }
  EXPECT_EQ(seen[4].from.port, n.nat->public_port(4500));
  EXPECT_TRUE(report_has(p.left, p, "nat-t rfc3947, local behind NAT, floated"));
  EXPECT_TRUE(report_has(p.right, p, "nat-t rfc3947, peer behind NAT, floated"));
  // isakmpd flags: NAT_T_ENABLE 0x100, NAT_T_KEEPALIVE 0x200 (left only).
  EXPECT_TRUE(report_has(p.left, p, "phase 1 doi 1 flags 0x381"));
  EXPECT_TRUE(report_has(p.right, p, "phase 1 doi 1 flags 0x181"));
  // RFC 3947 §5.1 UDP_ENCAP_TUNNEL and RFC 3948 ports in both SaInstalls.
  EXPECT_NE(p.left.last(Kind::Phase2Established)->detail.find("UDP_ENCAP_TUNNEL"),
            std::string::npos);
  const base::SaInstall* lout = added(p.left, false);
  const base::SaInstall* rin = added(p.right, true);
  ASSERT_NE(lout, nullptr);
  ASSERT_NE(rin, nullptr);
  EXPECT_EQ(lout->udp_encap_src_port, 4500);
  EXPECT_EQ(lout->udp_encap_dst_port, 4500);
  EXPECT_EQ(rin->udp_encap_src_port, n.nat->public_port(4500));
  EXPECT_EQ(rin->udp_encap_dst_port, 4500);
  EXPECT_EQ(rin->src, ip(kPublic));
  // The same SA seen from both ends: same SPI and keys.
  EXPECT_EQ(lout->ref.spi, rin->ref.spi);
  EXPECT_FALSE(lout->enc_key.empty());
  EXPECT_TRUE(lout->enc_key == rin->enc_key);
  EXPECT_TRUE(lout->auth_key == rin->auth_key);
}

TEST(NatT, KeepalivesOnlyFromTheSideBehindTheNat) {
  NatPair n = initiator_behind_nat();
  EnginePair& p = *n.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  ASSERT_EQ(keepalives(*n.nat, true), 0u);
  p.run_for(base::Seconds{16});
  // NAT-T-Keepalive=5: at +5, +10, +15 s, from 4500 to the peer's 4500, without marker.
  EXPECT_EQ(keepalives(*n.nat, true), 3u);
  EXPECT_EQ(keepalives(*n.nat, false), 0u);
  for (const auto& s : n.nat->seen()) {
    if (s.bytes == base::Bytes{0xff}) {
      EXPECT_EQ(s.to.port, 4500);
      EXPECT_EQ(s.from.port, n.nat->public_port(4500));
    }
  }
}

TEST(NatT, ResponderBehindPortForwardingNat) {
  PeerConf left;
  left.peer = "203.0.113.2";  // right's public address, 500/4500 forwarded to 10.0.0.2
  left.extra = kKeepalive5;
  left.extra += fmt::format("[peer-203.0.113.2]\nRemote-ID=nat-peer-id\n\n{}",
                            id_section("10.0.0.2"));
  PeerConf right = mirror(PeerConf{});
  right.extra = kKeepalive5;
  EnginePair p(left, right);
  SimulatedNat nat(false, ip("10.0.0.2"), ip("203.0.113.2"), true);
  p.middlebox = [&](Delivery& d) { return nat.translate(d); };
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  EXPECT_TRUE(report_has(p.left, p, "nat-t rfc3947, peer behind NAT, floated"));
  EXPECT_TRUE(report_has(p.right, p, "nat-t rfc3947, local behind NAT, floated"));
  p.run_for(base::Seconds{11});
  EXPECT_EQ(keepalives(nat, false), 2u);  // right -> left
  EXPECT_EQ(keepalives(nat, true), 0u);
  EXPECT_EQ(added(p.right, false)->udp_encap_dst_port, 4500);
}

TEST(NatT, DraftOnlyPeerUsesDraftPayloadsAndModes) {
  NatPair n = initiator_behind_nat();
  EnginePair& p = *n.p;
  hide_vid(p, engine::kNatTVidRfc);  // left looks like a draft-02/03 implementation
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  const auto& seen = n.nat->seen();
  wire::Message mm2 = parse(seen[1].bytes);
  bool d03 = false;
  for (const auto& e : mm2.payloads) {
    if (const auto* v = std::get_if<wire::VendorPayload>(&e.value)) {
      d03 |= base::to_hex(base::view(v->data)) == "7d9419a65310ca6f2c179d9215529d56";
    }
  }
  EXPECT_TRUE(d03);
  for (std::size_t i : {2u, 3u}) {
    wire::Message m = parse(seen[i].bytes);
    EXPECT_EQ(m.count(wire::PayloadType::NatDDraft), 2u) << i;  // type 130
    EXPECT_EQ(m.count(wire::PayloadType::NatD), 0u) << i;
  }
  EXPECT_TRUE(report_has(p.left, p, "nat-t draft-03, local behind NAT"));
  EXPECT_NE(p.right.last(Kind::Phase2Established)->detail.find("UDP_ENCAP_TUNNEL_DRAFT"),
            std::string::npos)
      << p.right.last(Kind::Phase2Established)->detail;
}

TEST(NatT, TransportModeSendsAndRecordsNatOa) {
  PeerConf left;
  left.p2_suites = "QM-ESP-TRP-AES-SHA-SUITE";
  left.local_net.clear();
  left.remote_net.clear();
  NatPair n = initiator_behind_nat(left);
  EnginePair& p = *n.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  EXPECT_NE(p.left.last(Kind::Phase2Established)->detail.find("UDP_ENCAP_TRANSPORT"),
            std::string::npos)
      << p.left.last(Kind::Phase2Established)->detail;
  // RFC 3947 §5.2: right learns the initiator's original (private) address.
  EXPECT_TRUE(report_has(p.right, p, "nat-oa initiator 10.0.0.1 responder 10.0.0.2"));
  EXPECT_TRUE(report_has(p.left, p, "nat-oa initiator 198.51.100.1 responder 10.0.0.2"));
}

TEST(NatT, DisabledWithMinusT) {
  engine::EngineOptions opts;
  opts.nat_traversal = false;
  NatPair n = initiator_behind_nat({}, opts);
  EnginePair& p = *n.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  wire::Message mm1 = parse(n.nat->seen()[0].bytes);
  EXPECT_EQ(mm1.count(wire::PayloadType::Vendor), 2u);  // DPD and FRAGMENTATION only
  wire::Message mm3 = parse(n.nat->seen()[2].bytes);
  EXPECT_EQ(mm3.count(wire::PayloadType::NatD), 0u);
  for (const auto& s : n.nat->seen()) EXPECT_NE(s.to.port, 4500);
  EXPECT_FALSE(report_has(p.left, p, "nat-t"));
  EXPECT_EQ(added(p.left, true)->udp_encap_dst_port, 0);
}

TEST(NatT, ResponderFollowsNatRebinding) {
  NatPair n = initiator_behind_nat();
  EnginePair& p = *n.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  uint16_t before = n.nat->public_port(4500);
  n.nat->remap(4500);  // the NAT forgets the mapping: the next packet gets a new port
  auto cookies = p.left.last(Kind::Phase1Established)->cookies;
  ASSERT_TRUE(p.left.engine->send_r_u_there(cookies, 7, p.clock.now()));
  p.pump();
  uint16_t after = n.nat->public_port(4500);
  ASSERT_NE(after, before);
  // The ACK reached left only because right moved its peer to the new mapping.
  EXPECT_TRUE(report_has(p.left, p, "dpd ack seq 7"));
  EXPECT_TRUE(report_has(p.right, p, fmt::format("dst: {}:{}", kPublic, after)));
  EXPECT_EQ(n.nat->dropped(), 0u);
}

// Aggressive Mode (RFC 3947 §3.2: NAT-D in AM2 and AM3), initiator behind the masquerade:
//   AM1 SA,KE,Ni,IDii,VID(DPD),VID(RFC),VID(d03),VID(d02) -->                500 -> 500
//                 <-- AM2 SA,KE,Nr,IDir,HASH_R,VID(DPD),VID(RFC),NAT-D,NAT-D  500 <- 500
//   AM3* HASH_I,NAT-D,NAT-D -->                                               4500 -> 4500
//   QM on 4500 with UDP_ENCAP_TUNNEL; keepalives from left.
TEST(NatT, AggressiveModeInitiatorBehindNatFloats) {
  PeerConf left;
  left.p1_exchange = "AGGRESSIVE";
  NatPair n = initiator_behind_nat(left);
  EnginePair& p = *n.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  const auto& seen = n.nat->seen();
  ASSERT_GE(seen.size(), 6u);
  wire::Message am1 = parse(seen[0].bytes);
  wire::Message am2 = parse(seen[1].bytes);
  EXPECT_EQ(am1.header.exchange, wire::ExchangeType::Aggressive);
  EXPECT_EQ(am1.count(wire::PayloadType::Vendor), 5u);  // DPD + FRAGMENTATION + 3 NAT-T
  EXPECT_EQ(am1.count(wire::PayloadType::NatD), 0u);
  EXPECT_EQ(am2.count(wire::PayloadType::NatD), 2u);
  EXPECT_EQ(am2.count(wire::PayloadType::Vendor), 3u);  // DPD + FRAGMENTATION + RFC 3947
  for (std::size_t i = 0; i < 6; ++i) {
    uint16_t right_port = seen[i].left_to_right ? seen[i].to.port : seen[i].from.port;
    EXPECT_EQ(right_port, i < 2 ? 500 : 4500) << "datagram " << i + 1;
  }
  EXPECT_EQ(seen[2].from.port, n.nat->public_port(4500));
  EXPECT_TRUE(report_has(p.left, p, "nat-t rfc3947, local behind NAT, floated"));
  EXPECT_TRUE(report_has(p.right, p, "nat-t rfc3947, peer behind NAT, floated"));
  EXPECT_TRUE(report_has(p.left, p, "phase 1 doi 1 flags 0x381"));
  EXPECT_TRUE(report_has(p.right, p, "phase 1 doi 1 flags 0x181"));
  EXPECT_NE(p.left.last(Kind::Phase2Established)->detail.find("UDP_ENCAP_TUNNEL"),
            std::string::npos);
  const base::SaInstall* lout = added(p.left, false);
  const base::SaInstall* rin = added(p.right, true);
  ASSERT_NE(lout, nullptr);
  ASSERT_NE(rin, nullptr);
  EXPECT_EQ(lout->udp_encap_src_port, 4500);
  EXPECT_EQ(lout->udp_encap_dst_port, 4500);
  EXPECT_EQ(rin->udp_encap_src_port, n.nat->public_port(4500));
  EXPECT_EQ(rin->udp_encap_dst_port, 4500);
  EXPECT_EQ(lout->ref.spi, rin->ref.spi);
  EXPECT_FALSE(lout->enc_key.empty());
  EXPECT_TRUE(lout->enc_key == rin->enc_key);
  EXPECT_TRUE(lout->auth_key == rin->auth_key);
  p.run_for(base::Seconds{11});
  EXPECT_EQ(keepalives(*n.nat, true), 2u);
  EXPECT_EQ(keepalives(*n.nat, false), 0u);
  EXPECT_EQ(p.left.engine->stats().dropped, 0u) << p.left.engine->last_drop_reason();
  EXPECT_EQ(p.right.engine->stats().dropped, 0u) << p.right.engine->last_drop_reason();
}

TEST(NatT, AggressiveModeWithoutNatDoesNotFloat) {
  PeerConf left;
  left.p1_exchange = "AGGRESSIVE";
  EnginePair p(left, mirror(left));
  SimulatedNat tap(true, ip("10.0.0.1"), ip("10.0.0.1"), true);  // identity: records only
  p.middlebox = [&](Delivery& d) { return tap.translate(d); };
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  for (const auto& s : tap.seen()) {
    EXPECT_EQ(s.from.port, 500);
    EXPECT_EQ(s.to.port, 500);
  }
  EXPECT_EQ(parse(tap.seen()[1].bytes).count(wire::PayloadType::NatD), 2u);
  EXPECT_TRUE(report_has(p.left, p, "nat-t rfc3947, no NAT"));
  EXPECT_TRUE(report_has(p.right, p, "nat-t rfc3947, no NAT"));
  ASSERT_NE(added(p.left, true), nullptr);
  EXPECT_EQ(added(p.left, true)->udp_encap_dst_port, 0);
  p.run_for(base::Seconds{60});
  EXPECT_EQ(keepalives(tap, true) + keepalives(tap, false), 0u);
}

}  // namespace
}  // namespace ike::test
