// ISAKMP message codec: the fixed header (RFC 2408 §3.1) and the generic payload chain (§3.2),
// parsed in two passes as isakmpd's DESIGN-NOTES describe: (1) walk the generic headers with
// bounds, RESERVED and type checks, (2) decode each body with a bounded reader that must be
// consumed exactly (payload_codec.cc / sa_codec.cc). Encrypted bodies are returned as bytes; the
// engine decrypts and calls parse_payloads() with allow_padding. Encoding is the exact inverse.
#include "wire/message.h"

#include <fmt/core.h>

#include <algorithm>

#include "wire/codec_internal.h"

namespace ike::wire {
namespace {

using base::make_error;
using base::NotifyType;
using detail::ByteReader;
using detail::ByteWriter;
using detail::ErrorCode;
using detail::Result;

constexpr uint8_t kKnownFlags = kFlagEncryption | kFlagCommit | kFlagAuthOnly;

struct RawPayload {
  PayloadType type;
  std::size_t offset;  // of the generic header, relative to the area
  ByteView body;
};

// RFC 2408 §3.1 next-payload classes, for pass 1. Types 2/3 only live inside an SA; 22..127
// are unassigned. Everything else has a generic header and is walked.
base::Status check_top_level_type(uint8_t type, std::size_t at) {
  if (type == static_cast<uint8_t>(PayloadType::Proposal) ||
      type == static_cast<uint8_t>(PayloadType::Transform)) {
    return make_error(ErrorCode::BadValue, NotifyType::InvalidPayloadType,
                      "payload type {} ({}) at offset {} is only valid inside an SA payload",
                      type, to_string(static_cast<PayloadType>(type)), at);
  }
  if (type >= 22 && type < 128) {
    return make_error(ErrorCode::Unsupported, NotifyType::InvalidPayloadType,
                      "reserved payload type {} at offset {}", type, at);
  }
  return base::ok();
}

// Most IKEv1 messages carry at most this many payloads (MM1 with its vendor IDs, QM1 with IDs
// and NAT-OA); more only costs the vector's growth.
constexpr std::size_t kTypicalPayloads = 12;

// Pass 1: generic headers (RFC 2408 §3.2).
Result<std::vector<RawPayload>> walk_chain(PayloadType first, ByteView area,
                                           std::size_t base_offset, bool allow_padding) {
  std::vector<RawPayload> out;
  out.reserve(kTypicalPayloads);  // one allocation for an ordinary message, not one per doubling
  ByteReader r(area, base_offset);
  auto type = static_cast<uint8_t>(first);
  while (type != 0) {
    const std::size_t at = r.offset();
    IKE_TRY_VOID(check_top_level_type(type, at));
    if (out.size() >= kMaxPayloads) {
      return make_error(ErrorCode::TooMany, NotifyType::PayloadMalformed,
                        "more than {} payloads at offset {}", kMaxPayloads, at);
    }
    if (r.remaining() < kGenericHeaderSize) {
      return make_error(ErrorCode::Truncated, NotifyType::PayloadMalformed,
                        "{} payload header at offset {}: need {} bytes, {} left",
                        to_string(static_cast<PayloadType>(type)), at, kGenericHeaderSize,
                        r.remaining());
    }
    const std::size_t rel = r.position();
    IKE_TRY(uint8_t next, r.u8("next payload"));
    IKE_TRY(uint8_t reserved, r.u8("RESERVED"));
    IKE_TRY(uint16_t length, r.u16("payload length"));
    if (reserved != 0) {
      // IKEv1 has no critical bit: the whole octet is RESERVED and MUST be zero (RFC 2408 §3.2).
      return make_error(ErrorCode::Reserved, NotifyType::PayloadMalformed,
                        "{} payload: RESERVED=0x{:02x} at offset {}",
                        to_string(static_cast<PayloadType>(type)), reserved, at + 1);
    }
    if (length < kGenericHeaderSize) {
      return make_error(ErrorCode::BadLength, NotifyType::PayloadMalformed,
                        "{} payload: length {} at offset {} below the generic header size {}",
                        to_string(static_cast<PayloadType>(type)), length, at + 2,
                        kGenericHeaderSize);
    }
    const std::size_t body_length = length - kGenericHeaderSize;
    if (body_length > r.remaining()) {
      return make_error(ErrorCode::BadLength, NotifyType::PayloadMalformed,
                        "{} payload: length {} at offset {} exceeds the {} bytes left",
                        to_string(static_cast<PayloadType>(type)), length, at + 2,
                        r.remaining() + kGenericHeaderSize);
    }
    IKE_TRY(ByteView body, r.bytes(body_length, "payload body"));
    out.push_back(RawPayload{static_cast<PayloadType>(type), rel, body});
    type = next;
  }
  if (!allow_padding && !r.empty()) {
    // RFC 2408 §3.1: the header Length is the "Length of total message (header + payloads)", and
    // §5.1 asks for UNEQUAL_PAYLOAD_LENGTHS when the payload lengths do not add up to it. Interop
    // practice: libreswan pads every IKEv1 message it sends (unencrypted ones too, e.g. an
    // Aggressive Mode AM1 with RSA_SIG) with zero octets to a multiple of 4 and counts them in
    // the header Length. Rule (kMaxZeroPadding): up to 3 trailing octets, all zero, are ignored
    // as alignment padding; more, or any non-zero octet, is still UNEQUAL_PAYLOAD_LENGTHS.
    const std::size_t pad_at = r.offset();
    const std::size_t pad = r.remaining();
    IKE_TRY(ByteView tail, r.bytes(pad, "trailing bytes"));
    const bool zero = std::all_of(tail.begin(), tail.end(), [](uint8_t b) { return b == 0; });
    if (pad > kMaxZeroPadding || !zero) {
      return make_error(ErrorCode::BadLength, NotifyType::UnequalPayloadLengths,
                        "trailing {} bytes after the last payload at offset {} ({})", pad, pad_at,
                        pad > kMaxZeroPadding
                            ? fmt::format("more than the {} zero octets of alignment padding "
                                          "tolerated",
                                          kMaxZeroPadding)
                            : std::string("non-zero, not alignment padding"));
    }
  }
  return out;
}

}  // namespace

const PayloadEntry* Message::find_entry(PayloadType t) const {
  for (const auto& e : payloads) {
    if (payload_type(e.value) == t) return &e;
  }
  return nullptr;
}

std::size_t Message::count(PayloadType t) const {
  return static_cast<std::size_t>(std::count_if(
      payloads.begin(), payloads.end(), [t](const PayloadEntry& e) {
        return payload_type(e.value) == t;
      }));
}

Result<Header> parse_header(ByteView datagram) {
  if (datagram.size() < kHeaderSize) {
    return make_error(ErrorCode::Truncated, NotifyType::PayloadMalformed,
                      "ISAKMP header: datagram of {} bytes is shorter than the {}-byte header",
                      datagram.size(), kHeaderSize);
  }
  ByteReader r(datagram.first(kHeaderSize));
  Header h;
  IKE_TRY(ByteView icookie, r.bytes(8, "initiator cookie"));
  IKE_TRY(ByteView rcookie, r.bytes(8, "responder cookie"));
  std::copy(icookie.begin(), icookie.end(), h.cookies.initiator.bytes.begin());
  std::copy(rcookie.begin(), rcookie.end(), h.cookies.responder.bytes.begin());
  IKE_TRY(uint8_t next, r.u8("next payload"));
  IKE_TRY(uint8_t version, r.u8("version"));
  IKE_TRY(uint8_t exchange, r.u8("exchange type"));
  IKE_TRY(h.flags, r.u8("flags"));
  IKE_TRY(h.message_id.value, r.u32("message id"));
  IKE_TRY(h.length, r.u32("length"));
  h.next_payload = static_cast<PayloadType>(next);
  h.exchange = static_cast<ExchangeType>(exchange);  // judged by the engine, not here
  h.major_version = static_cast<uint8_t>(version >> 4);
  h.minor_version = static_cast<uint8_t>(version & 0x0f);
  if (h.length < kHeaderSize || h.length > kMaxMessageSize || h.length != datagram.size()) {
    // RFC 2408 §5.1: length mismatch -> UNEQUAL-PAYLOAD-LENGTHS.
    return make_error(ErrorCode::BadLength, NotifyType::UnequalPayloadLengths,
                      "ISAKMP header: length field {} at offset 24, datagram has {} bytes "
                      "(allowed {}..{})",
                      h.length, datagram.size(), kHeaderSize, kMaxMessageSize);
  }
  if (h.major_version != 1) {
    // RFC 2408 §5.1: "If the Major Version is not supported, INVALID-MAJOR-VERSION".
    return make_error(ErrorCode::Unsupported, NotifyType::InvalidMajorVersion,
                      "ISAKMP header: major version {} at offset 17 (expected 1)",
                      h.major_version);
  }
  if (h.minor_version != 0) {
    return make_error(ErrorCode::Unsupported, NotifyType::InvalidMinorVersion,
                      "ISAKMP header: minor version {} at offset 17 (expected 0)",
                      h.minor_version);
  }
  if ((h.flags & ~kKnownFlags) != 0) {
    return make_error(ErrorCode::Reserved, NotifyType::InvalidFlags,
                      "ISAKMP header: flags 0x{:02x} at offset 19 have unknown bits 0x{:02x}",
                      h.flags, h.flags & ~kKnownFlags);
  }
  return h;
}

Result<std::vector<PayloadEntry>> parse_payloads(PayloadType first, ByteView area,
                                                 std::size_t base_offset, bool allow_padding) {
  IKE_TRY(std::vector<RawPayload> raw, walk_chain(first, area, base_offset, allow_padding));
  std::vector<PayloadEntry> out;
  out.reserve(raw.size());
  for (const RawPayload& p : raw) {
    const std::size_t body_offset = base_offset + p.offset + kGenericHeaderSize;
    IKE_TRY(Payload value, parse_payload_body(p.type, p.body, body_offset));
    PayloadEntry e;
    e.value = std::move(value);
    e.offset = p.offset;
    e.total_length = p.body.size() + kGenericHeaderSize;
    e.critical = false;  // IKEv1 has no critical bit (RFC 2408 §3.2)
    out.push_back(std::move(e));
  }
  return out;
}

Result<Message> parse_message(ByteView datagram) {
  Message m;
  IKE_TRY(m.header, parse_header(datagram));
  ByteView body = datagram.subspan(kHeaderSize);
  if ((m.header.flags & kFlagEncryption) != 0) {
    // RFC 2408 §3.1: with the E bit all payloads after the header are encrypted.
    if (body.empty()) {
      return make_error(ErrorCode::Truncated, NotifyType::PayloadMalformed,
                        "ISAKMP message: encryption flag set but no encrypted payloads after "
                        "the header at offset {}",
                        kHeaderSize);
    }
    m.encrypted_body = base::to_bytes(body);
    return m;
  }
  IKE_TRY(m.payloads, parse_payloads(m.header.next_payload, body, kHeaderSize, false));
  return m;
}

namespace {

void write_header(ByteWriter& w, const Header& h) {
  w.bytes(h.cookies.initiator.bytes);
  w.bytes(h.cookies.responder.bytes);
  w.u8(static_cast<uint8_t>(h.next_payload));
  w.u8(static_cast<uint8_t>((h.major_version << 4) | (h.minor_version & 0x0f)));
  w.u8(static_cast<uint8_t>(h.exchange));
  w.u8(h.flags);
  w.u32(h.message_id.value);
  w.u32(h.length);
}

}  // namespace

PayloadType write_payloads(ByteWriter& w, std::span<const Payload> payloads,
                           PayloadType after_last) {
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const std::size_t start = w.size();
    w.u8(static_cast<uint8_t>(i + 1 < payloads.size() ? payload_type(payloads[i + 1])
                                                      : after_last));
    w.u8(0);  // RESERVED
    const std::size_t length_at = w.placeholder_u16();
    write_payload_body(w, payloads[i]);
    w.patch_u16(length_at, detail::to_u16(w.size() - start));
  }
  return payloads.empty() ? PayloadType::None : payload_type(payloads.front());
}

