// `ipsecctl -s` formats from constructed kernel states: the flow and SA lines of the seed article
// (/work/shared/seeds/002: OpenBSD `ipsecctl -s flow` / `-s sa -k` output), -s all titles and
// empty tables, -v details, SA order by SPI, Linux fwd policies left out.
#include <gtest/gtest.h>

#include <algorithm>

#include "kernel_format.h"

namespace ike::ipsecctl {
namespace {

base::IpAddress ip(const char* s) { return *base::IpAddress::parse(s); }

base::FlowInstall flow(base::Direction d, const char* src, uint8_t sp, const char* dst, uint8_t dp,
                       base::FlowType t) {
  base::FlowInstall f;
  f.direction = d;
  f.src_ts = base::TrafficSelector{ip(src), sp};
  f.dst_ts = base::TrafficSelector{ip(dst), dp};
  f.peer = ip("200.69.110.71");
  f.type = t;
  return f;
}

base::KernelSaInfo sa(uint32_t spi, const char* src, const char* dst) {
  base::KernelSaInfo i;
  i.sa.ref.protocol = base::IpsecProtocol::Esp;
  i.sa.ref.dst = ip(dst);
  i.sa.ref.spi = base::Spi{spi};
  i.sa.src = ip(src);
  i.sa.mode = base::EncapMode::Tunnel;
  i.sa.enc_transform_id = 12;  // ESP_AES
  i.sa.enc_key_bits = 128;
  i.sa.auth_algorithm = 5;     // HMAC-SHA2-256
  i.sa.enc_key = base::SecureBytes(16, 0xee);
  i.sa.auth_key = base::SecureBytes(32, 0xaa);
  return i;
}

TEST(KernelFormat, SeedFlowLines) {
  base::KernelState st;
  st.flows.push_back(flow(base::Direction::In, "172.20.1.0", 24, "192.168.60.0", 24,
                          base::FlowType::Use));
  st.flows.push_back(flow(base::Direction::Out, "192.168.60.0", 24, "172.20.1.0", 24,
                          base::FlowType::Require));
  st.flows.push_back(flow(base::Direction::Fwd, "172.20.1.0", 24, "192.168.60.0", 24,
                          base::FlowType::Use));
  st.flows.push_back(flow(base::Direction::In, "200.69.110.71", 32, "202.245.63.218", 32,
                          base::FlowType::Use));
  EXPECT_EQ(format_flows(st, {}),
            "flow esp in from 172.20.1.0/24 to 192.168.60.0/24 peer 200.69.110.71 type use\n"
            "flow esp out from 192.168.60.0/24 to 172.20.1.0/24 peer 200.69.110.71 type require\n"
            "flow esp in from 200.69.110.71 to 202.245.63.218 peer 200.69.110.71 type use\n");
}

TEST(KernelFormat, FlowWithProtocolPortsAndLocal) {
  base::KernelState st;
  auto f = flow(base::Direction::Out, "10.0.0.1", 32, "10.0.0.2", 32, base::FlowType::Require);
  f.src_ts.ip_protocol = f.dst_ts.ip_protocol = 6;
  f.dst_ts.port = 22;
  f.local = ip("192.0.2.1");
  st.flows.push_back(f);
  EXPECT_EQ(format_flows(st, {}),
            "flow esp out proto tcp from 10.0.0.1 to 10.0.0.2 port ssh local 192.0.2.1 "
            "peer 200.69.110.71 type require\n");
}

TEST(KernelFormat, SeedSaLinesSortedBySpiWithKeys) {
  base::KernelState st;
  st.sas.push_back(sa(0x3f6b5b47, "200.69.110.71", "202.245.63.218"));
  st.sas.push_back(sa(0x2d2148ab, "200.69.110.71", "202.245.63.218"));
  st.sas.back().sa.enc_transform_id = 12;
  EXPECT_EQ(format_sas(st, {}),
            "esp tunnel from 200.69.110.71 to 202.245.63.218 spi 0x2d2148ab auth hmac-sha2-256 "
            "enc aes\n"
            "esp tunnel from 200.69.110.71 to 202.245.63.218 spi 0x3f6b5b47 auth hmac-sha2-256 "
            "enc aes\n");
  st.sas.pop_back();
  st.sas.front().sa.enc_key_bits = 256;
  st.sas.front().sa.enc_key = base::SecureBytes(32, 0xee);
  EXPECT_EQ(format_sas(st, ShowOptions{true, false}),
            "esp tunnel from 200.69.110.71 to 202.245.63.218 spi 0x3f6b5b47 auth hmac-sha2-256 "
            "enc aes-256 \\\n\tauthkey 0x" + std::string(64, 'a') + " \\\n\tenckey 0x" +
                std::string(64, 'e') + "\n");
}

TEST(KernelFormat, VerboseDetails) {
  base::KernelState st;
  st.sas.push_back(sa(0x2d2148ab, "200.69.110.71", "202.245.63.218"));
  st.sas[0].sa.life_seconds = 1200;
  st.sas[0].add_time = 1293629063;
  st.sas[0].sa.src_ts = base::TrafficSelector{ip("200.69.110.71"), 32};
  st.sas[0].sa.dst_ts = base::TrafficSelector{ip("192.168.60.0"), 24};
  EXPECT_EQ(format_sas(st, ShowOptions{false, true}),
            "esp tunnel from 200.69.110.71 to 202.245.63.218 spi 0x2d2148ab auth hmac-sha2-256 "
            "enc aes\n"
            "\tsa: spi 0x2d2148ab auth hmac-sha2-256 enc aes\n"
            "\t\tstate mature replay 16 flags 0x4<tunnel>\n"
            "\tlifetime_cur: alloc 0 bytes 0 add 1293629063 first 0\n"
            "\tlifetime_hard: alloc 0 bytes 0 add 1200 first 0\n"
            "\tlifetime_soft: alloc 0 bytes 0 add 1080 first 0\n"
            "\taddress_src: 200.69.110.71\n"
            "\taddress_dst: 202.245.63.218\n"
            "\tkey_auth: bits 256\n"
            "\tkey_encrypt: bits 128\n"
            "\tsrc_flow: 200.69.110.71\n"
            "\tdst_flow: 192.168.60.0/24\n");
}

TEST(KernelFormat, AllWithTitlesAndEmptyTables) {
  base::KernelState st;
  EXPECT_EQ(format_all(st, {}), "FLOWS:\nNo flows\n\nSAD:\nNo entries\n");
  st.sas.push_back(sa(0x1000, "10.0.0.1", "10.0.0.2"));
  st.sas[0].sa.ref.protocol = base::IpsecProtocol::Ah;
  st.sas[0].sa.mode = base::EncapMode::Transport;
  EXPECT_EQ(format_all(st, {}),
            "FLOWS:\nNo flows\n\nSAD:\n"
            "ah transport from 10.0.0.1 to 10.0.0.2 spi 0x00001000 auth hmac-sha2-256\n");
}

TEST(KernelFormat, EncNames) {
  EXPECT_EQ(sa_enc_name(3, 192), "3des-cbc");
  EXPECT_EQ(sa_enc_name(12, 192), "aes-192");
  EXPECT_EQ(sa_enc_name(20, 128), "aes-128-gcm");
  EXPECT_EQ(sa_enc_name(13, 128), "aesctr");
}

// -c: flows that differ in one address only are merged into ipsec.conf "{ a, b }" lists.
TEST(KernelFormat, CollapseMergesAddressLists) {
  base::KernelState st;
  const auto out = base::Direction::Out;
  st.flows.push_back(flow(out, "10.1.0.0", 24, "10.2.0.0", 24, base::FlowType::Require));
  st.flows.push_back(flow(out, "10.1.0.0", 24, "10.3.0.0", 24, base::FlowType::Require));
  st.flows.push_back(flow(out, "10.4.0.0", 24, "10.2.0.0", 24, base::FlowType::Require));
  st.flows.push_back(flow(out, "10.4.0.0", 24, "10.3.0.0", 24, base::FlowType::Require));
  st.flows.push_back(flow(base::Direction::In, "10.2.0.0", 24, "10.1.0.0", 24,
                          base::FlowType::Use));
  st.flows.push_back(flow(base::Direction::Fwd, "10.2.0.0", 24, "10.1.0.0", 24,
                          base::FlowType::Use));
  ShowOptions c;
  c.collapse = true;
  EXPECT_EQ(format_flows(st, c),
            "flow esp out from { 10.1.0.0/24, 10.4.0.0/24 } to { 10.2.0.0/24, 10.3.0.0/24 } "
            "peer 200.69.110.71 type require\n"
            "flow esp in from 10.2.0.0/24 to 10.1.0.0/24 peer 200.69.110.71 type use\n");
  const std::string plain = format_flows(st, {});
  EXPECT_EQ(std::count(plain.begin(), plain.end(), '\n'), 5);  // fwd never listed
  EXPECT_EQ(plain.substr(0, plain.find('\n')),
            "flow esp out from 10.1.0.0/24 to 10.2.0.0/24 peer 200.69.110.71 type require");
}

// ipsecctl -m: one line per kernel event.
TEST(KernelFormat, MonitorEventLines) {
  base::KernelEvent acq;
  acq.kind = base::KernelEvent::Kind::Acquire;
  acq.src_ts = {ip("10.1.0.0"), 24, 17, 0};
  acq.dst_ts = {ip("10.2.0.0"), 24, 17, 53};
  acq.local = ip("192.0.2.1");
  acq.peer = ip("192.0.2.2");
  EXPECT_EQ(format_event(acq), "acquire esp proto udp from 10.1.0.0/24 to 10.2.0.0/24 port domain "
                               "local 192.0.2.1 peer 192.0.2.2\n");
  base::KernelEvent exp;
  exp.kind = base::KernelEvent::Kind::SoftExpire;
  exp.ref = {base::IpsecProtocol::Ah, ip("192.0.2.1"), base::Spi{0x1000abcd}};
  exp.src = ip("192.0.2.2");
  EXPECT_EQ(format_event(exp), "expire soft ah from 192.0.2.2 to 192.0.2.1 spi 0x1000abcd\n");
  exp.kind = base::KernelEvent::Kind::HardExpire;
  exp.ref.protocol = base::IpsecProtocol::Esp;
  EXPECT_EQ(format_event(exp), "expire hard esp from 192.0.2.2 to 192.0.2.1 spi 0x1000abcd\n");
}

}  // namespace
}  // namespace ike::ipsecctl
