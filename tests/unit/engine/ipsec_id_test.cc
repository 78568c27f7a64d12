// Identity tests (RFC 2407 §4.6.2, RFC 2409 §5/§5.5): Phase1-ID and IPsec-ID sections, ID payload
// <-> traffic selector conversions in both directions, contiguous-mask validation, printing, and
// verification of the peer's phase-1 ID.
#include "engine/ipsec_id.h"

#include <gtest/gtest.h>

#include "support/conf_text.h"

#include "conf/config_file.h"
#include "crypto/x509.h"

namespace ike::engine {
namespace {

using test::ip;
constexpr auto load = test::load_conf_text;

constexpr std::string_view kConf = R"(
[id-fqdn]
ID-type=FQDN
Name=gw.example.org

[id-v4]
ID-type=IPV4_ADDR
Address=192.0.2.1

[id-ufqdn]
ID-type=USER_FQDN
Name=user@example.org

[net-a]
ID-type=IPV4_ADDR_SUBNET
Network=10.1.1.0
Netmask=255.255.255.0

[net-v6]
ID-type=IPV6_ADDR_SUBNET
Network=fd00:1::
Netmask=ffff:ffff:ffff:ffff::
Protocol=tcp
Port=22

[host-v6]
ID-type=IPV6_ADDR
Address=fd00::5

[bad-mask]
ID-type=IPV4_ADDR_SUBNET
Network=10.0.0.0
Netmask=255.0.255.0

[bad-iface]
ID-type=IPV4_ADDR
Address=em0

[bad-type]
ID-type=IPV4_RANGE

[range-v4]
ID-type=IPV4_RANGE
Address=192.0.2.10
End-address=192.0.2.20

[range-v6]
ID-type=IPV6_RANGE
Address=fd00::10
End-address=fd00::1:0

[range-backwards]
ID-type=IPV4_RANGE
Address=192.0.2.20
End-address=192.0.2.10

[bad-port]
ID-type=IPV4_ADDR
Address=10.0.0.1
Port=22
)";

class IpsecIdTest : public ::testing::Test {
 protected:
  conf::ConfDb m_conf = load(kConf);
};

TEST_F(IpsecIdTest, Phase1IdsFromSections) {
  auto fqdn = phase1_id_from_section(m_conf, "id-fqdn");
  ASSERT_TRUE(fqdn) << fqdn.error().detail;
  EXPECT_EQ(fqdn->id_type, 2);
  EXPECT_EQ(fqdn->data, base::to_bytes(base::view(std::string_view("gw.example.org"))));
  EXPECT_EQ(fqdn->protocol, 0);
  EXPECT_EQ(fqdn->port, 0);
  EXPECT_EQ(id_to_string(*fqdn), "fqdn/gw.example.org");
  auto v4 = phase1_id_from_section(m_conf, "id-v4");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->data, (base::Bytes{192, 0, 2, 1}));
  auto uf = phase1_id_from_section(m_conf, "id-ufqdn");
  ASSERT_TRUE(uf);
  EXPECT_EQ(id_to_string(*uf), "ufqdn/user@example.org");
  // Default: our address; [General]:Default-phase-1-ID overrides it.
  auto def = local_phase1_id(m_conf, "", ip("198.51.100.7"));
  ASSERT_TRUE(def);
  EXPECT_EQ(id_to_string(*def), "ipv4/198.51.100.7");
  EXPECT_EQ(*def, address_id(ip("198.51.100.7")));
  auto gen = load(std::string(kConf) + "\n[General]\nDefault-phase-1-ID=id-fqdn\n");
  auto g = local_phase1_id(gen, "", ip("198.51.100.7"));
  ASSERT_TRUE(g);
  EXPECT_EQ(id_to_string(*g), "fqdn/gw.example.org");
  auto explicit_id = local_phase1_id(gen, "id-v4", ip("198.51.100.7"));
  ASSERT_TRUE(explicit_id);
  EXPECT_EQ(id_to_string(*explicit_id), "ipv4/192.0.2.1");
}

