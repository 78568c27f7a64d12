// See packed_principals.h.
#include "engine/packed_principals.h"

#include <cstdint>
#include <string_view>

namespace ike::engine {
namespace {

constexpr char kText = 0;
constexpr char kHexKey = 1;
constexpr std::string_view kHexMarker = "-hex:";
constexpr std::string_view kDigits = "0123456789abcdef";

void put_length(std::string& out, std::size_t n) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((n >> (8 * i)) & 0xffu));
  }
}

std::size_t get_length(std::string_view in, std::size_t at) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    n |= std::size_t{static_cast<uint8_t>(in[at + i])} << (8 * i);
  }
  return n;
}

int digit(char c) {
  auto pos = kDigits.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// The length of "<prefix>-hex:" when the rest of `p` is lowercase hex of whole bytes (what
// base::to_hex writes, so that unpack() rebuilds the same text), else 0.
std::size_t hex_key_prefix(std::string_view p) {
  auto marker = p.find(kHexMarker);
  if (marker == std::string_view::npos) return 0;
  std::size_t prefix = marker + kHexMarker.size();
  std::string_view hex = p.substr(prefix);
  if (hex.empty() || hex.size() % 2 != 0) return 0;
  for (char c : hex) {
    if (digit(c) < 0) return 0;
  }
  return prefix;
}

}  // namespace

PackedPrincipals PackedPrincipals::pack(const std::vector<std::string>& principals) {
  PackedPrincipals out;
  for (const std::string& p : principals) {
    const std::size_t prefix = hex_key_prefix(p);
    if (prefix == 0) {
      out.m_data.push_back(kText);
      put_length(out.m_data, p.size());
      out.m_data.append(p);
      continue;
    }
    const std::size_t key_bytes = (p.size() - prefix) / 2;
    out.m_data.push_back(kHexKey);
    put_length(out.m_data, prefix);
    out.m_data.append(p, 0, prefix);
    put_length(out.m_data, key_bytes);
    for (std::size_t i = prefix; i < p.size(); i += 2) {
      out.m_data.push_back(static_cast<char>(digit(p[i]) * 16 + digit(p[i + 1])));
    }
  }
  out.m_data.shrink_to_fit();
  return out;
}

std::vector<std::string> PackedPrincipals::unpack() const {
  std::vector<std::string> out;
  const std::string_view d = m_data;
  std::size_t at = 0;
  while (at < d.size()) {
    const char tag = d[at++];
    std::size_t n = get_length(d, at);
    at += 4;
    std::string s(d.substr(at, n));
    at += n;
    if (tag == kHexKey) {
      n = get_length(d, at);
      at += 4;
      s.reserve(s.size() + 2 * n);
      for (std::size_t i = 0; i < n; ++i) {
        const auto b = static_cast<uint8_t>(d[at + i]);
        s.push_back(kDigits[b >> 4]);
        s.push_back(kDigits[b & 0xfu]);
      }
      at += n;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace ike::engine
