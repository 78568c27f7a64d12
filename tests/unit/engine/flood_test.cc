// Floods (reliability.md class 18, §A4 P1; half_open.h): 100,000 Main Mode first messages from
// 10,000 source address/port pairs (1,000 addresses x 10 ports, a fresh initiator cookie each)
// against the right engine, on the fake clock with a deterministic generator, while the left
// engine negotiates Main Mode + Quick Mode with it through the flood:
//
//   flood (198.18.0.0/22)    HDR(CKY-I=random), SA, VID -->  right   (MM2s vanish)
//   left 10.0.0.1            MM1, MM3, MM5, QM1, QM3     -->  right   (2,000 flood MM1s before each)
//
// Checked: the half-open count never exceeds Max-half-open, no address ever holds more than
// Max-half-open-per-peer, the exchange table (the memory proxy) stays bounded, the legitimate
// initiator establishes, every refusal and eviction is counted, and the log lines (counted
// through the logging sink) stay within the rate limit while the counters count every event.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "base/log.h"
#include "support/engine_pair.h"

namespace ike::test {
namespace {

using Kind = engine::SaEvent::Kind;

constexpr int kAddresses = 1000;
constexpr int kPortsPerAddress = 10;  // on average
constexpr int kHeavy = 10;
constexpr int kFloodPackets = 100000;
constexpr int kFloodBeforeEachLegit = 2000;
constexpr std::size_t kPerPeer = 16, kGlobal = 2048;   // the defaults

struct LogCount {
  std::size_t lines = 0, debug_lines = 0, dropped_lines = 0, summaries = 0;
};

class FloodTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base::Logger::instance().set_level(base::LogClass::Message, 10);  // drop lines eligible
    base::Logger::instance().set_sink([this](const base::LogRecord& r) {
      std::string_view t = r.text;
      ++m_log.lines;
      if (r.severity == base::LogSeverity::Debug) ++m_log.debug_lines;
      if (t.starts_with("dropped: ")) ++m_log.dropped_lines;
      if (t.starts_with("suppressed ")) ++m_log.summaries;
    });
  }
  void TearDown() override {
    base::Logger::instance().set_level(base::LogClass::Message, 0);
    base::Logger::instance().set_sink(base::stderr_sink());
  }
  LogCount m_log;
};

// The left engine's MM1 (same offer as the legitimate one), captured from a donor pair.
base::Bytes mm1_template() {
  EnginePair donor;
  donor.link.blackhole(true);
  donor.start();
  EXPECT_EQ(donor.left.sent.size(), 1u);
  return donor.left.sent.at(0);
}

class Flood {
 public:
  Flood(EnginePair& p, base::Bytes mm1) : m_p(p), m_mm1(std::move(mm1)), m_rng(20261123) {
    // Even pairs: 10 heavy addresses (500 ports each, over Max-half-open-per-peer); odd
    // pairs: 990 light addresses (5 ports each). Pairs are used round robin.
    for (int i = 0; i < kAddresses * kPortsPerAddress; ++i) {
      int host = i % 2 == 0 ? (i / 2) % kHeavy : kHeavy + (i / 2) % (kAddresses - kHeavy);
      uint32_t a = (198u << 24) | (18u << 16) | static_cast<uint32_t>(host);
      m_sources.push_back(base::SockAddr{base::IpAddress::v4(a), static_cast<uint16_t>(1024 + i)});
    }
  }

