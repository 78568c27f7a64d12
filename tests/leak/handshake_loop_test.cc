// Handshake loop for leak checking (shared docs reliability.md §A4.1 M1): IKE_HANDSHAKES
// (default 20) complete Main Mode (PSK, RFC 2409 §5.4) + Quick Mode (RFC 2409 §5.5) negotiations
// between two in-process engines (support/engine_pair.h), a fresh EnginePair each, so every
// object of an exchange, an ISAKMP SA and an IPsec SA is created and destroyed once per
// iteration. Every third handshake loses one datagram and every fifth gets one duplicated on the
// LossyLink, so the retransmit and duplicate-answer paths (RFC 2408 §5.1 / isakmpd
// message.c semantics) run too. scripts/valgrind-handshakes.sh runs it with 1,000 handshakes
// under `valgrind --leak-check=full`; CI runs the default count natively (label engine).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "support/engine_pair.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

int handshakes() {
  const char* env = std::getenv("IKE_HANDSHAKES");
  if (env == nullptr) return 20;
  int n = std::atoi(env);
  return n > 0 ? n : 20;
}

TEST(HandshakeLoop, EveryHandshakeEstablishesOnePairAndLeavesNoExchange) {
  const int n = handshakes();
  uint64_t retransmits = 0, duplicates = 0, datagrams = 0;
  for (int i = 0; i < n; ++i) {
    SCOPED_TRACE("handshake " + std::to_string(i));
    EnginePair p;
    if (i % 3 == 1) p.link.drop(static_cast<uint64_t>(2 + i % 7));       // one of MM2..QM1
    if (i % 5 == 2) p.link.duplicate(static_cast<uint64_t>(1 + i % 9));  // one of MM1..QM3
    p.start();
    ASSERT_TRUE(p.run_until([&] { return p.established(); }));
    for (const Side* s : {&p.left, &p.right}) {
      ASSERT_EQ(s->count(Kind::Phase1Established), 1u) << s->label;
      ASSERT_EQ(s->count(Kind::Phase2Established), 1u) << s->label;
      ASSERT_EQ(s->count(Kind::ExchangeFailed), 0u) << s->label;
    }
    // Lingering finished exchanges (kept to answer duplicates) expire; nothing stays open.
    p.run_for(base::Seconds{200});
    EXPECT_EQ(p.left.engine->exchange_count(), 0u);
    EXPECT_EQ(p.right.engine->exchange_count(), 0u);
    EXPECT_EQ(p.left.count(Kind::Phase2Established), 1u);
    for (const Side* s : {&p.left, &p.right}) {
      auto st = s->engine->stats();
      retransmits += st.retransmits;
      datagrams += st.datagrams_out;
      if (auto it = st.dropped_by_reason.find("duplicate"); it != st.dropped_by_reason.end()) {
        duplicates += it->second;
      }
    }
  }
  RecordProperty("handshakes", n);
  // Loss and duplication were exercised, not just configured.
  if (n >= 6) {
    EXPECT_GT(retransmits, 0u);
    EXPECT_GT(duplicates, 0u);
  }
  std::printf("handshake loop: %d MM+QM handshakes, %llu datagrams sent, %llu retransmits, "
              "%llu duplicates detected\n",
              n, static_cast<unsigned long long>(datagrams),
              static_cast<unsigned long long>(retransmits),
              static_cast<unsigned long long>(duplicates));
}

}  // namespace
}  // namespace ike::test