TEST_F(IpsecIdTest, ConfigErrorsNameSectionAndTag) {
  auto iface = phase1_id_from_section(m_conf, "bad-iface");
  ASSERT_FALSE(iface);
  EXPECT_EQ(iface.error().code, base::ErrorCode::Config);
  EXPECT_EQ(iface.error().detail,
            "[bad-iface]:Address \"em0\" is not an IP address (interface names are not supported)");
  auto mask = ipsec_id_selector(m_conf, "bad-mask");
  ASSERT_FALSE(mask);
  EXPECT_EQ(mask.error().detail, "[bad-mask]:Netmask 255.0.255.0 is not contiguous");
  auto type = ipsec_id_selector(m_conf, "bad-type");
  ASSERT_FALSE(type);
  EXPECT_NE(type.error().detail.find("IPV4_RANGE cannot be used as an IPsec ID"),
            std::string::npos);
  auto port = ipsec_id_selector(m_conf, "bad-port");
  ASSERT_FALSE(port);
  EXPECT_EQ(port.error().detail, "[bad-port]:Port 22 needs a Protocol");
  auto none = ipsec_id_selector(m_conf, "missing");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().detail, "no such ID section [missing]");
}

TEST_F(IpsecIdTest, IpsecIdSectionsToSelectorsAndPayloads) {
  auto a = ipsec_id_selector(m_conf, "net-a");
  ASSERT_TRUE(a) << a.error().detail;
  EXPECT_EQ(a->to_string(), "10.1.1.0/24");
  auto id = ipsec_id_from_section(m_conf, "net-a");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->id_type, 4);
  EXPECT_EQ(id->data, (base::Bytes{10, 1, 1, 0, 255, 255, 255, 0}));
  EXPECT_EQ(id_to_string(*id), "ipv4/10.1.1.0/24");

  auto v6 = ipsec_id_from_section(m_conf, "net-v6");
  ASSERT_TRUE(v6) << v6.error().detail;
  EXPECT_EQ(v6->protocol, 6);
  EXPECT_EQ(v6->port, 22);
  EXPECT_EQ(id_to_string(*v6), "ipv6/fd00:1::/64 proto 6 port 22");
  auto back = id_to_selector(*v6);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->prefix, 64);
  EXPECT_EQ(back->ip_protocol, 6);
  EXPECT_EQ(back->port, 22);
  EXPECT_TRUE(id_matches_selector(*v6, *back));
  auto host = ipsec_id_selector(m_conf, "host-v6");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->prefix, 128);
}

TEST_F(IpsecIdTest, SelectorsAndPayloadsRoundTrip) {
  base::TrafficSelector host{ip("10.0.0.1"), 32, 17, 500};
  wire::IdPayload h = selector_to_id(host);
  EXPECT_EQ(h.id_type, 1);
  EXPECT_EQ(h.data, (base::Bytes{10, 0, 0, 1}));
  EXPECT_EQ(h.protocol, 17);
  EXPECT_EQ(h.port, 500);
  EXPECT_EQ(*id_to_selector(h), host);
  base::TrafficSelector net{ip("172.16.0.0"), 12, 0, 0};
  wire::IdPayload n = selector_to_id(net);
  EXPECT_EQ(n.id_type, 4);
  EXPECT_EQ(n.data, (base::Bytes{172, 16, 0, 0, 255, 240, 0, 0}));
  EXPECT_EQ(*id_to_selector(n), net);
  // IPV4_ADDR_SUBNET /32 and IPV4_ADDR describe the same traffic.
  wire::IdPayload sub32{4, 0, 0, {10, 0, 0, 1, 255, 255, 255, 255}};
  EXPECT_TRUE(id_matches_selector(sub32, base::TrafficSelector{ip("10.0.0.1"), 32, 0, 0}));
  EXPECT_FALSE(id_equal(sub32, selector_to_id(base::TrafficSelector{ip("10.0.0.1"), 32, 0, 0})));
  // Host bits are cleared.
  wire::IdPayload sloppy{4, 0, 0, {10, 1, 1, 77, 255, 255, 255, 0}};
  EXPECT_EQ(id_to_selector(sloppy)->network, ip("10.1.1.0"));
}

TEST_F(IpsecIdTest, HostileIdsAreInvalidIdInformation) {
  wire::IdPayload noncontig{4, 0, 0, {10, 0, 0, 0, 255, 0, 255, 0}};
  auto r = id_to_selector(noncontig);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().notify, base::NotifyType::InvalidIdInformation);
  EXPECT_EQ(r.error().detail, "ID IPV4_ADDR_SUBNET: netmask 255.0.255.0 is not contiguous");
  wire::IdPayload short_v4{1, 0, 0, {10, 0, 0}};
  auto s = id_to_selector(short_v4);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail, "ID IPV4_ADDR: 3 data bytes, expected 4");
  EXPECT_EQ(id_to_string(short_v4), "ipv4/<bad length 3>");
  wire::IdPayload fqdn{2, 0, 0, {'a', '\n', 'b'}};
  auto f = id_to_selector(fqdn);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().notify, base::NotifyType::InvalidIdInformation);
  EXPECT_EQ(id_to_string(fqdn).find('\n'), std::string::npos);  // sanitised
  wire::IdPayload keyid{11, 0, 0, {0x00, 0xff}};
  EXPECT_EQ(id_to_string(keyid), "keyid/00ff");
}

