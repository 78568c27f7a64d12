// [<IPsec-connection>]:PF-Tag on Linux (peer_config.h parse_pf_tag, quick_mode_install.cc):
// isakmpd tags the packets of a connection's SAs for pf(4); here the inbound SAs carry a packet
// mark (value/mask) that XFRM sets on what they decrypt. A pf tag name is refused with a log
// line and the SAs are installed without a mark.
#include <gtest/gtest.h>

#include "engine/peer_config.h"
#include "support/engine_pair.h"

namespace ike::test {
namespace {

TEST(PfTag, ParsesValueAndMask) {
  auto a = engine::parse_pf_tag("16");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 16u);
  EXPECT_EQ(a->mask, 0xffffffffu);
  auto b = engine::parse_pf_tag("0x10/0xff");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->value, 0x10u);
  EXPECT_EQ(b->mask, 0xffu);
  for (const char* bad : {"", "VPN", "0x", "16/", "16/0", "4294967296", "1/2/3", "-1", "0x1g"}) {
    auto r = engine::parse_pf_tag(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().detail.find("Linux has no pf tags"), std::string::npos) << bad;
  }
}

void set_tag(conf::ConfDb& conf, const char* value) {
  auto tx = conf.begin();
  conf.set(tx, "conn", "PF-Tag", value, true);
  ASSERT_TRUE(conf.commit(tx));
}

TEST(PfTag, InboundSasCarryTheMark) {
  EnginePair p;
  set_tag(p.left.conf, "0x10/0xff");
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  ASSERT_FALSE(p.left.kernel.sas.empty());
  std::size_t inbound = 0;
  for (const auto& [ref, sa] : p.left.kernel.sas) {
    if (sa.inbound) {
      ++inbound;
      EXPECT_EQ(sa.set_mark, 0x10u);
      EXPECT_EQ(sa.set_mark_mask, 0xffu);
    } else {
      EXPECT_EQ(sa.set_mark_mask, 0u) << "outbound SAs are not marked";
    }
  }
  EXPECT_EQ(inbound, 1u);
  for (const auto& [ref, sa] : p.right.kernel.sas) EXPECT_EQ(sa.set_mark_mask, 0u);
}

TEST(PfTag, APfTagNameIsIgnoredNotFatal) {
  EnginePair p;
  set_tag(p.left.conf, "VPN");
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  for (const auto& [ref, sa] : p.left.kernel.sas) EXPECT_EQ(sa.set_mark_mask, 0u);
}

}  // namespace
}  // namespace ike::test
