// RFC 2408 §3.3 data attributes: the Attribute value helpers of payload.h and the attribute list
// codec shared by SA transforms (RFC 2408 §3.6) and the mode-cfg ATTRIBUTE payload
// (draft-ietf-ipsec-isakmp-mode-cfg-05 §3.2). The AF bit selects the form: AF=1 is TV (a 16-bit
// value in the length slot), AF=0 is TLV (a 16-bit length followed by the value). The form seen
// on the wire is kept in Attribute::tv so re-encoding is byte-exact.
#include <algorithm>

#include "wire/codec_internal.h"

namespace ike::wire {

namespace {
constexpr uint16_t kAttrFormatBit = 0x8000;  // RFC 2408 §3.3 AF bit
constexpr uint16_t kAttrTypeMask = 0x7fff;
}  // namespace

std::optional<uint64_t> Attribute::as_number() const {
  if (tv) return short_value;
  // RFC 2408 §3.3 / RFC 2409 App. A: variable-length numbers (e.g. LIFE_DURATION) are big
  // endian; we accept 1..8 bytes so any value that fits uint64_t decodes.
  if (long_value.empty() || long_value.size() > 8) return std::nullopt;
  uint64_t v = 0;
  for (uint8_t b : long_value) v = (v << 8) | b;
  return v;
}

Attribute Attribute::basic(uint16_t type, uint16_t value) {
  Attribute a;
  a.type = static_cast<uint16_t>(type & kAttrTypeMask);
  a.tv = true;
  a.short_value = value;
  return a;
}

Attribute Attribute::number(uint16_t type, uint64_t value) {
  if (value <= 0xffff) return basic(type, static_cast<uint16_t>(value));
  Attribute a;
  a.type = static_cast<uint16_t>(type & kAttrTypeMask);
  a.tv = false;
  const std::size_t len = value <= 0xffffffffu ? 4 : 8;
  a.long_value.resize(len);
  for (std::size_t i = 0; i < len; ++i) {
    a.long_value[len - 1 - i] = static_cast<uint8_t>(value >> (8 * i));
  }
  return a;
}

const Attribute* Transform::find(uint16_t type) const {
  for (const auto& a : attributes) {
    if (a.type == type) return &a;
  }
  return nullptr;
}

namespace detail {

Result<std::vector<Attribute>> parse_attributes(ByteReader& r, std::string_view where,
                                                std::string_view container, std::size_t max,
                                                NotifyType notify, uint8_t* zero_padding) {
  std::vector<Attribute> out;
  while (!r.empty()) {
    const std::size_t at = r.offset();
    const std::size_t index = out.size() + 1;
    if (out.size() >= max) {
      return base::make_error(ErrorCode::TooMany, notify,
                              "{}: more than {} attributes at offset {}", where, max, at);
    }
    if (r.remaining() < 4) {
      const ByteView tail = r.peek_rest();
      if (zero_padding != nullptr &&
          std::all_of(tail.begin(), tail.end(), [](uint8_t b) { return b == 0; })) {
        *zero_padding = static_cast<uint8_t>(tail.size());  // alignment after the last one
        (void)r.rest();
        break;
      }
      return base::make_error(ErrorCode::Truncated, notify,
                              "{}: attribute #{} header at offset {}: need 4 bytes, {} left",
                              where, index, at, r.remaining());
    }
    IKE_TRY(uint16_t raw_type, r.u16("attribute type"));
    IKE_TRY(uint16_t length_or_value, r.u16("attribute length/value"));
    Attribute a;
    a.type = static_cast<uint16_t>(raw_type & kAttrTypeMask);
    a.tv = (raw_type & kAttrFormatBit) != 0;
    if (a.tv) {
      a.short_value = length_or_value;
    } else {
      if (length_or_value > r.remaining()) {
        return base::make_error(
            ErrorCode::BadLength, notify,
            "{}: attribute #{} (type {}): attribute length {} exceeds {} remainder {} at offset {}",
            where, index, a.type, length_or_value, container, r.remaining(), at);
      }
      IKE_TRY(ByteView value, r.bytes(length_or_value, "attribute value"));
      a.long_value = base::to_bytes(value);
    }
    out.push_back(std::move(a));
  }
  return out;
}

void write_attribute(ByteWriter& w, const Attribute& a) {
  const auto type = static_cast<uint16_t>(a.type & kAttrTypeMask);
  if (a.tv) {
    w.u16(static_cast<uint16_t>(type | kAttrFormatBit));
    w.u16(a.short_value);
  } else {
    w.u16(type);
    w.u16(to_u16(a.long_value.size()));
    w.bytes(a.long_value);
  }
}

void write_attributes(ByteWriter& w, std::span<const Attribute> attrs) {
  for (const auto& a : attrs) write_attribute(w, a);
}

}  // namespace detail
}  // namespace ike::wire
