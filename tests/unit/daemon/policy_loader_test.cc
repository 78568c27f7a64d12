// KeyNote policy loading (policy_loader.h) through DirectPrivOps from a temporary directory:
// -K and Use-Keynote=no disable it, the policy file is mode-checked and fail-closed (missing,
// not a regular file, foreign owner, group/other-accessible, a symlink, a syntax error), signed credentials of
// Credential-directory are added and forged ones skipped.
#include "daemon/policy_loader.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "conf/config_file.h"
#include "daemon/monitor_policy.h"
#include "policy/signature.h"

namespace ike::daemon {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPolicy =
    "KeyNote-Version: 2\nAuthorizer: \"POLICY\"\nLicensees: \"passphrase:abc\"\n"
    "Conditions: app_domain == \"IPsec policy\" -> \"true\";\n";

class PolicyLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ike-kn-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    m_dir = tmpl;
    fs::create_directories(m_dir / "keynote");
  }
  void TearDown() override { fs::remove_all(m_dir); }

  void write(const std::string& name, const std::string& text, mode_t mode = 0600) {
    std::ofstream(m_dir / name) << text;
    chmod((m_dir / name).c_str(), mode);
  }
  conf::ConfDb conf(const std::string& general = "") {
    std::string text = "[General]\nPolicy-file=" + (m_dir / "isakmpd.policy").string() + "\n" +
                       general + "\n[KeyNote]\nCredential-directory=" +
                       (m_dir / "keynote").string() + "\n";
    conf::ConfDb db;
    auto r = conf::load_config_text(text, "test", db);
    EXPECT_TRUE(r.has_value()) << r.error().detail;
    return db;
  }
  std::string load_error(const conf::ConfDb& db) {
    auto r = load_keynote_policy(db, m_ops, false);
    return r ? std::string("loaded") : r.error().detail;
  }
  fs::path m_dir;
  DirectPrivOps m_ops;
};

TEST_F(PolicyLoaderTest, DisabledByFlagOrConfig) {
  write("isakmpd.policy", kPolicy);
  auto off = load_keynote_policy(conf(), m_ops, true);
  ASSERT_TRUE(off.has_value());
  EXPECT_EQ(*off, nullptr);
  auto no = load_keynote_policy(conf("Use-Keynote=no"), m_ops, false);
  ASSERT_TRUE(no.has_value());
  EXPECT_EQ(*no, nullptr);
}

TEST_F(PolicyLoaderTest, LoadsPolicyAndVerifiedCredentials) {
  write("isakmpd.policy", kPolicy);
  EVP_PKEY* k = EVP_RSA_gen(1024);
  ASSERT_NE(k, nullptr);
  unsigned char* der = nullptr;
  int n = i2d_PrivateKey(k, &der);
  base::Bytes key(der, der + n);
  OPENSSL_free(der);
  EVP_PKEY_free(k);
  std::string principal = *policy::rsa_key_principal(base::view(key));
  auto cred = policy::sign_assertion("Authorizer: \"" + principal +
                                         "\"\nLicensees: \"passphrase:branch\"\nSignature:",
                                     policy::SigAlg::RsaSha256Hex, base::view(key));
  ASSERT_TRUE(cred.has_value());
  write("keynote/branch", *cred, 0644);  // credentials are public
  std::string forged = *cred;
  forged.replace(forged.find("branch"), 6, "forged");
  write("keynote/forged", forged, 0644);
  auto r = load_keynote_policy(conf(), m_ops, false);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  ASSERT_NE(*r, nullptr);
  EXPECT_EQ((*r)->set->size(), 2u);  // the policy assertion + the verified credential
  ASSERT_TRUE((*r)->wall_clock);
  EXPECT_GT((*r)->wall_clock(), 1700000000);
}

