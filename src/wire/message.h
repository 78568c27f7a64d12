// ISAKMP messages: header (RFC 2408 §3.1) + chain of generic payloads (§3.2). Parsing is two
// passes (walk generic headers with bounds checks, then decode each body with a bounded reader
// and expect_done), producing a fully validated typed Message. Encrypted bodies are returned
// as bytes; the engine decrypts and calls parse_payloads(). Serialization is symmetric.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/ids.h"
#include "base/result.h"
#include "base/writer.h"
#include "wire/payload.h"

namespace ike::wire {

inline constexpr std::size_t kHeaderSize = 28;
inline constexpr std::size_t kGenericHeaderSize = 4;
inline constexpr std::size_t kMaxMessageSize = 65535;
// Caps (reliability.md A1.6 #3): hostile counts stop here with TooMany errors.
inline constexpr std::size_t kMaxPayloads = 64;
inline constexpr std::size_t kMaxProposals = 64;
inline constexpr std::size_t kMaxTransforms = 64;
inline constexpr std::size_t kMaxAttributes = 64;
inline constexpr std::size_t kMaxDeleteSpis = 255;

struct Header {
  base::CookiePair cookies;
  PayloadType next_payload = PayloadType::None;
  uint8_t major_version = 1;
  uint8_t minor_version = 0;
  ExchangeType exchange = ExchangeType::None;
  uint8_t flags = 0;
  base::MessageId message_id;
  uint32_t length = 0;  // filled by encode
  bool operator==(const Header&) const = default;
};

// One decoded payload plus where it sat: `offset` is the offset of its generic header inside
// the payload area handed to parse_payloads (for HASH(n) which covers "the rest of the
// message"); its exact body bytes (for SAi_b, IDii_b) are payload_body(area, entry), a view
// into that area, not a copy.
struct PayloadEntry {
  Payload value;
  std::size_t offset = 0;
  std::size_t total_length = 0;  // including the 4-byte generic header
  bool critical = false;
};

// The body bytes of `e` inside the `area` it was parsed from (bounds checked by the parser).
inline ByteView payload_body(ByteView area, const PayloadEntry& e) {
  return area.subspan(e.offset + kGenericHeaderSize, e.total_length - kGenericHeaderSize);
}

struct Message {
  Header header;
  std::vector<PayloadEntry> payloads;  // empty when encrypted
  Bytes encrypted_body;                // the bytes after the header when ENC is set

  // First payload of that type, or nullptr.
  template <class T>
  const T* find() const {
    for (const auto& e : payloads) {
      if (const T* p = std::get_if<T>(&e.value)) return p;
    }
    return nullptr;
  }
  const PayloadEntry* find_entry(PayloadType t) const;
  std::size_t count(PayloadType t) const;
};

// Header only: checks length >= 28, length == datagram size (UNEQUAL_PAYLOAD_LENGTHS otherwise),
// major version 1 (INVALID_MAJOR_VERSION), known flag bits (INVALID_FLAGS).
[[nodiscard]] base::Result<Header> parse_header(ByteView datagram);

// Trailing octets tolerated after the last payload of an unencrypted payload chain when they
// are all zero: alignment padding to a multiple of 4 as libreswan sends it (message.cc,
// RFC 2408 §3.1).
inline constexpr std::size_t kMaxZeroPadding = 3;

// Whole datagram. Unencrypted: header + all payloads; after the last payload at most
// kMaxZeroPadding zero octets (alignment padding), anything else is UNEQUAL_PAYLOAD_LENGTHS.
// Encrypted: header + encrypted_body (a non-empty multiple of nothing: the engine checks block
// alignment because it knows the cipher).
[[nodiscard]] base::Result<Message> parse_message(ByteView datagram);

// Payload chain starting with `first`. `base_offset` is the absolute offset of area[0] in the
// datagram (for error messages). With allow_padding, bytes after the last payload are ignored
// (decrypted messages are padded, RFC 2408 §3.1 / RFC 2409 App. B); otherwise only up to
// kMaxZeroPadding zero octets are (alignment padding), anything else is an error.
// Unknown payload types: RFC 2408 §5.1 -- a non-critical unknown payload becomes an
// UnknownPayload; a critical one fails with UNSUPPORTED... (INVALID_PAYLOAD_TYPE).
[[nodiscard]] base::Result<std::vector<PayloadEntry>> parse_payloads(PayloadType first,
                                                                     ByteView area,
                                                                     std::size_t base_offset,
                                                                     bool allow_padding);

// Body decoders (no generic header), exposed for tests, fuzzing and the dumper.
[[nodiscard]] base::Result<Payload> parse_payload_body(PayloadType type, ByteView body,
                                                       std::size_t base_offset);

// --- encoding ---
// The capacity encoders reserve first: most IKE messages fit, larger ones grow once or twice.
inline constexpr std::size_t kTypicalMessageSize = 512;
Bytes encode_header(const Header& h);  // uses h.length as is
// The header followed by `rest` (an encrypted body, or payloads encoded already), one buffer.
Bytes encode_header_and(const Header& h, ByteView rest);
Bytes encode_payload_body(const Payload& p);
// The same, appended to `w` (encode_payloads and encode_message write one buffer).
void write_payload_body(base::ByteWriter& w, const Payload& p);
struct EncodedPayloads {
  PayloadType first = PayloadType::None;
  Bytes bytes;  // generic headers + bodies, next-payload chain filled in
};
EncodedPayloads encode_payloads(std::span<const Payload> payloads);
// Generic payload headers and bodies appended to `w`, the next-payload chain filled in and
// each length patched once its body is written (RFC 2408 3.2); the last payload's next
// payload is `after_last` (payloads the caller writes next). Returns the first payload's type
// (NONE for no payloads).
PayloadType write_payloads(base::ByteWriter& w, std::span<const Payload> payloads,
                           PayloadType after_last = PayloadType::None);
// Full cleartext message: header.next_payload and header.length are computed.
Bytes encode_message(Header header, std::span<const Payload> payloads);

}  // namespace ike::wire
