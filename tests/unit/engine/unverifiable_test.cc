// Strict "no state change" for unverifiable messages (engine/unverifiable.cc): a forged MM5
// (encrypted with the wrong keys, as an off-path attacker who saw the cookies would send) is
// dropped without touching the responder's exchange -- same status, same retransmit timer, the
// CBC IV not advanced -- and the genuine MM5 that follows still establishes phase 1 and 2. A
// wrong pre-shared key no longer fails at the first MM5: the responder drops every MM5 and
// fails when its exchange times out, naming the unverifiable MM5s and the likely cause, and
// sends INVALID_HASH_INFORMATION exactly once; [General]:Max-unverifiable-messages ends it early.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "engine/engine.h"
#include "support/engine_pair.h"
#include "wire/message.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

// The responder's exchanges and timers as text (what must not change on a dropped message).
std::string exchange_state(Side& s, base::TimePoint now) {
  auto st = s.engine->status(now);
  std::string out;
  for (const auto& x : st.exchanges) {
    out += fmt::format("X {} {} {} {} {} {}\n", x.type, x.role, x.state, x.icookie, x.rcookie,
                       x.finished);
  }
  for (const auto& t : st.timers) out += fmt::format("T {} {} {}\n", t.event, t.subject, t.in);
  out += fmt::format("p1={} p2={}\n", st.phase1.size(), st.phase2.size());
  return out;
}

// Holds back the n-th delivery (0-based) and everything after it.
struct Hold {
  std::size_t n = 0;
  std::size_t seen = 0;
  std::optional<Delivery> held;
};

TEST(Unverifiable, ForgedMm5IsDroppedThenGenuineMm5Establishes) {
  EnginePair p;
  auto hold = std::make_shared<Hold>();
  hold->n = 4;  // MM1 MM2 MM3 MM4 | MM5
  p.middlebox = [hold](Delivery& dv) {
    if (hold->held) return false;
    if (hold->seen++ == hold->n) {
      hold->held = dv;
      return false;
    }
    return true;
  };
  p.start();
  ASSERT_TRUE(hold->held);
  const Delivery mm5 = *hold->held;
  ASSERT_TRUE(mm5.left_to_right);
  auto h = wire::parse_header(base::view(mm5.d.bytes));
  ASSERT_TRUE(h);
  ASSERT_EQ(h->exchange, wire::ExchangeType::IdProt);
  ASSERT_NE(h->flags & wire::kFlagEncryption, 0);

  const auto now = p.clock.now();
  const std::string before = exchange_state(p.right, now);
  const auto dropped_before = p.right.engine->stats().dropped;
  // Forgeries: a flipped bit in the first ciphertext block (garbles the ID payload), and the
  // same header with the body of the genuine message reversed (noise of the right length).
  base::Bytes flipped = mm5.d.bytes;
  flipped[wire::kHeaderSize + 3] ^= 0x10;
  base::Bytes noise = mm5.d.bytes;
  std::reverse(noise.begin() + wire::kHeaderSize, noise.end());
  for (const base::Bytes& forged : {flipped, noise}) {
    p.right.engine->on_datagram(engine::Datagram{mm5.d.peer, mm5.d.local, forged}, now);
    for (auto& o : p.right.engine->take_outputs()) {
      EXPECT_FALSE(std::holds_alternative<engine::SendDatagram>(o)) << "answered a forgery";
      EXPECT_FALSE(std::holds_alternative<engine::KernelRequest>(o));
      if (auto* ev = std::get_if<engine::SaEvent>(&o)) ADD_FAILURE() << "event " << ev->detail;
    }
    EXPECT_EQ(exchange_state(p.right, now), before) << "a forged MM5 changed the exchange";
  }
  EXPECT_EQ(p.right.engine->stats().dropped, dropped_before + 2);
  const std::string why = p.right.engine->last_drop_reason();
  EXPECT_NE(why.find("MM5 from 10.0.0.1"), std::string::npos) << why;
  EXPECT_NE(why.find("dropped; a wrong pre-shared key looks like this"), std::string::npos)
      << why;

  // The genuine MM5: decrypts with the un-advanced IV; MM6 (encrypted from MM5's last block)
  // decrypts at the initiator; Quick Mode follows.
  p.middlebox = nullptr;
  p.right.engine->on_datagram(engine::Datagram{mm5.d.peer, mm5.d.local, mm5.d.bytes}, now);
  p.pump();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, base::Seconds{5}));
  EXPECT_EQ(p.left.count(Kind::ExchangeFailed) + p.right.count(Kind::ExchangeFailed), 0u);
  EXPECT_EQ(p.left.kernel.count_add_sa(), 2u);
  EXPECT_EQ(p.right.kernel.count_add_sa(), 2u);
}

