// Two-engine Quick Mode tests (RFC 2409 §5.5) after Main Mode:
//
//   left (initiator)                                  right (responder)
//   (GETSPI)
//   HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]  -->
//                                                     (GETSPI)
//                      <--  HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
//   HDR*, HASH(3)                                -->
//   (ADD SA in/out, flows)                            (ADD SA in/out, flows)
#include <gtest/gtest.h>

#include "support/engine_pair.h"
#include "wire/message.h"
#include "wire/registry.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

// Both sides derive the same ESP keys: the inbound SA of one is the outbound SA of the other.
void expect_mirrored_sas(const EnginePair& p) {
  ASSERT_EQ(p.left.kernel.sas.size(), p.right.kernel.sas.size());
  ASSERT_FALSE(p.left.kernel.sas.empty());
  for (const auto& [ref, in] : p.left.kernel.sas) {
    auto peer = p.right.kernel.sas.find(ref);
    ASSERT_NE(peer, p.right.kernel.sas.end()) << "spi " << ref.spi.value;
    const base::SaInstall& out = peer->second;
    EXPECT_NE(in.inbound, out.inbound);
    EXPECT_EQ(in.enc_key, out.enc_key);
    EXPECT_EQ(in.auth_key, out.auth_key);
    EXPECT_EQ(in.src, out.src);
    EXPECT_EQ(in.src_ts, out.src_ts);
    EXPECT_EQ(in.dst_ts, out.dst_ts);
    EXPECT_EQ(in.enc_transform_id, out.enc_transform_id);
    EXPECT_EQ(in.auth_algorithm, out.auth_algorithm);
    EXPECT_EQ(in.mode, out.mode);
  }
}

std::size_t qm1_ke_count(const EnginePair& p) {
  for (const auto& rec : p.link.log()) {
    auto h = wire::parse_header(base::view(rec.bytes));
    if (h && h->exchange == wire::ExchangeType::QuickMode) return 1;
  }
  return 0;
}

TEST(QuickMode, TunnelWithoutPfsInstallsMirroredSas) {
  EnginePair p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  ASSERT_EQ(p.link.log().size(), 9u);  // MM1..MM6, QM1..QM3
  expect_mirrored_sas(p);
  const auto* ev = p.left.last(Kind::Phase2Established);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->name, "conn");
  ASSERT_EQ(ev->spis.size(), 2u);
  EXPECT_EQ(ev->spis[0], base::Spi{0x11110000});  // inbound: allocated by the left kernel
  EXPECT_EQ(ev->spis[1], base::Spi{0x22220000});  // outbound: the right's SPI
  auto in = p.left.kernel.find_sa(base::Spi{0x11110000});
  ASSERT_TRUE(in.has_value());
  EXPECT_TRUE(in->inbound);
  EXPECT_EQ(in->ref.dst.to_string(), "10.0.0.1");
  EXPECT_EQ(in->src.to_string(), "10.0.0.2");
  EXPECT_EQ(in->mode, base::EncapMode::Tunnel);
  EXPECT_EQ(in->enc_transform_id, 12);  // ESP AES
  EXPECT_EQ(in->enc_key_bits, 128);
  EXPECT_EQ(in->enc_key.size(), 16u);
  EXPECT_EQ(in->auth_algorithm, 2);  // HMAC_SHA
  EXPECT_EQ(in->auth_key.size(), 20u);
  EXPECT_EQ(in->replay_window, 16);
  EXPECT_EQ(in->life_seconds, 1200u);
  EXPECT_EQ(in->src_ts.to_string(), "192.168.2.0/24");
  EXPECT_EQ(in->dst_ts.to_string(), "192.168.1.0/24");
  // Flows: out, in, fwd on both sides.
  EXPECT_EQ(p.left.kernel.flows.size(), 3u);
  EXPECT_EQ(p.right.kernel.flows.size(), 3u);
  EXPECT_EQ(p.left.engine->exchange_count(), 0u);
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
}

TEST(QuickMode, PfsGroup14SendsKeAndStillAgrees) {
  PeerConf l;
  l.p2_suites = "QM-ESP-AES-SHA2-256-PFS-GRP14-SUITE";
  EnginePair p(l, mirror(l));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  expect_mirrored_sas(p);
  bool saw_ke = false;
  for (const auto& rec : p.link.log()) {
    auto h = wire::parse_header(base::view(rec.bytes));
    if (h && h->exchange == wire::ExchangeType::QuickMode && rec.bytes.size() > 256 + 28) {
      saw_ke = true;  // a 256-byte MODP2048 KE inside the encrypted QM1/QM2
    }
  }
  EXPECT_TRUE(saw_ke);
  EXPECT_NE(p.left.last(Kind::Phase2Established)->detail.find("MODP_2048"), std::string::npos)
      << p.left.last(Kind::Phase2Established)->detail;
  auto sa = p.left.kernel.find_sa(base::Spi{0x11110000});
  ASSERT_TRUE(sa);
  EXPECT_EQ(sa->auth_algorithm, 5);  // HMAC_SHA2_256
  EXPECT_EQ(sa->auth_key.size(), 32u);
  EXPECT_EQ(qm1_ke_count(p), 1u);
}

