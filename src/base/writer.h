// ByteWriter: appends network-order fields to a Bytes buffer, with length back-patching for
// the generic payload header and nested SA/proposal/transform lengths.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace ike::base {

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(Bytes initial) : m_out(std::move(initial)) {}

  // Capacity for `n` bytes in all: one allocation for a message whose size is about known
  // instead of one per doubling (issue #7: encoders grew from empty, 3-6 allocations each).
  void reserve(std::size_t n) { m_out.reserve(n); }

  void u8(uint8_t v) { m_out.push_back(v); }
  void u16(uint16_t v) {
    m_out.push_back(static_cast<uint8_t>(v >> 8));
    m_out.push_back(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      m_out.push_back(static_cast<uint8_t>(v >> shift));
    }
  }
  void bytes(ByteView v) { m_out.insert(m_out.end(), v.begin(), v.end()); }
  void zeros(std::size_t n) { m_out.insert(m_out.end(), n, 0); }

  // Reserves a 16-bit field and returns its position for patch_u16().
  std::size_t placeholder_u16() {
    std::size_t at = m_out.size();
    u16(0);
    return at;
  }
  void patch_u8(std::size_t at, uint8_t v) { m_out[at] = v; }
  void patch_u16(std::size_t at, uint16_t v) {
    m_out[at] = static_cast<uint8_t>(v >> 8);
    m_out[at + 1] = static_cast<uint8_t>(v);
  }
  void patch_u32(std::size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) {
      m_out[at + static_cast<std::size_t>(i)] = static_cast<uint8_t>(v >> (24 - 8 * i));
    }
  }

  std::size_t size() const noexcept { return m_out.size(); }
  const Bytes& data() const noexcept { return m_out; }
  Bytes take() && { return std::move(m_out); }

 private:
  Bytes m_out;
};

}  // namespace ike::base
