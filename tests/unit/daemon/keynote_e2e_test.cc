// Two isakmpd processes on loopback with a KeyNote policy (isakmpd.policy(5)) on the
// responder, read through the privileged monitor when run as root:
//   accepting policy  -> the Quick Mode completes on both sides;
//   refusing policy   -> the responder logs "KeyNote policy result false", the initiator
//                        receives NO_PROPOSAL_CHOSEN, no phase 2;
//   policy file readable by others or missing -> the responder refuses to start (-K: starts);
//   a policy licensing only a key K, and a credential signed by K licensing the initiator's
//   pre-shared key in Credential-directory/127.0.0.1/credentials (the initiator's phase 1 ID)
//   -> the Quick Mode completes (read through the monitor's ListIdentityDirs); the same
//   credential under another identity -> NO_PROPOSAL_CHOSEN.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "e2e_support.h"
#include "policy/signature.h"

namespace ike_e2e {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using KeynoteE2E = DaemonTest;

// Responder B (127.0.0.2) protects 10.1.2.0/24 for A's 10.1.1.0/24.
std::string policy_requiring(const std::string& alg) {
  return "KeyNote-Version: 2\n"
         "Authorizer: \"POLICY\"\n"
         "Licensees: \"passphrase:e2e-pre-shared-key\"\n"
         "Conditions: app_domain == \"IPsec policy\" && esp_enc_alg == \"" + alg + "\" &&\n"
         "  remote_filter_addr_lower == \"010.001.001.000\" &&\n"
         "  remote_ike_address == \"127.000.000.001\" -> \"true\";\n";
}

struct Pair {
  Side a, b;
  // Each test its own ports (ctest runs the e2e tests in parallel); NAT-T ports are +100.
  Pair(const std::string& dir, uint16_t port)
      : a{"127.0.0.1", "127.0.0.2", dir, port, static_cast<uint16_t>(port + 1), "10.1.1.0",
          "10.1.2.0"},
        b{"127.0.0.2", "127.0.0.1", dir, static_cast<uint16_t>(port + 1), port, "10.1.2.0",
          "10.1.1.0"} {}
  // A without KeyNote (-K); B with its policy file.
  void write_configs(const std::string& policy, mode_t policy_mode = 0600) {
    write_private(a.file("conf"), config_for(a));
    std::string cb = config_for(b);
    cb.replace(cb.find("[General]\n"), 10, "[General]\nPolicy-file=" + b.file("policy") + "\n");
    write_private(b.file("conf"), cb);
    write_private(b.file("policy"), policy, policy_mode);
  }
};

bool started(const Side& s) {
  return wait_for([&] { return fs::exists(s.file("pid")); }, 10s);
}

TEST_F(KeynoteE2E, AcceptingPolicyLetsPhase2Complete) {
  Pair p(m_dir, 15201);
  p.write_configs(policy_requiring("aes"));
  Child da(daemon_args(p.a, {"-K"}), p.a.file("log"));
  Child db(daemon_args(p.b), p.b.file("log"));
  ASSERT_TRUE(started(p.a));
  ASSERT_TRUE(started(p.b));
  ASSERT_TRUE(send_command(p.a.file("fifo"), "c conn"));
  std::vector<std::string> results;
  ASSERT_TRUE(wait_phase2({&p.a, &p.b}, results)) << results[1];
  EXPECT_NE(slurp(p.b.file("log")).find("KeyNote policy " + p.b.file("policy") +
                                        ": 1 assertions"),
            std::string::npos);
}

TEST_F(KeynoteE2E, RefusingPolicyAnswersNoProposalChosen) {
  Pair p(m_dir, 15211);
  p.write_configs(policy_requiring("3des"));
  Child da(daemon_args(p.a, {"-K"}), p.a.file("log"));
  Child db(daemon_args(p.b), p.b.file("log"));
  ASSERT_TRUE(started(p.a));
  ASSERT_TRUE(started(p.b));
  ASSERT_TRUE(send_command(p.a.file("fifo"), "c conn"));
  ASSERT_TRUE(wait_for(
      [&] { return slurp(p.a.file("log")).find("NO_PROPOSAL_CHOSEN") != std::string::npos; },
      20s))
      << slurp(p.a.file("log"));
  EXPECT_NE(slurp(p.b.file("log")).find("KeyNote policy result false"), std::string::npos);
  EXPECT_EQ(slurp(p.b.file("log")).find("e2e-pre-shared-key"), std::string::npos);
  send_command(p.b.file("fifo"), "S");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(slurp(p.b.file("result")).find("SA name: conn (Phase 2)"), std::string::npos);
}

TEST_F(KeynoteE2E, PolicyReadableByOthersStopsStartUp) {
  Pair p(m_dir, 15221);
  p.write_configs(policy_requiring("aes"), 0644);
  Child db(daemon_args(p.b), p.b.file("log"));
  auto rc = db.wait_exit(10s);
  ASSERT_TRUE(rc.has_value());
  EXPECT_NE(*rc, 0);
  EXPECT_NE(slurp(p.b.file("log")).find("Policy-file"), std::string::npos)
      << slurp(p.b.file("log"));
}

// KeyNote on (no -K) and the policy file missing: the daemon does not start and says how to
// proceed; with -K the same configuration starts.
TEST_F(KeynoteE2E, MissingPolicyStopsStartUpUnlessK) {
  Pair p(m_dir, 15231);
  p.write_configs(policy_requiring("aes"));
  fs::remove(p.b.file("policy"));
  Child db(daemon_args(p.b), p.b.file("log"));
  auto rc = db.wait_exit(10s);
  ASSERT_TRUE(rc.has_value());
  EXPECT_NE(*rc, 0);
  std::string log = slurp(p.b.file("log"));
  EXPECT_NE(log.find("KeyNote policy file " + p.b.file("policy") + " does not exist"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("-K or [General]:Use-Keynote=no"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(p.b.file("pid")));
  Child dk(daemon_args(p.b, {"-K"}), p.b.file("log2"));
  EXPECT_TRUE(started(p.b)) << slurp(p.b.file("log2"));
}

// POLICY licenses K; K's credential licenses A's pre-shared key for ESP AES from 10.1.1.0/24.
struct KeyDelegation {
  std::string policy, credential;
};
KeyDelegation key_delegation() {
  EVP_PKEY* k = EVP_RSA_gen(1024);
  unsigned char* der = nullptr;
  int n = i2d_PrivateKey(k, &der);
  ike::base::Bytes key(der, der + n);
  OPENSSL_free(der);
  EVP_PKEY_free(k);
  std::string principal = *ike::policy::rsa_key_principal(ike::base::view(key));
  KeyDelegation d;
  d.policy = "KeyNote-Version: 2\nAuthorizer: \"POLICY\"\nLicensees: \"" + principal +
             "\"\nConditions: app_domain == \"IPsec policy\" -> \"true\";\n";
  d.credential = *ike::policy::sign_assertion(
      "Authorizer: \"" + principal +
          "\"\nLicensees: \"passphrase:e2e-pre-shared-key\"\n"
          "Conditions: esp_enc_alg == \"aes\" &&\n"
          "  remote_filter_addr_lower == \"010.001.001.000\" -> \"true\";\nSignature:",
      ike::policy::SigAlg::RsaSha256Hex, ike::base::view(key));
  return d;
}

void write_identity_setup(Pair& p, const std::string& dir, const std::string& identity) {
  KeyDelegation d = key_delegation();
  p.write_configs(d.policy);
  std::string cb = slurp(p.b.file("conf"));
  write_private(p.b.file("conf"), cb + "\n[KeyNote]\nCredential-directory=" + dir + "\n");
  fs::create_directories(dir + "/" + identity);
  ::chmod((dir + "/" + identity).c_str(), 0755);
  write_private(dir + "/" + identity + "/credentials", d.credential, 0644);
}

TEST_F(KeynoteE2E, IdentityCredentialLetsPhase2Complete) {
  Pair p(m_dir, 15241);
  write_identity_setup(p, m_dir + "/keynote", "127.0.0.1");
  Child da(daemon_args(p.a, {"-K"}), p.a.file("log"));
  Child db(daemon_args(p.b), p.b.file("log"));
  ASSERT_TRUE(started(p.a));
  ASSERT_TRUE(started(p.b)) << slurp(p.b.file("log"));
  EXPECT_NE(slurp(p.b.file("log")).find("1 for 1 identities"), std::string::npos)
      << slurp(p.b.file("log"));
  ASSERT_TRUE(send_command(p.a.file("fifo"), "c conn"));
  std::vector<std::string> results;
  ASSERT_TRUE(wait_phase2({&p.a, &p.b}, results)) << results[1] << slurp(p.b.file("log"));
}

TEST_F(KeynoteE2E, IdentityCredentialOfAnotherPeerDoesNotCount) {
  Pair p(m_dir, 15251);
  write_identity_setup(p, m_dir + "/keynote", "127.0.0.9");
  Child da(daemon_args(p.a, {"-K"}), p.a.file("log"));
  Child db(daemon_args(p.b), p.b.file("log"));
  ASSERT_TRUE(started(p.a));
  ASSERT_TRUE(started(p.b)) << slurp(p.b.file("log"));
  ASSERT_TRUE(send_command(p.a.file("fifo"), "c conn"));
  ASSERT_TRUE(wait_for(
      [&] { return slurp(p.a.file("log")).find("NO_PROPOSAL_CHOSEN") != std::string::npos; },
      20s))
      << slurp(p.a.file("log"));
  EXPECT_NE(slurp(p.b.file("log")).find("KeyNote policy result false"), std::string::npos);
}

}  // namespace
}  // namespace ike_e2e
