// Result/report files (atomic, 0600), the pid file (content, lock, removal) and the key log
// (exact line formats the interop tests parse, 0600).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "daemon/keylog.h"
#include "daemon/pidfile.h"
#include "daemon/result_file.h"

namespace ike::daemon {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0xffff;
  return st.st_mode & 07777;
}

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ike_files_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  std::string m_dir;
};

TEST_F(FilesTest, ResultFileIsReplacedAtomicallyWithMode0600) {
  std::string path = m_dir + "/isakmpd.result";
  ::umask(022);
  ASSERT_TRUE(write_file_atomic(path, "value\n"));
  EXPECT_EQ(slurp(path), "value\n");
  EXPECT_EQ(mode_of(path), 0600u);
  ASSERT_TRUE(write_file_atomic(path, ""));
  EXPECT_EQ(slurp(path), "");
  // No temporary file is left behind.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(m_dir)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST_F(FilesTest, ResultFileErrorNamesThePath) {
  auto st = write_file_atomic(m_dir + "/missing/dir/result", "x");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().detail.find(m_dir + "/missing/dir/result"), std::string::npos);
}

TEST_F(FilesTest, PidFileWrittenLockedAndRemoved) {
  std::string path = m_dir + "/isakmpd.pid";
  {
    auto pf = PidFile::create(path);
    ASSERT_TRUE(pf) << pf.error().detail;
    EXPECT_EQ(slurp(path), std::to_string(::getpid()) + "\n");
    auto second = PidFile::create(path);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().detail.find("another isakmpd (pid " + std::to_string(::getpid())),
              std::string::npos);
    pf->remove();
    EXPECT_FALSE(std::filesystem::exists(path));
  }
  auto again = PidFile::create(path);
  ASSERT_TRUE(again);
  again = PidFile();  // move-assign releases and removes
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(KeyLogFormat, IkeSaLine) {
  engine::KeyMaterial km;
  for (uint8_t i = 0; i < 8; ++i) {
    km.cookies.initiator.bytes[i] = static_cast<uint8_t>(0xa0 + i);
    km.cookies.responder.bytes[i] = static_cast<uint8_t>(0x10 + i);
  }
  km.cipher = "AES-CBC-128";
  km.enc_key = base::SecureBytes{0xde, 0xad, 0xBE, 0xef};
  EXPECT_EQ(format_ike_sa_line(km),
            "IKE_SA icookie=a0a1a2a3a4a5a6a7 rcookie=1011121314151617 cipher=AES-CBC-128 "
            "enckey=deadbeef\n");
  km.cipher = "odd name=x";
  EXPECT_NE(format_ike_sa_line(km).find("cipher=odd_name_x "), std::string::npos);
}

base::SaInstall child_sa() {
  base::SaInstall sa;
  sa.ref = {base::IpsecProtocol::Esp, base::IpAddress::parse("127.0.0.2").value(),
            base::Spi{0x00c0ffee}};
  sa.src = base::IpAddress::parse("127.0.0.1").value();
  sa.inbound = false;
  sa.enc_transform_id = 12;  // AES
  sa.enc_key_bits = 128;
  sa.auth_algorithm = 2;  // HMAC_SHA
  sa.enc_key = base::SecureBytes(16, 0xab);
  sa.auth_key = base::SecureBytes{0x01, 0x02};
  return sa;
}

TEST(KeyLogFormat, ChildSaLine) {
  auto sa = child_sa();
  EXPECT_EQ(format_child_sa_line(sa),
            "CHILD_SA proto=esp dir=out src=127.0.0.1 dst=127.0.0.2 spi=00c0ffee enc=AES "
            "enckey=abababababababababababababababab auth=HMAC_SHA authkey=0102\n");
  // AES-GCM: salt included in enckey, no authentication algorithm.
  sa.inbound = true;
  sa.enc_transform_id = 20;
  sa.auth_algorithm = 0;
  sa.enc_key = base::SecureBytes(20, 0x01);
  sa.auth_key.clear();
  EXPECT_EQ(format_child_sa_line(sa),
            "CHILD_SA proto=esp dir=in src=127.0.0.1 dst=127.0.0.2 spi=00c0ffee enc=AES_GCM_16 "
            "enckey=0101010101010101010101010101010101010101 auth=NONE authkey=\n");
  sa.auth_algorithm = 5;
  sa.enc_transform_id = 999;
  auto line = format_child_sa_line(sa);
  EXPECT_NE(line.find("enc=UNKNOWN_999 "), std::string::npos);
  EXPECT_NE(line.find("auth=HMAC_SHA2_256 "), std::string::npos);
}

TEST_F(FilesTest, KeyLogFileIsPrivateAndAppends) {
  std::string path = m_dir + "/keys.log";
  {
    std::ofstream(path) << "";
    ::chmod(path.c_str(), 0644);
    auto kl = KeyLog::open(path);
    ASSERT_TRUE(kl) << kl.error().detail;
    EXPECT_TRUE(kl->enabled());
    ASSERT_TRUE(kl->log_child_sa(child_sa()));
    engine::KeyMaterial km;
    km.cipher = "3DES-CBC";
    km.enc_key = base::SecureBytes(24, 0x33);
    ASSERT_TRUE(kl->log_ike_sa(km));
  }
  EXPECT_EQ(mode_of(path), 0600u);
  std::string text = slurp(path);
  EXPECT_EQ(text.rfind("CHILD_SA proto=esp dir=out", 0), 0u);
  EXPECT_NE(text.find("\nIKE_SA icookie=0000000000000000 rcookie=0000000000000000 "
                      "cipher=3DES-CBC enckey=333333"),
            std::string::npos);
  KeyLog disabled;
  EXPECT_FALSE(disabled.enabled());
  EXPECT_TRUE(disabled.log_child_sa(child_sa()));
}

}  // namespace
}  // namespace ike::daemon
