// KeyNote per-identity credential directories (isakmpd.conf(5) [KeyNote]:Credential-directory,
// <dir>/<ID>/credentials) under privilege separation: the identity name rule, the monitor's
// path policy (ListIdentityDirs on the credential directory only; <dir>/<one valid
// component>/credentials readable, nothing deeper, nothing through a symlink out), the listing
// (hostile names, symlinks, group-writable or foreign directories, the count cap), the new
// request's codec, and the whole loading through a MonitorClient talking to a real Monitor:
// verified credentials land in PolicyContext::identity_credentials by identity, forged,
// oversized and over-count files are skipped.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "crypto/deterministic_random.h"
#include "daemon/monitor.h"
#include "daemon/monitor_client.h"
#include "daemon/monitor_policy.h"
#include "daemon/policy_loader.h"
#include "kernel/null_backend.h"
#include "policy/limits.h"
#include "policy/signature.h"

namespace ike::daemon {
namespace {

namespace fs = std::filesystem;
using namespace privsep;

constexpr const char* kPolicy =
    "KeyNote-Version: 2\nAuthorizer: \"POLICY\"\nLicensees: \"passphrase:abc\"\n"
    "Conditions: app_domain == \"IPsec policy\" -> \"true\";\n";

// A signed credential from a fresh RSA key licensing `licensee`.
std::string signed_credential(const std::string& licensee) {
  EVP_PKEY* k = EVP_RSA_gen(1024);
  EXPECT_NE(k, nullptr);
  unsigned char* der = nullptr;
  int n = i2d_PrivateKey(k, &der);
  base::Bytes key(der, der + n);
  OPENSSL_free(der);
  EVP_PKEY_free(k);
  std::string principal = *policy::rsa_key_principal(base::view(key));
  auto cred = policy::sign_assertion("Authorizer: \"" + principal + "\"\nLicensees: \"" +
                                         licensee + "\"\nSignature:",
                                     policy::SigAlg::RsaSha256Hex, base::view(key));
  EXPECT_TRUE(cred.has_value());
  return cred ? *cred : std::string();
}

class IdentityDirs : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ike-kncred.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = fs::canonical(tmpl).string();
    m_cred = m_dir + "/keynote";
    fs::create_directories(m_cred);
    write(m_dir + "/isakmpd.policy", kPolicy, 0600);
    write(m_dir + "/isakmpd.conf",
          "[General]\nPolicy-file=" + m_dir + "/isakmpd.policy\n[KeyNote]\n"
          "Credential-directory=" + m_cred + "\n",
          0600);
  }
  void TearDown() override { fs::remove_all(m_dir); }
  static void write(const std::string& path, const std::string& text, mode_t mode = 0644) {
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
  }
  void identity(const std::string& id, const std::string& text, mode_t mode = 0755) {
    fs::create_directory(m_cred + "/" + id);
    ::chmod((m_cred + "/" + id).c_str(), mode);
    write(m_cred + "/" + id + "/credentials", text);
  }
  conf::ConfDb conf() {
    conf::ConfDb db;
    std::ifstream in(m_dir + "/isakmpd.conf");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(conf::load_config_text(text, "test", db).has_value());
    return db;
  }
  std::string m_dir, m_cred;
};

TEST(IdentityDirName, AcceptsIdentitiesRefusesHostileNames) {
  for (const char* ok : {"10.0.0.1", "fd00::1", "gw.example.com", "alice@example.com", "a"}) {
    EXPECT_TRUE(valid_identity_dir_name(ok)) << ok;
  }
  for (std::string bad :
       {std::string(), std::string("."), std::string(".."), std::string("a/b"),
        std::string("a..b"), std::string(".hidden"), std::string("a b"), std::string("a\tb"),
        std::string("a\x01"), std::string("caf\xc3\xa9"), std::string("a\x7f"),
        std::string("x\0y", 3), std::string(policy::kMaxIdentityNameBytes + 1, 'a')}) {
    EXPECT_FALSE(valid_identity_dir_name(bad)) << bad;
  }
  EXPECT_TRUE(valid_identity_dir_name(std::string(policy::kMaxIdentityNameBytes, 'a')));
}

