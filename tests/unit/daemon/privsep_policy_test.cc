// The monitor's allow-list and port rule (monitor_policy.h): lexical refusals ("..", ".",
// empty components, relative paths), canonical comparison through symlinked directories, exact
// files with the access they allow, directory contents, paths taken from the configuration
// and replaced on reload, and isakmpd's port rule (500, the NAT-T port, > 1024).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "conf/config_file.h"
#include "daemon/monitor_policy.h"

namespace ike::daemon {
namespace {

namespace fs = std::filesystem;

class PrivsepPolicy : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/privsep_policy.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = fs::canonical(tmpl).string();
    fs::create_directories(m_dir + "/etc/certs");
    fs::create_directories(m_dir + "/etc/private");
    std::ofstream(m_dir + "/etc/certs/a.pem") << "x";
    fs::create_directory_symlink(m_dir + "/etc", m_dir + "/etc-link");
  }
  void TearDown() override { fs::remove_all(m_dir); }
  Options opts() const {
    Options o;
    o.config_file = m_dir + "/etc/isakmpd.conf";
    o.fifo_path = m_dir + "/fifo";
    o.result_file = m_dir + "/result";
    o.report_file = m_dir + "/report";
    o.keylog_file = m_dir + "/keys";
    return o;
  }
  std::string m_dir;
};

TEST_F(PrivsepPolicy, LexicalRefusals) {
  for (const char* p : {"", "etc/shadow", "/etc/../etc/shadow", "/etc/./shadow", "//etc/shadow",
                        "/etc//shadow", "/etc/shadow/"}) {
    auto c = canonical_path(p);
    ASSERT_FALSE(c) << p;
    EXPECT_NE(c.error().detail.find("privsep: refusing"), std::string::npos) << c.error().detail;
  }
  EXPECT_FALSE(canonical_path(std::string(5000, '/')));
  EXPECT_FALSE(canonical_path(std::string("/etc/sha\0dow", 12)));
  EXPECT_EQ(*canonical_path("/etc/shadow"), "/etc/shadow");
  // The parent's realpath: a symlinked directory resolves to its target.
  EXPECT_EQ(*canonical_path(m_dir + "/etc-link/certs/a.pem"), m_dir + "/etc/certs/a.pem");
  auto missing = canonical_path(m_dir + "/nope/x");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, base::ErrorCode::NotFound);
}

TEST_F(PrivsepPolicy, CommandLinePathsAllowOnlyTheirAccess) {
  auto p = PathPolicy::from_options(opts());
  EXPECT_TRUE(p.check(m_dir + "/etc/isakmpd.conf", Access::ReadConfig));
  EXPECT_FALSE(p.check(m_dir + "/etc/isakmpd.conf", Access::ReadPublic));
  EXPECT_FALSE(p.check(m_dir + "/etc/isakmpd.conf", Access::Write));
  EXPECT_TRUE(p.check(m_dir + "/result", Access::Write));
  EXPECT_TRUE(p.check(m_dir + "/report", Access::Write));
  // Result and report: appended too, when larger than one monitor message (write_file).
  EXPECT_TRUE(p.check(m_dir + "/result", Access::Append));
  EXPECT_FALSE(p.check(m_dir + "/result", Access::ReadConfig));
  EXPECT_TRUE(p.check(m_dir + "/keys", Access::Append));
  EXPECT_TRUE(p.check(m_dir + "/fifo", Access::Fifo));
  auto shadow = p.check("/etc/shadow", Access::ReadConfig);
  ASSERT_FALSE(shadow);
  EXPECT_NE(shadow.error().detail.find("refusing /etc/shadow: not allowed to read (config)"),
            std::string::npos)
      << shadow.error().detail;
  // Through a symlinked directory the same file is the same canonical path.
  EXPECT_TRUE(p.check(m_dir + "/etc-link/isakmpd.conf", Access::ReadConfig));
  EXPECT_FALSE(p.check(m_dir + "/etc/../etc/isakmpd.conf", Access::ReadConfig));
}

TEST_F(PrivsepPolicy, ConfigurationPathsAreReplacedOnReload) {
  auto p = PathPolicy::from_options(opts());
  conf::ConfDb db;
  std::string text = "[X509-certificates]\nCert-directory=" + m_dir +
                     "/etc/certs/\nPrivate-key=" + m_dir + "/etc/private/local.key\n";
  ASSERT_TRUE(conf::load_config_text(text, "test", db));
  p.set_config_paths(db);
  EXPECT_TRUE(p.check(m_dir + "/etc/certs", Access::ListDir));
  EXPECT_TRUE(p.check(m_dir + "/etc/certs/", Access::ListDir));
  EXPECT_TRUE(p.check(m_dir + "/etc/certs/a.pem", Access::ReadPublic));
  EXPECT_FALSE(p.check(m_dir + "/etc/certs/a.pem", Access::ReadSecret));
  EXPECT_TRUE(p.check(m_dir + "/etc/private/local.key", Access::ReadSecret));
  EXPECT_TRUE(p.check(m_dir + "/etc/local.pub", Access::ReadPublic));
  EXPECT_FALSE(p.check(m_dir + "/etc/private/other.key", Access::ReadSecret));
  EXPECT_FALSE(p.check(m_dir + "/etc/private", Access::ListDir));
  EXPECT_FALSE(p.check(m_dir + "/etc/certs/../isakmpd.conf", Access::ReadPublic));
  // Files in subdirectories of an allowed directory are not allowed.
  fs::create_directories(m_dir + "/etc/certs/sub");
  EXPECT_FALSE(p.check(m_dir + "/etc/certs/sub/b.pem", Access::ReadPublic));

  conf::ConfDb other;
  ASSERT_TRUE(conf::load_config_text("[General]\nRetransmits=3\n", "test", other));
  p.set_config_paths(other);
  EXPECT_FALSE(p.check(m_dir + "/etc/certs/a.pem", Access::ReadPublic));
  EXPECT_FALSE(p.check(m_dir + "/etc/private/local.key", Access::ReadSecret));
  EXPECT_TRUE(p.check(m_dir + "/etc/isakmpd.conf", Access::ReadConfig));  // command line stays
}

TEST(PrivsepPorts, OnlyIsakmpPortNatTPortOrUnprivileged) {
  EXPECT_TRUE(check_bind_port(500, 4500));
  EXPECT_TRUE(check_bind_port(4500, 4500));
  EXPECT_TRUE(check_bind_port(0, 4500));
  EXPECT_TRUE(check_bind_port(1025, 4500));
  EXPECT_TRUE(check_bind_port(15001, 4500));
  EXPECT_FALSE(check_bind_port(1024, 4500));
  EXPECT_FALSE(check_bind_port(443, 4500));
  auto st = check_bind_port(22, 4500);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().detail.find("refusing to bind port 22"), std::string::npos);
  EXPECT_TRUE(check_bind_port(600, 600));  // -N 600 was the administrator's choice
}

}  // namespace
}  // namespace ike::daemon
