// Two-engine Quick Mode tests of SA bundles (RFC 2408 §4.2: proposal payloads with the same
// number are one AND-proposal): ESP+AH and ESP+IPCOMP (RFC 2407 §4.4.5 DEFLATE, 16-bit CPI in a
// 2-octet SPI field, RFC 3173), the responder choosing a bundle over a single protocol, and a
// bundle the responder lacks refused with NO_PROPOSAL_CHOSEN naming the protocols.
//
//   left (initiator)                                   right (responder)
//   (GETSPI per protocol: ESP SPI, AH SPI / IPCOMP CPI)
//   HDR*, HASH(1), SA{P1 ESP, P1 AH|IPCOMP}, Ni, IDci, IDcr  -->
//                                                       (GETSPI per protocol of the choice)
//          <--  HDR*, HASH(2), SA{P1 ESP, P1 AH|IPCOMP}, Nr, IDci, IDcr
//   HDR*, HASH(3)                                  -->
//   (ADD SA in/out per protocol, KEYMAT with that protocol and SPI (RFC 2409 §5.5);
//    flows out/in/fwd naming the whole bundle)
#include <gtest/gtest.h>

#include "support/engine_pair.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;
using base::IpsecProtocol;

constexpr std::string_view kBundleSections = R"(
[esp-ah-suite]
Protocols=QM-ESP-AES-SHA,QM-AH-SHA

[esp-comp-suite]
Protocols=QM-ESP-AES-SHA,comp-deflate

[comp-deflate]
PROTOCOL_ID=IPCOMP
Transforms=comp-deflate-xf

[comp-deflate-xf]
TRANSFORM_ID=DEFLATE
ENCAPSULATION_MODE=TUNNEL
)";

PeerConf with_suites(std::string suites) {
  PeerConf c;
  c.p2_suites = std::move(suites);
  c.extra = std::string(kBundleSections);
  return c;
}

std::vector<base::SaInstall> sas_of(const Side& s, IpsecProtocol p) {
  std::vector<base::SaInstall> out;
  for (const auto& [ref, sa] : s.kernel.sas) {
    if (ref.protocol == p) out.push_back(sa);
  }
  return out;
}

// Each SA of one side is the mirror of the other side's SA with the same reference.
void expect_mirrored(const EnginePair& p) {
  ASSERT_EQ(p.left.kernel.sas.size(), p.right.kernel.sas.size());
  for (const auto& [ref, sa] : p.left.kernel.sas) {
    auto other = p.right.kernel.sas.find(ref);
    ASSERT_NE(other, p.right.kernel.sas.end()) << base::ipsec_protocol_name(ref.protocol)
                                               << " spi " << ref.spi.value;
    EXPECT_NE(sa.inbound, other->second.inbound);
    EXPECT_EQ(sa.enc_key, other->second.enc_key);
    EXPECT_EQ(sa.auth_key, other->second.auth_key);
    EXPECT_EQ(sa.mode, other->second.mode);
    EXPECT_EQ(sa.enc_transform_id, other->second.enc_transform_id);
  }
}

void expect_bundled_flows(const Side& s, IpsecProtocol first, IpsecProtocol second) {
  ASSERT_EQ(s.kernel.flows.size(), 3u);  // out, in, fwd (tunnel)
  for (const auto& f : s.kernel.flows) {
    EXPECT_EQ(f.protocol, first) << f.to_string();
    EXPECT_EQ(f.bundle, std::vector<IpsecProtocol>{second}) << f.to_string();
    EXPECT_EQ(f.mode, base::EncapMode::Tunnel);
  }
}

TEST(QuickModeBundle, EspAhInstallsFourSasEachKeyedForItsProtocol) {
  PeerConf l = with_suites("esp-ah-suite");
  EnginePair p(l, mirror(l));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  EXPECT_EQ(p.left.kernel.count_get_spi(), 2u);  // one ESP SPI, one AH SPI
  EXPECT_EQ(p.right.kernel.count_get_spi(), 2u);
  ASSERT_EQ(p.left.kernel.sas.size(), 4u);
  expect_mirrored(p);
  auto esp = sas_of(p.left, IpsecProtocol::Esp);
  auto ah = sas_of(p.left, IpsecProtocol::Ah);
  ASSERT_EQ(esp.size(), 2u);
  ASSERT_EQ(ah.size(), 2u);
  for (const auto& sa : esp) {
    EXPECT_EQ(sa.mode, base::EncapMode::Tunnel);  // innermost: the negotiated mode
    EXPECT_EQ(sa.enc_key.size(), 16u);
    EXPECT_EQ(sa.auth_key.size(), 20u);
  }
  for (const auto& sa : ah) {
    EXPECT_EQ(sa.mode, base::EncapMode::Transport);  // AH over ESP's outer header
    EXPECT_EQ(sa.ah_transform_id, 3);                 // AH_SHA
    EXPECT_EQ(sa.auth_algorithm, 2);                  // HMAC_SHA
    EXPECT_TRUE(sa.enc_key.empty());
    EXPECT_EQ(sa.auth_key.size(), 20u);
  }
  // RFC 2409 §5.5: KEYMAT includes protocol and SPI, so ESP and AH keys differ.
  for (const auto& e : esp) {
    for (const auto& a : ah) EXPECT_NE(e.auth_key, a.auth_key);
  }
  expect_bundled_flows(p.left, IpsecProtocol::Esp, IpsecProtocol::Ah);
  expect_bundled_flows(p.right, IpsecProtocol::Esp, IpsecProtocol::Ah);
  const auto* ev = p.right.last(Kind::Phase2Established);
  ASSERT_NE(ev, nullptr);
  EXPECT_NE(ev->detail.find("AH"), std::string::npos) << ev->detail;
  EXPECT_NE(ev->detail.find("ESP"), std::string::npos) << ev->detail;
}

