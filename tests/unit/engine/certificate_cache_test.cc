// CertificateCache tests (certificate_cache.h) and its use by verify_phase1_signature
// (auth_signature.h): a repeated CERT chain is parsed and verified once, and nothing that would
// fail a full verification passes from the cache: a changed chain or certificate, a certificate
// expired (or not yet valid) at the injected wall clock, a changed CA or CRL set, another method,
// a wrong signature, an ID the certificate does not carry. The tables are bounded (LRU).
#include "engine/certificate_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <deque>

#include "base/hex.h"
#include "engine/auth_signature.h"
#include "policy/signature.h"
#include "support/test_pki.h"
#include "wire/registry.h"

namespace ike::engine {
namespace {

using test::TestPki;
constexpr uint8_t kX509 = 4;
constexpr auto kEcdsa256 = static_cast<uint16_t>(wire::IkeAuthMethod::EcdsaSha256);

crypto::Certificate pem_cert(const std::string& rel) {
  return crypto::Certificate::from_pem(TestPki::get().read(rel))->front();
}

wire::IdPayload ipv4_id(std::initializer_list<uint8_t> a) {
  wire::IdPayload id;
  id.id_type = static_cast<uint8_t>(wire::IdType::Ipv4Addr);
  id.data = a;
  return id;
}

const base::Bytes kHash(20, 0x5a);  // HASH_I stand-in (SHA-1 length)

// What a peer `host` sends: its CERT and SIG over kHash.
struct Peer {
  wire::CertPayload cert;
  wire::SigPayload sig;
  explicit Peer(const std::string& host) {
    cert = wire::CertPayload{kX509, pem_cert(host + "/cert.pem").der()};
    auto key = crypto::rsa_private_key_from_pem(TestPki::get().read(host + "/key.pem"));
    sig.data = crypto::rsa_sign_ike(*key, base::view(kHash)).value();
  }
};

struct CertCacheAuth : ::testing::Test {
  std::shared_ptr<PkiStore> pki = std::make_shared<PkiStore>();
  int64_t clock = 0;
  CertCacheAuth() {
    pki->trust.add_ca(pem_cert("ca/ca.crt"));  // the test PKI exists from here on
    clock = static_cast<int64_t>(std::time(nullptr));
    pki->wall_clock = [this] { return clock; };
  }
  base::Result<std::string> verify(const wire::CertPayload& cert, const wire::SigPayload& sig,
                                   const wire::IdPayload& id, uint16_t method = kRsaSigMethod) {
    const wire::CertPayload* certs[] = {&cert};
    return verify_phase1_signature(pki.get(), id, certs, sig, base::view(kHash), nullptr,
                                   method);
  }
  CertificateCache::Stats stats() const { return pki->cert_cache->stats(); }
};

void expect_error(const base::Result<std::string>& r, base::NotifyType n, const std::string& what) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().notify, n) << r.error().detail;
  EXPECT_NE(r.error().detail.find(what), std::string::npos) << r.error().detail;
}

TEST_F(CertCacheAuth, RepeatedChainIsParsedAndVerifiedOnce) {
  Peer a("hosta");
  for (int i = 0; i < 3; ++i) {
    auto r = verify(a.cert, a.sig, ipv4_id({10, 0, 0, 1}));
    ASSERT_TRUE(r.has_value()) << r.error().detail;
  }
  auto s = stats();
  EXPECT_EQ(s.parse_misses, 1u);
  EXPECT_EQ(s.parse_hits, 2u);
  EXPECT_EQ(s.chain_misses, 1u);
  EXPECT_EQ(s.chain_hits, 2u);
  EXPECT_EQ(s.chain_entries, 1u);
  // Another peer is its own entry.
  Peer b("hostb");
  ASSERT_TRUE(verify(b.cert, b.sig, ipv4_id({10, 0, 0, 2})).has_value());
  EXPECT_EQ(stats().chain_entries, 2u);
  EXPECT_EQ(stats().chain_misses, 2u);
}

