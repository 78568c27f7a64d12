// Peer and connection configuration tests (isakmpd.conf(5) ISAKMP-peer, IPsec-connection,
// [Phase 1], [Phase 2]): typed views with validation, peer lookup by address and Default, and the
// responder's connection match on IDci/IDcr or, without IDs, on the phase-1 addresses.
#include "engine/peer_config.h"

#include <gtest/gtest.h>

#include "support/conf_text.h"

#include "conf/config_file.h"
#include "engine/ipsec_id.h"

namespace ike::engine {
namespace {

using test::ip;
constexpr auto load = test::load_conf_text;

constexpr std::string_view kConf = R"(
[Phase 1]
192.0.2.2=peer-a
fd00:0:0::2=peer-v6
Default=peer-default

[Phase 2]
Connections=conn-a,conn-active-only
Passive-connections=conn-passive,conn-broken

[peer-a]
Phase=1
Address=192.0.2.2
Port=4500
Local-address=192.0.2.1
Authentication=0x0102ff
Configuration=cfg-aggr
ID=my-id
Flags=ikecfg

[cfg-aggr]
EXCHANGE_TYPE=AGGRESSIVE
Transforms=AES-SHA-GRP14

[peer-v6]
Phase=1
Address=fd00::2
Authentication=plain text key

[peer-default]
Phase=1
Authentication=fallback

[peer-bad-port]
Phase=1
Port=70000

[peer-bad-hex]
Phase=1
Authentication=0xzz

[peer-bad-exchange]
Phase=1
Configuration=cfg-quick

[cfg-quick]
EXCHANGE_TYPE=QUICK_MODE

[peer-missing-id]
Phase=1
Remote-ID=nope

[my-id]
ID-type=FQDN
Name=me.example

[conn-a]
Phase=2
ISAKMP-peer=peer-a
Configuration=QM-ESP-AES-SHA-SUITE
Local-ID=net-local
Remote-ID=net-remote

[conn-active-only]
Phase=2
ISAKMP-peer=peer-a
Configuration=QM-ESP-AES-SHA-SUITE
Local-ID=net-local
Remote-ID=net-other
Flags=Active-only

[conn-passive]
Phase=2
Configuration=QM-ESP-AES-SHA-SUITE

[conn-broken]
Phase=2

[net-local]
ID-type=IPV4_ADDR_SUBNET
Network=10.1.1.0
Netmask=255.255.255.0

[net-remote]
ID-type=IPV4_ADDR_SUBNET
Network=10.2.2.0
Netmask=255.255.255.0

[net-other]
ID-type=IPV4_ADDR_SUBNET
Network=10.3.3.0
Netmask=255.255.255.0
)";

class PeerConfigTest : public ::testing::Test {
 protected:
  conf::ConfDb m_conf = load(kConf);
};

TEST_F(PeerConfigTest, LoadsAPeerSection) {
  auto p = load_peer_config(m_conf, "peer-a");
  ASSERT_TRUE(p) << p.error().detail;
  EXPECT_EQ(p->section, "peer-a");
  EXPECT_EQ(p->address, std::optional<base::IpAddress>(ip("192.0.2.2")));
  EXPECT_EQ(p->local_address, std::optional<base::IpAddress>(ip("192.0.2.1")));
  EXPECT_EQ(p->port, 4500);
  ASSERT_TRUE(p->has_psk);
  EXPECT_EQ(base::Bytes(p->psk.begin(), p->psk.end()), (base::Bytes{0x01, 0x02, 0xff}));
  EXPECT_EQ(p->configuration, "cfg-aggr");
  EXPECT_EQ(p->exchange_type, wire::ExchangeType::Aggressive);
  EXPECT_EQ(p->id_section, "my-id");
  EXPECT_TRUE(p->remote_id_section.empty());
  EXPECT_TRUE(p->has_flag("IKECFG"));
}

TEST_F(PeerConfigTest, DefaultsApply) {
  auto p = load_peer_config(m_conf, "peer-v6");
  ASSERT_TRUE(p) << p.error().detail;
  EXPECT_EQ(p->port, 500);
  EXPECT_EQ(p->configuration, "Default-phase-1-configuration");
  EXPECT_EQ(p->exchange_type, wire::ExchangeType::IdProt);
  EXPECT_EQ(std::string(p->psk.begin(), p->psk.end()), "plain text key");
  EXPECT_FALSE(p->local_address);
}

TEST_F(PeerConfigTest, ValidationErrorsNameSectionAndTag) {
  auto port = load_peer_config(m_conf, "peer-bad-port");
  ASSERT_FALSE(port);
  EXPECT_EQ(port.error().detail, "[peer-bad-port]:Port \"70000\" is not a port number 1..65535");
  auto hex = load_peer_config(m_conf, "peer-bad-hex");
  ASSERT_FALSE(hex);
  EXPECT_EQ(hex.error().detail, "[peer-bad-hex]:Authentication: malformed 0x hex key");
  auto ex = load_peer_config(m_conf, "peer-bad-exchange");
  ASSERT_FALSE(ex);
  EXPECT_EQ(ex.error().detail, "[cfg-quick]:EXCHANGE_TYPE \"QUICK_MODE\" is not ID_PROT or AGGRESSIVE");
  auto rid = load_peer_config(m_conf, "peer-missing-id");
  ASSERT_FALSE(rid);
  EXPECT_EQ(rid.error().detail, "[peer-missing-id]:Remote-ID refers to missing section [nope]");
  auto none = load_peer_config(m_conf, "nobody");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, base::ErrorCode::Config);
}

