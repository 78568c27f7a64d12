// ikeload's RSA_SIG credentials (tools/ikeload/credentials.h) on the scripted test PKI: with
// --cert one store for every source address; with --ca-key a certificate per source address,
// issued by --ca, that names the address, verifies against the CA and is the one the engine
// picks for that address's ID; the option combinations --ca-key needs and excludes.
#include <gtest/gtest.h>

#include <ctime>
#include <set>
#include <string>
#include <vector>

#include "credentials.h"
#include "options.h"
#include "support/test_pki.h"
#include "wire/registry.h"

namespace ike::ikeload {
namespace {

using test::TestPki;

base::Result<Options> parse(std::vector<std::string> args) { return parse_options(args); }

std::vector<std::string> rsa_args(std::vector<std::string> extra) {
  std::vector<std::string> a{"--target", "10.99.1.2", "--auth", "rsa", "--count", "1",
                             "--key", TestPki::get().path("hosta/key.pem")};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

wire::IdPayload ipv4_id(const base::IpAddress& a) {
  wire::IdPayload id;
  id.id_type = static_cast<uint8_t>(wire::IdType::Ipv4Addr);
  id.data.assign(a.bytes().begin(), a.bytes().end());
  return id;
}

TEST(IkeloadCredentials, CaKeyOptionsNeedAndExclude) {
  const std::string ca = TestPki::get().path("ca/ca.crt");
  const std::string ca_key = TestPki::get().path("ca/ca.key");
  auto ok = parse(rsa_args({"--ca", ca, "--ca-key", ca_key}));
  ASSERT_TRUE(ok) << ok.error().detail;
  EXPECT_EQ(ok->ca_key_file, ca_key);
  struct Case { std::vector<std::string> args; const char* expect; };
  const Case cases[] = {
      {rsa_args({"--ca-key", ca_key}), "needs --ca"},
      {rsa_args({"--ca", ca, "--ca-key", ca_key, "--cert", "c.pem"}), "excludes --cert"},
      {rsa_args({"--ca", ca, "--ca-key", ca_key, "--id-fqdn", "a.test"}), "excludes --id-fqdn"},
      {rsa_args({}), "--cert"},
      {{"--target", "10.99.1.2", "--auth", "rsa", "--count", "1", "--cert", "c"}, "--key"},
      {{"--target", "10.99.1.2", "--psk", "k", "--count", "1", "--ca", ca, "--ca-key", ca_key},
       "needs --auth rsa"},
  };
  for (const Case& c : cases) {
    auto o = parse(c.args);
    ASSERT_FALSE(o) << c.expect;
    EXPECT_NE(o.error().detail.find(c.expect), std::string::npos) << o.error().detail;
  }
}

TEST(IkeloadCredentials, OneSharedStoreWithCert) {
  auto o = parse(rsa_args({"--cert", TestPki::get().path("hosta/cert.pem"), "--ca",
                           TestPki::get().path("ca/ca.crt")}));
  ASSERT_TRUE(o) << o.error().detail;
  std::vector<base::IpAddress> sources{*base::IpAddress::parse("10.0.0.1"),
                                       *base::IpAddress::parse("10.0.0.2")};
  auto stores = load_credentials(*o, sources, std::time(nullptr));
  ASSERT_TRUE(stores) << stores.error().detail;
  ASSERT_EQ(stores->size(), 2U);
  EXPECT_EQ((*stores)[0], (*stores)[1]);
  EXPECT_EQ((*stores)[0]->certificates.size(), 1U);
}

TEST(IkeloadCredentials, CaKeyIssuesACertificatePerSourceAddress) {
  auto o = parse(rsa_args({"--ca", TestPki::get().path("ca/ca.crt"), "--ca-key",
                           TestPki::get().path("ca/ca.key")}));
  ASSERT_TRUE(o) << o.error().detail;
  std::vector<base::IpAddress> sources;
  for (int i = 1; i <= 5; ++i) {
    sources.push_back(*base::IpAddress::parse("10.100.0." + std::to_string(i)));
  }
  const int64_t now = std::time(nullptr);
  auto stores = load_credentials(*o, sources, now);
  ASSERT_TRUE(stores) << stores.error().detail;
  ASSERT_EQ(stores->size(), sources.size());
  std::set<base::Bytes> serials_and_ders;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const engine::PkiStore& s = *(*stores)[i];
    ASSERT_EQ(s.certificates.size(), 1U);
    const crypto::Certificate& c = s.certificates[0];
    EXPECT_EQ(c.subject_text(), "CN=" + sources[i].to_string());
    ASSERT_EQ(c.alt_names().size(), 1U);
    EXPECT_EQ(c.alt_names()[0].value, base::Bytes(sources[i].bytes().begin(),
                                                  sources[i].bytes().end()));
    EXPECT_TRUE(s.trust.verify(c, {}, now).has_value());
    EXPECT_TRUE(s.trust.verify(c, {}, now + kIssuedValidityS - 60).has_value());
    EXPECT_FALSE(s.trust.verify(c, {}, now + kIssuedValidityS + 60).has_value());
    // The engine sends it as this address's certificate, signed with the one --key.
    auto mine = s.local_certificate(ipv4_id(sources[i]));
    ASSERT_TRUE(mine.has_value());
    EXPECT_EQ(mine->der(), c.der());
    EXPECT_FALSE(s.missing_signature_credential(ipv4_id(sources[i])).has_value());
    EXPECT_TRUE(engine::certificate_matches_id(c, ipv4_id(sources[i])).has_value());
    EXPECT_FALSE(engine::certificate_matches_id(c, ipv4_id(sources[(i + 1) % 5])).has_value());
    serials_and_ders.insert(c.der());
  }
  EXPECT_EQ(serials_and_ders.size(), sources.size());
  // A CA key that is not the CA's is named.
  o->ca_key_file = TestPki::get().path("hostb/key.pem");
  auto bad = load_credentials(*o, sources, now);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("does not belong to the CA certificate"), std::string::npos)
      << bad.error().detail;
}

}  // namespace
}  // namespace ike::ikeload