// The KeyNote principals of a verified certificate: "DN:" + the subject (taken from the parsed
// certificate, computed once) is exactly policy::dn_principal of the subject DER, on the first
// verification and on a cached one.
TEST_F(CertCacheAuth, PrincipalsAreTheSubjectDnAndTheKey) {
  for (const auto& [host, id] : {std::pair{"hosta", ipv4_id({10, 0, 0, 1})},
                                 std::pair{"hostb", ipv4_id({10, 0, 0, 2})}}) {
    Peer p(host);
    const crypto::Certificate cert = pem_cert(std::string(host) + "/cert.pem");
    const std::string dn = policy::dn_principal(base::view(cert.subject_der()));
    ASSERT_TRUE(dn.starts_with("DN:/")) << dn;
    EXPECT_EQ("DN:" + cert.subject_oneline(), dn);
    for (int i = 0; i < 2; ++i) {
      std::vector<std::string> principals;
      const wire::CertPayload* certs[] = {&p.cert};
      auto r = verify_phase1_signature(pki.get(), id, certs, p.sig, base::view(kHash),
                                       &principals, kRsaSigMethod);
      ASSERT_TRUE(r.has_value()) << r.error().detail;
      ASSERT_EQ(principals.size(), 2u);
      EXPECT_EQ(principals[0], dn);
      EXPECT_EQ(principals[1], "rsa-hex:" + base::to_hex(base::view(cert.spki_der())));
    }
  }
  EXPECT_EQ(stats().chain_hits, 2u);
}

TEST_F(CertCacheAuth, SignatureAndIdAreCheckedOnEveryHit) {
  Peer a("hosta");
  ASSERT_TRUE(verify(a.cert, a.sig, ipv4_id({10, 0, 0, 1})).has_value());
  wire::SigPayload bad = a.sig;
  bad.data[10] ^= 1;
  expect_error(verify(a.cert, bad, ipv4_id({10, 0, 0, 1})), base::NotifyType::InvalidSignature,
               "does not verify");
  // hostb's signature with hosta's (cached) certificate.
  expect_error(verify(a.cert, Peer("hostb").sig, ipv4_id({10, 0, 0, 1})),
               base::NotifyType::InvalidSignature, "does not verify");
  expect_error(verify(a.cert, a.sig, ipv4_id({10, 0, 0, 2})),
               base::NotifyType::InvalidIdInformation, "not in certificate");
  EXPECT_EQ(stats().chain_hits, 2u);  // both signature failures came from the cached chain
}

TEST_F(CertCacheAuth, ChangedCertificateIsVerifiedInFull) {
  Peer a("hosta");
  ASSERT_TRUE(verify(a.cert, a.sig, ipv4_id({10, 0, 0, 1})).has_value());
  // One bit of the CA's signature flipped: still parses, must not verify.
  wire::CertPayload tampered = a.cert;
  tampered.data[tampered.data.size() - 5] ^= 0x01;
  expect_error(verify(tampered, a.sig, ipv4_id({10, 0, 0, 1})),
               base::NotifyType::InvalidCertificate, "signature failure");
  // A self-signed certificate for another address is not trusted either, cached or not.
  Peer self("self");
  expect_error(verify(self.cert, self.sig, ipv4_id({10, 0, 0, 4})),
               base::NotifyType::InvalidCertificate, "");
  // Extra untrusted chain material makes it another chain: verified again, not a hit.
  const uint64_t hits = stats().chain_hits;
  wire::CertPayload extra{kX509, pem_cert("hostb/cert.pem").der()};
  const wire::CertPayload* certs[] = {&a.cert, &extra};
  ASSERT_TRUE(verify_phase1_signature(pki.get(), ipv4_id({10, 0, 0, 1}), certs, a.sig,
                                      base::view(kHash))
                  .has_value());
  EXPECT_EQ(stats().chain_hits, hits);
  EXPECT_EQ(stats().chain_entries, 2u);
}