TEST_F(IdentityDirs, PathPolicyAllowsOneLevelCredentialsFilesOnly) {
  identity("10.0.0.1", "x");
  fs::create_directories(m_cred + "/10.0.0.1/deeper");
  fs::create_directories(m_dir + "/outside");
  write(m_dir + "/outside/credentials", "x");
  fs::create_directory_symlink(m_dir + "/outside", m_cred + "/evil");
  PathPolicy p;
  p.set_config_paths(conf());
  EXPECT_TRUE(p.check(m_cred, Access::ListIdentityDirs));
  EXPECT_TRUE(p.check(m_cred + "/", Access::ListIdentityDirs));
  EXPECT_FALSE(p.check(m_dir, Access::ListIdentityDirs));
  EXPECT_FALSE(p.check(m_dir + "/outside", Access::ListIdentityDirs));
  EXPECT_FALSE(p.check("/etc/isakmpd/ca", Access::ListIdentityDirs));
  auto ok = p.check(m_cred + "/10.0.0.1/credentials", Access::ReadPublic);
  ASSERT_TRUE(ok) << ok.error().detail;
  EXPECT_EQ(*ok, m_cred + "/10.0.0.1/credentials");
  EXPECT_FALSE(p.check(m_cred + "/10.0.0.1/credentials", Access::ReadSecret));
  EXPECT_FALSE(p.check(m_cred + "/10.0.0.1/credentials", Access::Write));
  EXPECT_FALSE(p.check(m_cred + "/10.0.0.1/other", Access::ReadPublic));
  EXPECT_FALSE(p.check(m_cred + "/10.0.0.1/deeper/credentials", Access::ReadPublic));
  EXPECT_FALSE(p.check(m_cred + "/../keynote/10.0.0.1/credentials", Access::ReadPublic));
  EXPECT_FALSE(p.check(m_cred + "/./10.0.0.1/credentials", Access::ReadPublic));
  // A symlinked identity directory resolves outside the credential directory: refused.
  auto evil = p.check(m_cred + "/evil/credentials", Access::ReadPublic);
  ASSERT_FALSE(evil);
  EXPECT_NE(evil.error().detail.find("not allowed to read"), std::string::npos)
      << evil.error().detail;
  EXPECT_FALSE(p.check(m_dir + "/outside/credentials", Access::ReadPublic));
}

TEST_F(IdentityDirs, ListingSkipsHostileEntries) {
  for (const char* id : {"10.0.0.1", "gw.example.com", "alice@example.com"}) identity(id, "x");
  identity("a b", "x");                          // space
  identity("x..y", "x");                         // ".."
  identity(".hidden", "x");                      // leading '.'
  identity(std::string("caf\xc3\xa9"), "x");     // not ASCII
  identity("writable", "x", 0777);               // group/other writable
  write(m_cred + "/plainfile", "x");             // a top-level credential file
  fs::create_directories(m_dir + "/outside");
  fs::create_directory_symlink(m_dir + "/outside", m_cred + "/10.9.9.9");  // symlink
  auto names = list_identity_subdirs(m_cred, static_cast<uint32_t>(::geteuid()));
  ASSERT_TRUE(names) << names.error().detail;
  EXPECT_EQ(*names,
            (std::vector<std::string>{"10.0.0.1", "alice@example.com", "gw.example.com"}));
  if (::geteuid() == 0) {  // a directory owned by another user is skipped
    ASSERT_EQ(::chown((m_cred + "/10.0.0.1").c_str(), 4242, 4242), 0);
    names = list_identity_subdirs(m_cred, 0);
    ASSERT_TRUE(names);
    EXPECT_EQ(*names, (std::vector<std::string>{"alice@example.com", "gw.example.com"}));
    EXPECT_EQ(list_identity_subdirs(m_cred, 4242)->size(), 3u);  // the daemon user's
  }
  auto missing = list_identity_subdirs(m_dir + "/nope", 0);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, base::ErrorCode::NotFound);
  // The credential directory itself through a symlink: refused (O_NOFOLLOW).
  fs::create_directory_symlink(m_cred, m_dir + "/credlink");
  EXPECT_FALSE(list_identity_subdirs(m_dir + "/credlink", 0));
}

TEST_F(IdentityDirs, ListingIsCountCapped) {
  for (std::size_t i = 0; i < policy::kMaxIdentityCredentialDirs + 5; ++i) {
    fs::create_directory(m_cred + "/id" + std::to_string(i));
  }
  auto names = list_identity_subdirs(m_cred, 0);
  ASSERT_TRUE(names);
  EXPECT_EQ(names->size(), policy::kMaxIdentityCredentialDirs);
}

TEST(IdentityDirsProtocol, RequestRoundTripsAndIsCapped) {
  auto enc = encode_request(ListIdentityDirsReq{"/etc/isakmpd/keynote"});
  ASSERT_TRUE(enc);
  EXPECT_EQ(((*enc)[0] << 8) | (*enc)[1], 8);  // type 8 (network byte order)
  auto dec = decode_request(base::view(*enc));
  ASSERT_TRUE(dec) << dec.error().detail;
  auto* m = std::get_if<ListIdentityDirsReq>(&*dec);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->path, "/etc/isakmpd/keynote");
  EXPECT_STREQ(msg_type_name(8), "ListIdentityDirs");
  EXPECT_FALSE(encode_request(ListIdentityDirsReq{std::string(kMaxPath + 1, 'a')}));
  base::Bytes trailing = *enc;
  trailing.push_back(0);
  trailing[7] = static_cast<uint8_t>(trailing[7] + 1);  // body length (low byte)
  EXPECT_FALSE(decode_request(base::view(trailing)));
}

