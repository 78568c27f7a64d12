// ipsec.conf(5) manual rules -> base::FlowInstall / base::SaInstall (kernel_rules.h), compared
// field by field: flows in both directions (in + fwd in tunnel mode), ports and protocols,
// bypass/deny without template, transport-mode templates when the file's SA is transport,
// keyed esp/ah/ipcomp SAs with RFC 2407 ids (and the -s sa name of every id read back the way
// the rule spelled it), udpencap, and the refusals (tcpmd5, ipip, peer any) naming the rule.
#include <gtest/gtest.h>

#include <sstream>

#include "kernel/algorithm_names.h"
#include "kernel/xfrm_message.h"
#include "kernel_format.h"
#include "kernel_rules.h"
#include "parser.h"

namespace ike::ipsecctl {
namespace {

base::IpAddress ip(const char* s) { return base::IpAddress::parse(s).value(); }

std::vector<Rule> parse(const std::string& text) {
  std::ostringstream out, err;
  ParseOutcome p = parse_rules("test", text, {}, ParseOptions{}, default_file_loader(), out, err);
  EXPECT_EQ(p.status, ParseStatus::Ok) << err.str();
  EXPECT_EQ(err.str(), "");
  return p.rules;
}

base::SaInstall one_sa(const std::string& text) {
  auto rules = parse(text);
  EXPECT_FALSE(rules.empty());
  if (rules.empty()) return {};
  auto sa = sa_install(rules.front());
  EXPECT_TRUE(sa) << sa.error().detail;
  return sa ? *sa : base::SaInstall{};
}

base::SecureBytes bytes(std::size_t n, uint8_t v) { return base::SecureBytes(n, v); }
std::string hex(std::size_t n, const char* two) {
  std::string s = "0x";
  for (std::size_t i = 0; i < n; ++i) s += two;
  return s;
}

base::FlowInstall flow(base::Direction d, base::TrafficSelector src, base::TrafficSelector dst,
                       const char* local, const char* peer, base::FlowType type,
                       base::EncapMode mode = base::EncapMode::Tunnel) {
  base::FlowInstall f;
  f.direction = d;
  f.src_ts = src;
  f.dst_ts = dst;
  f.protocol = base::IpsecProtocol::Esp;
  f.mode = mode;
  f.local = ip(local);
  f.peer = ip(peer);
  f.type = type;
  return f;
}

TEST(KernelRules, FlowBothDirectionsWithFwd) {
  auto plan = plan_kernel_rules(
      parse("flow esp from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 192.0.2.2\n"));
  ASSERT_TRUE(plan.errors.empty());
  EXPECT_TRUE(plan.sas.empty());
  const base::TrafficSelector a{ip("10.1.0.0"), 24, 0, 0}, b{ip("10.2.0.0"), 24, 0, 0};
  const std::vector<base::FlowInstall> want{
      flow(base::Direction::Out, a, b, "192.0.2.1", "192.0.2.2", base::FlowType::Require),
      flow(base::Direction::In, b, a, "192.0.2.1", "192.0.2.2", base::FlowType::Require),
      flow(base::Direction::Fwd, b, a, "192.0.2.1", "192.0.2.2", base::FlowType::Require)};
  ASSERT_EQ(plan.flows.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(plan.flows[i].flow, want[i]) << i << ": " << plan.flows[i].flow.to_string();
    EXPECT_EQ(plan.flows[i].rule, i == 0 ? 0 : 1);
  }
}

TEST(KernelRules, FlowPortsProtocolAndNoLocal) {
  auto rules = parse("flow esp out proto tcp from 10.1.0.1 port 1234 to 10.2.0.1 port ssh "
                     "peer 192.0.2.2 type use\n");
  ASSERT_EQ(rules.size(), 1u);
  auto f = flow_installs(rules[0], base::EncapMode::Tunnel);
  ASSERT_TRUE(f) << f.error().detail;
  ASSERT_EQ(f->size(), 1u);
  EXPECT_EQ((*f)[0], flow(base::Direction::Out, {ip("10.1.0.1"), 32, 6, 1234},
                          {ip("10.2.0.1"), 32, 6, 22}, "0.0.0.0", "192.0.2.2",
                          base::FlowType::Use));
}

TEST(KernelRules, BypassAndDenyHaveNoEndpoints) {
  auto plan = plan_kernel_rules(parse("flow esp in from 10.3.0.0/16 to 10.1.0.0/24 type bypass\n"
                                      "flow ah out from 10.1.0.0/24 to 10.9.0.0/16 type deny\n"));
  ASSERT_TRUE(plan.errors.empty()) << plan.errors.front();
  ASSERT_EQ(plan.flows.size(), 3u);
  const base::TrafficSelector x{ip("10.3.0.0"), 16, 0, 0}, l{ip("10.1.0.0"), 24, 0, 0};
  EXPECT_EQ(plan.flows[0].flow,
            flow(base::Direction::In, x, l, "0.0.0.0", "0.0.0.0", base::FlowType::Bypass));
  EXPECT_EQ(plan.flows[1].flow,
            flow(base::Direction::Fwd, x, l, "0.0.0.0", "0.0.0.0", base::FlowType::Bypass));
  auto deny = flow(base::Direction::Out, l, {ip("10.9.0.0"), 16, 0, 0}, "0.0.0.0", "0.0.0.0",
                   base::FlowType::Deny);
  deny.protocol = base::IpsecProtocol::Ah;
  EXPECT_EQ(plan.flows[2].flow, deny);
}

TEST(KernelRules, Ipv6Flow) {
  auto rules = parse("flow esp out from 2001:db8:1::/48 to 2001:db8:2::/48 peer 2001:db8::2\n");
  ASSERT_EQ(rules.size(), 1u);
  auto f = flow_installs(rules[0], base::EncapMode::Tunnel);
  ASSERT_TRUE(f) << f.error().detail;
  EXPECT_EQ((*f)[0], flow(base::Direction::Out, {ip("2001:db8:1::"), 48, 0, 0},
                          {ip("2001:db8:2::"), 48, 0, 0}, "::", "2001:db8::2",
                          base::FlowType::Require));
}

TEST(KernelRules, TransportSaMakesTransportTemplates) {
  const std::string key = hex(16, "ab"), akey = hex(32, "cd");
  auto rules = parse("esp transport from 192.0.2.1 to 192.0.2.2 spi 0x5000 enc aes auth "
                     "hmac-sha2-256 authkey " + akey + " enckey " + key + "\n"
                     "flow esp from 192.0.2.1 to 192.0.2.2\n");
  auto plan = plan_kernel_rules(rules);
  ASSERT_TRUE(plan.errors.empty()) << plan.errors.front();
  ASSERT_EQ(plan.flows.size(), 2u);  // out + in, no fwd in transport mode
  for (const auto& f : plan.flows) {
    EXPECT_EQ(f.flow.mode, base::EncapMode::Transport);
    EXPECT_EQ(f.flow.peer, ip("192.0.2.2"));
  }
  ASSERT_EQ(plan.sas.size(), 1u);
  EXPECT_EQ(plan.sas[0].sa.mode, base::EncapMode::Transport);
}

TEST(KernelRules, EspSaPairFieldByField) {
  const std::string k1 = hex(16, "11"), k2 = hex(16, "22"), a1 = hex(20, "33"), a2 = hex(20, "44");
  auto rules = parse("esp from 192.0.2.1 to 192.0.2.2 spi 0x1000:0x1001 auth hmac-sha1 enc aes "
                     "authkey " + a1 + ":" + a2 + " enckey " + k1 + ":" + k2 + "\n");
  ASSERT_EQ(rules.size(), 2u);
  auto out = sa_install(rules[0]);
  auto in = sa_install(rules[1]);
  ASSERT_TRUE(out) << out.error().detail;
  ASSERT_TRUE(in) << in.error().detail;
  base::SaInstall want;
  want.ref = {base::IpsecProtocol::Esp, ip("192.0.2.2"), base::Spi{0x1000}};
  want.src = ip("192.0.2.1");
  want.mode = base::EncapMode::Tunnel;
  want.enc_transform_id = 12;  // RFC 2407 §4.4.4 ESP_AES (RFC 3602)
  want.enc_key_bits = 128;
  want.auth_algorithm = 2;  // RFC 2407 §4.5 HMAC-SHA
  want.enc_key = bytes(16, 0x11);
  want.auth_key = bytes(20, 0x33);
  auto same = [](const base::SaInstall& got, const base::SaInstall& w) {
    EXPECT_EQ(got.ref, w.ref);
    EXPECT_EQ(got.src, w.src);
    EXPECT_EQ(got.mode, w.mode);
    EXPECT_EQ(got.inbound, w.inbound);
    EXPECT_EQ(got.enc_transform_id, w.enc_transform_id);
    EXPECT_EQ(got.enc_key_bits, w.enc_key_bits);
    EXPECT_EQ(got.auth_algorithm, w.auth_algorithm);
    EXPECT_EQ(got.ah_transform_id, w.ah_transform_id);
    EXPECT_EQ(got.enc_key, w.enc_key);
    EXPECT_EQ(got.auth_key, w.auth_key);
    EXPECT_EQ(got.life_seconds, 0u);
    EXPECT_EQ(got.udp_encap_src_port, w.udp_encap_src_port);
    EXPECT_EQ(got.udp_encap_dst_port, w.udp_encap_dst_port);
    EXPECT_EQ(got.src_ts, w.src_ts);
    EXPECT_EQ(got.dst_ts, w.dst_ts);
  };
  same(*out, want);
  want.ref = {base::IpsecProtocol::Esp, ip("192.0.2.1"), base::Spi{0x1001}};
  want.src = ip("192.0.2.2");
  want.enc_key = bytes(16, 0x22);
  want.auth_key = bytes(20, 0x44);
  same(*in, want);
}

// Every cipher allowed with static keys: its RFC 2407 id, and the name -s sa prints for it.
TEST(KernelRules, EncIdsRoundTripThroughShowSa) {
  struct Case {
    const char* enc;
    std::size_t key_bytes;
    uint16_t id;
    uint16_t bits;
    const char* shown;
  };
  const Case cases[] = {
      {"3des", 24, 3, 192, "3des-cbc"},     {"aes", 16, 12, 128, "aes"},
      {"aes", 32, 12, 256, "aes-256"},      {"aes-128", 16, 12, 128, "aes"},
      {"aes-192", 24, 12, 192, "aes-192"},  {"aes-256", 32, 12, 256, "aes-256"},
      {"blowfish", 16, 7, 128, "blowfish"}, {"cast128", 16, 6, 128, "cast128"},
      {"null", 0, 11, 0, "null"},
  };
  for (const Case& c : cases) {
    std::string text = std::string("esp from 192.0.2.1 to 192.0.2.2 spi 0x100 enc ") + c.enc +
                       " auth hmac-md5 authkey " + hex(16, "01");
    if (c.key_bytes != 0) text += " enckey " + hex(c.key_bytes, "02");
    base::SaInstall sa = one_sa(text + "\n");
    EXPECT_EQ(sa.enc_transform_id, c.id) << c.enc;
    EXPECT_EQ(sa.enc_key_bits, c.bits) << c.enc;
    EXPECT_EQ(sa.enc_key.size(), c.key_bytes) << c.enc;
    EXPECT_EQ(sa.auth_algorithm, 1) << c.enc;  // HMAC-MD5
    EXPECT_EQ(sa_enc_name(sa.enc_transform_id, sa.enc_key_bits), c.shown) << c.enc;
  }
  // Every auth row: RFC 2407 §4.5 / RFC 4868 values and the same name back from -s sa.
  for (const Xf& x : auth_xfs()) {
    if (x.keymin == 0) continue;  // unknown, none
    Rule r = parse("esp from 192.0.2.1 to 192.0.2.2 spi 0x100 enc null auth " +
                   std::string(x.name) + " authkey " + hex(x.keymin, "05") + "\n")
                 .at(0);
    auto sa = sa_install(r);
    ASSERT_TRUE(sa) << x.name << ": " << sa.error().detail;
    EXPECT_NE(sa->auth_algorithm, 0) << x.name;
    EXPECT_EQ(kernel::ipsecctl_auth_name(sa->auth_algorithm), x.name);
  }
}

TEST(KernelRules, AhIpcompAndUdpencap) {
  base::SaInstall ah = one_sa("ah from 192.0.2.1 to 192.0.2.2 spi 0x2000 auth hmac-sha2-512 "
                              "authkey " + hex(64, "aa") + "\n");
  EXPECT_EQ(ah.ref.protocol, base::IpsecProtocol::Ah);
  EXPECT_EQ(ah.auth_algorithm, 7);   // RFC 4868 HMAC-SHA2-512
  EXPECT_EQ(ah.ah_transform_id, 7);  // RFC 4868 AH_SHA2-512
  EXPECT_EQ(ah.enc_transform_id, 0);
  EXPECT_EQ(ah.auth_key, bytes(64, 0xaa));
  EXPECT_TRUE(ah.enc_key.empty());

  base::SaInstall comp = one_sa("ipcomp from 192.0.2.1 to 192.0.2.2 spi 0x3000\n");
  EXPECT_EQ(comp.ref.protocol, base::IpsecProtocol::Ipcomp);
  EXPECT_EQ(comp.ref.spi.value, 0x3000u);
  EXPECT_EQ(comp.enc_transform_id, 2);  // RFC 2407 §4.4.5 IPCOMP_DEFLATE
  EXPECT_TRUE(comp.enc_key.empty());
  EXPECT_TRUE(comp.auth_key.empty());

  base::SaInstall nat = one_sa("esp from 192.0.2.1 to 192.0.2.2 spi 0x4000 udpencap port 4501 "
                               "enc aes auth hmac-sha1 authkey " + hex(20, "02") + " enckey " +
                               hex(16, "01") + "\n");
  EXPECT_EQ(nat.udp_encap_src_port, 4500);
  EXPECT_EQ(nat.udp_encap_dst_port, 4501);
}

TEST(KernelRules, RefusalsNameTheRule) {
  auto plan = plan_kernel_rules(
      parse("tcpmd5 from 192.0.2.1 to 192.0.2.2 spi 0x1234 authkey " + hex(16, "aa") + "\n" +
            "ipip from 192.0.2.1 to 192.0.2.2 spi 0x4321\n"
            "flow esp out from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2\n"));
  ASSERT_EQ(plan.errors.size(), 2u);
  EXPECT_EQ(plan.errors[0].rfind("rule 0: tcpmd5 SA from 192.0.2.1 to 192.0.2.2 spi 0x00001234: "
                                 "tcpmd5 SAs cannot be installed on Linux: there is no kernel SA "
                                 "database for TCP MD5 signatures (RFC 2385); the key is the "
                                 "per-socket TCP_MD5SIG option", 0),
            0u)
      << plan.errors[0];
  EXPECT_EQ(plan.errors[1].rfind("rule 1: ipip tunnel SA from 192.0.2.1 to 192.0.2.2 spi "
                                 "0x00004321: ipip SAs and flows have no XFRM counterpart", 0),
            0u)
      << plan.errors[1];
  EXPECT_EQ(plan.flows.size(), 1u);  // the valid rule converted; the caller installs nothing
}

// What the conversion produces is accepted by the XFRM message builders (algorithms known to
// the kernel table, key sizes, endpoints of one family): NEWSA / NEWPOLICY bytes come out.
TEST(KernelRules, EveryConvertedRuleBuildsAnXfrmMessage) {
  auto plan = plan_kernel_rules(parse(
      "esp from 192.0.2.1 to 192.0.2.2 spi 0x1000:0x1001 auth hmac-sha2-384 enc 3des "
      "authkey " + hex(48, "01") + ":" + hex(48, "02") + " enckey " + hex(24, "03") + ":" +
      hex(24, "04") + "\n"
      "ah transport from 192.0.2.1 to 192.0.2.2 spi 0x2000 auth hmac-ripemd160 authkey " +
      hex(20, "05") + "\n"
      "ipcomp from 192.0.2.1 to 192.0.2.2 spi 0x3000\n"
      "esp from 2001:db8::1 to 2001:db8::2 spi 0x4000 enc null auth hmac-sha2-256 authkey " +
      hex(32, "06") + "\n"
      "flow esp from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2\n"
      "flow ah out proto udp from 10.1.0.0/24 port 53 to 10.9.0.0/16 peer 192.0.2.2 type use\n"
      "flow esp in from 10.3.0.0/16 to 10.1.0.0/24 type deny\n"));
  ASSERT_TRUE(plan.errors.empty()) << plan.errors.front();
  ASSERT_EQ(plan.sas.size(), 5u);
  ASSERT_EQ(plan.flows.size(), 6u);  // out+in+fwd, out, in+fwd
  uint32_t seq = 1;
  for (const auto& s : plan.sas) {
    auto msg = kernel::xfrm::build_add_sa(s.sa, seq++, false);
    EXPECT_TRUE(msg) << "rule " << s.rule << ": " << msg.error().detail;
  }
  for (const auto& f : plan.flows) {
    auto msg = kernel::xfrm::build_add_policy(f.flow, seq++, false);
    EXPECT_TRUE(msg) << f.flow.to_string() << ": " << msg.error().detail;
  }
}

TEST(KernelRules, PeerAnyRefusedAndBundleWarned) {
  auto plan = plan_kernel_rules(
      parse("flow esp out from 10.1.0.0/24 to 10.2.0.0/24 peer any\n"
            "esp from 192.0.2.1 to 192.0.2.2 spi 0x1000 enc aes auth hmac-sha1 authkey " +
            hex(20, "aa") + " enckey " + hex(16, "bb") + " bundle \"b1\"\n"
            "ah from 192.0.2.1 to 192.0.2.2 spi 0x1001 auth hmac-sha1 authkey " + hex(20, "cc") +
            " bundle \"b1\"\n"));
  ASSERT_EQ(plan.errors.size(), 1u);
  EXPECT_EQ(plan.errors[0],
            "rule 0: flow esp out from 10.1.0.0/24 to 10.2.0.0/24: no peer: an XFRM template "
            "needs the remote tunnel endpoint (peer any is not supported)");
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_EQ(plan.warnings[0],
            "rule 3: bundle of esp to 192.0.2.2 spi 0x00001000 with ah to 192.0.2.2 spi "
            "0x00001001: not installed (XFRM has no SA groups; the SAs are installed alone)");
  EXPECT_EQ(plan.sas.size(), 2u);
}

}  // namespace
}  // namespace ike::ipsecctl
