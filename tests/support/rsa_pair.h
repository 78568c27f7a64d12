// Test support for RSA_SIG two-engine tests: credentials (Creds) taken from the scripted test PKI
// (tests/pki/make_pki.sh) turned into an engine::PkiStore, a standard RSA_SIG peer
// configuration, an EnginePair with both stores installed, and a helper reading the notify the
// responder answered with.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "engine/pki_store.h"
#include "support/engine_pair.h"
#include "support/test_pki.h"
#include "wire/message.h"

namespace ike::test {

struct Creds {
  explicit Creds(std::string h = "", bool with_cert = true, bool with_ca = true,
                 bool with_crl = true)
      : host(std::move(h)), cert(with_cert), ca(with_ca), crl(with_crl) {}
  std::string host;  // key (and cert) directory in the test PKI; empty: none
  bool cert = true;  // install <host>/cert.pem in Cert-directory
  bool ca = true;    // CA-directory has the test CA
  bool crl = true;   // CRL-directory has the CA's CRL
  bool accept_self_signed = false;
  std::vector<std::pair<std::string, std::string>> pubkeys;  // name -> <host>/pub.pem
  bool default_key = true;  // <host>/key.pem is Private-key (else only id_keys)
  std::vector<std::pair<std::string, std::string>> id_keys;  // Private-key-directory: ID -> host
  std::vector<std::string> extra_cas;    // more CA-directory files ("ca2/ca.crt")
  std::vector<std::string> extra_certs;  // more Cert-directory files, before <host>/cert.pem
  engine::SendCertificate send = engine::SendCertificate::Always;
};

inline std::shared_ptr<engine::PkiStore> make_store(const Creds& c) {
  const auto& pki = TestPki::get();
  auto s = std::make_shared<engine::PkiStore>();
  if (c.ca) s->trust.add_ca(crypto::Certificate::from_pem(pki.read("ca/ca.crt"))->front());
  if (c.crl) {
    EXPECT_TRUE(s->trust.add_crl_pem(pki.read("crls/ca.crl")).has_value());
  }
  for (const auto& ca : c.extra_cas) {
    s->trust.add_ca(crypto::Certificate::from_pem(pki.read(ca))->front());
  }
  for (const auto& f : c.extra_certs) {
    s->certificates.push_back(crypto::Certificate::from_pem(pki.read(f))->front());
  }
  for (const auto& [name, host] : c.id_keys) {
    s->id_private_keys.insert_or_assign(
        name, crypto::rsa_private_key_from_pem(pki.read(host + "/key.pem")).value());
  }
  s->send_certificate = c.send;
  s->trust.set_accept_self_signed(c.accept_self_signed);
  if (!c.host.empty()) {
    auto key = crypto::rsa_private_key_from_pem(pki.read(c.host + "/key.pem"));
    EXPECT_TRUE(key.has_value());
    if (c.default_key) s->private_key = *key;
    if (c.cert) {
      s->certificates.push_back(
          crypto::Certificate::from_pem(pki.read(c.host + "/cert.pem"))->front());
    }
  }
  for (const auto& [name, host] : c.pubkeys) {
    s->pubkeys.emplace(name, *crypto::rsa_public_key_from_pem(pki.read(host + "/pub.pem")));
  }
  return s;
}

inline PeerConf rsa_conf() {
  PeerConf c;
  c.psk = "";
  c.p1_transforms = "AES-128-SHA-RSA_SIG";
  return c;
}

struct RsaPair {
  EnginePair p;
  RsaPair(const PeerConf& l, const PeerConf& r, const Creds& lc, const Creds& rc) : p(l, r) {
    p.left.engine->set_credentials(make_store(lc));
    p.right.engine->set_credentials(make_store(rc));
  }
};

inline wire::Message parse(const base::Bytes& b) {
  return wire::parse_message(base::view(b)).value();
}

// The notify type of the cleartext Informational the responder sent, 0 if none.
inline uint16_t right_notify(const EnginePair& p) {
  for (const auto& d : p.link.log()) {
    if (d.left_to_right) continue;
    auto m = wire::parse_message(base::view(d.bytes));
    if (!m || m->header.exchange != wire::ExchangeType::Informational) continue;
    if (const auto* n = m->find<wire::NotifyPayload>()) return n->type;
  }
  return 0;
}

// Runs the exchange until the responder (right) fails; checks nothing was established, the
// failure detail and the notify the responder sent.
inline void expect_failure(RsaPair& rp, base::NotifyType notify, const std::string& detail) {
  EnginePair& p = rp.p;
  p.start();
  // An encrypted MM5/MM6 that decrypts and parses but fails a certificate, ID, signature or
  // policy check comes from the DH partner: it fails at once (engine_impl.cc from_key_holder);
  // (a cleartext AM2/AM3 failing them is dropped until the timeout, unverifiable.cc).
  p.run_until([&] { return p.right.count(engine::SaEvent::Kind::ExchangeFailed) > 0; },
              base::Seconds{10});
  EXPECT_EQ(p.left.engine->phase1_sa_count(), 0u);
  EXPECT_EQ(p.right.engine->phase1_sa_count(), 0u);
  EXPECT_EQ(p.right.count(engine::SaEvent::Kind::Phase1Established), 0u);
  const auto* f = p.right.last(engine::SaEvent::Kind::ExchangeFailed);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->detail.find(detail), std::string::npos) << f->detail;
  EXPECT_EQ(right_notify(p), static_cast<uint16_t>(notify));
}

}  // namespace ike::test