TEST_F(PeerConfigTest, Phase1PeerLookupByAddressThenDefault) {
  EXPECT_EQ(*find_phase1_peer_for_address(m_conf, ip("192.0.2.2")), "peer-a");
  // The tag spells the IPv6 address differently: compared as addresses.
  EXPECT_EQ(*find_phase1_peer_for_address(m_conf, ip("fd00::2")), "peer-v6");
  EXPECT_EQ(*find_phase1_peer_for_address(m_conf, ip("203.0.113.9")), "peer-default");
  conf::ConfDb bare = load("[Phase 1]\n10.0.0.1=x\n");
  auto miss = find_phase1_peer_for_address(bare, ip("10.0.0.2"));
  // load_defaults always provides [Phase 1]:Default=Default-phase-1 (isakmpd parity).
  ASSERT_TRUE(miss);
  EXPECT_EQ(*miss, "Default-phase-1");
  conf::ConfDb empty;
  auto none = find_phase1_peer_for_address(empty, ip("10.0.0.2"));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, base::ErrorCode::NotFound);
  EXPECT_EQ(none.error().detail, "no [Phase 1] entry for 10.0.0.2 and no [Phase 1]:Default");
}

TEST_F(PeerConfigTest, ConnectionsAndLists) {
  EXPECT_EQ(active_connections(m_conf), (std::vector<std::string>{"conn-a", "conn-active-only"}));
  EXPECT_EQ(passive_connections(m_conf),
            (std::vector<std::string>{"conn-passive", "conn-broken"}));
  auto c = load_connection_config(m_conf, "conn-active-only");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_TRUE(c->active_only);
  EXPECT_EQ(c->isakmp_peer, "peer-a");
  EXPECT_EQ(c->local_id, "net-local");
  auto broken = load_connection_config(m_conf, "conn-broken");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().detail, "[conn-broken]:Configuration missing");
}

TEST_F(PeerConfigTest, ResponderMatchesIdsAgainstLocalAndRemoteId) {
  const auto local = ip("192.0.2.1");
  const auto peer = ip("192.0.2.2");
  // IDci = the initiator's (remote) network, IDcr = ours.
  wire::IdPayload idci = selector_to_id({ip("10.2.2.0"), 24, 0, 0});
  wire::IdPayload idcr = selector_to_id({ip("10.1.1.0"), 24, 0, 0});
  auto m = find_responder_connection(m_conf, "peer-a", local, peer, &idci, &idcr);
  ASSERT_TRUE(m) << m.error().detail;
  EXPECT_EQ(m->connection.section, "conn-a");
  EXPECT_EQ(m->selectors.local.to_string(), "10.1.1.0/24");
  EXPECT_EQ(m->selectors.remote.to_string(), "10.2.2.0/24");
  // Swapped IDs do not match.
  auto swapped = find_responder_connection(m_conf, "peer-a", local, peer, &idcr, &idci);
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error().notify, base::NotifyType::InvalidIdInformation);
  // Active-only connections are never matched passively.
  wire::IdPayload other = selector_to_id({ip("10.3.3.0"), 24, 0, 0});
  auto ao = find_responder_connection(m_conf, "peer-a", local, peer, &other, &idcr);
  ASSERT_FALSE(ao);
  EXPECT_EQ(ao.error().detail,
            "no connection for 10.1.1.0/24 <-> 10.3.3.0/24 from [peer-a] (3 candidates)");
  // Another phase-1 peer cannot claim conn-a's traffic.
  auto stranger = find_responder_connection(m_conf, "peer-v6", local, peer, &idci, &idcr);
  ASSERT_FALSE(stranger);
  // Only one of IDci/IDcr is malformed.
  auto half = find_responder_connection(m_conf, "peer-a", local, peer, &idci, nullptr);
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().notify, base::NotifyType::InvalidIdInformation);
}

TEST_F(PeerConfigTest, ResponderWithoutIdsUsesPhase1Addresses) {
  // conn-passive has no Local-ID/Remote-ID and no ISAKMP-peer: host-to-host on the addresses.
  auto m = find_responder_connection(m_conf, "peer-default", ip("192.0.2.1"), ip("203.0.113.5"),
                                     nullptr, nullptr);
  ASSERT_TRUE(m) << m.error().detail;
  EXPECT_EQ(m->connection.section, "conn-passive");
  EXPECT_EQ(m->selectors.local.to_string(), "192.0.2.1/32");
  EXPECT_EQ(m->selectors.remote.to_string(), "203.0.113.5/32");
  // Host IDs equal to the addresses are the same thing.
  wire::IdPayload ci = address_id(ip("203.0.113.5"));
  wire::IdPayload cr = address_id(ip("192.0.2.1"));
  auto same = find_responder_connection(m_conf, "peer-default", ip("192.0.2.1"),
                                        ip("203.0.113.5"), &ci, &cr);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->connection.section, "conn-passive");
}

TEST(DecodePsk, HexAndLiteral) {
  auto hex = decode_psk("s", "0XAbCd");
  ASSERT_TRUE(hex);
  EXPECT_EQ(base::Bytes(hex->begin(), hex->end()), (base::Bytes{0xab, 0xcd}));
  auto lit = decode_psk("s", "0secret");
  ASSERT_TRUE(lit);
  EXPECT_EQ(std::string(lit->begin(), lit->end()), "0secret");
  auto bad = decode_psk("s", "0x123");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail.find("123"), std::string::npos);  // never echo the secret
}

}  // namespace
}  // namespace ike::engine
