// IP addresses and transport endpoints as plain values (no sockaddr in the engine). Parsing and
// printing follow inet_pton/inet_ntop; prefix helpers serve IPsec IDs and traffic selectors.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace ike::base {

enum class Family : uint8_t { V4 = 4, V6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0
  static IpAddress v4(uint32_t host_order);
  static IpAddress v4_bytes(ByteView four);
  static IpAddress v6(ByteView sixteen);
  // Accepts dotted quad or RFC 4291 text; returns BadValue naming the text otherwise.
  [[nodiscard]] static Result<IpAddress> parse(std::string_view text);
  // A netmask of `prefix` bits in this family (prefix clamped to the family width).
  static IpAddress netmask(Family f, unsigned prefix);

  Family family() const noexcept { return m_family; }
  bool is_v4() const noexcept { return m_family == Family::V4; }
  std::size_t size() const noexcept { return is_v4() ? 4 : 16; }
  ByteView bytes() const noexcept { return {m_bytes.data(), size()}; }
  uint32_t v4_host_order() const noexcept;
  bool is_unspecified() const noexcept;
  bool is_loopback() const noexcept;  // 127.0.0.0/8 or ::1
  std::string to_string() const;
  // Appends to_string() to `out` without a temporary (the `S` rendering of 100 000 SA pairs).
  void append_to(std::string& out) const;
  // Number of leading one bits if this is a contiguous netmask, else nullopt.
  std::optional<unsigned> mask_prefix_length() const noexcept;
  IpAddress masked(unsigned prefix) const noexcept;

  auto operator<=>(const IpAddress&) const = default;

 private:
  Family m_family = Family::V4;
  std::array<uint8_t, 16> m_bytes{};
};

struct SockAddr {
  IpAddress address;
  uint16_t port = 0;
  std::string to_string() const;  // "10.0.0.1:500" / "[fd00::1]:500"
  auto operator<=>(const SockAddr&) const = default;
};

}  // namespace ike::base
