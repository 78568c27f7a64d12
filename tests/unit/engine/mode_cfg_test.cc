// Unit tests of the mode-config attribute layer (engine/mode_cfg.h, draft-dukes-ike-mode-cfg-02
// §3.3): every attribute of the table encoded from text, carried through the wire codec and
// decoded back; unknown types ignored; wrong lengths, TV form, duplicates and non-contiguous
// masks refused naming the attribute; a length running past the payload refused by the wire
// parser; the configuration contract (server items, Mode/Attributes) and the script environment.
#include "engine/mode_cfg.h"

#include <gtest/gtest.h>

#include "conf/conf_parser.h"
#include "wire/message.h"

namespace ike::engine {
namespace {

using wire::CfgAttr;
using wire::CfgType;

uint16_t t(CfgAttr a) { return static_cast<uint16_t>(a); }

// Builds, serializes, re-parses (wire) and checks (mode_cfg) one ATTRIBUTE payload.
base::Result<CfgMessage> round_trip(CfgType type, const std::vector<CfgItem>& items) {
  auto p = build_mode_cfg(type, 0x1234, items);
  if (!p) return std::move(p).error();
  std::vector<wire::Payload> payloads{*p};
  auto enc = wire::encode_payloads(payloads);
  auto parsed = wire::parse_payloads(enc.first, base::view(enc.bytes), wire::kHeaderSize, false);
  if (!parsed) return std::move(parsed).error();
  return parse_mode_cfg(std::get<wire::AttributePayload>(parsed->at(0).value));
}

wire::Attribute tlv(uint16_t type, base::Bytes v) {
  wire::Attribute a;
  a.type = type;
  a.tv = false;
  a.long_value = std::move(v);
  return a;
}

TEST(ModeCfg, EveryAttributeRoundTrips) {
  const std::vector<CfgItem> items{
      {t(CfgAttr::InternalIp4Address), "10.1.0.5"},
      {t(CfgAttr::InternalIp4Netmask), "255.255.255.0"},
      {t(CfgAttr::InternalIp4Dns), "10.1.0.53"},
      {t(CfgAttr::InternalIp4Dns), "10.1.0.54"},
      {t(CfgAttr::InternalIp4Nbns), "10.1.0.137"},
      {t(CfgAttr::InternalAddressExpiry), "3600"},
      {t(CfgAttr::InternalIp4Dhcp), "10.1.0.67"},
      {t(CfgAttr::ApplicationVersion), "strongSwan 5.9"},
      {t(CfgAttr::InternalIp6Address), "fd00::5/64"},
      {t(CfgAttr::InternalIp6Netmask), "ffff:ffff:ffff:ffff::"},
      {t(CfgAttr::InternalIp6Dns), "fd00::53"},
      {t(CfgAttr::InternalIp6Nbns), "fd00::137"},
      {t(CfgAttr::InternalIp6Dhcp), "fd00::67"},
      {t(CfgAttr::InternalIp4Subnet), "10.2.0.0/16"},
      {t(CfgAttr::SupportedAttributes), "INTERNAL_IP4_ADDRESS,INTERNAL_IP4_DNS"},
      {t(CfgAttr::InternalIp6Subnet), "fd01::/48"},
  };
  auto m = round_trip(CfgType::Reply, items);
  ASSERT_TRUE(m) << m.error().detail;
  EXPECT_EQ(m->type, CfgType::Reply);
  EXPECT_EQ(m->identifier, 0x1234);
  EXPECT_EQ(m->items, items);
  EXPECT_TRUE(m->ignored.empty());
  EXPECT_EQ(mode_cfg_attributes().size(), 15u);
}

TEST(ModeCfg, WireEncodingOfAddressAndSubnet) {
  auto p = build_mode_cfg(CfgType::Set, 7,
                          {{t(CfgAttr::InternalIp4Address), "10.1.0.5"},
                           {t(CfgAttr::InternalIp4Subnet), "10.2.0.0/255.255.0.0"},
                           {t(CfgAttr::InternalIp6Address), "fd00::1/64"},
                           {t(CfgAttr::InternalIp4Dns), ""}});
  ASSERT_TRUE(p);
  ASSERT_EQ(p->attributes.size(), 4u);
  EXPECT_FALSE(p->attributes[0].tv);
  EXPECT_EQ(p->attributes[0].long_value, (base::Bytes{10, 1, 0, 5}));
  EXPECT_EQ(p->attributes[1].long_value, (base::Bytes{10, 2, 0, 0, 255, 255, 0, 0}));
  ASSERT_EQ(p->attributes[2].long_value.size(), 17u);  // draft-dukes: address + prefix octet
  EXPECT_EQ(p->attributes[2].long_value[16], 64);
  EXPECT_TRUE(p->attributes[3].long_value.empty());
}

TEST(ModeCfg, UnknownAttributeIgnored) {
  wire::AttributePayload p;
  p.cfg_type = static_cast<uint8_t>(CfgType::Set);
  p.attributes = {tlv(0x4000, {1, 2, 3}), tlv(t(CfgAttr::InternalIp4Address), {10, 0, 0, 9}),
                  tlv(t(CfgAttr::XauthUserName), {'u'})};
  auto m = parse_mode_cfg(p);
  ASSERT_TRUE(m) << m.error().detail;
  ASSERT_EQ(m->items.size(), 1u);
  EXPECT_EQ(m->items[0].value, "10.0.0.9");
  EXPECT_EQ(m->ignored, (std::vector<uint16_t>{0x4000, t(CfgAttr::XauthUserName)}));
}

TEST(ModeCfg, DuplicateSingleValuedRefused) {
  wire::AttributePayload p;
  p.cfg_type = static_cast<uint8_t>(CfgType::Set);
  p.attributes = {tlv(t(CfgAttr::InternalIp4Address), {10, 0, 0, 9}),
                  tlv(t(CfgAttr::InternalIp4Dns), {10, 0, 0, 53}),
                  tlv(t(CfgAttr::InternalIp4Address), {10, 0, 0, 10})};
  auto m = parse_mode_cfg(p);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().notify, base::NotifyType::PayloadMalformed);
  EXPECT_EQ(m.error().detail, "mode-cfg attribute #3 INTERNAL_IP4_ADDRESS duplicates #1");
  // Repeated servers are fine.
  p.attributes[2] = tlv(t(CfgAttr::InternalIp4Dns), {10, 0, 0, 54});
  EXPECT_TRUE(parse_mode_cfg(p));
}

TEST(ModeCfg, WrongLengthTvFormAndBadMaskRefused) {
  wire::AttributePayload p;
  p.cfg_type = static_cast<uint8_t>(CfgType::Reply);
  p.attributes = {tlv(t(CfgAttr::InternalIp4Address), {10, 0, 0})};
  auto m = parse_mode_cfg(p);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().detail,
            "mode-cfg attribute #1 INTERNAL_IP4_ADDRESS: length 3 (expected 0 or 4)");
  p.attributes = {tlv(t(CfgAttr::InternalIp6Subnet), base::Bytes(16, 0))};
  m = parse_mode_cfg(p);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().detail,
            "mode-cfg attribute #1 INTERNAL_IP6_SUBNET: length 16 (expected 0 or 17)");
  p.attributes = {tlv(t(CfgAttr::SupportedAttributes), {0, 1, 0})};
  EXPECT_FALSE(parse_mode_cfg(p));
  p.attributes = {wire::Attribute::basic(t(CfgAttr::InternalAddressExpiry), 60)};
  m = parse_mode_cfg(p);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().notify, base::NotifyType::AttributesNotSupported);
  EXPECT_EQ(m.error().detail,
            "mode-cfg attribute #1 INTERNAL_ADDRESS_EXPIRY in TV form (expected variable length)");
  p.attributes = {tlv(t(CfgAttr::InternalIp4Netmask), {255, 0, 255, 0})};
  m = parse_mode_cfg(p);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().detail,
            "mode-cfg attribute #1 INTERNAL_IP4_NETMASK: 255.0.255.0 is not a contiguous netmask");
  base::Bytes v6(17, 0);
  v6[16] = 129;
  p.attributes = {tlv(t(CfgAttr::InternalIp6Address), v6)};
  m = parse_mode_cfg(p);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().detail,
            "mode-cfg attribute #1 INTERNAL_IP6_ADDRESS: prefix length 129 (expected 0..128)");
}

