// The EXAMPLES of docs/man/isakmpd.policy.5, read from the man page itself (the .Bd -literal
// blocks, in order), each accepting and refusing what its sentence in the page says.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "policy/ipsec_attributes.h"
#include "test_util.h"

namespace ike::policy {
namespace {

std::vector<std::string> man_examples() {
  std::ifstream f(std::string(IKE_SOURCE_DIR) + "/docs/man/isakmpd.policy.5");
  EXPECT_TRUE(f.good());
  std::vector<std::string> out;
  std::string line, cur;
  bool in = false;
  while (std::getline(f, line)) {
    if (line.rfind(".Bd -literal", 0) == 0) {
      in = true;
      cur.clear();
    } else if (in && line == ".Ed") {
      in = false;
      out.push_back(cur);
    } else if (in) {
      for (std::size_t p; (p = line.find("\\&")) != std::string::npos;) line.erase(p, 2);
      cur += line + "\n";
    }
  }
  return out;
}

using Attrs = std::map<std::string, std::string>;

class ManExamples : public ::testing::Test {
 protected:
  void SetUp() override {
    m_examples = man_examples();
    ASSERT_EQ(m_examples.size(), 6u);
  }
  std::string run(std::size_t k, Attrs a, std::vector<std::string> who) {
    a["app_domain"] = "IPsec policy";
    return test::decide(test::policy_from(m_examples[k]), std::move(a), std::move(who));
  }
  std::vector<std::string> m_examples;
};

TEST_F(ManExamples, PassphraseAnyEncryptingEsp) {
  const std::vector<std::string> peer = passphrase_principals("mekmitasdigoat");
  EXPECT_EQ(run(0, {{"esp_present", "yes"}, {"esp_enc_alg", "aes"}}, peer), "true");
  EXPECT_EQ(run(0, {{"esp_present", "yes"}, {"esp_enc_alg", "null"}}, peer), "false");
  EXPECT_EQ(run(0, {{"esp_present", "no"}, {"ah_present", "yes"}}, peer), "false");
  EXPECT_EQ(run(0, {{"esp_present", "yes"}, {"esp_enc_alg", "aes"}},
                passphrase_principals("guess")),
            "false");
  // isakmpd also offers the key's digests as principals; only the MD5 form here.
  EXPECT_EQ(run(0, {{"esp_present", "yes"}, {"esp_enc_alg", "3des"}}, {peer[1]}), "false");
}

TEST_F(ManExamples, CertificateSubjectAes256Pfs) {
  const std::vector<std::string> dn{"DN:/C=CA/L=Toronto/O=Example/CN=gw.example.org"};
  Attrs good{{"pfs", "yes"}, {"esp_enc_alg", "aes"}, {"esp_key_length", "256"}};
  EXPECT_EQ(run(1, good, dn), "true");
  Attrs short_key = good;
  short_key["esp_key_length"] = "128";
  EXPECT_EQ(run(1, short_key, dn), "false");
  Attrs no_pfs = good;
  no_pfs["pfs"] = "no";
  EXPECT_EQ(run(1, no_pfs, dn), "false");
  EXPECT_EQ(run(1, good, {"DN:/C=CA/L=Toronto/O=Example/CN=other.example.org"}), "false");
}

TEST_F(ManExamples, SubnetOnly) {
  auto who = passphrase_principals("foobar");
  Attrs in{{"remote_filter_type", "IPv4 subnet"},
           {"remote_filter_addr_lower", "192.168.001.000"},
           {"remote_filter_addr_upper", "192.168.001.255"}};
  EXPECT_EQ(run(2, in, who), "true");
  Attrs wider = in;
  wider["remote_filter_addr_lower"] = "192.168.000.000";
  wider["remote_filter_addr_upper"] = "192.168.255.255";
  EXPECT_EQ(run(2, wider, who), "false");
  Attrs host{{"remote_filter_type", "IPv4 address"},
             {"remote_filter_addr_lower", "192.168.001.005"},
             {"remote_filter_addr_upper", "192.168.001.005"}};
  EXPECT_EQ(run(2, host, who), "false");
  Attrs neighbour = in;  // 192.168.10.0/24 sorts inside without zero padding
  neighbour["remote_filter_addr_lower"] = "192.168.010.000";
  neighbour["remote_filter_addr_upper"] = "192.168.010.255";
  EXPECT_EQ(run(2, neighbour, who), "false");
}

TEST_F(ManExamples, Year2026Only) {
  auto who = passphrase_principals("foobar");
  EXPECT_EQ(run(3, {{"GMTTimeOfDay", "20260615120000"}}, who), "true");
  EXPECT_EQ(run(3, {{"GMTTimeOfDay", "20251231235959"}}, who), "false");
  EXPECT_EQ(run(3, {{"GMTTimeOfDay", "20270101000000"}}, who), "false");
}

TEST_F(ManExamples, ConstantsAndRegex) {
  Attrs branch{{"remote_id_type", "FQDN"}, {"remote_id", "gw1.branch.example.org"}};
  EXPECT_EQ(run(4, branch, passphrase_principals("admin-secret")), "true");
  EXPECT_EQ(run(4, branch, passphrase_principals("branch-secret")), "true");
  EXPECT_EQ(run(4, branch, passphrase_principals("other")), "false");
  Attrs evil{{"remote_id_type", "FQDN"}, {"remote_id", "gw1.branch.example.org.evil.com"}};
  EXPECT_EQ(run(4, evil, passphrase_principals("admin-secret")), "false");
  Attrs addr{{"remote_id_type", "IPv4 address"}, {"remote_id", "gw1.branch.example.org"}};
  EXPECT_EQ(run(4, addr, passphrase_principals("admin-secret")), "false");
}

TEST_F(ManExamples, AlgorithmsAndLifetime) {
  auto who = passphrase_principals("foobar");
  Attrs ok{{"esp_enc_alg", "3des"}, {"esp_auth_alg", "hmac-sha2-256"},
           {"esp_life_seconds", "3600"}};
  EXPECT_EQ(run(5, ok, who), "true");
  Attrs longer = ok;
  longer["esp_life_seconds"] = "7200";
  EXPECT_EQ(run(5, longer, who), "false");
  Attrs sha1 = ok;
  sha1["esp_auth_alg"] = "hmac-sha";
  EXPECT_EQ(run(5, sha1, who), "false");
  Attrs blowfish = ok;
  blowfish["esp_enc_alg"] = "blowfish";
  EXPECT_EQ(run(5, blowfish, who), "false");
}

}  // namespace
}  // namespace ike::policy
