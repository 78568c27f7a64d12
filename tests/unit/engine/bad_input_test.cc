// Bad input (reliability.md A1.6 classes 6, 12-16): every datagram below is dropped (counted in
// Stats.dropped with a reason) or ignored, leaves the engine state unchanged and never crashes.
#include <gtest/gtest.h>

#include "support/engine_pair.h"
#include "wire/message.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

struct Snapshot {
  std::size_t p1, p2, x;
  explicit Snapshot(const engine::Engine& e)
      : p1(e.phase1_sa_count()), p2(e.phase2_sa_count()), x(e.exchange_count()) {}
  bool operator==(const Snapshot&) const = default;
};

void inject(EnginePair& p, Side& to, base::Bytes bytes) {
  const Side& from = &to == &p.left ? p.right : p.left;
  engine::Datagram d{{to.address, 500}, {from.address, 500}, std::move(bytes)};
  to.engine->on_datagram(d, p.clock.now());
  p.pump();
}

// Expects `bytes` to be dropped by `to` without any state change.
void expect_dropped(EnginePair& p, Side& to, base::Bytes bytes, std::string_view reason_part) {
  Snapshot before(*to.engine);
  uint64_t dropped = to.engine->stats().dropped;
  std::size_t kernel_before = to.kernel.requests.size();
  inject(p, to, std::move(bytes));
  EXPECT_EQ(to.engine->stats().dropped, dropped + 1) << reason_part;
  EXPECT_TRUE(Snapshot(*to.engine) == before) << reason_part;
  EXPECT_EQ(to.kernel.requests.size(), kernel_before) << reason_part;
  EXPECT_NE(to.engine->last_drop_reason().find(reason_part), std::string::npos)
      << to.engine->last_drop_reason();
}

EnginePair& up(EnginePair& p) {
  p.start();
  EXPECT_TRUE(p.run_until([&] { return p.established(); }));
  return p;
}

TEST(BadInput, TruncatedAndGarbageDatagrams) {
  EnginePair p;
  up(p);
  expect_dropped(p, p.right, base::Bytes{}, "datagram");
  expect_dropped(p, p.right, base::Bytes(27, 0xab), "datagram");
  base::Bytes mm1 = p.link.log()[0].bytes;
  for (std::size_t n : {28u, 40u, 60u}) {
    base::Bytes cut(mm1.begin(), mm1.begin() + static_cast<std::ptrdiff_t>(n));
    expect_dropped(p, p.right, cut, "datagram");
  }
  base::Bytes garbage(200);
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(i * 37);
  Snapshot before(*p.right.engine);
  inject(p, p.right, garbage);
  EXPECT_TRUE(Snapshot(*p.right.engine) == before);
}

TEST(BadInput, UnknownCookiesAndNonZeroResponderCookieOnMm1) {
  EnginePair p;
  up(p);
  wire::Header h;
  h.cookies.initiator.bytes = {1, 2, 3, 4, 5, 6, 7, 8};
  h.cookies.responder.bytes = {9, 9, 9, 9, 9, 9, 9, 9};
  h.exchange = wire::ExchangeType::IdProt;
  wire::SaPayload sa;
  std::vector<wire::Payload> pl{sa};
  expect_dropped(p, p.right, wire::encode_message(h, pl), "unknown cookies");
  // A QM for unknown cookies (phase 1 not complete).
  h.exchange = wire::ExchangeType::QuickMode;
  h.message_id = base::MessageId{77};
  h.flags = wire::kFlagEncryption;
  base::Bytes qm = wire::encode_header(h);
  qm.resize(28 + 32, 0x55);
  qm[24] = 0; qm[25] = 0; qm[26] = 0; qm[27] = 60;
  expect_dropped(p, p.right, qm, "phase 1 not complete");
}

