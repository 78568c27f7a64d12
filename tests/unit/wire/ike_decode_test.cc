// Tests for tools/ike_decode: writes a small Ethernet pcap (IKE on 500/IPv4, NAT-T on 4500/IPv6
// with the non-ESP marker, a NAT-keepalive, an ESP packet, DNS noise, a malformed ISAKMP
// datagram) and a hex file, runs the tool and checks its output.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "wire_vectors.h"

namespace ike::wire::test {
namespace {

void le32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void be16(Bytes& b, std::size_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

// A file in gtest's temporary directory that is removed when the test is done with it.
struct TempFile {
  explicit TempFile(const char* name) : path(::testing::TempDir() + name) {}
  ~TempFile() { std::remove(path.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path;
};

Bytes udp(uint16_t sport, uint16_t dport, const Bytes& payload) {
  Bytes u;
  be16(u, sport);
  be16(u, dport);
  be16(u, 8 + payload.size());
  be16(u, 0);
  u.insert(u.end(), payload.begin(), payload.end());
  return u;
}

Bytes ether(uint16_t ethertype, const Bytes& l3) {
  Bytes f(12, 0x02);
  be16(f, ethertype);
  f.insert(f.end(), l3.begin(), l3.end());
  return f;
}

Bytes ipv4(const Bytes& l4) {
  Bytes ip{0x45, 0};
  be16(ip, 20 + l4.size());
  ip.insert(ip.end(), {0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2});
  ip.insert(ip.end(), l4.begin(), l4.end());
  return ip;
}

Bytes ipv6(const Bytes& l4) {
  Bytes ip{0x60, 0, 0, 0};
  be16(ip, l4.size());
  ip.insert(ip.end(), {17, 64});
  Bytes src(16, 0), dst(16, 0);
  src[0] = dst[0] = 0x20;
  src[1] = dst[1] = 0x01;
  src[2] = dst[2] = 0x0d;
  src[3] = dst[3] = 0xb8;
  src[15] = 1;
  dst[15] = 2;
  ip.insert(ip.end(), src.begin(), src.end());
  ip.insert(ip.end(), dst.begin(), dst.end());
  ip.insert(ip.end(), l4.begin(), l4.end());
  return ip;
}

Bytes vector_bytes(std::string_view name) {
  for (const auto& v : message_vectors()) {
    if (v.name == name) return from_hex_or_die(v.golden_hex);
  }
  std::abort();
}

std::string run(const std::string& args) {
  std::string cmd = std::string(IKE_DECODE_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return "popen failed";
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  return out;
}

void write_file(const std::string& path, const Bytes& b) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

TEST(IkeDecode, PcapWithIkeAndNatT) {
  std::vector<Bytes> frames;
  frames.push_back(ether(0x0800, ipv4(udp(500, 500, vector_bytes("mm1")))));
  frames.push_back(ether(0x0800, ipv4(udp(53, 53, {1, 2, 3}))));  // not IKE
  Bytes marked{0, 0, 0, 0};
  const Bytes info = vector_bytes("info");
  marked.insert(marked.end(), info.begin(), info.end());
  frames.push_back(ether(0x86dd, ipv6(udp(4500, 4500, marked))));
  frames.push_back(ether(0x0800, ipv4(udp(4500, 4500, {0xff}))));  // NAT-keepalive
  frames.push_back(ether(0x0800, ipv4(udp(4500, 4500, {0xc1, 0x5a, 0, 1, 0, 0, 0, 7}))));  // ESP
  Bytes bad = vector_bytes("notify");
  bad.pop_back();  // header length now disagrees with the datagram
  frames.push_back(ether(0x0800, ipv4(udp(500, 500, bad))));
  frames.push_back(ether(0x0800, ipv4(udp(500, 500, vector_bytes("notify")))));

  Bytes pcap;
  le32(pcap, 0xa1b2c3d4);
  pcap.insert(pcap.end(), {2, 0, 4, 0});
  le32(pcap, 0);
  le32(pcap, 0);
  le32(pcap, 65535);
  le32(pcap, 1);  // Ethernet
  uint32_t ts = 1;
  for (const auto& f : frames) {
    le32(pcap, ts++);
    le32(pcap, 0);
    le32(pcap, static_cast<uint32_t>(f.size()));
    le32(pcap, static_cast<uint32_t>(f.size()));
    pcap.insert(pcap.end(), f.begin(), f.end());
  }
  const TempFile file("ike_decode_test.pcap");
  write_file(file.path, pcap);
  const std::string out = run(file.path);

  EXPECT_NE(out.find("#1 192.0.2.1:500 -> 192.0.2.2:500 (frame 1)\n"
                     "HDR cookies=0102030405060708/0000000000000000 next=SA"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("      LIFE_DURATION=86400 (TLV 4)\n"), std::string::npos) << out;
  EXPECT_NE(out.find("#2 [2001:db8::1]:4500 -> [2001:db8::2]:4500 (frame 3)\n"
                     "HDR cookies=0102030405060708/a1a2a3a4a5a6a7a8 next=HASH"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("NOTIFY doi=1 protocol=PROTO_ISAKMP type=R_U_THERE"), std::string::npos);
  EXPECT_NE(out.find("#3 192.0.2.1:500 -> 192.0.2.2:500 (frame 6)\n"
                     "  malformed (UNEQUAL_PAYLOAD_LENGTHS): ISAKMP header: length field 40 at "
                     "offset 24, datagram has 39 bytes"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("#4 192.0.2.1:500 -> 192.0.2.2:500 (frame 7)\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("#5"), std::string::npos) << "keepalive/ESP/DNS must be skipped:\n" << out;
}

TEST(IkeDecode, HexLines) {
  const TempFile file("ike_decode_test.hex");
  std::ofstream(file.path) << "# captured by hand\n"
                      << std::string(message_vectors()[0].golden_hex) << "\n\n"
                      << "0102 zz\n"
                      << "01020304\n";
  const std::string out = run("--hex " + file.path);
  EXPECT_NE(out.find("#1 line 2\nHDR cookies=0102030405060708/0000000000000000"), std::string::npos)
      << out;
  EXPECT_NE(out.find("#2 line 4\n  bad hex:"), std::string::npos) << out;
  EXPECT_NE(out.find("#3 line 5\n  malformed (PAYLOAD_MALFORMED): ISAKMP header: datagram of 4 "
                     "bytes is shorter than the 28-byte header"),
            std::string::npos)
      << out;
}

TEST(IkeDecode, UsageErrors) {
  EXPECT_NE(run("--bogus").find("usage: ike_decode"), std::string::npos);
  EXPECT_NE(run("/nonexistent/file").find("cannot open /nonexistent/file"), std::string::npos);
  const TempFile file("ike_decode_short.pcap");
  write_file(file.path, {0xd4, 0xc3, 0xb2, 0xa1, 0});
  EXPECT_NE(run("--pcap " + file.path).find("pcap file header truncated"), std::string::npos);
}

}  // namespace
}  // namespace ike::wire::test
