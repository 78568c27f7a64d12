// Two-engine tests over IPv6 transport (RFC 2407 §4.6.2.5/§4.6.2.6 ID types):
//
//   left fd00:99::1 (initiator)                      right fd00:99::2 (responder)
//   Main Mode:  MM1..MM6 (IDii/IDir IPV6_ADDR)  <-->
//   Quick Mode: HDR*, HASH(1), SA, Ni, IDci=IPV6_ADDR_SUBNET fd00:10::/64,
//               IDcr=IPV6_ADDR_SUBNET fd00:20::/64  -->   <-- HDR*, HASH(2), ...   HASH(3) -->
//   Aggressive Mode: AM1..AM3 with IPV6_ADDR IDs, then the same Quick Mode.
#include <gtest/gtest.h>

#include "support/engine_pair.h"
#include "wire/message.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

PeerConf v6_conf(const char* exchange) {
  PeerConf c;
  c.local = "fd00:99::1";
  c.peer = "fd00:99::2";
  c.local_net = "fd00:10::";
  c.remote_net = "fd00:20::";
  c.net_type = "IPV6_ADDR_SUBNET";
  c.net_mask = "ffff:ffff:ffff:ffff::";
  c.p1_exchange = exchange;
  return c;
}

base::IpAddress ip(const char* s) { return base::IpAddress::parse(s).value(); }

void expect_v6_tunnel(EnginePair& p) {
  const engine::SaEvent* p1 = p.left.last(Kind::Phase1Established);
  ASSERT_NE(p1, nullptr);
  EXPECT_EQ(p1->peer.address, ip("fd00:99::2"));
  EXPECT_EQ(p1->local.address, ip("fd00:99::1"));
  // The right side's flows: fd00:20::/64 (its own) <-> fd00:10::/64, tunnel between the outer
  // IPv6 addresses.
  bool out_flow = false;
  for (const auto& f : p.right.kernel.flows) {
    EXPECT_EQ(f.local, ip("fd00:99::2"));
    EXPECT_EQ(f.peer, ip("fd00:99::1"));
    if (f.direction == base::Direction::Out) {
      out_flow = true;
      EXPECT_EQ(f.src_ts.network, ip("fd00:20::"));
      EXPECT_EQ(f.src_ts.prefix, 64);
      EXPECT_EQ(f.dst_ts.network, ip("fd00:10::"));
      EXPECT_EQ(f.dst_ts.prefix, 64);
    }
  }
  EXPECT_TRUE(out_flow);
  ASSERT_EQ(p.left.kernel.sas.size(), 2u);
  for (const auto& [ref, sa] : p.left.kernel.sas) {
    EXPECT_FALSE(ref.dst.is_v4());
    (void)sa;
  }
  EXPECT_EQ(p.left.engine->stats().dropped, 0u) << p.left.engine->last_drop_reason();
  EXPECT_EQ(p.right.engine->stats().dropped, 0u) << p.right.engine->last_drop_reason();
}

TEST(Ipv6, MainModeAndQuickModeWithIpv6SubnetSelectors) {
  EnginePair p(v6_conf("ID_PROT"), mirror(v6_conf("ID_PROT")));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  expect_v6_tunnel(p);
  // The 7th datagram is QM1 (its IPV6_ADDR_SUBNET IDs became the flows checked above).
  wire::Message qm1 = wire::parse_message(base::view(p.link.log().at(6).bytes)).value();
  EXPECT_EQ(qm1.header.exchange, wire::ExchangeType::QuickMode);
}

TEST(Ipv6, AggressiveModeWithIpv6AddressIds) {
  EnginePair p(v6_conf("AGGRESSIVE"), mirror(v6_conf("AGGRESSIVE")));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  wire::Message am1 = wire::parse_message(base::view(p.link.log().at(0).bytes)).value();
  EXPECT_EQ(am1.header.exchange, wire::ExchangeType::Aggressive);
  const auto* idii = am1.find<wire::IdPayload>();
  ASSERT_NE(idii, nullptr);
  EXPECT_EQ(idii->id_type, static_cast<uint8_t>(wire::IdType::Ipv6Addr));
  EXPECT_EQ(idii->data, base::to_bytes(ip("fd00:99::1").bytes()));
  expect_v6_tunnel(p);
}

}  // namespace
}  // namespace ike::test