TEST_F(CertCacheAuth, ExpiredOrNotYetValidAtTheInjectedClock) {
  Peer a("hosta");
  const int64_t start = clock;
  ASSERT_TRUE(verify(a.cert, a.sig, ipv4_id({10, 0, 0, 1})).has_value());
  clock = start + 31 * 86400;  // past the 30-day validity
  expect_error(verify(a.cert, a.sig, ipv4_id({10, 0, 0, 1})),
               base::NotifyType::InvalidCertificate, "expired");
  EXPECT_EQ(stats().chain_expired, 1u);
  EXPECT_EQ(stats().chain_entries, 0u);  // dropped, and the failure is not stored
  clock = start - 2 * 86400;  // before notBefore
  expect_error(verify(a.cert, a.sig, ipv4_id({10, 0, 0, 1})),
               base::NotifyType::InvalidCertificate, "not yet valid");
  clock = start;
  ASSERT_TRUE(verify(a.cert, a.sig, ipv4_id({10, 0, 0, 1})).has_value());
  clock = start - 2 * 86400;  // the clock stepped back after caching
  expect_error(verify(a.cert, a.sig, ipv4_id({10, 0, 0, 1})),
               base::NotifyType::InvalidCertificate, "not yet valid");
}

TEST_F(CertCacheAuth, ChangedCaSetDropsVerifiedChains) {
  Peer a("hosta");
  ASSERT_TRUE(verify(a.cert, a.sig, ipv4_id({10, 0, 0, 1})).has_value());
  // A CA set without the issuing CA (a reload that removed it): nothing may come from the cache.
  pki->trust = crypto::TrustStore();
  pki->trust.add_ca(pem_cert("ca2/ca.crt"));
  expect_error(verify(a.cert, a.sig, ipv4_id({10, 0, 0, 1})),
               base::NotifyType::InvalidCertificate, "unable to get local issuer");
  EXPECT_EQ(stats().generation_flushes, 1u);
  EXPECT_EQ(stats().chain_entries, 0u);
  // Adding a CA is a new generation too: verified again (and now succeeds).
  pki->trust.add_ca(pem_cert("ca/ca.crt"));
  const uint64_t misses = stats().chain_misses;
  ASSERT_TRUE(verify(a.cert, a.sig, ipv4_id({10, 0, 0, 1})).has_value());
  EXPECT_EQ(stats().chain_misses, misses + 1);
}

TEST_F(CertCacheAuth, CrlLoadedAfterCachingRevokes) {
  Peer r("revoked");
  ASSERT_TRUE(verify(r.cert, r.sig, ipv4_id({10, 0, 0, 3})).has_value());  // no CRL yet
  ASSERT_TRUE(pki->trust.add_crl_pem(TestPki::get().read("crls/ca.crl")).has_value());
  expect_error(verify(r.cert, r.sig, ipv4_id({10, 0, 0, 3})),
               base::NotifyType::InvalidCertificate, "revoked");
  // Accept-self-signed is part of the key as well.
  Peer self("self");
  expect_error(verify(self.cert, self.sig, ipv4_id({10, 0, 0, 4})),
               base::NotifyType::InvalidCertificate, "");
  pki->trust.set_accept_self_signed(true);
  ASSERT_TRUE(verify(self.cert, self.sig, ipv4_id({10, 0, 0, 4})).has_value());
  pki->trust.set_accept_self_signed(false);
  expect_error(verify(self.cert, self.sig, ipv4_id({10, 0, 0, 4})),
               base::NotifyType::InvalidCertificate, "");
}

TEST_F(CertCacheAuth, MethodIsPartOfTheKey) {
  Peer a("hosta");
  ASSERT_TRUE(verify(a.cert, a.sig, ipv4_id({10, 0, 0, 1})).has_value());
  // The RSA certificate verified for RSA_SIG is no key for ECDSA_256.
  expect_error(verify(a.cert, a.sig, ipv4_id({10, 0, 0, 1}), kEcdsa256),
               base::NotifyType::InvalidCertificate, "not an ECDSA");
  // An EC certificate: cached for ECDSA_256, still refused for RSA_SIG.
  wire::CertPayload ec{kX509, pem_cert("ec256a/cert.pem").der()};
  auto eckey = crypto::ecdsa_private_key_from_pem(TestPki::get().read("ec256a/key.pem"));
  ASSERT_TRUE(eckey.has_value());
  base::Bytes h32(32, 0x11);
  wire::SigPayload ecsig{crypto::ecdsa_sign_ike(*eckey, kEcdsa256, base::view(h32)).value()};
  const wire::CertPayload* certs[] = {&ec};
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(verify_phase1_signature(pki.get(), ipv4_id({10, 0, 0, 1}), certs, ecsig,
                                        base::view(h32), nullptr, kEcdsa256)
                    .has_value());
  }
  EXPECT_FALSE(verify_phase1_signature(pki.get(), ipv4_id({10, 0, 0, 1}), certs, ecsig,
                                       base::view(h32), nullptr, kRsaSigMethod)
                   .has_value());
}