TEST(ModeCfg, LengthPastEndRefusedByWireParser) {
  // ATTRIBUTE payload: type SET, id 1, one TLV INTERNAL_IP4_ADDRESS claiming 8 octets, 4 present.
  base::Bytes body{3, 0, 0, 1, 0, 1, 0, 8, 10, 0, 0, 1};
  auto parsed = wire::parse_payload_body(wire::PayloadType::Attribute, base::view(body),
                                         wire::kHeaderSize);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().detail.find("attribute"), std::string::npos) << parsed.error().detail;
  EXPECT_EQ(parsed.error().notify, base::NotifyType::PayloadMalformed) << parsed.error().detail;
}

conf::ConfDb conf_of(const std::string& text) {
  conf::ConfDb db;
  auto parsed = conf::parse_config(text, "test.conf", db);
  EXPECT_TRUE(parsed) << parsed.error().detail;
  if (parsed) {
    EXPECT_TRUE(db.commit(parsed->tx));
  }
  return db;
}

TEST(ModeCfg, ServerItemsFromIdSection) {
  auto db = conf_of(
      "[FQDN/client.example.net]\nAddress=10.1.0.5\nNetmask=255.255.255.0\n"
      "Nameserver=10.1.0.53,10.1.0.54\nWINS-server=10.1.0.137\nDHCP-server=10.1.0.67\n"
      "Lifetime=600\nSubnet=10.2.0.0/16\n"
      "[ipv6/fd00::9]\nAddress=fd00::5\nPrefix=64\nNameserver=fd00::53\n"
      "[ipv4/10.0.0.3]\nAddress=10.1.0.300\n");
  wire::IdPayload id;
  id.id_type = static_cast<uint8_t>(wire::IdType::Fqdn);
  id.data = base::to_bytes(base::view(std::string_view("client.example.net")));
  ASSERT_EQ(mode_cfg_section(id), "fqdn/client.example.net");
  auto items = mode_cfg_server_items(db, mode_cfg_section(id));
  ASSERT_TRUE(items) << items.error().detail;
  EXPECT_EQ(*items, (std::vector<CfgItem>{{t(CfgAttr::InternalIp4Address), "10.1.0.5"},
                                          {t(CfgAttr::InternalAddressExpiry), "600"},
                                          {t(CfgAttr::InternalIp4Netmask), "255.255.255.0"},
                                          {t(CfgAttr::InternalIp4Dns), "10.1.0.53"},
                                          {t(CfgAttr::InternalIp4Dns), "10.1.0.54"},
                                          {t(CfgAttr::InternalIp4Nbns), "10.1.0.137"},
                                          {t(CfgAttr::InternalIp4Dhcp), "10.1.0.67"},
                                          {t(CfgAttr::InternalIp4Subnet), "10.2.0.0/16"}}));
  auto v6 = mode_cfg_server_items(db, "ipv6/fd00::9");
  ASSERT_TRUE(v6) << v6.error().detail;
  EXPECT_EQ(*v6, (std::vector<CfgItem>{{t(CfgAttr::InternalIp6Address), "fd00::5/64"},
                                       {t(CfgAttr::InternalAddressExpiry), "1200"},
                                       {t(CfgAttr::InternalIp6Dns), "fd00::53"}}));
  auto bad = mode_cfg_server_items(db, "ipv4/10.0.0.3");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail,
            "[ipv4/10.0.0.3]:Address: INTERNAL_IP4_ADDRESS \"10.1.0.300\": not an IPv4 address");
  auto none = mode_cfg_server_items(db, "ipv4/10.9.9.9");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(ModeCfg, RoleAndAnswer) {
  auto db = conf_of(
      "[ipv4/10.0.0.2]\nMode=PULL\nAttributes=INTERNAL_IP4_ADDRESS,internal_ip4_dns,"
      "APPLICATION_VERSION,16000\n[peer-a]\nFlags=ikecfg\n[peer-b]\nMode=pull\n"
      "Attributes=NO_SUCH_THING\n");
  auto r = mode_cfg_role(db, "ipv4/10.0.0.2", "peer-a");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->pull);
  EXPECT_EQ(r->request, (std::vector<uint16_t>{1, 3, 7, 16000}));
  auto push = mode_cfg_role(db, "ipv4/10.0.0.7", "peer-a");
  ASSERT_TRUE(push);
  EXPECT_FALSE(push->pull);
  auto bad = mode_cfg_role(db, "ipv4/10.0.0.7", "peer-b");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail,
            "[peer-b]:Attributes: unknown mode-cfg attribute \"NO_SUCH_THING\"");

  CfgMessage req;
  req.type = CfgType::Request;
  req.items = {{t(CfgAttr::InternalIp4Address), ""}, {t(CfgAttr::InternalIp4Dns), ""},
               {t(CfgAttr::InternalIp4Nbns), ""}, {t(CfgAttr::ApplicationVersion), ""}};
  std::vector<CfgItem> configured{{t(CfgAttr::InternalIp4Address), "10.1.0.5"},
                                  {t(CfgAttr::InternalIp4Dns), "10.1.0.53"},
                                  {t(CfgAttr::InternalIp4Dns), "10.1.0.54"},
                                  {t(CfgAttr::InternalIp4Netmask), "255.255.255.0"}};
  auto answer = mode_cfg_answer(configured, req);
  EXPECT_EQ(answer, (std::vector<CfgItem>{{t(CfgAttr::InternalIp4Address), "10.1.0.5"},
                                          {t(CfgAttr::InternalIp4Dns), "10.1.0.53"},
                                          {t(CfgAttr::InternalIp4Dns), "10.1.0.54"},
                                          {t(CfgAttr::ApplicationVersion),
                                           std::string(kModeCfgApplicationVersion)}}));
  auto env = mode_cfg_environment(answer);
  ASSERT_EQ(env.size(), 3u);
  EXPECT_EQ(env[0], (std::pair<std::string, std::string>{"ISAKMPD_MODECFG_IP4_ADDRESS",
                                                          "10.1.0.5"}));
  EXPECT_EQ(env[1], (std::pair<std::string, std::string>{"ISAKMPD_MODECFG_IP4_DNS",
                                                          "10.1.0.53 10.1.0.54"}));
}

}  // namespace
}  // namespace ike::engine
