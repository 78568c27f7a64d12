// Null backend: SPI allocation rules (RFC 4303 §2.1), SA/flow records with kernel-like error
// semantics, and the ipsecctl-style dump appended to the `S` result.
#include "kernel/null_backend.h"

#include <gtest/gtest.h>

#include <deque>
#include <tuple>

namespace ike::kernel {

// Lowers the 32-bit sequence limit so the renumbering runs after a few installs.
struct NullBackendTestAccess {
  static void set_seq_limit(NullBackend& nb, uint32_t limit) { nb.m_seq_limit = limit; }
};

namespace {

using base::IpAddress;
using base::IpsecProtocol;

// Hands out scripted 32-bit values (big endian), then a counter.
class ScriptedRandom final : public base::Random {
 public:
  explicit ScriptedRandom(std::deque<uint32_t> values) : m_values(std::move(values)) {}
  void fill(std::span<uint8_t> out) override {
    for (std::size_t i = 0; i < out.size(); i += 4) {
      uint32_t v = next();
      for (std::size_t k = 0; k < 4 && i + k < out.size(); ++k) {
        out[i + k] = static_cast<uint8_t>(v >> (24 - 8 * k));
      }
    }
  }

 private:
  uint32_t next() {
    if (m_values.empty()) return m_counter++;
    uint32_t v = m_values.front();
    m_values.pop_front();
    return v;
  }
  std::deque<uint32_t> m_values;
  uint32_t m_counter = 0x10000;
};

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

base::SaInstall esp_sa(uint32_t spi, const char* src, const char* dst, bool inbound) {
  base::SaInstall sa;
  sa.ref = {IpsecProtocol::Esp, ip(dst), base::Spi{spi}};
  sa.src = ip(src);
  sa.inbound = inbound;
  sa.enc_transform_id = 12;
  sa.enc_key_bits = 128;
  sa.auth_algorithm = 2;
  sa.enc_key = base::SecureBytes(16, 0x11);
  sa.auth_key = base::SecureBytes(20, 0x22);
  sa.name = "conn";
  return sa;
}

base::FlowInstall flow(base::Direction d, const char* src_net, const char* dst_net) {
  base::FlowInstall f;
  f.direction = d;
  f.src_ts = {ip(src_net), 24, 0, 0};
  f.dst_ts = {ip(dst_net), 24, 0, 0};
  f.local = ip("192.0.2.1");
  f.peer = ip("192.0.2.2");
  return f;
}

TEST(NullBackend, GetSpiSkipsReservedAndDuplicateValues) {
  ScriptedRandom rng({0, 1, 255, 0x1234, 0x1234, 0xdeadbeef});
  NullBackend nb(rng);
  auto a = nb.get_spi(IpsecProtocol::Esp, ip("192.0.2.2"), ip("192.0.2.1"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 0x1234u);
  auto b = nb.get_spi(IpsecProtocol::Esp, ip("192.0.2.2"), ip("192.0.2.1"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->value, 0xdeadbeefu);  // the duplicate 0x1234 was skipped
  EXPECT_EQ(nb.allocated_spi_count(), 2u);
}

TEST(NullBackend, GetSpiManyAreUniqueAndValid) {
  ScriptedRandom rng({});
  NullBackend nb(rng);
  std::set<uint32_t> seen;
  for (int i = 0; i < 200; ++i) {
    auto s = nb.get_spi(IpsecProtocol::Esp, ip("10.0.0.2"), ip("10.0.0.1"));
    ASSERT_TRUE(s);
    EXPECT_GE(s->value, 256u);
    EXPECT_TRUE(seen.insert(s->value).second);
  }
}

// RFC 3173 §3.3: IPCOMP CPIs 61440-65535 are for private use; only 256-61439 may be offered
// (libreswan answers any other CPI with INVALID_SPI: found by the IPCOMP interop scenarios).
TEST(NullBackend, IpcompCpisAreInTheNegotiatedRange) {
  ScriptedRandom rng({0x0000f386, 0x1234ffff, 0x000000ff, 0xabcdefff, 0x0000efff, 0x00000100});
  NullBackend nb(rng);
  auto a = nb.get_spi(IpsecProtocol::Ipcomp, ip("192.0.2.2"), ip("192.0.2.1"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 0xefffu);  // 0xf386, 0x1234ffff (CPI 0xffff) and 0xff skipped
  auto b = nb.get_spi(IpsecProtocol::Ipcomp, ip("192.0.2.2"), ip("192.0.2.1"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->value, 0x100u);  // 0xefff again: already handed out
  ScriptedRandom counting({});  // then a counter from 0x10000: low 16 bits 0, 1, 2, ...
  NullBackend many(counting);
  for (int i = 0; i < 1000; ++i) {
    auto c = many.get_spi(IpsecProtocol::Ipcomp, ip("192.0.2.2"), ip("192.0.2.1"));
    ASSERT_TRUE(c);
    EXPECT_GE(c->value, 256u);
    EXPECT_LE(c->value, 0xefffu);
  }
}

TEST(NullBackend, GetSpiGivesUpOnExhaustedRandom) {
  // Always 7: reserved, so every draw is rejected and the call fails with a clear error.
  class Constant final : public base::Random {
    void fill(std::span<uint8_t> out) override {
      for (auto& b : out) b = 0;
      out[out.size() - 1] = 7;
    }
  } rng;
  NullBackend nb(rng);
  auto s = nb.get_spi(IpsecProtocol::Esp, ip("10.0.0.2"), ip("10.0.0.1"));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().detail.find("no free esp SPI"), std::string::npos);
}

TEST(NullBackend, AddDeleteSaWithKernelSemantics) {
  ScriptedRandom rng({});
  NullBackend nb(rng);
  ASSERT_TRUE(nb.add_sa(esp_sa(0x1000, "192.0.2.2", "192.0.2.1", true)));
  ASSERT_TRUE(nb.add_sa(esp_sa(0x2000, "192.0.2.1", "192.0.2.2", false)));
  EXPECT_EQ(nb.sas().size(), 2u);

  auto dup = nb.add_sa(esp_sa(0x1000, "192.0.2.2", "192.0.2.1", true));
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().detail.find("already exists"), std::string::npos);

  auto reserved = nb.add_sa(esp_sa(42, "192.0.2.2", "192.0.2.1", true));
  ASSERT_FALSE(reserved);

  base::SaRef ref{IpsecProtocol::Esp, ip("192.0.2.1"), base::Spi{0x1000}};
  ASSERT_TRUE(nb.delete_sa(ref, ip("192.0.2.2")));
  EXPECT_EQ(nb.sas().size(), 1u);
  auto again = nb.delete_sa(ref, ip("192.0.2.2"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, base::ErrorCode::NotFound);
  EXPECT_NE(again.error().detail.find("0x00001000"), std::string::npos);
}

TEST(NullBackend, DeleteOfLarvalSpiSucceeds) {
  ScriptedRandom rng({0x4242});
  NullBackend nb(rng);
  auto s = nb.get_spi(IpsecProtocol::Esp, ip("192.0.2.2"), ip("192.0.2.1"));
  ASSERT_TRUE(s);
  base::SaRef ref{IpsecProtocol::Esp, ip("192.0.2.1"), *s};
  EXPECT_TRUE(nb.delete_sa(ref, ip("192.0.2.2")));
  EXPECT_EQ(nb.allocated_spi_count(), 0u);
}

TEST(NullBackend, FlowsReplaceBySelectorAndDelete) {
  ScriptedRandom rng({});
  NullBackend nb(rng);
  auto out = flow(base::Direction::Out, "10.1.1.0", "10.1.2.0");
  auto in = flow(base::Direction::In, "10.1.2.0", "10.1.1.0");
  ASSERT_TRUE(nb.add_flow(out));
  ASSERT_TRUE(nb.add_flow(in));
  auto replaced = out;
  replaced.peer = ip("192.0.2.9");
  ASSERT_TRUE(nb.add_flow(replaced));
  ASSERT_EQ(nb.flows().size(), 2u);
  EXPECT_EQ(nb.flows()[0].peer, ip("192.0.2.9"));
  ASSERT_TRUE(nb.delete_flow(in));
  EXPECT_EQ(nb.flows().size(), 1u);
  auto missing = nb.delete_flow(in);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, base::ErrorCode::NotFound);
}

TEST(NullBackend, DumpIsIpsecctlLike) {
  ScriptedRandom rng({});
  NullBackend nb(rng);
  ASSERT_TRUE(nb.add_sa(esp_sa(0x1234abcd, "192.0.2.1", "192.0.2.2", false)));
  auto ah = esp_sa(0x00000500, "192.0.2.2", "192.0.2.1", true);
  ah.ref.protocol = IpsecProtocol::Ah;
  ah.mode = base::EncapMode::Transport;
  ah.auth_algorithm = 5;
  ASSERT_TRUE(nb.add_sa(ah));
  ASSERT_TRUE(nb.add_flow(flow(base::Direction::Out, "10.1.1.0", "10.1.2.0")));
  EXPECT_EQ(nb.dump(),
            "esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x1234abcd auth hmac-sha1 enc aes-128\n"
            "ah transport from 192.0.2.2 to 192.0.2.1 spi 0x00000500 auth hmac-sha2-256\n"
            "flow esp out from 10.1.1.0/24 to 10.1.2.0/24 local 192.0.2.1 peer 192.0.2.2 "
            "type require\n");
}

TEST(NullBackend, DumpShowsIpcompAndBundles) {
  // An ESP+IPCOMP bundle from one Quick Mode: the IPCOMP SA with its CPI and algorithm (as
  // OpenBSD's ipsecctl -s sa "comp deflate"), the flow naming the bundle.
  ScriptedRandom rng({});
  NullBackend nb(rng);
  auto comp = esp_sa(0x00004001, "192.0.2.1", "192.0.2.2", false);
  comp.ref.protocol = IpsecProtocol::Ipcomp;
  comp.enc_transform_id = 2;
  comp.auth_algorithm = 0;
  ASSERT_TRUE(nb.add_sa(comp));
  auto f = flow(base::Direction::Out, "10.1.1.0", "10.1.2.0");
  f.bundle = {IpsecProtocol::Ipcomp};
  ASSERT_TRUE(nb.add_flow(f));
  EXPECT_EQ(nb.dump(),
            "ipcomp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x00004001 comp deflate\n"
            "flow esp out from 10.1.1.0/24 to 10.1.2.0/24 local 192.0.2.1 peer 192.0.2.2 "
            "type require bundle ipcomp\n");
}

TEST(NullBackend, FlushForgetsEverything) {
  ScriptedRandom rng({});
  NullBackend nb(rng);
  ASSERT_TRUE(nb.add_sa(esp_sa(0x1000, "192.0.2.2", "192.0.2.1", true)));
  ASSERT_TRUE(nb.add_flow(flow(base::Direction::Out, "10.1.1.0", "10.1.2.0")));
  ASSERT_TRUE(nb.flush());
  EXPECT_TRUE(nb.sas().empty());
  EXPECT_TRUE(nb.flows().empty());
  EXPECT_EQ(nb.dump(), "");
  EXPECT_EQ(nb.name(), "null");
}

// Keys are not kept unless asked (a null kernel never uses them); the records keep
// installation order through replacements and deletions, among thousands of SAs and flows
// (each request is an ordered-index lookup, not a scan: issue #7).
TEST(NullBackend, KeysAreNotKeptAndOrderSurvivesManyRecords) {
  ScriptedRandom rng({});
  NullBackend nb(rng);
  NullBackend keeping(rng, true);
  ASSERT_TRUE(nb.add_sa(esp_sa(0x1000, "192.0.2.2", "192.0.2.1", true)));
  ASSERT_TRUE(keeping.add_sa(esp_sa(0x1000, "192.0.2.2", "192.0.2.1", true)));
  EXPECT_TRUE(nb.sas().at(0).enc_key.empty());
  EXPECT_TRUE(nb.sas().at(0).auth_key.empty());
  EXPECT_EQ(nb.sas().at(0).enc_key_bits, 128);  // what `S` shows is kept
  EXPECT_EQ(keeping.sas().at(0).enc_key, base::SecureBytes(16, 0x11));

  constexpr uint32_t kCount = 20000;
  for (uint32_t i = 1; i <= kCount; ++i) {
    ASSERT_TRUE(nb.add_sa(esp_sa(0x1000 + i, "192.0.2.2", "192.0.2.1", true)));
    auto f = flow(base::Direction::Out, "10.1.0.0", "10.2.0.0");
    f.dst_ts.network = base::IpAddress::v4(0x0a000000u | i << 8);
    ASSERT_TRUE(nb.add_flow(f));
  }
  EXPECT_EQ(nb.sa_count(), kCount + 1);
  EXPECT_EQ(nb.flow_count(), kCount);
  // Delete every other SA; replace the first flow: it keeps its place.
  for (uint32_t i = 2; i <= kCount; i += 2) {
    ASSERT_TRUE(nb.delete_sa({IpsecProtocol::Esp, ip("192.0.2.1"), base::Spi{0x1000 + i}},
                             ip("192.0.2.2")));
  }
  auto first = flow(base::Direction::Out, "10.1.0.0", "10.2.0.0");
  first.dst_ts.network = base::IpAddress::v4(0x0a000100u);
  first.type = base::FlowType::Use;
  ASSERT_TRUE(nb.add_flow(first));
  const auto sas = nb.sas();
  ASSERT_EQ(sas.size(), kCount / 2 + 1);
  for (std::size_t k = 1; k < sas.size(); ++k) {
    EXPECT_EQ(sas[k].ref.spi.value, 0x1000 + 2 * k - 1) << k;
  }
  const auto flows = nb.flows();
  ASSERT_EQ(flows.size(), kCount);
  EXPECT_EQ(flows.front().type, base::FlowType::Use);
  EXPECT_EQ(flows.back().dst_ts.network, base::IpAddress::v4(0x0a000000u | kCount << 8));
  auto dup = nb.add_sa(esp_sa(0x1001, "192.0.2.2", "192.0.2.1", true));
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().detail.find("already exists"), std::string::npos);
}

// Every SaInstall member except the keys (SaInstall has no operator==: it holds key material).
auto sa_fields(const base::SaInstall& s) {
  return std::tie(s.ref, s.src, s.mode, s.inbound, s.enc_transform_id, s.enc_key_bits,
                  s.auth_algorithm, s.ah_transform_id, s.life_seconds, s.life_kbytes,
                  s.replay_window, s.set_mark, s.set_mark_mask, s.udp_encap_src_port,
                  s.udp_encap_dst_port, s.src_ts, s.dst_ts, s.name);
}

std::vector<uint32_t> spis(const NullBackend& nb) {
  std::vector<uint32_t> out;
  for (const auto& s : nb.sas()) out.push_back(s.ref.spi.value);
  return out;
}

std::vector<uint32_t> flow_nets(const NullBackend& nb) {  // dst_ts network, host order
  std::vector<uint32_t> out;
  for (const auto& f : nb.flows()) out.push_back(f.dst_ts.network.v4_host_order());
  return out;
}

base::FlowInstall flow_to(uint32_t net) {
  auto f = flow(base::Direction::Out, "10.1.0.0", "10.2.0.0");
  f.dst_ts.network = IpAddress::v4(net);
  return f;
}

// The compact records give back exactly what was installed, keys aside: every member set to a
// non-default value, IPv6, a long (heap) name; flows with every bundle shape.
TEST(NullBackend, ReadStateReturnsWhatWasInstalledWithoutKeys) {
  ScriptedRandom rng({});
  NullBackend nb(rng);
  auto sa = esp_sa(0x9abc, "2001:db8::1", "2001:db8::2", true);
  sa.mode = base::EncapMode::Transport;
  sa.ah_transform_id = 3;
  sa.life_seconds = 28800;
  sa.life_kbytes = 4000000;
  sa.replay_window = 64;
  sa.set_mark = 0x10;
  sa.set_mark_mask = 0xff;
  sa.udp_encap_src_port = 4500;
  sa.udp_encap_dst_port = 4501;
  sa.src_ts = {ip("2001:db8:1::"), 48, 6, 22};
  sa.dst_ts = {ip("2001:db8:2::"), 64, 17, 53};
  sa.name = "a-connection-name-longer-than-the-small-string-buffer";
  ASSERT_TRUE(nb.add_sa(sa));
  std::vector<base::FlowInstall> flows;
  for (auto bundle : std::vector<std::vector<IpsecProtocol>>{
           {}, {IpsecProtocol::Ipcomp}, {IpsecProtocol::Ah, IpsecProtocol::Ipcomp},
           {IpsecProtocol::Ipcomp, IpsecProtocol::Ah}}) {
    auto f = flow_to(0x0a020000u + static_cast<uint32_t>(flows.size() << 8));
    f.bundle = bundle;
    f.mode = base::EncapMode::Transport;
    f.type = base::FlowType::Deny;
    f.direction = base::Direction::Fwd;
    ASSERT_TRUE(nb.add_flow(f));
    flows.push_back(f);
  }
  auto state = nb.read_state();
  ASSERT_TRUE(state);
  ASSERT_EQ(state->sas.size(), 1u);
  EXPECT_TRUE(sa_fields(state->sas[0].sa) == sa_fields(sa));
  EXPECT_TRUE(state->sas[0].sa.enc_key.empty());
  EXPECT_TRUE(state->sas[0].sa.auth_key.empty());
  EXPECT_EQ(state->flows, flows);
  EXPECT_EQ(nb.flows(), flows);
}

TEST(NullBackend, KeptKeysFollowTheirSa) {
  ScriptedRandom rng({});
  NullBackend nb(rng, true);
  ASSERT_TRUE(nb.add_sa(esp_sa(0x1000, "192.0.2.2", "192.0.2.1", true)));
  auto other = esp_sa(0x2000, "192.0.2.1", "192.0.2.2", false);
  other.enc_key = base::SecureBytes(32, 0x33);
  other.auth_key = base::SecureBytes(32, 0x44);
  ASSERT_TRUE(nb.add_sa(other));
  auto state = nb.read_state();
  ASSERT_TRUE(state);
  ASSERT_EQ(state->sas.size(), 2u);
  EXPECT_EQ(state->sas[0].sa.enc_key, base::SecureBytes(16, 0x11));
  EXPECT_EQ(state->sas[0].sa.auth_key, base::SecureBytes(20, 0x22));
  EXPECT_EQ(state->sas[1].sa.enc_key, other.enc_key);
  EXPECT_EQ(state->sas[1].sa.auth_key, other.auth_key);
  // Deleted then re-added with other keys: the new keys, not the old ones.
  base::SaRef ref{IpsecProtocol::Esp, ip("192.0.2.1"), base::Spi{0x1000}};
  ASSERT_TRUE(nb.delete_sa(ref, ip("192.0.2.2")));
  auto again = esp_sa(0x1000, "192.0.2.2", "192.0.2.1", true);
  again.enc_key = base::SecureBytes(16, 0x55);
  ASSERT_TRUE(nb.add_sa(again));
  ASSERT_EQ(nb.sas().size(), 2u);
  EXPECT_EQ(nb.sas()[1].enc_key, base::SecureBytes(16, 0x55));
  // A refused duplicate leaves the kept keys alone.
  ASSERT_FALSE(nb.add_sa(esp_sa(0x2000, "192.0.2.1", "192.0.2.2", false)));
  EXPECT_EQ(nb.sas()[0].enc_key, other.enc_key);
  ASSERT_TRUE(nb.flush());
  ASSERT_TRUE(nb.add_sa(esp_sa(0x3000, "192.0.2.2", "192.0.2.1", true)));
  EXPECT_EQ(nb.sas().at(0).enc_key, base::SecureBytes(16, 0x11));
}

// Three SAs and three flows installed out of key order, then the second flow replaced by one
// with an AH bundle (same selector: it keeps its place). Returns the replacing flow.
base::FlowInstall install_out_of_order(NullBackend& nb) {
  for (uint32_t spi : {0x3000u, 0x1000u, 0x2000u}) {
    EXPECT_TRUE(nb.add_sa(esp_sa(spi, "192.0.2.2", "192.0.2.1", true)));
  }
  for (uint32_t net : {0x0a000300u, 0x0a000100u, 0x0a000200u}) {
    EXPECT_TRUE(nb.add_flow(flow_to(net)));
  }
  auto replaced = flow_to(0x0a000100u);
  replaced.bundle = {IpsecProtocol::Ah};
  EXPECT_TRUE(nb.add_flow(replaced));
  return replaced;
}

// Installation order: a replaced flow keeps its place, a deleted then re-added record goes
// last, SAs and flows alike.
TEST(NullBackend, OrderAfterReplaceDeleteAndReAdd) {
  ScriptedRandom rng({});
  NullBackend nb(rng);
  const auto replaced = install_out_of_order(nb);
  EXPECT_EQ(flow_nets(nb), (std::vector<uint32_t>{0x0a000300u, 0x0a000100u, 0x0a000200u}));
  EXPECT_EQ(nb.flows()[1], replaced);
  ASSERT_TRUE(nb.delete_flow(flow_to(0x0a000300u)));
  ASSERT_TRUE(nb.add_flow(flow_to(0x0a000300u)));
  EXPECT_EQ(flow_nets(nb), (std::vector<uint32_t>{0x0a000100u, 0x0a000200u, 0x0a000300u}));
  ASSERT_TRUE(nb.delete_sa({IpsecProtocol::Esp, ip("192.0.2.1"), base::Spi{0x3000}},
                           ip("192.0.2.2")));
  ASSERT_TRUE(nb.add_sa(esp_sa(0x3000, "192.0.2.2", "192.0.2.1", true)));
  EXPECT_EQ(spis(nb), (std::vector<uint32_t>{0x1000u, 0x2000u, 0x3000u}));
  EXPECT_EQ(nb.flow_count(), 3u);
  EXPECT_EQ(nb.sa_count(), 3u);
}

// The 32-bit sequence renumbers the records (in their order) when it reaches its limit.
TEST(NullBackend, SequenceRenumberingKeepsOrder) {
  ScriptedRandom rng({});
  NullBackend nb(rng);
  NullBackendTestAccess::set_seq_limit(nb, 8);
  std::vector<uint32_t> expected_spis, expected_nets;
  for (uint32_t i = 1; i <= 40; ++i) {
    ASSERT_TRUE(nb.add_sa(esp_sa(0x1000 + i, "192.0.2.2", "192.0.2.1", true)));
    ASSERT_TRUE(nb.add_flow(flow_to(0x0a000000u | i << 8)));
    expected_spis.push_back(0x1000 + i);
    expected_nets.push_back(0x0a000000u | i << 8);
    if (expected_spis.size() > 4) {  // fewer records than the limit: drop the oldest
      ASSERT_TRUE(nb.delete_sa({IpsecProtocol::Esp, ip("192.0.2.1"), base::Spi{expected_spis[0]}},
                               ip("192.0.2.2")));
      ASSERT_TRUE(nb.delete_flow(flow_to(expected_nets[0])));
      expected_spis.erase(expected_spis.begin());
      expected_nets.erase(expected_nets.begin());
    }
    if (i % 3 == 0) {
      ASSERT_TRUE(nb.add_flow(flow_to(expected_nets[0])));  // replaced in place
    }
  }
  EXPECT_EQ(spis(nb), expected_spis);
  EXPECT_EQ(flow_nets(nb), expected_nets);
}

// A bundle XFRM would refuse is refused (the record packs at most two other protocols).
TEST(NullBackend, RefusesInvalidBundles) {
  ScriptedRandom rng({});
  NullBackend nb(rng);
  for (auto bundle : std::vector<std::vector<IpsecProtocol>>{
           {IpsecProtocol::Esp},
           {IpsecProtocol::Ah, IpsecProtocol::Ah},
           {IpsecProtocol::Ah, IpsecProtocol::Ipcomp, IpsecProtocol::Ah},
           {static_cast<IpsecProtocol>(9)}}) {
    auto f = flow_to(0x0a000100u);
    f.bundle = bundle;
    auto st = nb.add_flow(f);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, base::ErrorCode::BadValue);
  }
  EXPECT_EQ(nb.flow_count(), 0u);
}

// append_sa / FlowInstall::append_to add exactly format_sa / to_string after what `out` holds.
TEST(NullBackend, AppendRendersLikeFormat) {
  auto esp = esp_sa(0x1234abcd, "192.0.2.1", "2001:db8::2", false);
  esp.udp_encap_dst_port = 4500;
  auto comp = esp;
  comp.ref.protocol = IpsecProtocol::Ipcomp;
  comp.enc_transform_id = 3;
  auto f = flow(base::Direction::In, "10.1.1.0", "10.1.2.0");
  f.src_ts.ip_protocol = 6;
  f.src_ts.port = 22;
  f.bundle = {IpsecProtocol::Ah, IpsecProtocol::Ipcomp};
  std::string out = "head\n";
  NullBackend::append_sa(out, esp);
  NullBackend::append_sa(out, comp);
  f.append_to(out);
  EXPECT_EQ(out, "head\n" + NullBackend::format_sa(esp) + NullBackend::format_sa(comp) +
                     f.to_string());
  EXPECT_EQ(NullBackend::format_sa(esp),
            "esp tunnel from 192.0.2.1 to 2001:db8::2 spi 0x1234abcd auth hmac-sha1 enc aes-128 "
            "udpencap port 4500");
  EXPECT_EQ(NullBackend::format_sa(comp),
            "ipcomp tunnel from 192.0.2.1 to 2001:db8::2 spi 0x1234abcd comp 3");
  EXPECT_EQ(f.to_string(),
            "flow esp in from 10.1.1.0/24 proto 6 port 22 to 10.1.2.0/24 local 192.0.2.1 peer "
            "192.0.2.2 type require bundle ah,ipcomp");
}

// `S` text: the null backend renders its records in place exactly as the generic path renders
// read_state() (installation order, a replaced flow in its place, SAs before flows).
TEST(NullBackend, StateTextIsTheRenderingOfReadState) {
  ScriptedRandom rng({});
  NullBackend nb(rng);
  (void)install_out_of_order(nb);
  auto state = nb.read_state();
  ASSERT_TRUE(state);
  std::string generic = "engine part\n";
  append_state_text(generic, *state);
  std::string direct = "engine part\n";
  ASSERT_TRUE(nb.append_state_text(direct));
  EXPECT_EQ(direct, generic);
  EXPECT_EQ(direct, "engine part\n" + nb.dump());
  auto line_of = [&](std::string_view needle) { return direct.find(needle); };
  ASSERT_NE(line_of("to 10.0.2.0"), std::string::npos) << direct;
  ASSERT_NE(line_of("spi 0x00001000"), std::string::npos) << direct;
  EXPECT_LT(line_of("spi 0x00003000"), line_of("spi 0x00001000"));
  EXPECT_LT(line_of("bundle ah"), line_of("to 10.0.2.0"));
}

}  // namespace
}  // namespace ike::kernel
