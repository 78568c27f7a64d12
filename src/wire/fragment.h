// IKEv1 fragmentation (the Cisco/strongSwan vendor extension, no RFC; layout as strongSwan's
// fragment_payload.c and libreswan's ikev1 fragment code send it): a fragment datagram is an
// ISAKMP header (next payload 132, never encrypted) followed by exactly one FRAGMENT payload:
//   generic header (next payload 0, RESERVED, length) | fragment id (2) | fragment number (1,
//   1-based) | flags (1, bit 0 = last fragment) | data (a slice of the whole encoded message,
//   its own ISAKMP header included).
// This file owns the parser, the encoder and the vendor ID that announces support. Pure: the
// reassembly state lives in engine/fragment_reassembly.h.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "wire/message.h"

namespace ike::wire {

// Generic header (4) + fragment id (2) + number (1) + flags (1).
inline constexpr std::size_t kFragmentPayloadHeaderSize = 8;
inline constexpr uint8_t kFragmentFlagLast = 0x01;
// Numbers are 1-based; 0 is invalid on the wire (strongSwan and libreswan reject it too).
inline constexpr uint8_t kMaxFragmentNumber = 16;

// "FRAGMENTATION": MD5 prefix Cisco uses, then 4 capability octets. strongSwan sends
// 0x80000000; receivers match the 16-octet prefix only (the capabilities vary by vendor).
inline constexpr std::array<uint8_t, 20> kFragmentationVendorId = {
    0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, 0x25, 0xe7,
    0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3, 0x80, 0x00, 0x00, 0x00};
inline constexpr std::size_t kFragmentationVendorIdPrefix = 16;
// True when `vid` (a VENDOR payload body) announces IKE fragmentation.
bool is_fragmentation_vendor_id(ByteView vid) noexcept;

struct Fragment {
  Header header;           // the fragment datagram's header (cookies identify the SA)
  uint16_t id = 0;         // same for every fragment of one message
  uint8_t number = 0;      // 1..kMaxFragmentNumber
  bool last = false;
  Bytes data;              // non-empty
  bool operator==(const Fragment&) const = default;
};

// A whole fragment datagram: header checked by parse_header (length == datagram size), next
// payload must be FRAGMENT, the flags octet clear (a fragment is never encrypted), exactly one
// payload whose length covers the rest of the datagram, its next payload 0, RESERVED 0,
// number 1..16, unknown flag bits 0, data non-empty. Every error names the field and offset.
[[nodiscard]] base::Result<Fragment> parse_fragment(ByteView datagram);

// Encodes one fragment datagram (header.next_payload and header.length are computed).
Bytes encode_fragment(const Header& header, uint16_t id, uint8_t number, bool last,
                      ByteView data);

// Splits an encoded message into fragment datagrams of at most `max_datagram` octets each
// (ISAKMP header + fragment payload header included). The fragment headers carry the
// message's cookies and exchange type, message id 0 and no flags, as strongSwan 5.9 sends the
// fragments of a phase-1 message (AGGRESSIVE fragments of AM2 seen on the wire; it ignores
// fragments whose exchange type is not its IKE SA's phase-1 type). Fails if the message needs more than
// kMaxFragmentNumber fragments or `max_datagram` leaves no room for data.
[[nodiscard]] base::Result<std::vector<Bytes>> split_into_fragments(ByteView message,
                                                                    uint16_t id,
                                                                    std::size_t max_datagram);

}  // namespace ike::wire
