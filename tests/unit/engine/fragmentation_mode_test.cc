// The per-peer IKE fragmentation switch [<peer>]:Fragmentation=no|yes|force (peer_config.h
// FragmentationMode, fragment_send.h) in two-engine RSA_SIG Main Modes whose MM5/MM6 (about
// 1.3 KB with the certificate) exceed the default IKE-fragment-size of 576:
//   force: fragments MM5 although the peer's MM2 carried no FRAGMENTATION vendor ID;
//   no:    MM1 carries no FRAGMENTATION vendor ID, nothing is fragmented either way, and
//          fragments the peer sends anyway are dropped before reassembly and counted
//          (dropped_by_reason "fragment_refused");
// and the config read (case-insensitive values, anything else a Config error).
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/peer_config.h"
#include "support/conf_text.h"
#include "support/rsa_pair.h"
#include "wire/fragment.h"

namespace ike::test {
namespace {

bool is_fragment(const base::Bytes& b) {
  return b.size() > 16 && b[16] == static_cast<uint8_t>(wire::PayloadType::Fragment);
}

std::size_t fragments_sent(const EnginePair& p, bool left_to_right) {
  return static_cast<std::size_t>(
      std::count_if(p.link.log().begin(), p.link.log().end(), [&](const WireRecord& r) {
        return r.left_to_right == left_to_right && is_fragment(r.bytes);
      }));
}

bool has_fragmentation_vid(const base::Bytes& cleartext) {
  for (const auto& e : parse(cleartext).payloads) {
    if (const auto* v = std::get_if<wire::VendorPayload>(&e.value)) {
      if (wire::is_fragmentation_vendor_id(base::view(v->data))) return true;
    }
  }
  return false;
}

// The peer section of the left side is [peer-10.0.0.2], of the right side [peer-10.0.0.1].
PeerConf with_mode(PeerConf c, const char* mode) {
  c.extra += fmt::format("[peer-{}]\nFragmentation={}\n\n", c.peer, mode);
  return c;
}

uint64_t refused(const EnginePair& p, bool left) {
  const auto s = (left ? p.left : p.right).engine->stats();
  auto it = s.dropped_by_reason.find("fragment_refused");
  return it == s.dropped_by_reason.end() ? 0 : it->second;
}

TEST(FragmentationMode, ForceFragmentsWithoutThePeersVendorId) {
  PeerConf l = with_mode(rsa_conf(), "force");
  RsaPair rp(l, mirror(rsa_conf()), Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  // Corrupt the FRAGMENTATION vendor ID in MM1 and MM2: neither side saw it announced.
  p.link.tamper = [](engine::SendDatagram& d, bool) {
    const auto& vid = wire::kFragmentationVendorId;
    auto it = std::search(d.bytes.begin(), d.bytes.end(), vid.begin(), vid.begin() + 16);
    if (it != d.bytes.end()) *it ^= 0xff;
  };
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }))
      << p.left.engine->last_drop_reason() << " / " << p.right.engine->last_drop_reason();
  EXPECT_GE(fragments_sent(p, true), 3u);   // force: MM5 in fragments anyway
  EXPECT_EQ(fragments_sent(p, false), 0u);  // yes, peer silent: MM6 whole
  EXPECT_EQ(p.right.engine->stats().dropped, 0u) << p.right.engine->last_drop_reason();
}