  // Sends one flood MM1 (a fresh cookie from the next source pair) and checks the caps.
  void send_one() {
    base::Bytes b = m_mm1;
    uint64_t c = (static_cast<uint64_t>(m_rng()) << 32) | m_rng() | 1u;
    for (std::size_t i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(c >> (8 * i));
    const base::SockAddr& src = m_sources[static_cast<std::size_t>(m_sent) % m_sources.size()];
    if (m_sent % 2 == 1) m_p.clock.advance(base::Duration{1});  // 2,000 MM1/s: 50 s
    engine::Engine& r = *m_p.right.engine;
    r.on_datagram(engine::Datagram{base::SockAddr{m_p.right.address, 500}, src, b},
                  m_p.clock.now());
    ++m_sent;
    if (m_sent % 128 == 0) {  // timers every 64 ms of fake time
      if (auto d = r.next_deadline(); d && *d <= m_p.clock.now()) r.on_tick(m_p.clock.now());
    }
    if (m_sent % 16 == 0) {
      auto s = r.stats();
      max_half_open = std::max<std::size_t>(max_half_open, s.half_open);
      ASSERT_LE(s.half_open, kGlobal);
    }
    if (m_sent % 5000 == 0) check_table();
  }

  // The status snapshot: per-address half-open counts and the exchange table size.
  void check_table() {
    auto st = m_p.right.engine->status(m_p.clock.now());
    max_exchanges = std::max(max_exchanges, st.exchanges.size());
    std::map<std::string, std::size_t> per_peer;
    for (const auto& x : st.exchanges) {
      if (x.role == "Responder" && !x.finished && x.message_id == 0) {
        std::string addr = x.peer.substr(0, x.peer.rfind(':'));
        max_per_peer = std::max(max_per_peer, ++per_peer[addr]);
      }
    }
    EXPECT_LE(max_per_peer, kPerPeer);
    EXPECT_LE(st.exchanges.size(), kGlobal + 8);  // + the legitimate MM/QM (lingering too)
    m_p.right.sent.clear();  // the MM2s to flood sources (Side keeps every datagram)
  }

  int sent() const { return m_sent; }
  std::size_t max_half_open = 0, max_per_peer = 0, max_exchanges = 0;

 private:
  EnginePair& m_p;
  base::Bytes m_mm1;
  std::mt19937 m_rng;
  std::vector<base::SockAddr> m_sources;
  int m_sent = 0;
};

TEST_F(FloodTest, HundredThousandMm1CappedWhileLegitimatePeerEstablishes) {
  base::Bytes mm1 = mm1_template();
  ASSERT_GE(mm1.size(), 28u);
  PeerConf l;
  PeerConf r = mirror(l);
  r.extra = "[Phase 1]\nDefault=peer-10.0.0.1\n";  // every source gets a responder exchange
  EnginePair p(l, r);
  Flood flood(p, mm1);
  // Replies to the flood sources go nowhere; each legitimate message to the right engine is
  // preceded by a slice of the flood (a full turnover of the half-open table).
  p.middlebox = [&](Delivery& dv) {
    if (!dv.left_to_right) return dv.d.peer.address == p.left.address;
    for (int i = 0; i < kFloodBeforeEachLegit && flood.sent() < kFloodPackets; ++i) {
      flood.send_one();
    }
    return true;
  };
  p.right.engine->start(p.clock.now());
  for (int i = 0; i < kFloodPackets / 2; ++i) flood.send_one();  // the tables are full
  const auto before = p.right.engine->stats();
  EXPECT_EQ(before.half_open, kGlobal);
  EXPECT_GT(before.half_open_refused, 0u);
  EXPECT_GT(before.half_open_evicted, 0u);

  p.left.engine->start(p.clock.now());  // left initiates "conn" through the flood
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, base::Seconds{120}))
      << "flood packets sent " << flood.sent() << ", right: "
      << p.right.engine->last_drop_reason();
  EXPECT_EQ(p.left.count(Kind::ExchangeFailed), 0u);
  EXPECT_EQ(p.left.count(Kind::Phase2Established), 1u);
  while (flood.sent() < kFloodPackets) flood.send_one();
  flood.check_table();

  const auto s = p.right.engine->stats();
  EXPECT_EQ(flood.sent(), kFloodPackets);
  EXPECT_LE(flood.max_half_open, kGlobal);
  EXPECT_LE(flood.max_per_peer, kPerPeer);
  EXPECT_LE(flood.max_exchanges, kGlobal + 8);
  // Every refusal is a counted drop; every eviction and expiry a counted failure.
  EXPECT_EQ(s.dropped_by_reason.at("half_open_cap"), s.half_open_refused);
  EXPECT_EQ(s.failed_by_reason.at("half_open_evicted"), s.half_open_evicted);
  uint64_t by_reason = 0;
  for (const auto& [k, n] : s.dropped_by_reason) by_reason += n;
  EXPECT_EQ(by_reason, s.dropped);
  // Each flood MM1 was refused (per-peer cap), or got an exchange that was evicted, timed
  // out or is still half-open.
  uint64_t timed_out = s.failed_by_reason.count("timeout") ? s.failed_by_reason.at("timeout") : 0;
  EXPECT_EQ(s.half_open_refused + s.half_open_evicted + timed_out + s.half_open,
            static_cast<uint64_t>(kFloodPackets));

  // Log lines: bounded by the rate limit (10 lines per second per category, plus one summary
  // each), not by the 100,000 events; every suppressed line is counted.
  const double seconds =
      std::chrono::duration<double>(p.clock.elapsed()).count();
  const std::size_t bound = static_cast<std::size_t>((seconds + 1) * 10 * 2 * 4);
  EXPECT_LE(m_log.lines, bound);
  EXPECT_GT(s.log_suppressed, 50000u);
  EXPECT_GT(m_log.summaries, 0u);
  std::printf("flood: %d MM1 from %d address/port pairs over %.1f s (fake clock): "
              "refused %llu, evicted %llu, timed out %llu, half-open max %zu (cap %zu), "
              "per-peer max %zu (cap %zu), exchange objects max %zu; log lines %zu "
              "(dropped %zu, summaries %zu), suppressed %llu\n",
              flood.sent(), kAddresses * kPortsPerAddress, seconds,
              static_cast<unsigned long long>(s.half_open_refused),
              static_cast<unsigned long long>(s.half_open_evicted),
              static_cast<unsigned long long>(timed_out), flood.max_half_open, kGlobal,
              flood.max_per_peer, kPerPeer, flood.max_exchanges, m_log.lines,
              m_log.dropped_lines, m_log.summaries,
              static_cast<unsigned long long>(s.log_suppressed));
}

