// The XAUTH server backends (daemon/xauth_backend.h): the password file parser against hostile
// lines, crypt(3) verification (right, wrong, unknown, locked), the secrecy check of the file,
// [General] backend selection, PAM with a throw-away service file (pam_permit / pam_deny), and
// the monitor request XauthVerify: codec caps and a real Monitor answering with the backend of
// its own configuration.
#include <gtest/gtest.h>

#include <crypt.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "conf/conf_parser.h"
#include "crypto/deterministic_random.h"
#include "daemon/monitor.h"
#include "daemon/monitor_client.h"
#include "daemon/xauth_backend.h"
#include "kernel/null_backend.h"

namespace ike::daemon {
namespace {

namespace fs = std::filesystem;

std::string hash_of(const std::string& password, const char* setting = "$6$saltsaltsalt$") {
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_r(password.c_str(), setting, data.get());
  return out == nullptr ? std::string() : std::string(out);
}

base::SecureBytes secret(std::string_view s) { return base::to_secure(base::view(s)); }

std::string parse_error(std::string_view text) {
  auto r = parse_xauth_password_file(text, "xauth.passwd");
  return r ? std::string("ok") : r.error().detail;
}

TEST(XauthPasswordFile, ParsesUsersCommentsAndBlankLines) {
  const std::string h = hash_of("pw");
  auto r = parse_xauth_password_file("# users\n\nalice:" + h + "\r\nbob:!\n  # indented\n",
                                     "f");
  ASSERT_TRUE(r) << r.error().detail;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].user, "alice");
  EXPECT_EQ((*r)[0].hash, h);
  EXPECT_EQ((*r)[1].hash, "!");
}

TEST(XauthPasswordFile, RefusesHostileLines) {
  EXPECT_EQ(parse_error("alice\n"), "xauth.passwd:1: expected user:hash");
  EXPECT_EQ(parse_error("#\n:$6$x$y\n"), "xauth.passwd:2: empty user name");
  EXPECT_EQ(parse_error("alice:\n"), "xauth.passwd:1: empty hash (use '!' to lock an account)");
  EXPECT_EQ(parse_error("alice:$6$x$y:0:0\n"),
            "xauth.passwd:1: more than two ':'-separated fields");
  EXPECT_EQ(parse_error("alice:abCDefGH12345\n"),
            "xauth.passwd:1: hash is not a crypt(3) \"$id$...\" string (DES hashes refused)");
  EXPECT_EQ(parse_error("al ice:$6$x$y\n"),
            "xauth.passwd:1: user name holds a control, space, ':', '#' or non-ASCII character");
  EXPECT_EQ(parse_error(std::string("al\x01ice:$6$x$y\n")),
            "xauth.passwd:1: user name holds a control, space, ':', '#' or non-ASCII character");
  EXPECT_EQ(parse_error("alice:$6$x$y z\n"),
            "xauth.passwd:1: hash holds a character crypt(3) never produces");
  EXPECT_EQ(parse_error(std::string("alice:$6$x\0y\n", 13)),
            "xauth.passwd:1: hash holds a character crypt(3) never produces");
  EXPECT_EQ(parse_error("alice:$6$x$y\nalice:$6$x$z\n"),
            "xauth.passwd:2: user \"alice\" listed twice");
  EXPECT_EQ(parse_error(" alice:$6$x$y\n"), "xauth.passwd:1: leading white space");
  EXPECT_EQ(parse_error(std::string(300, 'u') + ":$6$x$y\n"),
            "xauth.passwd:1: user name of 300 bytes (at most 255)");
  EXPECT_EQ(parse_error("a:$6$" + std::string(2000, 'x') + "\n"),
            "xauth.passwd:1: line of 2005 bytes (at most 1024)");
  EXPECT_EQ(parse_error(std::string(kMaxXauthFileSize + 1, '#')),
            "xauth.passwd: 1048577 bytes (at most 1048576)");
}

TEST(XauthPasswordFile, CapsTheNumberOfUsers) {
  std::string text;
  for (std::size_t i = 0; i <= kMaxXauthUsers; ++i) text += "u" + std::to_string(i) + ":!\n";
  EXPECT_EQ(parse_error(text), "xauth.passwd:10001: more than 10000 users");
}