TEST_F(IpsecIdTest, PeerPhase1IdVerification) {
  // No Remote-ID: an address ID must be the peer's address.
  auto ok = verify_peer_phase1_id(m_conf, "", ip("192.0.2.1"), address_id(ip("192.0.2.1")));
  ASSERT_TRUE(ok);
  EXPECT_FALSE(ok->dubious);
  auto spoof = verify_peer_phase1_id(m_conf, "", ip("192.0.2.9"), address_id(ip("192.0.2.1")));
  ASSERT_FALSE(spoof);
  EXPECT_EQ(spoof.error().notify, base::NotifyType::InvalidIdInformation);
  EXPECT_EQ(spoof.error().detail,
            "peer phase-1 ID ipv4/192.0.2.1 does not match its address 192.0.2.9 (no Remote-ID)");
  // Remote-ID configured: exact match required.
  auto fq = phase1_id_from_section(m_conf, "id-fqdn");
  ASSERT_TRUE(fq);
  EXPECT_TRUE(verify_peer_phase1_id(m_conf, "id-fqdn", ip("192.0.2.9"), *fq));
  auto other = verify_peer_phase1_id(m_conf, "id-fqdn", ip("192.0.2.9"),
                                     wire::IdPayload{2, 0, 0, {'x'}});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().detail,
            "peer phase-1 ID fqdn/x does not match [id-fqdn] (fqdn/gw.example.org)");
  // UDP/500 is fine, anything else is accepted but dubious.
  wire::IdPayload udp = *fq;
  udp.protocol = 17;
  udp.port = 500;
  EXPECT_FALSE(verify_peer_phase1_id(m_conf, "id-fqdn", ip("192.0.2.9"), udp)->dubious);
  udp.port = 4500;
  auto dubious = verify_peer_phase1_id(m_conf, "id-fqdn", ip("192.0.2.9"), udp);
  ASSERT_TRUE(dubious);
  EXPECT_TRUE(dubious->dubious);
}

// RFC 2407 §4.6.2.7/§4.6.2.8 ranges as phase-1 IDs: parsed from Address/End-address, printed,
// and matched against a received ID (equal range, or an address inside it; subnets likewise).
TEST_F(IpsecIdTest, Phase1RangesAndSubnetsAsRemoteIds) {
  auto r4 = phase1_id_from_section(m_conf, "range-v4");
  ASSERT_TRUE(r4) << r4.error().detail;
  EXPECT_EQ(r4->id_type, 7);
  EXPECT_EQ(r4->data, (base::Bytes{192, 0, 2, 10, 192, 0, 2, 20}));
  EXPECT_EQ(id_to_string(*r4), "ipv4_range/192.0.2.10-192.0.2.20");
  auto r6 = phase1_id_from_section(m_conf, "range-v6");
  ASSERT_TRUE(r6) << r6.error().detail;
  EXPECT_EQ(id_to_string(*r6), "ipv6_range/fd00::10-fd00::1:0");
  auto back = phase1_id_from_section(m_conf, "range-backwards");
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().detail,
            "[range-backwards]:End-address 192.0.2.10 is below Address 192.0.2.20");
  EXPECT_TRUE(verify_peer_phase1_id(m_conf, "range-v4", ip("192.0.2.15"), *r4));
  EXPECT_TRUE(verify_peer_phase1_id(m_conf, "range-v4", ip("192.0.2.15"),
                                    address_id(ip("192.0.2.15"))));
  EXPECT_TRUE(phase1_id_matches(*r4, address_id(ip("192.0.2.10"))));
  EXPECT_TRUE(phase1_id_matches(*r4, address_id(ip("192.0.2.20"))));
  EXPECT_FALSE(phase1_id_matches(*r4, address_id(ip("192.0.2.21"))));
  EXPECT_FALSE(phase1_id_matches(*r4, address_id(ip("fd00::11"))));
  EXPECT_TRUE(phase1_id_matches(*r6, address_id(ip("fd00::ffff"))));
  EXPECT_FALSE(phase1_id_matches(*r6, address_id(ip("fd00::1:1"))));
  auto outside = verify_peer_phase1_id(m_conf, "range-v4", ip("192.0.2.9"),
                                       address_id(ip("192.0.2.9")));
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().detail, "peer phase-1 ID ipv4/192.0.2.9 does not match [range-v4] "
                                    "(ipv4_range/192.0.2.10-192.0.2.20)");
  auto net = phase1_id_from_section(m_conf, "net-a");
  ASSERT_TRUE(net);
  EXPECT_TRUE(phase1_id_matches(*net, address_id(ip("10.1.1.77"))));
  EXPECT_FALSE(phase1_id_matches(*net, address_id(ip("10.1.2.77"))));
  // Malformed received data never matches; DER_ASN1_DN compares as bytes.
  EXPECT_FALSE(phase1_id_matches(*r4, wire::IdPayload{1, 0, 0, {192, 0, 2}}));
  wire::IdPayload dn{9, 0, 0, {0x30, 0x03, 0x31, 0x01, 0x00}};
  EXPECT_TRUE(phase1_id_matches(dn, dn));
  wire::IdPayload dn2 = dn;
  dn2.data.back() = 1;
  EXPECT_FALSE(phase1_id_matches(dn, dn2));
}