// The child's side loading through a real monitor (MonitorClient over a socketpair).
class IdentityDirsPrivsep : public IdentityDirs {
 protected:
  void SetUp() override {
    IdentityDirs::SetUp();
    m_opts.config_file = m_dir + "/isakmpd.conf";
    m_opts.result_file = m_dir + "/result";
    m_opts.report_file = m_dir + "/report";
    m_opts.fifo_path = m_dir + "/fifo";
    m_opts.pid_file = m_dir + "/pid";
    int sv[2], ev[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ev), 0);
    m_monitor_ev = ::dup(ev[0]);
    m_monitor = std::make_unique<Monitor>(m_opts, m_backend, sv[0], ev[0], ::geteuid());
    m_client = std::make_unique<MonitorClient>(sv[1], ev[1],
                                               [this](const std::string& why) { m_fatal = why; });
    m_thread = std::thread([this] {
      while (m_monitor->serve_one()) {
      }
    });
  }
  void TearDown() override {
    m_client.reset();
    if (m_thread.joinable()) m_thread.join();
    m_monitor.reset();
    ::close(m_monitor_ev);
    IdentityDirs::TearDown();
  }
  Options m_opts;
  crypto::DeterministicRandom m_rng{77};
  kernel::NullBackend m_backend{m_rng};
  std::unique_ptr<Monitor> m_monitor;
  std::unique_ptr<MonitorClient> m_client;
  std::thread m_thread;
  int m_monitor_ev = -1;
  std::string m_fatal;
};

TEST_F(IdentityDirsPrivsep, LoadsVerifiedCredentialsPerIdentity) {
  std::string good = signed_credential("passphrase:branch");
  identity("10.0.0.1", good);
  identity("alice@example.com", good + "\n" + signed_credential("passphrase:alice"));
  std::string forged = good;
  forged.replace(forged.find("branch"), 6, "forged");
  identity("10.0.0.2", forged);                                             // bad signature
  identity("10.0.0.3", std::string(policy::kMaxPolicyFileSize + 1, 'x'));  // oversized
  std::string many;
  for (std::size_t i = 0; i <= policy::kMaxIdentityCredentials; ++i) many += good + "\n";
  identity("10.0.0.4", many);  // over the per-identity count
  fs::create_directory(m_cred + "/10.0.0.5");  // no credentials file
  fs::create_directories(m_dir + "/outside");
  write(m_dir + "/outside/credentials", good);
  fs::create_directory_symlink(m_dir + "/outside", m_cred + "/10.0.0.6");  // symlink

  conf::ConfDb db;
  ASSERT_TRUE(load_config(*m_client, m_opts.config_file, db));  // the monitor learns the paths
  auto names = m_client->list_identity_dirs(m_cred);
  ASSERT_TRUE(names) << names.error().detail;
  EXPECT_EQ(names->size(), 6u);  // 10.0.0.1-5, alice@ (not the symlink)
  auto r = load_keynote_policy(db, *m_client, false);
  ASSERT_TRUE(r) << r.error().detail;
  ASSERT_NE(*r, nullptr);
  const auto& ids = (*r)->identity_credentials;
  ASSERT_EQ(ids.size(), 2u);
  ASSERT_EQ(ids.count("10.0.0.1"), 1u);
  EXPECT_EQ(ids.at("10.0.0.1")->size(), 1u);
  ASSERT_EQ(ids.count("alice@example.com"), 1u);
  EXPECT_EQ(ids.at("alice@example.com")->size(), 2u);
  EXPECT_EQ((*r)->set->size(), 1u);  // the identity credentials are not global
  // The monitor refuses what the path policy does not allow: listing elsewhere, reading
  // through the symlink, a non-"credentials" file.
  auto other = m_client->list_identity_dirs(m_dir);
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().detail.find("not the KeyNote Credential-directory"), std::string::npos)
      << other.error().detail;
  EXPECT_FALSE(m_client->read_file(m_cred + "/10.0.0.6/credentials", FileKind::Public, 65536));
  write(m_cred + "/10.0.0.1/notes", "x");
  EXPECT_FALSE(m_client->read_file(m_cred + "/10.0.0.1/notes", FileKind::Public, 65536));
  EXPECT_TRUE(m_client->read_file(m_cred + "/10.0.0.1/credentials", FileKind::Public, 65536));
  EXPECT_EQ(m_fatal, "");
}

TEST_F(IdentityDirs, DirectLoadingMatchesMonitorLoading) {
  identity("gw.example.com", signed_credential("passphrase:gw"));
  DirectPrivOps ops;
  auto r = load_keynote_policy(conf(), ops, false);
  ASSERT_TRUE(r) << r.error().detail;
  ASSERT_EQ((*r)->identity_credentials.size(), 1u);
  EXPECT_EQ((*r)->identity_credentials.begin()->first, "gw.example.com");
}

}  // namespace
}  // namespace ike::daemon