// KeyNote on and no policy file: start-up fails with the path and the two ways out (OpenBSD
// isakmpd's policy_init treats a failed open as fatal too), for the default path as well.
TEST_F(PolicyLoaderTest, MissingFileRefusesStart) {
  std::string e = load_error(conf());
  EXPECT_NE(e.find("KeyNote policy file " + (m_dir / "isakmpd.policy").string() +
                   " does not exist"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("-K or [General]:Use-Keynote=no"), std::string::npos) << e;
  if (fs::exists("/etc/isakmpd/isakmpd.policy")) GTEST_SKIP() << "a system policy exists";
  conf::ConfDb db;
  ASSERT_TRUE(conf::load_config_text("[General]\nRetransmits=3\n", "test", db));
  ASSERT_TRUE(db.is_default("General", "Policy-file"));
  auto r = load_keynote_policy(db, m_ops, false);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().detail.find("/etc/isakmpd/isakmpd.policy does not exist"),
            std::string::npos)
      << r.error().detail;
  // -K and Use-Keynote=no skip the file entirely.
  EXPECT_TRUE(load_keynote_policy(db, m_ops, true).has_value());
  EXPECT_TRUE(load_keynote_policy(conf("Use-Keynote=no"), m_ops, false).has_value());
}

// Not a regular file, group/world writable, owned by another user: refused, naming why.
TEST_F(PolicyLoaderTest, UnsafeFileRefusesStart) {
  fs::create_directory(m_dir / "isakmpd.policy");
  EXPECT_NE(load_error(conf()).find("regular file"), std::string::npos) << load_error(conf());
  fs::remove(m_dir / "isakmpd.policy");
  write("isakmpd.policy", kPolicy, 0620);
  EXPECT_NE(load_error(conf()).find("mode 0620"), std::string::npos) << load_error(conf());
  write("isakmpd.policy", kPolicy, 0602);
  EXPECT_NE(load_error(conf()).find("mode 0602"), std::string::npos) << load_error(conf());
  write("isakmpd.policy", kPolicy, 0600);
  if (geteuid() != 0) GTEST_SKIP() << "chown needs root";
  ASSERT_EQ(chown((m_dir / "isakmpd.policy").c_str(), 4242, 4242), 0);
  EXPECT_NE(load_error(conf()).find("owned by uid 4242"), std::string::npos) << load_error(conf());
  ASSERT_EQ(chown((m_dir / "isakmpd.policy").c_str(), 0, 0), 0);
  EXPECT_EQ(load_error(conf()), "loaded");
}

TEST_F(PolicyLoaderTest, FailsClosed) {
  EXPECT_NE(load_error(conf()).find("does not exist"), std::string::npos);  // missing
  write("isakmpd.policy", kPolicy, 0644);
  EXPECT_NE(load_error(conf()), "loaded");  // readable by others
  write("isakmpd.policy", "Authorizer: \"POLICY\"\nLicensees: (\n", 0600);
  EXPECT_NE(load_error(conf()).find("assertion 1"), std::string::npos);
  write("real.policy", kPolicy, 0600);
  fs::remove(m_dir / "isakmpd.policy");
  fs::create_symlink(m_dir / "real.policy", m_dir / "isakmpd.policy");
  EXPECT_NE(load_error(conf()), "loaded");  // symlink
}

// Privilege separation: the monitor lets the child read the configured policy file (with the
// secrecy check) and list/read the credential directory, and nothing next to them.
TEST_F(PolicyLoaderTest, MonitorAllowsPolicyAndCredentials) {
  write("isakmpd.policy", kPolicy);
  write("keynote/cred", "x", 0644);
  write("other.key", "x");
  PathPolicy p;
  p.set_config_paths(conf());
  std::string d = m_dir.string();
  EXPECT_TRUE(p.check(d + "/isakmpd.policy", Access::ReadSecret));
  EXPECT_FALSE(p.check(d + "/isakmpd.policy", Access::ReadConfig));  // never re-parsed as conf
  EXPECT_FALSE(p.check(d + "/other.key", Access::ReadSecret));
  EXPECT_TRUE(p.check(d + "/keynote", Access::ListDir));
  EXPECT_TRUE(p.check(d + "/keynote/cred", Access::ReadPublic));
  EXPECT_FALSE(p.check(d + "/keynote/cred", Access::ReadSecret));
}

}  // namespace
}  // namespace ike::daemon
