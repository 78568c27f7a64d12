// PKI file loading (pki_loader.h) from temporary directories configured through the isakmpd.conf
// tags: CA/Cert/CRL directories, the mode-checked Private-key, Accept-self-signed, and
// Pubkey-directory names (IPv6 canonicalised, bad files skipped); EC keys (ECDSA_256/384/521,
// RFC 4754) in each of them.
#include "daemon/pki_loader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "conf/config_file.h"
#include "support/test_pki.h"

namespace ike::daemon {
namespace {

namespace fs = std::filesystem;
using test::TestPki;

class PkiLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ike-pkild-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    m_dir = tmpl;
    for (const char* d : {"ca", "certs", "crls", "private", "pubkeys/ipv4", "pubkeys/ipv6",
                          "pubkeys/fqdn"}) {
      fs::create_directories(m_dir / d);
    }
    copy("ca/ca.crt", "ca/ca.crt");
    copy("crls/ca.crl", "crls/ca.crl");
    copy("hosta/cert.pem", "certs/hosta.pem");
    copy("hostb/cert.pem", "certs/hostb.pem");
    copy("hosta/key.pem", "private/local.key");
    chmod((m_dir / "private/local.key").c_str(), 0600);
    copy("hostb/pub.pem", "pubkeys/ipv4/10.0.0.2");
    copy("hostv6/pub.pem", "pubkeys/ipv6/fd00:0:0::1");
    copy("hostb/pub.pem", "pubkeys/fqdn/b.example.org");
    std::ofstream(m_dir / "pubkeys/fqdn/broken.example.org") << "not a key\n";
    std::ofstream(m_dir / "ca/junk.pem") << "junk\n";
  }
  void TearDown() override { fs::remove_all(m_dir); }

  void copy(const std::string& from, const std::string& to) {
    fs::copy_file(TestPki::get().path(from), m_dir / to, fs::copy_options::overwrite_existing);
  }
  conf::ConfDb conf(const std::string& extra = "") {
    std::string d = m_dir.string();
    std::string text = "[General]\nPubkey-directory=" + d + "/pubkeys\n\n[X509-certificates]\n" +
                       "CA-directory=" + d + "/ca/\nCert-directory=" + d + "/certs/\n" +
                       "CRL-directory=" + d + "/crls/\nPrivate-key=" + d +
                       "/private/local.key\n" + extra;
    conf::ConfDb db;
    auto r = conf::load_config_text(text, "test", db);
    EXPECT_TRUE(r.has_value()) << r.error().detail;
    return db;
  }
  fs::path m_dir;
};

TEST_F(PkiLoaderTest, LoadsEverythingFromTheConfiguredPaths) {
  conf::ConfDb db = conf();
  auto pki = load_pki(db);
  EXPECT_EQ(pki->trust.ca_count(), 1u);  // junk.pem skipped
  EXPECT_EQ(pki->trust.crl_count(), 1u);
  EXPECT_EQ(pki->certificates.size(), 2u);
  ASSERT_TRUE(pki->private_key.has_value());
  EXPECT_FALSE(pki->trust.accept_self_signed());
  // The IPv6 file name is matched in canonical form; the broken key file is skipped.
  EXPECT_EQ(pki->pubkeys.size(), 3u);
  EXPECT_EQ(pki->pubkeys.count("ipv6/fd00::1"), 1u);
  EXPECT_EQ(pki->pubkeys.count("ipv4/10.0.0.2"), 1u);
  EXPECT_EQ(pki->pubkeys.count("fqdn/b.example.org"), 1u);
  // Our certificate is the one for local.key.
  wire::IdPayload id;
  id.id_type = 1;
  id.data = {10, 0, 0, 1};
  auto local = pki->local_certificate(id);
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(local->subject_text(), "CN=10.0.0.1,O=ike-test");
}

TEST_F(PkiLoaderTest, PrivateKeyMustBePrivate) {
  chmod((m_dir / "private/local.key").c_str(), 0644);
  conf::ConfDb db = conf();
  EXPECT_FALSE(load_pki(db)->private_key.has_value());
}

TEST_F(PkiLoaderTest, MissingFilesAreNotErrors) {
  fs::remove_all(m_dir / "ca");
  fs::remove(m_dir / "private/local.key");
  conf::ConfDb db = conf("Accept-self-signed=yes\n");
  auto pki = load_pki(db);
  EXPECT_EQ(pki->trust.ca_count(), 0u);
  EXPECT_FALSE(pki->private_key.has_value());
  EXPECT_TRUE(pki->trust.accept_self_signed());
}

