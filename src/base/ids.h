// Strong types for wire identifiers so initiator/responder cookies, message ids and SPIs of
// different protocols cannot be swapped silently (design §4.1).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>

#include "base/bytes.h"
#include "base/keyed_hash.h"

namespace ike::base {

// RFC 2408 §3.1: 8-octet initiator / responder cookie.
struct Cookie {
  std::array<uint8_t, 8> bytes{};
  bool is_zero() const noexcept;
  std::string hex() const;
  // The bytes read as a big-endian number: ordering by it is the bytes' lexicographic order,
  // in one load and byte swap instead of a memcmp call (cookies key the exchange table and the
  // SA database's ordered indexes: every lookup compares ~log2(n) of them; issue #7).
  constexpr uint64_t order_value() const noexcept {
    uint64_t v = 0;
    for (uint8_t b : bytes) v = (v << 8) | b;
    return v;
  }
  constexpr std::strong_ordering operator<=>(const Cookie& o) const noexcept {
    return order_value() <=> o.order_value();
  }
  constexpr bool operator==(const Cookie& o) const noexcept {
    return order_value() == o.order_value();
  }
};

// The ISAKMP SA identifier: CKY-I || CKY-R.
struct CookiePair {
  Cookie initiator;
  Cookie responder;
  std::string hex() const;  // 32 hex digits, as the FIFO `d` command and reports use
  auto operator<=>(const CookiePair&) const = default;
};

// RFC 2408 §3.1 Message ID (0 in phase 1).
struct MessageId {
  uint32_t value = 0;
  auto operator<=>(const MessageId&) const = default;
};

// IPsec SPI (4 octets for AH/ESP, RFC 2407 §4.5).
struct Spi {
  uint32_t value = 0;
  auto operator<=>(const Spi&) const = default;
};

// IPComp CPI (16 bits, RFC 2393).
struct Cpi {
  uint16_t value = 0;
  auto operator<=>(const Cpi&) const = default;
};

}  // namespace ike::base

// Keyed (keyed_hash.h): the initiator cookie is the peer's choice. Inline: the hash tables call
// them once per node visited.
template <>
struct std::hash<ike::base::Cookie> {
  std::size_t operator()(const ike::base::Cookie& c) const noexcept {
    return ike::base::keyed_hash(c.order_value());
  }
};
template <>
struct std::hash<ike::base::CookiePair> {
  std::size_t operator()(const ike::base::CookiePair& c) const noexcept {
    return ike::base::keyed_hash(c.initiator.order_value(), c.responder.order_value());
  }
};