// Found by tests/interop/hostile (class 9, CVE-2013-6075 re-creation): with [Phase 1]:Default
// and no Remote-ID a PSK peer could complete Main Mode with a DER_ASN1_DN ID that is not a DER
// Name, or with a range that runs backwards. Both are INVALID-ID-INFORMATION now.
TEST_F(IpsecIdTest, MalformedPhase1IdsRejectedWithoutRemoteId) {
  wire::IdPayload dn{9, 0, 0, {0x30, 0x84, 0xff, 0xff, 0xff, 0xf0, 0x31, 0x00}};
  auto bad_dn = verify_peer_phase1_id(m_conf, "", ip("192.0.2.9"), dn);
  ASSERT_FALSE(bad_dn);
  EXPECT_EQ(bad_dn.error().notify, base::NotifyType::InvalidIdInformation);
  EXPECT_EQ(bad_dn.error().detail,
            "peer phase-1 ID of type DER_ASN1_DN: 8 bytes that are not a DER Name");
  auto good_dn = crypto::dn_from_text("/O=ike-test/CN=gw");
  ASSERT_TRUE(good_dn) << good_dn.error().detail;
  EXPECT_TRUE(verify_peer_phase1_id(m_conf, "", ip("192.0.2.9"), wire::IdPayload{9, 0, 0, *good_dn}));
  wire::IdPayload backwards{7, 0, 0, {10, 99, 1, 9, 10, 99, 1, 1}};
  auto bad_range = verify_peer_phase1_id(m_conf, "", ip("192.0.2.9"), backwards);
  ASSERT_FALSE(bad_range);
  EXPECT_EQ(bad_range.error().notify, base::NotifyType::InvalidIdInformation);
  EXPECT_EQ(bad_range.error().detail,
            "peer phase-1 ID ipv4_range/10.99.1.9-10.99.1.1: range end below its start");
  wire::IdPayload forwards{7, 0, 0, {10, 99, 1, 1, 10, 99, 1, 9}};
  EXPECT_TRUE(verify_peer_phase1_id(m_conf, "", ip("192.0.2.9"), forwards));
  wire::IdPayload single{7, 0, 0, {10, 99, 1, 1, 10, 99, 1, 1}};
  EXPECT_TRUE(verify_peer_phase1_id(m_conf, "", ip("192.0.2.9"), single));
  // A configured Remote-ID is not needed for the check, and does not bypass it either.
  EXPECT_FALSE(verify_peer_phase1_id(m_conf, "range-v4", ip("192.0.2.15"), backwards));
}

TEST(IpProtocol, NamesAndNumbers) {
  EXPECT_EQ(parse_ip_protocol("tcp"), std::optional<uint8_t>(6));
  EXPECT_EQ(parse_ip_protocol("UDP"), std::optional<uint8_t>(17));
  EXPECT_EQ(parse_ip_protocol("47"), std::optional<uint8_t>(47));
  EXPECT_EQ(parse_ip_protocol("256"), std::nullopt);
  EXPECT_EQ(parse_ip_protocol("bogus"), std::nullopt);
  EXPECT_EQ(parse_ip_protocol(""), std::nullopt);
}

}  // namespace
}  // namespace ike::engine