// [X509-certificates]:Private-key-directory: one key per local ID, the file named after the ID
// (IPv6 canonicalised), mode-checked like Private-key; local.key and non-key files are skipped.
TEST_F(PkiLoaderTest, PrivateKeyDirectoryKeysByIdModeChecked) {
  copy("hostb/key.pem", "private/10.0.0.2");
  chmod((m_dir / "private/10.0.0.2").c_str(), 0600);
  copy("hostv6/key.pem", "private/fd00:0::1");
  chmod((m_dir / "private/fd00:0::1").c_str(), 0600);
  copy("hostb/key.pem", "private/b.example.org");
  chmod((m_dir / "private/b.example.org").c_str(), 0644);  // readable by others: refused
  std::ofstream(m_dir / "private/10.0.0.1.csr") << "-----BEGIN CERTIFICATE REQUEST-----\n";
  chmod((m_dir / "private/10.0.0.1.csr").c_str(), 0600);
  conf::ConfDb db = conf("Private-key-directory=" + (m_dir / "private").string() + "/\n");
  auto pki = load_pki(db);
  ASSERT_TRUE(pki->private_key.has_value());
  EXPECT_EQ(pki->id_private_keys.size(), 2u);
  EXPECT_EQ(pki->id_private_keys.count("10.0.0.2"), 1u);
  EXPECT_EQ(pki->id_private_keys.count("fd00::1"), 1u);
  EXPECT_EQ(pki->id_private_keys.count("b.example.org"), 0u);
  EXPECT_EQ(pki->id_private_keys.count("local.key"), 0u);
  // The engine signs as 10.0.0.2 with hostb's key and picks hostb's certificate.
  wire::IdPayload id;
  id.id_type = 1;
  id.data = {10, 0, 0, 2};
  auto local = pki->local_certificate(id);
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(local->subject_text(), "CN=10.0.0.2,O=ike-test");
  id.data = {10, 0, 0, 1};
  EXPECT_EQ(pki->private_key_for(id), &*pki->private_key);
}

// EC keys: Private-key, Private-key-directory and Pubkey-directory entries that are EC keys are
// kept apart from the RSA ones; our certificate for an ECDSA method is the EC one.
TEST_F(PkiLoaderTest, EcKeysForEcdsa) {
  copy("ec384a/key.pem", "private/local.key");
  chmod((m_dir / "private/local.key").c_str(), 0600);
  copy("ec256b/key.pem", "private/10.0.0.2");
  chmod((m_dir / "private/10.0.0.2").c_str(), 0600);
  copy("ec384a/cert.pem", "certs/ec384a.pem");
  copy("ec521b/pub.pem", "pubkeys/ipv4/10.0.0.9");
  conf::ConfDb db = conf("Private-key-directory=" + (m_dir / "private").string() + "/\n");
  auto pki = load_pki(db);
  EXPECT_FALSE(pki->private_key.has_value());
  ASSERT_TRUE(pki->ec_private_key.has_value());
  EXPECT_EQ(pki->ec_private_key->curve(), crypto::EcdsaCurve::P384);
  ASSERT_EQ(pki->id_ec_private_keys.count("10.0.0.2"), 1u);
  EXPECT_EQ(pki->id_ec_private_keys.at("10.0.0.2").curve(), crypto::EcdsaCurve::P256);
  EXPECT_TRUE(pki->id_private_keys.empty());
  ASSERT_EQ(pki->ec_pubkeys.count("ipv4/10.0.0.9"), 1u);
  EXPECT_EQ(pki->ec_pubkeys.at("ipv4/10.0.0.9").curve(), crypto::EcdsaCurve::P521);
  EXPECT_EQ(pki->pubkeys.count("ipv4/10.0.0.9"), 0u);
  wire::IdPayload id;
  id.id_type = 1;
  id.data = {10, 0, 0, 1};
  auto local = pki->local_certificate(id, 10);  // ECDSA_384
  ASSERT_TRUE(local.has_value());
  EXPECT_TRUE(local->ecdsa_public_key().has_value());
  EXPECT_FALSE(pki->local_certificate(id).has_value());  // no RSA key any more
  EXPECT_FALSE(pki->missing_signature_credential(id, 10).has_value());
  EXPECT_TRUE(pki->missing_signature_credential(id, 9).has_value());
  id.data = {10, 0, 0, 2};
  EXPECT_FALSE(pki->missing_signature_credential(id, 9).has_value());  // the per-ID P-256 key
}

TEST_F(PkiLoaderTest, SendCertificateTag) {
  EXPECT_EQ(load_pki(conf())->send_certificate, engine::SendCertificate::Always);
  EXPECT_EQ(load_pki(conf("Send-certificate=if-requested\n"))->send_certificate,
            engine::SendCertificate::IfRequested);
  EXPECT_EQ(load_pki(conf("Send-certificate=Never\n"))->send_certificate,
            engine::SendCertificate::Never);
  EXPECT_EQ(load_pki(conf("Send-certificate=sometimes\n"))->send_certificate,
            engine::SendCertificate::Always);
}

}  // namespace
}  // namespace ike::daemon
