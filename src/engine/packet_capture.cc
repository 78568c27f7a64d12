// Cleartext packet capture (isakmpd -L/-l, FIFO `p on`): the PacketLog outputs. isakmpd's
// message_dump writes every message it sends or receives after decryption, with the header's
// encryption flag cleared and the length rewritten to the cleartext (RFC 2408 §3.1 header,
// Length "total message (header + payloads) in octets"), so tcpdump/wireshark decode the
// payloads. Emitted only while EngineOptions::packet_log is set; nothing is emitted otherwise.
#include <algorithm>

#include "engine/engine_impl.h"
#include "wire/message.h"
#include "wire/registry.h"

namespace ike::engine {

void EngineImpl::log_packet(const base::SockAddr& src, const base::SockAddr& dst,
                            base::ByteView message) {
  if (!m_options.packet_log) return;
  m_outputs.emplace_back(PacketLog{src, dst, base::to_bytes(message)});
}

void EngineImpl::log_packet(const base::SockAddr& src, const base::SockAddr& dst,
                            base::ByteView header, base::ByteView area) {
  if (!m_options.packet_log || header.size() < wire::kHeaderSize) return;
  base::Bytes out(header.begin(), header.begin() + wire::kHeaderSize);
  out.insert(out.end(), area.begin(), area.end());
  // RFC 2408 §3.1: Flags at offset 19 (E bit 0x01), Length at offsets 24-27 (big endian).
  out[19] = static_cast<uint8_t>(out[19] & ~wire::kFlagEncryption);
  auto len = static_cast<uint32_t>(std::min<std::size_t>(out.size(), wire::kMaxMessageSize));
  out[24] = static_cast<uint8_t>(len >> 24);
  out[25] = static_cast<uint8_t>(len >> 16);
  out[26] = static_cast<uint8_t>(len >> 8);
  out[27] = static_cast<uint8_t>(len);
  m_outputs.emplace_back(PacketLog{src, dst, std::move(out)});
}

}  // namespace ike::engine