TEST(FragmentationMode, NoNeitherAnnouncesNorFragments) {
  PeerConf l = with_mode(rsa_conf(), "No");  // case-insensitive
  RsaPair rp(l, mirror(rsa_conf()), Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }))
      << p.left.engine->last_drop_reason() << " / " << p.right.engine->last_drop_reason();
  ASSERT_GE(p.link.log().size(), 2u);
  EXPECT_FALSE(has_fragmentation_vid(p.link.log()[0].bytes));  // our MM1
  EXPECT_TRUE(has_fragmentation_vid(p.link.log()[1].bytes));   // the peer's MM2
  // The peer (yes) saw no announcement, we (no) ignore its: MM5 and MM6 whole.
  EXPECT_EQ(fragments_sent(p, true) + fragments_sent(p, false), 0u);
  EXPECT_GT(std::max_element(p.link.log().begin(), p.link.log().end(),
                             [](const WireRecord& a, const WireRecord& b) {
                               return a.bytes.size() < b.bytes.size();
                             })->bytes.size(),
            576u - 28u);
  EXPECT_EQ(refused(p, true), 0u);
}

// The responder's MM6 leaves after the ISAKMP SA took the exchange's peer config: its
// Fragmentation=no still holds (read from the SA's peer section) although the initiator
// announced fragmentation in MM1.
TEST(FragmentationMode, NoOnTheResponderKeepsMm6Whole) {
  PeerConf r = with_mode(mirror(rsa_conf()), "no");
  RsaPair rp(rsa_conf(), r, Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }))
      << p.left.engine->last_drop_reason() << " / " << p.right.engine->last_drop_reason();
  EXPECT_TRUE(has_fragmentation_vid(p.link.log()[0].bytes));   // MM1 (yes)
  EXPECT_FALSE(has_fragmentation_vid(p.link.log()[1].bytes));  // MM2 (no)
  EXPECT_EQ(fragments_sent(p, true) + fragments_sent(p, false), 0u);
}

TEST(FragmentationMode, NoDropsThePeersFragmentsAndCountsThem) {
  PeerConf l = with_mode(rsa_conf(), "no");
  PeerConf r = with_mode(mirror(rsa_conf()), "force");  // fragments MM6 regardless
  RsaPair rp(l, r, Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.start();
  EXPECT_FALSE(p.run_until([&] { return p.established(); }, base::Seconds{20}));
  EXPECT_EQ(fragments_sent(p, true), 0u);
  const std::size_t from_right = fragments_sent(p, false);
  ASSERT_GE(from_right, 3u);
  // Every fragment of every MM6 copy was refused before reassembly, none reassembled.
  EXPECT_EQ(refused(p, true), from_right);
  EXPECT_NE(p.left.engine->last_drop_reason().find("fragmentation disabled"), std::string::npos)
      << p.left.engine->last_drop_reason();
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 0u);
}

TEST(FragmentationMode, ConfigValues) {
  constexpr std::string_view kConf =
      "[p1]\nEXCHANGE_TYPE=ID_PROT\nTransforms=AES-128-SHA\n\n"
      "[peer-default]\nPhase=1\nConfiguration=p1\n\n"
      "[peer-yes]\nPhase=1\nConfiguration=p1\nFragmentation=yes\n\n"
      "[peer-force]\nPhase=1\nConfiguration=p1\nFragmentation=FORCE\n\n"
      "[peer-no]\nPhase=1\nConfiguration=p1\nFragmentation=no\n\n"
      "[peer-bad]\nPhase=1\nConfiguration=p1\nFragmentation=maybe\n";
  conf::ConfDb db = load_conf_text(kConf);
  using engine::FragmentationMode;
  EXPECT_EQ(engine::load_peer_config(db, "peer-default")->fragmentation, FragmentationMode::Yes);
  EXPECT_EQ(engine::load_peer_config(db, "peer-yes")->fragmentation, FragmentationMode::Yes);
  EXPECT_EQ(engine::load_peer_config(db, "peer-force")->fragmentation, FragmentationMode::Force);
  EXPECT_EQ(engine::load_peer_config(db, "peer-no")->fragmentation, FragmentationMode::No);
  auto bad = engine::load_peer_config(db, "peer-bad");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, base::ErrorCode::Config);
  EXPECT_NE(bad.error().detail.find("[peer-bad]:Fragmentation \"maybe\""), std::string::npos)
      << bad.error().detail;
}

}  // namespace
}  // namespace ike::test
