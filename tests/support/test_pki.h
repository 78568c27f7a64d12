// The scripted test PKI (tests/pki/make_pki.sh) for crypto, engine and daemon tests: generated
// once per test process into a fresh temporary directory (removed at exit), so no key material
// is committed. Layout: see make_pki.sh (ca/ca.crt, crls/ca.crl, <host>/{cert,key,pub}.pem).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "base/bytes.h"
#include "support/scripted_pki.h"

namespace ike::test {

class TestPki {
 public:
  static const TestPki& get() {
    static TestPki pki;
    return pki;
  }
  const std::string& dir() const { return m_pki.dir(); }
  std::string path(const std::string& rel) const { return m_pki.path(rel); }
  base::Bytes read(const std::string& rel) const {
    std::ifstream f(path(rel), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string s = ss.str();
    EXPECT_FALSE(s.empty()) << "test PKI file missing: " << path(rel);
    return base::Bytes(s.begin(), s.end());
  }

 private:
  TestPki() {
    if (!m_pki.ok()) ADD_FAILURE() << "make_pki.sh failed: " << m_pki.command();
  }
  ScriptedPki m_pki;
};

}  // namespace ike::test
