// Two-engine tests of IKEv1 fragmentation (the Cisco/strongSwan vendor extension;
// engine/fragment_send.h, engine/fragment_reassembly.h) with RSA_SIG and certificates from the
// test PKI: MM5 and MM6 (IDii/IDir, CERT, SIG, about 1.3 KB encrypted) exceed the default
// IKE-fragment-size of 576 and cross the link as FRAGMENT (132) datagrams of at most
// 576 - 20 - 8 octets, announced by the FRAGMENTATION vendor ID in MM1/MM2.
//
//   MM1 L>R (VID DPD, VID FRAGMENTATION)  MM2 R>L (same)  MM3 L>R  MM4 R>L
//   MM5* L>R as fragments 1..n  MM6* R>L as fragments 1..n  QM1* QM2* QM3* (unfragmented)
#include <gtest/gtest.h>

#include <algorithm>

#include "support/rsa_pair.h"
#include "wire/fragment.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

constexpr std::size_t kLimitV4 = 576 - 20 - 8;

bool is_fragment(const base::Bytes& b) {
  return b.size() > 16 && b[16] == static_cast<uint8_t>(wire::PayloadType::Fragment);
}

std::size_t fragments_sent(const EnginePair& p, bool left_to_right) {
  return static_cast<std::size_t>(
      std::count_if(p.link.log().begin(), p.link.log().end(), [&](const WireRecord& r) {
        return r.left_to_right == left_to_right && is_fragment(r.bytes);
      }));
}

// The link sequence numbers (1-based) of the fragments sent left to right.
std::vector<uint64_t> left_fragment_seqs(const EnginePair& p) {
  std::vector<uint64_t> out;
  for (const auto& r : p.link.log()) {
    if (r.left_to_right && is_fragment(r.bytes)) out.push_back(r.seq);
  }
  return out;
}

void expect_established_without_drops(EnginePair& p) {
  ASSERT_TRUE(p.run_until([&] { return p.established(); }))
      << p.left.engine->last_drop_reason() << " / " << p.right.engine->last_drop_reason();
  EXPECT_NE(p.left.last(Kind::Phase1Established)->detail.find("RSA_SIG"), std::string::npos);
}