TEST(XauthPasswordFile, ChecksPasswordsWithCrypt) {
  auto entries = parse_xauth_password_file(
      "alice:" + hash_of("wonder land") + "\nbob:" + hash_of("x", "$5$rounds=1000$abc$") +
          "\ncarol:!" + hash_of("c") + "\n",
      "f");
  ASSERT_TRUE(entries) << entries.error().detail;
  EXPECT_TRUE(xauth_check_password(*entries, "alice", secret("wonder land")));
  EXPECT_TRUE(xauth_check_password(*entries, "bob", secret("x")));
  auto wrong = xauth_check_password(*entries, "alice", secret("wonder lane"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, base::ErrorCode::Auth);
  EXPECT_EQ(wrong.error().detail, "XAUTH user \"alice\": wrong password");
  EXPECT_EQ(xauth_check_password(*entries, "dave", secret("x")).error().detail,
            "XAUTH user \"dave\": unknown user");
  EXPECT_EQ(xauth_check_password(*entries, "carol", secret("c")).error().detail,
            "XAUTH user \"carol\": account locked");
  // A prefix of the right password, or the password with a suffix, is wrong.
  EXPECT_FALSE(xauth_check_password(*entries, "alice", secret("wonder")));
  EXPECT_FALSE(xauth_check_password(*entries, "alice", secret("wonder land ")));
}

TEST(XauthBackendConfig, FromGeneral) {
  auto load = [](std::string text) {
    conf::ConfDb db;
    auto parsed = conf::parse_config(text, "t", db);
    EXPECT_TRUE(parsed);
    EXPECT_TRUE(db.commit(parsed->tx));
    return xauth_backend_config(db);
  };
  auto none = load("[General]\nRetransmits=3\n");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->kind, XauthBackendConfig::Kind::None);
  auto file = load("[General]\nXAuth-password-file=/etc/isakmpd/xauth.passwd\n");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->kind, XauthBackendConfig::Kind::File);
  EXPECT_EQ(file->password_file, "/etc/isakmpd/xauth.passwd");
  auto pam = load("[General]\nXAuth-backend=PAM\nXAuth-pam-service=vpn\n");
  ASSERT_TRUE(pam);
  EXPECT_EQ(pam->kind, XauthBackendConfig::Kind::Pam);
  EXPECT_EQ(pam->pam_service, "vpn");
  EXPECT_EQ(load("[General]\nXAuth-backend=ldap\n").error().detail,
            "[General]:XAuth-backend \"ldap\" unknown (file or pam)");
  EXPECT_EQ(load("[General]\nXAuth-backend=file\n").error().detail,
            "[General]:XAuth-backend=file without XAuth-password-file");
}

class XauthFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/xauth_backend.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = fs::canonical(tmpl).string();
    m_file = m_dir + "/xauth.passwd";
    { std::ofstream(m_file) << "alice:" << hash_of("wonder land") << "\n"; }
    ::chmod(m_file.c_str(), 0600);
  }
  void TearDown() override { fs::remove_all(m_dir); }
  std::string m_dir, m_file;
};

TEST_F(XauthFiles, VerifyReadsTheSecretFile) {
  XauthBackendConfig cfg;
  cfg.kind = XauthBackendConfig::Kind::File;
  cfg.password_file = m_file;
  const auto uid = static_cast<uint32_t>(::geteuid());
  EXPECT_TRUE(xauth_verify(cfg, "alice", secret("wonder land"), uid));
  EXPECT_EQ(xauth_verify(cfg, "alice", secret("nope"), uid).error().code, base::ErrorCode::Auth);
  EXPECT_FALSE(xauth_verify(cfg, "", secret("wonder land"), uid));
  // Group/other permissions: refused like every other secret file.
  ::chmod(m_file.c_str(), 0644);
  auto open = xauth_verify(cfg, "alice", secret("wonder land"), uid);
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().detail.find(m_file), std::string::npos) << open.error().detail;
  XauthBackendConfig none;
  EXPECT_EQ(xauth_verify(none, "alice", secret("x"), uid).error().code, base::ErrorCode::Config);
}

// PAM with a service file created (and removed) here: pam_permit accepts anyone, pam_deny
// nobody. Needs root to write /etc/pam.d.
class XauthPam : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0 || ::access("/etc/pam.d", W_OK) != 0) {
      GTEST_SKIP() << "needs root and a writable /etc/pam.d to install a test PAM service";
    }
    m_service = "ike-xauth-test-" + std::to_string(::getpid());
    m_path = "/etc/pam.d/" + m_service;
  }
  void TearDown() override {
    if (!m_path.empty()) ::unlink(m_path.c_str());
  }
  void install(const char* module) {
    std::ofstream(m_path) << "auth required " << module << "\naccount required " << module
                          << "\n";
  }
  std::string m_service, m_path;
};

