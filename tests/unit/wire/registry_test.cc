// Tests for wire/registry.h: isakmpd spellings, case-insensitive reverse lookups, aliases,
// hostile values and the table invariants (sorted, unique names).
#include "wire/registry.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace ike::wire {
namespace {

constexpr Registry kAll[] = {
    Registry::ExchangeType, Registry::PayloadType, Registry::NotifyType, Registry::ProtocolId,
    Registry::AhTransformId, Registry::EspTransformId, Registry::IpcompTransformId,
    Registry::IkeAttr, Registry::IkeEncryption, Registry::IkeHash, Registry::IkeAuthMethod,
    Registry::DhGroup, Registry::LifeType, Registry::IpsecAttr, Registry::EncapsulationMode,
    Registry::IpsecAuthAlg, Registry::IdType, Registry::CertEncoding, Registry::CfgType,
    Registry::CfgAttr, Registry::GroupType,
};

TEST(Registry, EveryTableIsSortedUniqueAndRoundTrips) {
  for (Registry r : kAll) {
    auto table = registry_table(r);
    ASSERT_FALSE(table.empty()) << static_cast<int>(r);
    std::set<std::string> names;
    for (std::size_t i = 0; i < table.size(); ++i) {
      if (i > 0) {
        EXPECT_LT(table[i - 1].value, table[i].value);
      }
      EXPECT_TRUE(names.insert(std::string(table[i].name)).second) << table[i].name;
      EXPECT_FALSE(table[i].rfc.empty()) << table[i].name;
      EXPECT_EQ(registry_name(r, table[i].value), table[i].name);
      EXPECT_EQ(registry_value(r, table[i].name), table[i].value) << table[i].name;
    }
  }
}

TEST(Registry, IsakmpdSpellings) {
  EXPECT_EQ(registry_name(Registry::ExchangeType, 2), "ID_PROT");
  EXPECT_EQ(registry_name(Registry::ExchangeType, 5), "INFO");
  EXPECT_EQ(registry_name(Registry::ExchangeType, 32), "QUICK_MODE");
  EXPECT_EQ(registry_name(Registry::IkeEncryption, 5), "3DES_CBC");
  EXPECT_EQ(registry_name(Registry::IkeEncryption, 7), "AES_CBC");
  EXPECT_EQ(registry_name(Registry::IkeHash, 4), "SHA2_256");
  EXPECT_EQ(registry_name(Registry::IkeAuthMethod, 1), "PRE_SHARED");
  EXPECT_EQ(registry_name(Registry::IkeAuthMethod, 65001), "XAUTH_INIT_PRE_SHARED");
  EXPECT_EQ(registry_name(Registry::IkeAuthMethod, 64221), "HYBRID_INIT_RSA");
  EXPECT_EQ(registry_name(Registry::DhGroup, 14), "MODP_2048");
  EXPECT_EQ(registry_name(Registry::DhGroup, 24), "MODP_2048_256");
  EXPECT_EQ(registry_name(Registry::DhGroup, 31), "CURVE25519");
  EXPECT_EQ(registry_name(Registry::EspTransformId, 3), "3DES");
  EXPECT_EQ(registry_name(Registry::EspTransformId, 12), "AES");
  EXPECT_EQ(registry_name(Registry::EspTransformId, 23), "NULL_AUTH_AES_GMAC");
  EXPECT_EQ(registry_name(Registry::AhTransformId, 5), "SHA2_256");
  EXPECT_EQ(registry_name(Registry::IpcompTransformId, 2), "DEFLATE");
  EXPECT_EQ(registry_name(Registry::ProtocolId, 1), "PROTO_ISAKMP");
  EXPECT_EQ(registry_name(Registry::EncapsulationMode, 61443), "UDP_ENCAP_TUNNEL_DRAFT");
  EXPECT_EQ(registry_name(Registry::IpsecAuthAlg, 9), "AES_XCBC_MAC");
  EXPECT_EQ(registry_name(Registry::IdType, 7), "IPV4_RANGE");
  EXPECT_EQ(registry_name(Registry::IkeAttr, 12), "LIFE_DURATION");
  EXPECT_EQ(registry_name(Registry::IpsecAttr, 11), "EXTENDED_SEQUENCE_NUMBER");
  EXPECT_EQ(registry_name(Registry::PayloadType, 4), "KEY_EXCH");
  EXPECT_EQ(registry_name(Registry::PayloadType, 130), "NAT_D_DRAFT");
  EXPECT_EQ(registry_name(Registry::NotifyType, 30), "UNEQUAL_PAYLOAD_LENGTHS");
  EXPECT_EQ(registry_name(Registry::NotifyType, 24578), "INITIAL_CONTACT");
  EXPECT_EQ(registry_name(Registry::NotifyType, 36137), "R_U_THERE_ACK");
  EXPECT_EQ(registry_name(Registry::CfgAttr, 16521), "XAUTH_USER_NAME");
}

TEST(Registry, NotifyNamesCoverRfc2408Range) {
  for (uint32_t v = 1; v <= 30; ++v) EXPECT_TRUE(registry_name(Registry::NotifyType, v)) << v;
}

TEST(Registry, ReverseLookupIsCaseInsensitive) {
  EXPECT_EQ(registry_value(Registry::IkeEncryption, "aes_cbc"), 7u);
  EXPECT_EQ(registry_value(Registry::IkeEncryption, "Aes_Cbc"), 7u);
  EXPECT_EQ(registry_value(Registry::DhGroup, "modp_2048"), 14u);
  EXPECT_EQ(registry_value(Registry::ExchangeType, "quick_mode"), 32u);
  EXPECT_EQ(registry_value(Registry::LifeType, "seconds"), 1u);
  EXPECT_FALSE(registry_value(Registry::IkeEncryption, "AES_CBC "));
  EXPECT_FALSE(registry_value(Registry::IkeEncryption, "AES"));  // that is an ESP name
  EXPECT_FALSE(registry_value(Registry::IkeEncryption, ""));
}

TEST(Registry, AesGmacAlias) {
  EXPECT_EQ(registry_value(Registry::EspTransformId, "AES_GMAC"), 23u);
  EXPECT_EQ(registry_value(Registry::EspTransformId, "aes_gmac"), 23u);
  EXPECT_EQ(registry_name(Registry::EspTransformId, 23), "NULL_AUTH_AES_GMAC");
  EXPECT_FALSE(registry_value(Registry::AhTransformId, "AES_GMAC"));  // alias is per registry
}

TEST(Registry, HostileValuesPrintAsUnknown) {
  EXPECT_EQ(registry_name_or_number(Registry::ExchangeType, 255), "unknown (255)");
  EXPECT_EQ(registry_name_or_number(Registry::NotifyType, 0), "unknown (0)");
  EXPECT_EQ(registry_name_or_number(Registry::DhGroup, 0xffffffffu), "unknown (4294967295)");
  EXPECT_EQ(registry_name_or_number(Registry::EspTransformId, 17), "unknown (17)");
  EXPECT_FALSE(registry_name(Registry::PayloadType, 22));
  EXPECT_FALSE(registry_name(static_cast<Registry>(200), 1));
  EXPECT_TRUE(registry_table(static_cast<Registry>(200)).empty());
  EXPECT_EQ(registry_name_or_number(static_cast<Registry>(200), 7), "unknown (7)");
}

TEST(Registry, TypedPrinters) {
  EXPECT_EQ(to_string(ExchangeType::Aggressive), "AGGRESSIVE");
  EXPECT_EQ(to_string(static_cast<ExchangeType>(99)), "unknown (99)");
  EXPECT_EQ(to_string(PayloadType::NatOa), "NAT_OA");
  EXPECT_EQ(to_string(static_cast<PayloadType>(250)), "unknown (250)");
  EXPECT_EQ(to_string(NotifyType::PayloadMalformed), "PAYLOAD_MALFORMED");
  EXPECT_EQ(to_string(NotifyType::RUThere), "R_U_THERE");
}

}  // namespace
}  // namespace ike::wire