TEST(Fragmentation, RsaCertificateMainModeIsSentInFragments) {
  PeerConf l = rsa_conf();
  RsaPair rp(l, mirror(l), Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.start();
  expect_established_without_drops(p);
  EXPECT_EQ(p.left.engine->stats().dropped, 0u) << p.left.engine->last_drop_reason();
  EXPECT_EQ(p.right.engine->stats().dropped, 0u) << p.right.engine->last_drop_reason();
  // Both vendor IDs in MM1 and MM2.
  for (std::size_t i : {0u, 1u}) {
    bool found = false;
    for (const auto& e : parse(p.link.log()[i].bytes).payloads) {
      if (const auto* v = std::get_if<wire::VendorPayload>(&e.value)) {
        found = found || wire::is_fragmentation_vendor_id(base::view(v->data));
      }
    }
    EXPECT_TRUE(found) << "message " << i + 1;
  }
  // MM5 and MM6 went in at least 3 fragments each; nothing on the link exceeds the limit.
  EXPECT_GE(fragments_sent(p, true), 3u);
  EXPECT_GE(fragments_sent(p, false), 3u);
  for (const auto& r : p.link.log()) {
    EXPECT_LE(r.bytes.size(), kLimitV4) << "datagram " << r.seq;
    if (!is_fragment(r.bytes)) continue;
    auto f = wire::parse_fragment(base::view(r.bytes));
    ASSERT_TRUE(f.has_value()) << f.error().detail;
    EXPECT_EQ(f->header.exchange, wire::ExchangeType::IdProt);
    EXPECT_EQ(f->header.message_id.value, 0u);
  }
}

TEST(Fragmentation, LargerFragmentSizeSendsWholeMessages) {
  PeerConf l = rsa_conf();
  l.extra = "[General]\nIKE-fragment-size=1500\n\n";
  PeerConf r = mirror(rsa_conf());
  r.extra = l.extra;
  RsaPair rp(l, r, Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.start();
  expect_established_without_drops(p);
  EXPECT_EQ(fragments_sent(p, true) + fragments_sent(p, false), 0u);
  EXPECT_GT(std::max_element(p.link.log().begin(), p.link.log().end(),
                             [](const WireRecord& a, const WireRecord& b) {
                               return a.bytes.size() < b.bytes.size();
                             })->bytes.size(),
            kLimitV4);
}

TEST(Fragmentation, PeerWithoutTheVendorIdGetsWholeMessages) {
  PeerConf l = rsa_conf();
  RsaPair rp(l, mirror(l), Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  // Corrupt the FRAGMENTATION vendor ID in the cleartext MM1/MM2: neither side announced it.
  p.link.tamper = [](engine::SendDatagram& d, bool) {
    const auto& vid = wire::kFragmentationVendorId;
    auto it = std::search(d.bytes.begin(), d.bytes.end(), vid.begin(), vid.begin() + 16);
    if (it != d.bytes.end()) *it ^= 0xff;
  };
  p.start();
  expect_established_without_drops(p);
  EXPECT_EQ(fragments_sent(p, true) + fragments_sent(p, false), 0u);
}

TEST(Fragmentation, LostFragmentIsRecoveredByTheRetransmission) {
  PeerConf l = rsa_conf();
  RsaPair rp(l, mirror(l), Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.link.drop(6);  // MM1..MM4 are 1..4; MM5 goes as 5, 6, 7, ...
  p.start();
  expect_established_without_drops(p);
  const auto seqs = left_fragment_seqs(p);
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(seqs.front(), 5u);
  EXPECT_GE(p.left.engine->stats().retransmits, 1u);
  // The retransmitted MM5 carries a new fragment id; the incomplete first copy was abandoned.
  auto first = wire::parse_fragment(base::view(p.link.log()[4].bytes));
  ASSERT_TRUE(first.has_value());
  bool newer = false;
  for (uint64_t s : seqs) {
    auto f = wire::parse_fragment(base::view(p.link.log()[s - 1].bytes));
    ASSERT_TRUE(f.has_value());
    newer = newer || f->id > first->id;
  }
  EXPECT_TRUE(newer);
}

TEST(Fragmentation, DuplicatedAndReorderedFragmentsStillComplete) {
  PeerConf l = rsa_conf();
  RsaPair rp(l, mirror(l), Creds{"hosta"}, Creds{"hostb"});
  EnginePair& p = rp.p;
  p.link.reorder(5);
  p.link.duplicate(6);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }))
      << p.right.engine->last_drop_reason();
  EXPECT_EQ(p.left.engine->stats().retransmits, 0u);
  EXPECT_EQ(p.right.engine->stats().dropped, 1u);  // the duplicate
  EXPECT_NE(p.right.engine->last_drop_reason().find("duplicate"), std::string::npos)
      << p.right.engine->last_drop_reason();
}

TEST(Fragmentation, FragmentsForUnknownCookiesAreDropped) {
  EnginePair p;
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  const uint64_t before = p.right.engine->stats().dropped;
  wire::Header h;
  h.cookies.initiator.bytes[0] = 0x42;
  h.cookies.responder.bytes[0] = 0x43;
  h.exchange = wire::ExchangeType::IdProt;
  const base::Bytes data(20, 0xaa);
  engine::Datagram d{base::SockAddr{p.right.address, 500}, base::SockAddr{p.left.address, 500},
                     wire::encode_fragment(h, 1, 1, false, base::view(data))};
  p.right.engine->on_datagram(d, p.clock.now());
  EXPECT_EQ(p.right.engine->stats().dropped, before + 1);
  EXPECT_NE(p.right.engine->last_drop_reason().find("no exchange or ISAKMP SA"),
            std::string::npos)
      << p.right.engine->last_drop_reason();
}

}  // namespace
}  // namespace ike::test
