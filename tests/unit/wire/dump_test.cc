// Golden tests for the symbolic dumper (wire/dump.h): registry names per attribute class,
// addresses, sanitized peer strings, hostile enum values, truncation of opaque data.
#include "wire/dump.h"

#include <gtest/gtest.h>

#include "wire_vectors.h"

namespace ike::wire::test {
namespace {

std::string dump_vector(std::string_view name) {
  for (const auto& v : message_vectors()) {
    if (v.name == name) {
      auto m = parse_message(from_hex_or_die(v.golden_hex));
      EXPECT_TRUE(m);
      return dump_message(*m);
    }
  }
  ADD_FAILURE() << "no vector " << name;
  return {};
}

TEST(Dump, MainModeMm1) {
  EXPECT_EQ(dump_vector("mm1"),
            "HDR cookies=0102030405060708/0000000000000000 next=SA version=1.0 exchange=ID_PROT "
            "flags=0x00 msgid=0x00000000 length=212\n"
            "SA doi=1 situation=0x00000001\n"
            "  PROPOSAL #1 protocol=PROTO_ISAKMP spi=none transforms=2\n"
            "    TRANSFORM #1 id=KEY_IKE\n"
            "      ENCRYPTION_ALGORITHM=AES_CBC\n"
            "      KEY_LENGTH=256\n"
            "      HASH_ALGORITHM=SHA2_256\n"
            "      GROUP_DESCRIPTION=MODP_2048\n"
            "      AUTHENTICATION_METHOD=PRE_SHARED\n"
            "      LIFE_TYPE=SECONDS\n"
            "      LIFE_DURATION=86400 (TLV 4)\n"
            "    TRANSFORM #2 id=KEY_IKE\n"
            "      ENCRYPTION_ALGORITHM=3DES_CBC\n"
            "      HASH_ALGORITHM=SHA\n"
            "      GROUP_DESCRIPTION=MODP_1024\n"
            "      AUTHENTICATION_METHOD=PRE_SHARED\n"
            "      LIFE_TYPE=SECONDS\n"
            "      LIFE_DURATION=28800\n"
            "VENDOR 8 bytes 09002689dfd6b712 (XAUTH)\n"
            "VENDOR 16 bytes afcad71368a1f1c96b8696fc77570100 (RFC 3706 DPD)\n"
            "VENDOR 16 bytes 4a131c81070358455c5728f20e95452f (RFC 3947 NAT-T)\n"
            "VENDOR 16 bytes 90cb80913ebb696e086381b5ec427b1f (draft-ietf-ipsec-nat-t-ike-02\\n)\n"
            "VENDOR 16 bytes 4048b7d56ebce88525e7de7f00d6c2d3 (IKE fragmentation)\n");
}

TEST(Dump, QuickModeUsesIpsecNames) {
  EXPECT_EQ(dump_vector("qm1"),
            "HDR cookies=0102030405060708/a1a2a3a4a5a6a7a8 next=HASH version=1.0 "
            "exchange=QUICK_MODE flags=0x00 msgid=0x7a3b2c1d length=538\n"
            "HASH 32 bytes 909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf\n"
            "SA doi=1 situation=0x00000001\n"
            "  PROPOSAL #1 protocol=IPSEC_ESP spi=c15a0001 transforms=1\n"
            "    TRANSFORM #1 id=AES\n"
            "      SA_LIFE_TYPE=SECONDS\n"
            "      SA_LIFE_DURATION=3600\n"
            "      SA_LIFE_TYPE=KILOBYTES\n"
            "      SA_LIFE_DURATION=4608000 (TLV 4)\n"
            "      ENCAPSULATION_MODE=TUNNEL\n"
            "      AUTHENTICATION_ALGORITHM=HMAC_SHA2_256\n"
            "      KEY_LENGTH=128\n"
            "      GROUP_DESCRIPTION=MODP_2048\n"
            "  PROPOSAL #1 protocol=IPCOMP spi=4e21 transforms=1\n"
            "    TRANSFORM #1 id=DEFLATE\n"
            "      ENCAPSULATION_MODE=TUNNEL\n"
            "  PROPOSAL #2 protocol=IPSEC_AH spi=c15a0002 transforms=1\n"
            "    TRANSFORM #1 id=SHA\n"
            "      ENCAPSULATION_MODE=UDP_ENCAP_TRANSPORT\n"
            "      AUTHENTICATION_ALGORITHM=HMAC_SHA\n"
            "NONCE 24 bytes 303132333435363738393a3b3c3d3e3f4041424344454647\n"
            "KEY_EXCH 256 bytes 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f...\n"
            "ID type=IPV4_ADDR_SUBNET protocol=0 port=0 10.1.0.0/16\n"
            "ID type=IPV4_ADDR_SUBNET protocol=0 port=0 10.2.0.0/24\n"
            "NAT_OA type=IPV4_ADDR 192.168.1.10\n"
            "NAT_OA_DRAFT type=IPV6_ADDR 2021:2223:2425:2627:2829:2a2b:2c2d:2e2f\n");
}

TEST(Dump, InformationalAndModeCfg) {
  EXPECT_EQ(dump_vector("info"),
            "HDR cookies=0102030405060708/a1a2a3a4a5a6a7a8 next=HASH version=1.0 exchange=INFO "
            "flags=0x00 msgid=0x01020304 length=104\n"
            "HASH 20 bytes a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3\n"
            "NOTIFY doi=1 protocol=PROTO_ISAKMP type=R_U_THERE "
            "spi=0102030405060708a1a2a3a4a5a6a7a8 seq=4660\n"
            "DELETE doi=1 protocol=IPSEC_ESP spi_size=4 spis=2 c15a0001,c15a0003\n");
  EXPECT_EQ(dump_vector("modecfg"),
            "HDR cookies=0102030405060708/a1a2a3a4a5a6a7a8 next=HASH version=1.0 "
            "exchange=TRANSACTION flags=0x00 msgid=0x55aa55aa length=89\n"
            "HASH 20 bytes b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3\n"
            "ATTRIBUTE type=REQUEST id=4660\n"
            "  INTERNAL_IP4_ADDRESS=<empty>\n"
            "  INTERNAL_IP4_DNS=<empty>\n"
            "  APPLICATION_VERSION=\"isakmpd-linux\"\n"
            "  XAUTH_TYPE=0\n");
}

TEST(Dump, EncryptedMessage) {
  Message m;
  m.header = make_header(ExchangeType::IdProt, true);
  m.header.flags = kFlagEncryption | kFlagCommit;
  m.header.next_payload = PayloadType::Id;
  m.header.length = 76;
  m.encrypted_body = Bytes(48, 0);
  EXPECT_EQ(dump_message(m),
            "HDR cookies=0102030405060708/a1a2a3a4a5a6a7a8 next=ID version=1.0 exchange=ID_PROT "
            "flags=0x03<EC> msgid=0x00000000 length=76\n"
            "  <encrypted 48 bytes>\n");
}

TEST(Dump, HostileValuesAndStrings) {
  IdPayload evil{static_cast<uint8_t>(IdType::UserFqdn), 0, 0,
                 {'a', '\n', 'b', 0x00, '%', 's', 0xff, '\\'}};
  EXPECT_EQ(dump_payload(evil),
            "ID type=USER_FQDN protocol=0 port=0 \"a\\x0ab\\x00%s\\xff\\x5c\"\n");
  Header h;
  h.exchange = static_cast<ExchangeType>(250);
  h.next_payload = static_cast<PayloadType>(77);
  EXPECT_NE(dump_header(h).find("next=unknown (77)"), std::string::npos);
  EXPECT_NE(dump_header(h).find("exchange=unknown (250)"), std::string::npos);

  SaPayload sa;
  Proposal p;
  p.protocol_id = static_cast<uint8_t>(ProtocolId::IpsecEsp);
  p.spi = {0, 0, 0, 1};
  Transform t;
  t.transform_id = 99;
  t.attributes = {Attribute::basic(4, 9999), Attribute::basic(999, 1)};
  Attribute prime;
  prime.type = 6;
  prime.tv = false;
  prime.long_value = Bytes(40, 0xee);
  t.attributes.push_back(prime);
  p.transforms = {t};
  sa.proposals = {p};
  EXPECT_EQ(dump_payload(sa),
            "SA doi=1 situation=0x00000001\n"
            "  PROPOSAL #1 protocol=IPSEC_ESP spi=00000001 transforms=1\n"
            "    TRANSFORM #1 id=unknown (99)\n"
            "      ENCAPSULATION_MODE=unknown (9999)\n"
            "      unknown (999)=1\n"
            "      KEY_LENGTH=40 bytes "
            "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee... (TLV)\n");
}

TEST(Dump, IdForms) {
  Bytes range(32, 0);
  range[15] = 1;
  range[31] = 9;
  EXPECT_EQ(dump_payload(IdPayload{static_cast<uint8_t>(IdType::Ipv6AddrRange), 6, 443, range}),
            "ID type=IPV6_RANGE protocol=6 port=443 ::1-::9\n");
  EXPECT_EQ(dump_payload(IdPayload{static_cast<uint8_t>(IdType::Ipv4AddrSubnet), 0, 0,
                                   {10, 0, 0, 0, 255, 0, 255, 0}}),
            "ID type=IPV4_ADDR_SUBNET protocol=0 port=0 10.0.0.0/255.0.255.0\n");
  EXPECT_EQ(dump_payload(IdPayload{static_cast<uint8_t>(IdType::KeyId), 0, 0, {0xca, 0xfe}}),
            "ID type=KEY_ID protocol=0 port=0 2 bytes cafe\n");
  EXPECT_EQ(hex_preview(Bytes{1, 2, 3}, 2), "0102...");
}

}  // namespace
}  // namespace ike::wire::test
