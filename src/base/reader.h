// ByteReader: the only place that walks raw input. Every read is bounds-checked and a failure
// names the field and its absolute offset ("SA payload: DOI at offset 32: need 4 bytes, 2 left").
// Sub-readers are carved out by length so nested containers can never read past their parent.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace ike::base {

class ByteReader {
 public:
  // `base_offset` is the absolute offset of data[0] in the datagram (for error messages);
  // `notify` is the notify attached to truncation errors (usually PAYLOAD_MALFORMED).
  explicit ByteReader(ByteView data, std::size_t base_offset = 0,
                      NotifyType notify = NotifyType::PayloadMalformed) noexcept
      : m_data(data), m_base(base_offset), m_notify(notify) {}

  [[nodiscard]] Result<uint8_t> u8(std::string_view field);
  [[nodiscard]] Result<uint16_t> u16(std::string_view field);  // network order
  [[nodiscard]] Result<uint32_t> u32(std::string_view field);  // network order
  [[nodiscard]] Result<ByteView> bytes(std::size_t n, std::string_view field);
  // A reader over the next n bytes (consumed from this one).
  [[nodiscard]] Result<ByteReader> sub(std::size_t n, std::string_view field);
  [[nodiscard]] ByteView rest() noexcept;  // consumes everything left

  // Fails if bytes remain ("trailing N bytes after <what>").
  [[nodiscard]] Status expect_done(std::string_view what) const;

  std::size_t remaining() const noexcept { return m_data.size() - m_pos; }
  bool empty() const noexcept { return remaining() == 0; }
  std::size_t offset() const noexcept { return m_base + m_pos; }  // absolute
  std::size_t position() const noexcept { return m_pos; }          // relative
  ByteView peek_rest() const noexcept { return m_data.subspan(m_pos); }

 private:
  [[nodiscard]] Status need(std::size_t n, std::string_view field) const;

  ByteView m_data;
  std::size_t m_pos = 0;
  std::size_t m_base = 0;
  NotifyType m_notify;
};

}  // namespace ike::base
