// The pcap writer of the IKE packet capture (daemon/packet_log.h): the classic global header
// with LINKTYPE_RAW, synthetic IPv4/IPv6 + UDP headers whose lengths and checksums verify
// (RFC 791 header checksum, RFC 768 / RFC 8200 §8.1 UDP checksum over the pseudo header), the
// RFC 3948 non-ESP marker on the NAT-T port, and the 0600 file that is never a symlink target.
#include "daemon/packet_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace ike::daemon {
namespace {

base::SockAddr sa(const char* a, uint16_t port) {
  return base::SockAddr{*base::IpAddress::parse(a), port};
}

uint32_t host32(const base::Bytes& b, std::size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}
uint16_t be16(const base::Bytes& b, std::size_t at) {
  return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}

// A checksum over data that includes a correct checksum folds to 0 (RFC 1071).
uint32_t pseudo(const base::Bytes& pkt, std::size_t src_at, std::size_t addr_len,
                std::size_t udp_len) {
  uint32_t sum = 0;
  for (std::size_t i = 0; i < 2 * addr_len; i += 2) {
    sum += (uint32_t{pkt[src_at + i]} << 8) | pkt[src_at + i + 1];
  }
  return sum + 17 + static_cast<uint32_t>(udp_len);
}

TEST(PacketLog, GlobalHeaderIsClassicPcapWithLinktypeRaw) {
  auto h = pcap_file_header();
  ASSERT_EQ(h.size(), 24u);
  EXPECT_EQ(host32(h, 0), 0xa1b2c3d4u);
  EXPECT_EQ(h[4] | (h[5] << 8), 2);  // little-endian host: version 2.4
  EXPECT_EQ(host32(h, 16), 65535u);
  EXPECT_EQ(host32(h, 20), 101u);  // LINKTYPE_RAW, not OpenBSD's DLT_LOOP
}

TEST(PacketLog, Ipv4RecordLengthsAndChecksumsVerify) {
  base::Bytes msg(76, 0xab);
  auto rec = pcap_record(sa("10.0.0.1", 500), sa("10.0.0.2", 500), base::view(msg),
                         1700000000123456, 4500);
  ASSERT_EQ(rec.size(), 16u + 20 + 8 + 76);
  EXPECT_EQ(host32(rec, 0), 1700000000u);
  EXPECT_EQ(host32(rec, 4), 123456u);
  EXPECT_EQ(host32(rec, 8), 104u);
  EXPECT_EQ(host32(rec, 12), 104u);
  base::Bytes pkt(rec.begin() + 16, rec.end());
  EXPECT_EQ(pkt[0], 0x45);
  EXPECT_EQ(be16(pkt, 2), 104);
  EXPECT_EQ(pkt[9], 17);
  EXPECT_EQ(internet_checksum(base::ByteView(pkt).first(20)), 0);
  EXPECT_EQ(be16(pkt, 20), 500);
  EXPECT_EQ(be16(pkt, 22), 500);
  EXPECT_EQ(be16(pkt, 24), 84);
  EXPECT_NE(be16(pkt, 26), 0);
  EXPECT_EQ(internet_checksum(base::ByteView(pkt).subspan(20), pseudo(pkt, 12, 4, 84)), 0);
  EXPECT_TRUE(std::equal(msg.begin(), msg.end(), pkt.begin() + 28));
}

TEST(PacketLog, NatTPortGetsTheNonEspMarker) {
  base::Bytes msg(40, 0x11);
  auto rec = pcap_record(sa("10.0.0.1", 4500), sa("10.0.0.2", 4500), base::view(msg), 0, 4500);
  base::Bytes pkt(rec.begin() + 16, rec.end());
  ASSERT_EQ(pkt.size(), 20u + 8 + 4 + 40);
  EXPECT_EQ(be16(pkt, 24), 52);
  EXPECT_EQ(base::Bytes(pkt.begin() + 28, pkt.begin() + 32), base::Bytes(4, 0));
  EXPECT_EQ(internet_checksum(base::ByteView(pkt).subspan(20), pseudo(pkt, 12, 4, 52)), 0);
  // Without NAT-T (port 0) no marker.
  auto plain = pcap_record(sa("10.0.0.1", 4500), sa("10.0.0.2", 4500), base::view(msg), 0, 0);
  EXPECT_EQ(plain.size(), 16u + 20 + 8 + 40);
}

TEST(PacketLog, Ipv6RecordHasMandatoryUdpChecksum) {
  base::Bytes msg(33, 0x5a);  // odd length: the checksum pads with a zero octet
  auto rec = pcap_record(sa("fd00::1", 500), sa("fd00::2", 500), base::view(msg), 0, 0);
  base::Bytes pkt(rec.begin() + 16, rec.end());
  ASSERT_EQ(pkt.size(), 40u + 8 + 33);
  EXPECT_EQ(pkt[0] >> 4, 6);
  EXPECT_EQ(be16(pkt, 4), 41);
  EXPECT_EQ(pkt[6], 17);
  EXPECT_NE(be16(pkt, 46), 0);
  EXPECT_EQ(internet_checksum(base::ByteView(pkt).subspan(40), pseudo(pkt, 8, 16, 41)), 0);
}

TEST(PacketLog, OversizedMessageIsCappedToTheSnapLength) {
  base::Bytes msg(70000, 1);
  auto rec = pcap_record(sa("10.0.0.1", 500), sa("10.0.0.2", 500), base::view(msg), 0, 0);
  EXPECT_EQ(rec.size(), 16u + 65535);
}

class PacketLogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ike_pcap_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  std::string m_dir;
};

