// Internal helpers shared by the wire codec files (attribute.cc, sa_codec.cc, payload_codec.cc,
// message.cc): the RFC 2408 §3.3 data-attribute list codec and the SA payload codec. Not part
// of the wire contract; other modules use message.h / payload.h.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "base/reader.h"
#include "base/result.h"
#include "base/writer.h"
#include "wire/payload.h"

namespace ike::wire::detail {

using base::ByteReader;
using base::ByteWriter;
using base::ErrorCode;
using base::Result;

// RFC 2408 §3.3: decodes attributes until `r` is exhausted. `where` prefixes error details
// ("proposal #1 transform #2"), `container` names what holds them ("transform"); at most `max`
// attributes (TooMany beyond). Errors carry `notify`. With `zero_padding` (ATTRIBUTE payloads,
// never transforms), fewer than 4 trailing bytes that are all zero are alignment padding, not
// a truncated attribute (libreswan pads its mode-config payloads to 4 octets): their count is
// stored there.
[[nodiscard]] Result<std::vector<Attribute>> parse_attributes(ByteReader& r,
                                                              std::string_view where,
                                                              std::string_view container,
                                                              std::size_t max,
                                                              NotifyType notify,
                                                              uint8_t* zero_padding = nullptr);
void write_attribute(ByteWriter& w, const Attribute& a);
void write_attributes(ByteWriter& w, std::span<const Attribute> attrs);

// RFC 2408 §3.4-3.6 + RFC 2407 §4.6.1 SA payload body.
[[nodiscard]] Result<SaPayload> parse_sa(ByteView body, std::size_t base_offset);
void write_sa(ByteWriter& w, const SaPayload& sa);

// Writes `v` into a 16-bit length field; callers keep v <= 0xffff by construction.
inline uint16_t to_u16(std::size_t v) noexcept { return static_cast<uint16_t>(v & 0xffffu); }
inline uint8_t to_u8(std::size_t v) noexcept { return static_cast<uint8_t>(v & 0xffu); }

}  // namespace ike::wire::detail
