// The KeyNote principals of a verified RSA_SIG/ECDSA peer ("DN:/C=.../CN=...", "rsa-hex:<SPKI>",
// "ecdsa-hex:<SPKI>"; auth_signature.cc), kept on its ISAKMP SA for the phase 2 checks of every
// Quick Mode over it (phase2_keynote.cc). Held as one buffer with each "<prefix>-hex:" key as its
// bytes instead of its hex text: one allocation of ~360 bytes instead of three of ~770 for an
// RSA-2048 peer (issue #7: memory per SA pair). unpack() gives back exactly the strings packed.
#pragma once

#include <string>
#include <vector>

namespace ike::engine {

class PackedPrincipals {
 public:
  PackedPrincipals() = default;
  static PackedPrincipals pack(const std::vector<std::string>& principals);
  std::vector<std::string> unpack() const;
  bool empty() const noexcept { return m_data.empty(); }
  // The buffer's size (tests: the packed form is smaller than the text).
  std::size_t packed_size() const noexcept { return m_data.size(); }

 private:
  // Entries: a tag byte (0: text; 1: "<prefix>hex" text then the key bytes), the lengths as
  // 4 bytes little-endian, then the bytes.
  std::string m_data;
};

}  // namespace ike::engine