// Half-open-max-time: an MM1 nobody follows up is gone after 30 s (not Exchange-max-time,
// 120 s), counted as a timeout; an authenticated phase 1 is no longer half-open.
TEST(HalfOpenLifetime, UnansweredMm1ExpiresAfterHalfOpenMaxTime) {
  base::Bytes mm1 = mm1_template();
  EnginePair p;
  p.right.engine->start(p.clock.now());
  base::SockAddr src{base::IpAddress::parse("10.0.0.1").value(), 500};
  p.right.engine->on_datagram(
      engine::Datagram{base::SockAddr{p.right.address, 500}, src, mm1}, p.clock.now());
  EXPECT_EQ(p.right.engine->stats().half_open, 1u);
  base::TimePoint t0 = p.clock.now();
  while (p.right.engine->stats().half_open != 0) {
    auto d = p.right.engine->next_deadline();
    ASSERT_TRUE(d.has_value());
    ASSERT_LE(*d - t0, base::Seconds{30});
    p.clock.advance_to(*d);
    p.right.engine->on_tick(p.clock.now());
  }
  EXPECT_EQ(p.clock.now() - t0, base::Seconds{30});
  EXPECT_EQ(p.right.engine->exchange_count(), 0u);
  const auto s = p.right.engine->stats();
  EXPECT_EQ(s.failed_by_reason.at("timeout"), 1u);
  bool logged = false;
  for (auto& o : p.right.engine->take_outputs()) {
    if (auto* ev = std::get_if<engine::SaEvent>(&o); ev && ev->kind == Kind::ExchangeFailed) {
      logged = ev->detail.find("Half-open-max-time") != std::string::npos;
    }
  }
  EXPECT_TRUE(logged);

  // The same pair negotiates normally: nothing half-open once phase 1 is authenticated.
  EnginePair q;
  q.start();
  ASSERT_TRUE(q.run_until([&] { return q.established(); }));
  EXPECT_EQ(q.right.engine->stats().half_open, 0u);
  EXPECT_EQ(q.right.engine->stats().half_open_evicted, 0u);
}

}  // namespace
}  // namespace ike::test