TEST(QuickModeBundle, EspIpcompUsesSixteenBitCpisAndDeflate) {
  PeerConf l = with_suites("esp-comp-suite");
  EnginePair p(l, mirror(l));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  ASSERT_EQ(p.left.kernel.sas.size(), 4u);
  expect_mirrored(p);
  auto comp = sas_of(p.left, IpsecProtocol::Ipcomp);
  ASSERT_EQ(comp.size(), 2u);
  for (const auto& sa : comp) {
    EXPECT_LE(sa.ref.spi.value, 0xffffu);  // RFC 3173: 16-bit CPI
    EXPECT_EQ(sa.ref.spi.value, sa.inbound ? 0x1111u : 0x2222u);
    EXPECT_EQ(sa.enc_transform_id, 2);  // IPCOMP_DEFLATE
    EXPECT_EQ(sa.mode, base::EncapMode::Tunnel);  // innermost
    EXPECT_TRUE(sa.enc_key.empty());
    EXPECT_TRUE(sa.auth_key.empty());
  }
  for (const auto& sa : sas_of(p.left, IpsecProtocol::Esp)) {
    EXPECT_EQ(sa.mode, base::EncapMode::Transport);  // ESP over IPCOMP's tunnel
    EXPECT_EQ(sa.enc_key.size(), 16u);
  }
  expect_bundled_flows(p.left, IpsecProtocol::Esp, IpsecProtocol::Ipcomp);
  const auto* ev = p.left.last(Kind::Phase2Established);
  ASSERT_NE(ev, nullptr);
  EXPECT_NE(ev->detail.find("IPCOMP"), std::string::npos) << ev->detail;
}

TEST(QuickModeBundle, ResponderPicksTheBundleTheInitiatorPrefers) {
  // The initiator offers the ESP+AH bundle first, a single ESP second; the responder accepts
  // both but lists the single first: the peer's order decides (the first acceptable proposal).
  PeerConf l = with_suites("esp-ah-suite,QM-ESP-AES-SHA-SUITE");
  PeerConf r = mirror(l);
  r.p2_suites = "QM-ESP-AES-SHA-SUITE,esp-ah-suite";
  EnginePair p(l, r);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  EXPECT_EQ(sas_of(p.right, IpsecProtocol::Ah).size(), 2u);
  EXPECT_EQ(sas_of(p.left, IpsecProtocol::Ah).size(), 2u);
  expect_mirrored(p);
}

TEST(QuickModeBundle, ResponderSkipsAnUnacceptableSingleForTheBundle) {
  // Proposal 1 (ESP 3DES alone) is not in the responder's suites; proposal 2 (the bundle) is.
  PeerConf l = with_suites("QM-ESP-3DES-SHA-SUITE,esp-comp-suite");
  PeerConf r = mirror(l);
  r.p2_suites = "esp-comp-suite";
  EnginePair p(l, r);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  EXPECT_EQ(sas_of(p.left, IpsecProtocol::Ipcomp).size(), 2u);
  EXPECT_EQ(sas_of(p.right, IpsecProtocol::Ipcomp).size(), 2u);
  expect_mirrored(p);
}

TEST(QuickModeBundle, MissingProtocolIsNoProposalChosenNamingIt) {
  PeerConf l = with_suites("esp-ah-suite");
  PeerConf r = mirror(l);
  r.p2_suites = "QM-ESP-AES-SHA-SUITE";
  EnginePair p(l, r);
  p.start();
  ASSERT_TRUE(p.run_until([&] {
    return p.left.count(Kind::ExchangeFailed) > 0 && p.right.count(Kind::ExchangeFailed) > 0;
  }));
  const auto* rf = p.right.last(Kind::ExchangeFailed);
  EXPECT_NE(rf->detail.find("AH"), std::string::npos) << rf->detail;
  EXPECT_NE(rf->detail.find("2 protocols"), std::string::npos) << rf->detail;
  const auto* lf = p.left.last(Kind::ExchangeFailed);
  EXPECT_NE(lf->detail.find("NO_PROPOSAL_CHOSEN"), std::string::npos) << lf->detail;
  EXPECT_EQ(p.left.kernel.count_add_sa(), 0u);
  EXPECT_EQ(p.right.kernel.count_add_sa(), 0u);
}

}  // namespace
}  // namespace ike::test