TEST(QuickMode, TransportModeWithoutIdsUsesHostSelectors) {
  PeerConf l;
  l.p2_suites = "QM-ESP-TRP-AES-SHA-SUITE";
  l.local_net.clear();
  l.remote_net.clear();
  EnginePair p(l, mirror(l));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  expect_mirrored_sas(p);
  auto sa = p.left.kernel.find_sa(base::Spi{0x11110000});
  ASSERT_TRUE(sa);
  EXPECT_EQ(sa->mode, base::EncapMode::Transport);
  EXPECT_EQ(sa->src_ts.to_string(), "10.0.0.2/32");
  EXPECT_EQ(sa->dst_ts.to_string(), "10.0.0.1/32");
  EXPECT_EQ(p.left.kernel.flows.size(), 2u);  // no fwd flow in transport mode
}

TEST(QuickMode, ResponderPicksTheSecondSuite) {
  PeerConf l;
  l.p2_suites = "QM-ESP-3DES-SHA-SUITE,QM-ESP-AES-256-SHA2-256-SUITE";
  PeerConf r = mirror(l);
  r.p2_suites = "QM-ESP-AES-256-SHA2-256-SUITE";
  EnginePair p(l, r);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  expect_mirrored_sas(p);
  auto sa = p.right.kernel.find_sa(base::Spi{0x22220000});
  ASSERT_TRUE(sa);
  EXPECT_EQ(sa->enc_transform_id, 12);
  EXPECT_EQ(sa->enc_key_bits, 256);
  EXPECT_EQ(sa->auth_algorithm, 5);
}

TEST(QuickMode, TripleDesSha1Modp1024Everywhere) {
  PeerConf l;
  l.p1_transforms = "3DES-SHA";
  l.p2_suites = "QM-ESP-3DES-SHA-PFS-SUITE";
  EnginePair p(l, mirror(l));
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  expect_mirrored_sas(p);
  EXPECT_NE(p.left.last(Kind::Phase1Established)->detail.find("3DES_CBC/SHA/MODP_1024"),
            std::string::npos);
  auto sa = p.left.kernel.find_sa(base::Spi{0x11110000});
  EXPECT_EQ(sa->enc_transform_id, 3);
  EXPECT_EQ(sa->enc_key.size(), 24u);
}

TEST(QuickMode, Aes256Sha256Modp2048) {
  PeerConf l;
  l.p1_transforms = "AES-256-SHA2-256-GRP14";
  l.p2_suites = "QM-ESP-AES-256-SHA2-256-SUITE";
  EnginePair p(l, mirror(l), engine::EngineOptions{.emit_key_material = true});
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  expect_mirrored_sas(p);
  EXPECT_NE(p.left.last(Kind::Phase1Established)->detail.find("AES_CBC-256/SHA2_256/MODP_2048"),
            std::string::npos)
      << p.left.last(Kind::Phase1Established)->detail;
  ASSERT_EQ(p.left.keys.size(), 1u);
  ASSERT_EQ(p.right.keys.size(), 1u);
  EXPECT_EQ(p.left.keys[0].cipher, "AES-CBC-256");
  EXPECT_EQ(p.left.keys[0].enc_key, p.right.keys[0].enc_key);
  EXPECT_EQ(p.left.keys[0].enc_key.size(), 32u);
}

TEST(QuickMode, Phase2ProposalMismatchIsNoProposalChosen) {
  PeerConf l;
  l.p2_suites = "QM-ESP-AES-SHA-PFS-SUITE";
  PeerConf r = mirror(l);
  r.p2_suites = "QM-ESP-AES-SHA-PFS-GRP14-SUITE";
  EnginePair p(l, r);
  p.start();
  ASSERT_TRUE(p.run_until([&] {
    return p.left.count(Kind::ExchangeFailed) > 0 && p.right.count(Kind::ExchangeFailed) > 0;
  }));
  const auto* rf = p.right.last(Kind::ExchangeFailed);
  EXPECT_NE(rf->detail.find("GROUP_DESCRIPTION"), std::string::npos) << rf->detail;
  const auto* lf = p.left.last(Kind::ExchangeFailed);
  EXPECT_NE(lf->detail.find("NO_PROPOSAL_CHOSEN"), std::string::npos) << lf->detail;
  EXPECT_EQ(p.left.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(p.left.kernel.count_add_sa(), 0u);
  EXPECT_EQ(p.right.kernel.count_add_sa(), 0u);
  EXPECT_EQ(p.left.engine->exchange_count(), 0u);
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
}

TEST(QuickMode, Phase1ProposalMismatchIsNoProposalChosen) {
  PeerConf l;
  l.p1_transforms = "AES-128-SHA";
  PeerConf r = mirror(l);
  r.p1_transforms = "AES-128-SHA-GRP14";
  EnginePair p(l, r);
  p.start();
  ASSERT_TRUE(p.run_until([&] {
    return p.left.count(Kind::ExchangeFailed) > 0 && p.right.count(Kind::ExchangeFailed) > 0;
  }));
  EXPECT_NE(p.right.last(Kind::ExchangeFailed)->detail.find("GROUP_DESCRIPTION"),
            std::string::npos)
      << p.right.last(Kind::ExchangeFailed)->detail;
  EXPECT_NE(p.left.last(Kind::ExchangeFailed)->detail.find("NO_PROPOSAL_CHOSEN"),
            std::string::npos)
      << p.left.last(Kind::ExchangeFailed)->detail;
  EXPECT_EQ(p.left.engine->exchange_count(), 0u);
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 0u);
}

}  // namespace
}  // namespace ike::test