TEST(BadInput, Mm5BeforeMm3IsDropped) {
  EnginePair p;
  p.link.blackhole(true);  // keep the left's MM1 away; we replay it by hand
  p.start();
  base::Bytes mm1 = p.left.sent.at(0);
  inject(p, p.right, mm1);  // the responder answers MM2 and waits for MM3
  ASSERT_EQ(p.right.engine->exchange_count(), 1u);
  wire::Header h = wire::parse_header(base::view(p.right.sent.back())).value();
  h.flags = wire::kFlagEncryption;
  base::Bytes mm5 = wire::encode_header(h);
  mm5.resize(28 + 48, 0x11);
  mm5[27] = 76;
  expect_dropped(p, p.right, mm5, "ENC");
  EXPECT_EQ(p.right.count(Kind::ExchangeFailed), 0u);
}

TEST(BadInput, InformationalWithoutHashOrWrongHashDeletesNothing) {
  EnginePair p;
  up(p);
  const auto* ev = p.right.last(Kind::Phase1Established);
  // Cleartext DELETE of the ISAKMP SA: logged only.
  wire::Header h;
  h.cookies = ev->cookies;
  h.exchange = wire::ExchangeType::Informational;
  h.message_id = base::MessageId{1234};
  wire::DeletePayload d;
  d.protocol_id = 1;
  d.spi_size = 16;
  base::Bytes spi(ev->cookies.initiator.bytes.begin(), ev->cookies.initiator.bytes.end());
  spi.insert(spi.end(), ev->cookies.responder.bytes.begin(), ev->cookies.responder.bytes.end());
  d.spis.push_back(spi);
  std::vector<wire::Payload> pl{d};
  expect_dropped(p, p.right, wire::encode_message(h, pl), "logged only");
  // A real protected DELETE from the left with one ciphertext bit flipped: wrong HASH or
  // garbage after decryption; nothing is deleted.
  std::size_t before = p.link.log().size();
  p.link.blackhole(true);
  p.left.engine->on_ui(engine::UiTeardown{2, "conn"}, p.clock.now());
  p.pump();
  ASSERT_EQ(p.link.log().size(), before + 1);
  base::Bytes del = p.link.log().back().bytes;
  base::Bytes flipped = del;
  flipped[40] ^= 0x01;
  Snapshot s(*p.right.engine);
  uint64_t dropped = p.right.engine->stats().dropped;
  inject(p, p.right, flipped);
  EXPECT_EQ(p.right.engine->stats().dropped, dropped + 1);
  EXPECT_TRUE(Snapshot(*p.right.engine) == s);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);
  // The genuine one deletes; a duplicate of it is idempotent.
  inject(p, p.right, del);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 0u);
  EXPECT_EQ(p.right.kernel.count_delete_sa(), 2u);
  inject(p, p.right, del);
  EXPECT_EQ(p.right.kernel.count_delete_sa(), 2u);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 1u);
}

TEST(BadInput, UnencryptedMessageAfterKeysIsDropped) {
  EnginePair p;
  up(p);
  const auto* ev = p.right.last(Kind::Phase1Established);
  wire::Header h;
  h.cookies = ev->cookies;
  h.exchange = wire::ExchangeType::QuickMode;
  h.message_id = base::MessageId{99};
  wire::HashPayload hash{base::Bytes(20, 0)};
  std::vector<wire::Payload> pl{hash};
  expect_dropped(p, p.right, wire::encode_message(h, pl), "must be encrypted");
}

TEST(BadInput, ReplayedQm1AfterCompletionIsNotReinstalled) {
  EnginePair p;
  up(p);
  base::Bytes qm1 = p.link.log()[6].bytes;
  std::size_t adds = p.right.kernel.count_add_sa();
  inject(p, p.right, qm1);
  EXPECT_EQ(p.right.kernel.count_add_sa(), adds);
  EXPECT_EQ(p.right.engine->phase2_sa_count(), 1u);
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
}

}  // namespace
}  // namespace ike::test
