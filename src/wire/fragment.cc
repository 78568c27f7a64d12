// IKEv1 fragment datagrams (vendor extension, see fragment.h): parser, encoder and splitter.
// Parse, validate, nothing else: the reassembler (engine/fragment_reassembly.cc) decides what
// a valid fragment means for its state.
#include "wire/fragment.h"

#include <algorithm>

#include "base/reader.h"
#include "base/writer.h"

namespace ike::wire {
namespace {

using base::ByteReader;
using base::ErrorCode;
using base::make_error;
using base::NotifyType;

}  // namespace

bool is_fragmentation_vendor_id(ByteView vid) noexcept {
  return vid.size() >= kFragmentationVendorIdPrefix &&
         std::equal(vid.begin(), vid.begin() + kFragmentationVendorIdPrefix,
                    kFragmentationVendorId.begin());
}

base::Result<Fragment> parse_fragment(ByteView datagram) {
  IKE_TRY(Header h, parse_header(datagram));
  if (h.next_payload != PayloadType::Fragment) {
    return make_error(ErrorCode::BadValue, NotifyType::InvalidPayloadType,
                      "fragment: next payload {} at offset 16 (expected 132, FRAGMENT)",
                      static_cast<unsigned>(h.next_payload));
  }
  if (h.flags != 0) {
    return make_error(ErrorCode::BadValue, NotifyType::InvalidFlags,
                      "fragment: header flags 0x{:02x} at offset 19 (a fragment is never "
                      "encrypted; expected 0)",
                      h.flags);
  }
  ByteReader r(datagram.subspan(kHeaderSize), kHeaderSize);
  const std::size_t at = r.offset();
  IKE_TRY(uint8_t next, r.u8("fragment: next payload"));
  IKE_TRY(uint8_t reserved, r.u8("fragment: RESERVED"));
  IKE_TRY(uint16_t length, r.u16("fragment: payload length"));
  if (next != 0) {
    return make_error(ErrorCode::BadValue, NotifyType::InvalidPayloadType,
                      "fragment: next payload {} at offset {} (a fragment is the only payload)",
                      next, at);
  }
  if (reserved != 0) {
    return make_error(ErrorCode::Reserved, NotifyType::PayloadMalformed,
                      "fragment: RESERVED=0x{:02x} at offset {}", reserved, at + 1);
  }
  const std::size_t available = datagram.size() - kHeaderSize;
  if (length != available) {
    return make_error(ErrorCode::BadLength, NotifyType::UnequalPayloadLengths,
                      "fragment: payload length {} at offset {}, {} bytes follow the header",
                      length, at + 2, available);
  }
  if (length <= kFragmentPayloadHeaderSize) {
    return make_error(ErrorCode::BadLength, NotifyType::PayloadMalformed,
                      "fragment: payload length {} at offset {} leaves no data (header is {})",
                      length, at + 2, kFragmentPayloadHeaderSize);
  }
  Fragment f;
  f.header = h;
  IKE_TRY(f.id, r.u16("fragment: id"));
  IKE_TRY(f.number, r.u8("fragment: number"));
  IKE_TRY(uint8_t flags, r.u8("fragment: flags"));
  if (f.number == 0 || f.number > kMaxFragmentNumber) {
    return make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                      "fragment: number {} at offset {} (allowed 1..{})", f.number, at + 6,
                      kMaxFragmentNumber);
  }
  if ((flags & ~kFragmentFlagLast) != 0) {
    return make_error(ErrorCode::Reserved, NotifyType::PayloadMalformed,
                      "fragment: unknown flag bits 0x{:02x} at offset {}", flags, at + 7);
  }
  f.last = (flags & kFragmentFlagLast) != 0;
  const ByteView data = r.rest();
  f.data.assign(data.begin(), data.end());
  return f;
}

Bytes encode_fragment(const Header& header, uint16_t id, uint8_t number, bool last,
                      ByteView data) {
  Header h = header;
  h.next_payload = PayloadType::Fragment;
  h.length = static_cast<uint32_t>(kHeaderSize + kFragmentPayloadHeaderSize + data.size());
  base::ByteWriter w(encode_header(h));
  w.u8(0);  // next payload: none
  w.u8(0);  // RESERVED
  w.u16(static_cast<uint16_t>(kFragmentPayloadHeaderSize + data.size()));
  w.u16(id);
  w.u8(number);
  w.u8(last ? kFragmentFlagLast : 0);
  w.bytes(data);
  return std::move(w).take();
}

base::Result<std::vector<Bytes>> split_into_fragments(ByteView message, uint16_t id,
                                                      std::size_t max_datagram) {
  IKE_TRY(Header original, parse_header(message));
  const std::size_t overhead = kHeaderSize + kFragmentPayloadHeaderSize;
  if (max_datagram <= overhead) {
    return make_error(ErrorCode::Config, NotifyType::None,
                      "fragment size {} leaves no room for data (overhead {})", max_datagram,
                      overhead);
  }
  const std::size_t chunk = std::min(max_datagram - overhead, kMaxMessageSize - overhead);
  const std::size_t count = (message.size() + chunk - 1) / chunk;
  if (count > kMaxFragmentNumber) {
    return make_error(ErrorCode::TooMany, NotifyType::None,
                      "message of {} bytes needs {} fragments of {} (at most {})",
                      message.size(), count, chunk, kMaxFragmentNumber);
  }
  Header h;
  h.cookies = original.cookies;
  h.exchange = original.exchange;
  h.flags = 0;
  h.message_id = base::MessageId{0};
  std::vector<Bytes> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t off = i * chunk;
    const std::size_t n = std::min(chunk, message.size() - off);
    out.push_back(encode_fragment(h, id, static_cast<uint8_t>(i + 1), i + 1 == count,
                                  message.subspan(off, n)));
  }
  return out;
}

}  // namespace ike::wire