TEST_F(XauthPam, PermitAndDeny) {
  install("pam_permit.so");
  EXPECT_TRUE(xauth_pam_verify(m_service, "alice", secret("anything")));
  install("pam_deny.so");
  auto denied = xauth_pam_verify(m_service, "alice", secret("anything"));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, base::ErrorCode::Auth);
  EXPECT_NE(denied.error().detail.find("pam_authenticate"), std::string::npos)
      << denied.error().detail;
  // Through the backend selection.
  XauthBackendConfig cfg;
  cfg.kind = XauthBackendConfig::Kind::Pam;
  cfg.pam_service = m_service;
  EXPECT_FALSE(xauth_verify(cfg, "alice", secret("anything"), 0));
  install("pam_permit.so");
  EXPECT_TRUE(xauth_verify(cfg, "alice", secret("anything"), 0));
}

TEST(XauthMonitorProtocol, RoundTripAndCaps) {
  privsep::XauthVerifyReq req{"alice", secret("wonder land")};
  auto enc = privsep::encode_request(req);
  ASSERT_TRUE(enc) << enc.error().detail;
  auto dec = privsep::decode_request(base::view(*enc));
  ASSERT_TRUE(dec) << dec.error().detail;
  auto* got = std::get_if<privsep::XauthVerifyReq>(&*dec);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->user, "alice");
  EXPECT_EQ(got->password, secret("wonder land"));
  EXPECT_FALSE(privsep::encode_request(privsep::XauthVerifyReq{std::string(256, 'u'), {}}));
  EXPECT_FALSE(privsep::encode_request(
      privsep::XauthVerifyReq{"alice", base::SecureBytes(256, 'p')}));
  // A hostile child: a 300-byte password (under the key cap of the codec) is refused.
  base::Bytes msg = *enc;
  base::Bytes body(msg.begin() + 8, msg.end());
  // body: u32 user length, user, u16 password length, password
  base::Bytes forged(msg.begin(), msg.begin() + 8);
  forged.insert(forged.end(), body.begin(), body.begin() + 4 + 5);
  forged.push_back(0x01);
  forged.push_back(0x2c);  // 300
  forged.insert(forged.end(), 300, 'p');
  const uint32_t len = static_cast<uint32_t>(forged.size() - 8);
  forged[4] = static_cast<uint8_t>(len >> 24);
  forged[5] = static_cast<uint8_t>(len >> 16);
  forged[6] = static_cast<uint8_t>(len >> 8);
  forged[7] = static_cast<uint8_t>(len);
  auto bad = privsep::decode_request(base::view(forged));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("password: length 300 > cap 255"), std::string::npos)
      << bad.error().detail;
}

TEST_F(XauthFiles, MonitorAnswersWithItsOwnBackend) {
  Options opts;
  opts.config_file = m_dir + "/isakmpd.conf";
  { std::ofstream(opts.config_file) << "[General]\nXAuth-password-file=" << m_file << "\n"; }
  ::chmod(opts.config_file.c_str(), 0600);
  opts.result_file = m_dir + "/result";
  opts.report_file = m_dir + "/report";
  opts.fifo_path = m_dir + "/fifo";
  opts.pid_file = m_dir + "/pid";
  int sv[2], ev[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ev), 0);
  crypto::DeterministicRandom rng{7};
  kernel::NullBackend backend{rng};
  Monitor monitor(opts, backend, sv[0], ev[0], static_cast<uint32_t>(::geteuid()));
  std::string fatal;
  auto client = std::make_unique<MonitorClient>(sv[1], ev[1],
                                                [&](const std::string& why) { fatal = why; });
  std::thread t([&] {
    while (monitor.serve_one()) {
    }
  });
  // The child's own ConfDb is ignored: an empty one here.
  conf::ConfDb child_conf;
  EXPECT_TRUE(client->verify_xauth(child_conf, "alice", secret("wonder land")));
  auto refused = client->verify_xauth(child_conf, "alice", secret("guess"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, base::ErrorCode::Auth);
  EXPECT_NE(refused.error().detail.find("wrong password"), std::string::npos)
      << refused.error().detail;
  client.reset();
  t.join();
  EXPECT_TRUE(fatal.empty()) << fatal;
}

}  // namespace
}  // namespace ike::daemon
