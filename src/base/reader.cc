// Bounded reads for ByteReader (see reader.h).
#include "base/reader.h"

namespace ike::base {

Status ByteReader::need(std::size_t n, std::string_view field) const {
  if (remaining() < n) {
    return make_error(ErrorCode::Truncated, m_notify, "{} at offset {}: need {} bytes, {} left",
                      field, offset(), n, remaining());
  }
  return ok();
}

Result<uint8_t> ByteReader::u8(std::string_view field) {
  IKE_TRY_VOID(need(1, field));
  return m_data[m_pos++];
}

Result<uint16_t> ByteReader::u16(std::string_view field) {
  IKE_TRY_VOID(need(2, field));
  auto v = static_cast<uint16_t>((m_data[m_pos] << 8) | m_data[m_pos + 1]);
  m_pos += 2;
  return v;
}

Result<uint32_t> ByteReader::u32(std::string_view field) {
  IKE_TRY_VOID(need(4, field));
  uint32_t v = (uint32_t{m_data[m_pos]} << 24) | (uint32_t{m_data[m_pos + 1]} << 16) |
               (uint32_t{m_data[m_pos + 2]} << 8) | uint32_t{m_data[m_pos + 3]};
  m_pos += 4;
  return v;
}

Result<ByteView> ByteReader::bytes(std::size_t n, std::string_view field) {
  IKE_TRY_VOID(need(n, field));
  ByteView v = m_data.subspan(m_pos, n);
  m_pos += n;
  return v;
}

Result<ByteReader> ByteReader::sub(std::size_t n, std::string_view field) {
  IKE_TRY_VOID(need(n, field));
  ByteReader r(m_data.subspan(m_pos, n), offset(), m_notify);
  m_pos += n;
  return r;
}

ByteView ByteReader::rest() noexcept {
  ByteView v = m_data.subspan(m_pos);
  m_pos = m_data.size();
  return v;
}

Status ByteReader::expect_done(std::string_view what) const {
  if (!empty()) {
    return make_error(ErrorCode::BadLength, m_notify, "trailing {} bytes after {} at offset {}",
                      remaining(), what, offset());
  }
  return ok();
}

}  // namespace ike::base