TEST(CertificateCache, TablesAreBoundedLru) {
  CertificateCache cache(2);
  const auto a = pem_cert("hosta/cert.pem").der(), b = pem_cert("hostb/cert.pem").der(),
             c = pem_cert("multi/cert.pem").der();
  ASSERT_TRUE(cache.parse(base::view(a)).has_value());
  ASSERT_TRUE(cache.parse(base::view(b)).has_value());
  ASSERT_TRUE(cache.parse(base::view(a)).has_value());  // a is now the most recent
  ASSERT_TRUE(cache.parse(base::view(c)).has_value());  // evicts b
  EXPECT_EQ(cache.stats().parsed_entries, 2u);
  ASSERT_TRUE(cache.parse(base::view(a)).has_value());
  EXPECT_EQ(cache.stats().parse_hits, 2u);
  ASSERT_TRUE(cache.parse(base::view(b)).has_value());
  EXPECT_EQ(cache.stats().parse_misses, 4u);
  // Unparsable input is refused every time and never stored.
  base::Bytes junk(a.begin(), a.end() - 10);
  EXPECT_FALSE(cache.parse(base::view(junk)).has_value());
  EXPECT_FALSE(cache.parse(base::view(junk)).has_value());
  EXPECT_FALSE(cache.parse(base::Bytes(crypto::kMaxCertificateSize + 1, 0x30)).has_value());
  EXPECT_EQ(cache.stats().parsed_entries, 2u);
  // Verified chains: bounded the same way; an empty window is not stored.
  crypto::ValidityWindow w{0, INT64_MAX};
  auto key = crypto::rsa_public_key_from_pem(TestPki::get().read("hosta/pub.pem")).value();
  for (const char* k : {"k1", "k2", "k3"}) cache.remember_verified(k, 7, PeerKey{key}, w);
  EXPECT_EQ(cache.stats().chain_entries, 2u);
  EXPECT_FALSE(cache.find_verified("k1", 7, 100).has_value());
  EXPECT_TRUE(cache.find_verified("k3", 7, 100).has_value());
  cache.remember_verified("k4", 7, PeerKey{key}, crypto::ValidityWindow{100, 100});
  EXPECT_FALSE(cache.find_verified("k4", 7, 100).has_value());
  EXPECT_FALSE(cache.find_verified("k3", 8, 100).has_value());  // another generation
  EXPECT_EQ(cache.stats().chain_entries, 0u);
}

// The LRU order against a model through a long pseudo-random sequence: every hit and miss, so
// every eviction, is the one a plain most-recently-used list gives (the order holds pointers to
// the map's keys; an eviction must drop exactly the least recent key and leave the rest valid).
TEST(CertificateCache, LruMatchesAModelThroughManyEvictions) {
  std::vector<base::Bytes> ders;
  for (const char* h : {"hosta", "hostb", "multi", "nosan", "hostv6"}) {
    ders.push_back(pem_cert(std::string(h) + "/cert.pem").der());
  }
  CertificateCache cache(3);
  std::deque<std::size_t> model;  // most recent first
  uint64_t hits = 0, misses = 0, x = 12345;
  for (int step = 0; step < 400; ++step) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    std::size_t i = (x >> 33) % ders.size();
    auto it = std::find(model.begin(), model.end(), i);
    if (it != model.end()) {
      ++hits;
      model.erase(it);
    } else {
      ++misses;
      if (model.size() == 3) model.pop_back();
    }
    model.push_front(i);
    auto parsed = cache.parse(base::view(ders[i]));
    ASSERT_TRUE(parsed.has_value());
    ASSERT_EQ(parsed->der(), ders[i]);
    ASSERT_EQ(cache.stats().parse_hits, hits) << "step " << step;
    ASSERT_EQ(cache.stats().parse_misses, misses) << "step " << step;
    ASSERT_EQ(cache.stats().parsed_entries, model.size());
  }
  EXPECT_GT(hits, 50u);
  EXPECT_GT(misses, 50u);
}

}  // namespace
}  // namespace ike::engine