// The responder's first datagram that is a cleartext notify, with its type.
std::optional<uint16_t> clear_notify(const base::Bytes& b) {
  auto h = wire::parse_header(base::view(b));
  if (!h || h->exchange != wire::ExchangeType::Informational ||
      (h->flags & wire::kFlagEncryption) != 0) {
    return std::nullopt;
  }
  auto pl = wire::parse_payloads(h->next_payload, base::view(b).subspan(wire::kHeaderSize),
                                 wire::kHeaderSize, false);
  if (!pl) return std::nullopt;
  for (const auto& e : *pl) {
    if (const auto* n = std::get_if<wire::NotifyPayload>(&e.value)) return n->type;
  }
  return std::nullopt;
}

TEST(Unverifiable, WrongPskFailsAfterTheTimeoutWithTheReasonAndOneNotify) {
  PeerConf l;
  PeerConf r = mirror(l);
  r.psk = "not-the-same";
  EnginePair p(l, r);
  p.start();
  // The initiator retransmits MM5 (3 times); the responder drops each and keeps waiting.
  ASSERT_TRUE(p.run_until([&] {
    return p.right.count(Kind::ExchangeFailed) > 0 && p.left.count(Kind::ExchangeFailed) > 0;
  }, base::Seconds{300}));
  const std::string detail = p.right.last(Kind::ExchangeFailed)->detail;
  EXPECT_NE(detail.find("timeout after 4 unverifiable MM5 from 10.0.0.1 ("), std::string::npos)
      << detail;
  EXPECT_NE(detail.find(": wrong pre-shared key?)"), std::string::npos) << detail;
  EXPECT_EQ(p.right.engine->stats().failed_by_reason.at("unverifiable"), 1u);
  std::size_t notifies = 0;
  for (const auto& b : p.right.sent) {
    if (auto t = clear_notify(b)) {
      ++notifies;
      EXPECT_EQ(*t, static_cast<uint16_t>(base::NotifyType::InvalidHashInformation));
    }
  }
  EXPECT_EQ(notifies, 1u);  // at failure only, never per dropped message
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 0u);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 0u);
  EXPECT_EQ(p.left.kernel.count_add_sa() + p.right.kernel.count_add_sa(), 0u);
}

TEST(Unverifiable, MaxUnverifiableMessagesFailsEarly) {
  PeerConf l;
  PeerConf r = mirror(l);
  r.psk = "not-the-same";
  r.extra = "[General]\nMax-unverifiable-messages=2\n";
  EnginePair p(l, r);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.right.count(Kind::ExchangeFailed) > 0; },
                          base::Seconds{300}));
  const std::string detail = p.right.last(Kind::ExchangeFailed)->detail;
  EXPECT_NE(detail.find("failed after 2 unverifiable MM5 from 10.0.0.1"), std::string::npos)
      << detail;
  EXPECT_NE(detail.find("Max-unverifiable-messages 2 reached"), std::string::npos) << detail;
  // MM5 and its first retransmit (7 s later).
  EXPECT_LT(p.clock.elapsed(), base::Seconds{10});
}

}  // namespace
}  // namespace ike::test
