// Symbolic, one-payload-per-line dumps of ISAKMP messages for logs (class Mesg), the FIFO
// report, the ike_decode tool and golden tests. Names come from the wire registries (RFC 2407,
// RFC 2408, RFC 2409 App. A); opaque data is shown as truncated hex; peer-controlled strings
// (FQDNs, user names, XAUTH messages) are sanitized with base::sanitize_for_log.
#pragma once

#include <span>
#include <string>

#include "wire/message.h"

namespace ike::wire {

// Header line, then the payloads (or "  <encrypted N bytes>"), each line ending in '\n'.
std::string dump_message(const Message& m);
// One line per payload; proposals, transforms and attributes indented below their SA.
std::string dump_payloads(std::span<const PayloadEntry> payloads);
// The same for bare payload values (no offsets), e.g. before encoding.
std::string dump_payload(const Payload& p);
// "HDR cookies=... next=SA version=1.0 exchange=ID_PROT flags=0x01<E> msgid=0x... length=N"
std::string dump_header(const Header& h);
// Lower-case hex of at most `max` bytes, "..." appended when longer.
std::string hex_preview(ByteView v, std::size_t max = 32);

}  // namespace ike::wire