TEST_F(PacketLogFileTest, FileIs0600AndHoldsHeaderPlusRecords) {
  std::string path = m_dir + "/ike.pcap";
  ::umask(022);
  auto f = PacketLogFile::open(path, 4500);
  ASSERT_TRUE(f) << f.error().detail;
  base::Bytes msg(28, 0);
  ASSERT_TRUE(f->write(sa("10.0.0.1", 500), sa("10.0.0.2", 500), base::view(msg), 1));
  ASSERT_TRUE(f->write(sa("10.0.0.2", 500), sa("10.0.0.1", 500), base::view(msg), 2));
  EXPECT_EQ(f->records(), 2u);
  f->close();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(static_cast<std::size_t>(st.st_size), 24u + 2 * (16 + 20 + 8 + 28));
}

TEST_F(PacketLogFileTest, SymlinkIsRefused) {
  std::string target = m_dir + "/target";
  { std::ofstream(target) << "keep"; }
  std::string link = m_dir + "/link.pcap";
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  auto f = PacketLogFile::open(link, 0);
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().detail.find(link), std::string::npos);
  std::ifstream in(target);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "keep");
}

TEST_F(PacketLogFileTest, FifoCapturePathsAreConfinedToRunAndTheCommandLineDirectory) {
  EXPECT_TRUE(check_capture_path("/run/isakmpd.pcap", {}));
  EXPECT_TRUE(check_capture_path("/var/run/other.pcap", {}));
  EXPECT_TRUE(check_capture_path(m_dir + "/new.pcap", {m_dir + "/ike.pcap"}));
  auto etc = check_capture_path("/etc/shadow", {m_dir + "/ike.pcap"});
  ASSERT_FALSE(etc);
  EXPECT_NE(etc.error().detail.find("not in an allowed directory (/run, /var/run, " + m_dir + ")"),
            std::string::npos)
      << etc.error().detail;
  EXPECT_FALSE(check_capture_path("/run/../etc/passwd", {}));
  EXPECT_FALSE(check_capture_path(m_dir + "/sub/../../etc/x", {m_dir + "/ike.pcap"}));
  EXPECT_FALSE(check_capture_path("/run/", {}));
  EXPECT_FALSE(check_capture_path("/nonexistent-dir/x.pcap", {}));
  EXPECT_FALSE(check_capture_path("", {}));
  // A symlinked directory is resolved: a link in /run pointing to /etc is not /run.
  std::string link = m_dir + "/etc-link";
  ASSERT_EQ(::symlink("/etc", link.c_str()), 0);
  EXPECT_FALSE(check_capture_path(link + "/passwd", {m_dir + "/ike.pcap"}));
}

}  // namespace
}  // namespace ike::daemon