Bytes encode_header(const Header& h) {
  ByteWriter w;
  w.reserve(kHeaderSize);
  write_header(w, h);
  return std::move(w).take();
}

Bytes encode_header_and(const Header& h, ByteView rest) {
  ByteWriter w;
  w.reserve(kHeaderSize + rest.size());
  write_header(w, h);
  w.bytes(rest);
  return std::move(w).take();
}

EncodedPayloads encode_payloads(std::span<const Payload> payloads) {
  EncodedPayloads out;
  if (payloads.empty()) return out;
  ByteWriter w;
  w.reserve(kTypicalMessageSize);
  out.first = write_payloads(w, payloads);
  out.bytes = std::move(w).take();
  return out;
}

Bytes encode_message(Header header, std::span<const Payload> payloads) {
  ByteWriter w;
  w.reserve(kTypicalMessageSize);
  header.length = 0;  // patched below, with next_payload, once the payloads are written
  write_header(w, header);
  const PayloadType first = write_payloads(w, payloads);
  // RFC 2408 3.1: Next Payload at offset 16, Length (of the whole message) at offset 24.
  w.patch_u8(16, static_cast<uint8_t>(first));
  w.patch_u32(24, static_cast<uint32_t>(w.size()));
  return std::move(w).take();
}

}  // namespace ike::wire
