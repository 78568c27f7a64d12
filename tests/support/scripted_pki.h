// A PKI made by tests/pki/make_pki.sh into a fresh temporary directory that is removed when the
// object is destroyed, so no key material is committed. Without gtest: the test PKI
// (test_pki.h) and responder_bench's RSA runs share it. `args` are make_pki.sh's NAME=SAN
// arguments (empty: its default set); `quiet` sends the script's output to /dev/null; ok() is
// false when the directory or the script failed.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace ike::test {

class ScriptedPki {
 public:
  explicit ScriptedPki(const std::string& args = "", bool quiet = false) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ike-pki-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return;
    m_dir = tmpl;
    m_command = std::string(IKE_SOURCE_DIR) + "/tests/pki/make_pki.sh " + m_dir;
    if (!args.empty()) m_command += " " + args;
    m_ok = std::system((m_command + (quiet ? " >/dev/null 2>&1" : "")).c_str()) == 0;
  }
  ~ScriptedPki() {
    std::error_code ec;
    if (!m_dir.empty()) std::filesystem::remove_all(m_dir, ec);
  }
  ScriptedPki(const ScriptedPki&) = delete;
  ScriptedPki& operator=(const ScriptedPki&) = delete;

  bool ok() const { return m_ok; }
  const std::string& dir() const { return m_dir; }
  const std::string& command() const { return m_command; }
  std::string path(const std::string& rel) const { return m_dir + "/" + rel; }

 private:
  std::string m_dir;
  std::string m_command;
  bool m_ok = false;
};

}  // namespace ike::test
