// IpAddress parsing/printing (inet_pton/inet_ntop) and mask arithmetic.
#include "base/address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <fmt/format.h>

namespace ike::base {

IpAddress IpAddress::v4(uint32_t host_order) {
  IpAddress a;
  a.m_family = Family::V4;
  a.m_bytes[0] = static_cast<uint8_t>(host_order >> 24);
  a.m_bytes[1] = static_cast<uint8_t>(host_order >> 16);
  a.m_bytes[2] = static_cast<uint8_t>(host_order >> 8);
  a.m_bytes[3] = static_cast<uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::v4_bytes(ByteView four) {
  IpAddress a;
  a.m_family = Family::V4;
  std::copy_n(four.begin(), std::min<std::size_t>(4, four.size()), a.m_bytes.begin());
  return a;
}

IpAddress IpAddress::v6(ByteView sixteen) {
  IpAddress a;
  a.m_family = Family::V6;
  std::copy_n(sixteen.begin(), std::min<std::size_t>(16, sixteen.size()), a.m_bytes.begin());
  return a;
}

Result<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > 64) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "invalid IP address \"{}\"", text);
  }
  std::string s(text);
  IpAddress a;
  if (::inet_pton(AF_INET, s.c_str(), a.m_bytes.data()) == 1) {
    a.m_family = Family::V4;
    return a;
  }
  if (::inet_pton(AF_INET6, s.c_str(), a.m_bytes.data()) == 1) {
    a.m_family = Family::V6;
    return a;
  }
  return make_error(ErrorCode::BadValue, NotifyType::None, "invalid IP address \"{}\"", text);
}

IpAddress IpAddress::netmask(Family f, unsigned prefix) {
  IpAddress a;
  a.m_family = f;
  unsigned width = f == Family::V4 ? 32 : 128;
  prefix = std::min(prefix, width);
  for (unsigned i = 0; i < prefix; ++i) {
    a.m_bytes[i / 8] = static_cast<uint8_t>(a.m_bytes[i / 8] | (0x80u >> (i % 8)));
  }
  return a;
}

uint32_t IpAddress::v4_host_order() const noexcept {
  return (uint32_t{m_bytes[0]} << 24) | (uint32_t{m_bytes[1]} << 16) |
         (uint32_t{m_bytes[2]} << 8) | uint32_t{m_bytes[3]};
}

bool IpAddress::is_unspecified() const noexcept {
  return std::all_of(m_bytes.begin(), m_bytes.begin() + static_cast<long>(size()),
                     [](uint8_t b) { return b == 0; });
}

bool IpAddress::is_loopback() const noexcept {
  if (is_v4()) return m_bytes[0] == 127;  // 127.0.0.0/8 (RFC 1122 §3.2.1.3)
  // ::1 (RFC 4291 §2.5.3)
  return std::all_of(m_bytes.begin(), m_bytes.begin() + 15, [](uint8_t b) { return b == 0; }) &&
         m_bytes[15] == 1;
}

std::string IpAddress::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

void IpAddress::append_to(std::string& out) const {
  if (is_v4()) {
    // The dotted quad by hand: glibc's inet_ntop prints it through sprintf, which was the
    // larger part of rendering `S` for 100 000 SA pairs (four addresses a line).
    char buf[16];
    char* p = buf;
    for (std::size_t i = 0; i < 4; ++i) {
      if (i != 0) *p++ = '.';
      const unsigned v = m_bytes[i];
      if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
      if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
      *p++ = static_cast<char>('0' + v % 10);
    }
    out.append(buf, p);
    return;
  }
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, m_bytes.data(), buf, sizeof buf);
  out += buf;
}

std::optional<unsigned> IpAddress::mask_prefix_length() const noexcept {
  unsigned n = 0;
  bool zero_seen = false;
  for (std::size_t i = 0; i < size() * 8; ++i) {
    bool bit = (m_bytes[i / 8] & (0x80u >> (i % 8))) != 0;
    if (bit && zero_seen) {
      return std::nullopt;
    }
    if (bit) {
      ++n;
    } else {
      zero_seen = true;
    }
  }
  return n;
}

IpAddress IpAddress::masked(unsigned prefix) const noexcept {
  IpAddress m = netmask(m_family, prefix);
  IpAddress r = *this;
  for (std::size_t i = 0; i < 16; ++i) {
    r.m_bytes[i] = static_cast<uint8_t>(r.m_bytes[i] & m.m_bytes[i]);
  }
  return r;
}

std::string SockAddr::to_string() const {
  if (address.is_v4()) {
    return fmt::format("{}:{}", address.to_string(), port);
  }
  return fmt::format("[{}]:{}", address.to_string(), port);
}

}  // namespace ike::base
