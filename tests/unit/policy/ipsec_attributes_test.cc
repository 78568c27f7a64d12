// isakmpd's IPsec action attributes (isakmpd.policy(5)): padded addresses, subnet/range bounds,
// attribute names and the time-of-day format.
#include <gtest/gtest.h>

#include "policy/ipsec_attributes.h"

namespace ike::policy {
namespace {

base::IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  uint8_t raw[4] = {a, b, c, d};
  return base::IpAddress::v4_bytes(base::ByteView(raw, 4));
}

TEST(IpsecAttributes, PaddedAddresses) {
  EXPECT_EQ(padded_address(v4(10, 0, 0, 1)), "010.000.000.001");
  uint8_t raw6[16] = {0x20, 0x01, 0x0d, 0xb8};
  raw6[15] = 1;
  EXPECT_EQ(padded_address(base::IpAddress::v6(base::ByteView(raw6, 16))),
            "2001:0db8:0000:0000:0000:0000:0000:0001");
}

TEST(IpsecAttributes, SubnetAndRangeBounds) {
  IpsecId s = subnet_id(v4(192, 168, 1, 77), v4(255, 255, 255, 0));
  EXPECT_EQ(s.type, "IPv4 subnet");
  EXPECT_EQ(s.addr_lower, "192.168.001.000");
  EXPECT_EQ(s.addr_upper, "192.168.001.255");
  EXPECT_EQ(s.value, "192.168.001.000-192.168.001.255");
  IpsecId r = range_id(v4(10, 0, 0, 5), v4(10, 0, 0, 9));
  EXPECT_EQ(r.type, "IPv4 range");
  EXPECT_EQ(r.addr_upper, "010.000.000.009");
  EXPECT_EQ(address_id(v4(1, 2, 3, 4)).type, "IPv4 address");
}

TEST(IpsecAttributes, AttributeSet) {
  IpsecPolicyInput in;
  in.initiator = false;
  in.esp = {true, "aes", "hmac-sha2-256", "tunnel", 3600, 0, 256, 14};
  in.remote_filter = subnet_id(v4(192, 168, 1, 0), v4(255, 255, 255, 0));
  in.remote_filter.proto = 6;
  in.local_filter = address_id(v4(10, 0, 0, 1));
  in.remote_id = IpsecId{"FQDN", "gw.example.org", "", "", 0, 0};
  in.remote_ike_address = "010.000.000.002";
  in.now_unix = 1790000000;  // 2026-09-21 14:13:20 UTC
  auto m = ipsec_action_attributes(in);
  EXPECT_EQ(m.at("app_domain"), "IPsec policy");
  EXPECT_EQ(m.at("doi"), "ipsec");
  EXPECT_EQ(m.at("initiator"), "no");
  EXPECT_EQ(m.at("phase_1"), "main");
  EXPECT_EQ(m.at("pfs"), "yes");
  EXPECT_EQ(m.at("esp_present"), "yes");
  EXPECT_EQ(m.at("ah_present"), "no");
  EXPECT_EQ(m.at("comp_present"), "no");
  EXPECT_EQ(m.count("ah_hash_alg"), 0u);
  EXPECT_EQ(m.at("esp_enc_alg"), "aes");
  EXPECT_EQ(m.at("esp_auth_alg"), "hmac-sha2-256");
  EXPECT_EQ(m.at("esp_key_length"), "256");
  EXPECT_EQ(m.at("esp_life_seconds"), "3600");
  EXPECT_EQ(m.count("esp_life_kbytes"), 0u);
  EXPECT_EQ(m.at("esp_group_desc"), "14");
  EXPECT_EQ(m.at("esp_encapsulation"), "tunnel");
  EXPECT_EQ(m.at("remote_filter_type"), "IPv4 subnet");
  EXPECT_EQ(m.at("remote_filter_addr_lower"), "192.168.001.000");
  EXPECT_EQ(m.at("remote_filter_proto"), "6");
  EXPECT_EQ(m.at("local_filter"), "010.000.000.001");
  EXPECT_EQ(m.at("remote_id_type"), "FQDN");
  EXPECT_EQ(m.at("remote_id"), "gw.example.org");
  EXPECT_EQ(m.count("local_id_type"), 0u);
  EXPECT_EQ(m.at("remote_ike_address"), "010.000.000.002");
  EXPECT_EQ(m.at("GMTTimeOfDay"), "20260921141320");
  EXPECT_EQ(m.at("LocalTimeOfDay").size(), 14u);
}

TEST(IpsecAttributes, PassphrasePrincipals) {
  auto p = passphrase_principals("abc");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0], "passphrase:abc");
  EXPECT_EQ(p[1], "passphrase-md5-hex:900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(p[2], "passphrase-sha1-hex:a9993e364706816aba3e25717850c26c9cd0d89d");
}

}  // namespace
}  // namespace ike::policy
