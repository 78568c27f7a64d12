// The scripted test PKI (tests/pki/make_pki.sh) for crypto, engine and daemon tests: generated
// once per test process into a fresh temporary directory (removed at exit), so no key material
// is committed. Layout: see make_pki.sh (ca/ca.crt, crls/ca.crl, <host>/{cert,key,pub}.pem).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "base/bytes.h"

namespace ike::test {

class TestPki {
 public:
  static const TestPki& get() {
    static TestPki pki;
    return pki;
  }
  const std::string& dir() const { return m_dir; }
  std::string path(const std::string& rel) const { return m_dir + "/" + rel; }
  base::Bytes read(const std::string& rel) const {
    std::ifstream f(path(rel), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string s = ss.str();
    EXPECT_FALSE(s.empty()) << "test PKI file missing: " << path(rel);
    return base::Bytes(s.begin(), s.end());
  }
  ~TestPki() {
    std::error_code ec;
    if (!m_dir.empty()) std::filesystem::remove_all(m_dir, ec);
  }

 private:
  TestPki() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ike-pki-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return;
    m_dir = tmpl;
    std::string cmd = std::string(IKE_SOURCE_DIR) + "/tests/pki/make_pki.sh " + m_dir;
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "make_pki.sh failed: " << cmd;
  }
  std::string m_dir;
};

}  // namespace ike::test
