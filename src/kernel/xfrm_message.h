// Pure XFRM netlink message builders and bounded parsers (no sockets): the bytes XfrmBackend
// writes to and reads from its NETLINK_XFRM sockets. Builders lay the requests out exactly as
// iproute2's `ip xfrm` does (golden vectors in tests/vectors/xfrm_ip_xfrm.vec): ALLOCSPI,
// NEWSA/UPDSA (algorithms from xfrm_algorithms.h, RFC 4868 truncation, AEAD ICV from the
// transform id, RFC 3948 ESP-in-UDP template, hard lifetime as negotiated and soft at 90 %,
// replay window never 0 on a keyed SA), DELSA, NEWPOLICY/UPDPOLICY with one template, or one per
// protocol of an SA bundle in the kernel's order (flow type require/use/deny/bypass), DELPOLICY and the SA/policy dumps. Parsers treat every kernel reply
// as hostile input (each length checked against its container, message counts capped): the
// netlink message walk, NLMSG_ERROR, the ALLOCSPI reply, SA and policy dump entries, and the
// ACQUIRE / EXPIRE events.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/ipsec_types.h"
#include "base/result.h"

namespace ike::kernel::xfrm {

// ---- builders (each returns one complete netlink message, nlmsg_pid 0) ----

// XFRM_MSG_ALLOCSPI for an inbound SA `src` (peer) -> `dst` (us). RFC 4303 §2.1: min >= 256.
[[nodiscard]] base::Result<base::Bytes> build_allocspi(base::IpsecProtocol proto,
                                                       const base::IpAddress& src,
                                                       const base::IpAddress& dst, uint32_t seq,
                                                       uint32_t min_spi = 256,
                                                       uint32_t max_spi = 0xffffffffu);
// XFRM_MSG_NEWSA (update = false) or XFRM_MSG_UPDSA (update = true: the larval SA left by
// ALLOCSPI is completed). Fails on unknown algorithms, key sizes that disagree with the
// algorithm, or address families that differ. The message holds the keys: SecureBytes.
[[nodiscard]] base::Result<base::SecureBytes> build_add_sa(const base::SaInstall& sa,
                                                           uint32_t seq, bool update);
[[nodiscard]] base::Result<base::Bytes> build_delete_sa(const base::SaRef& ref,
                                                        const base::IpAddress& src, uint32_t seq);
// XFRM_MSG_NEWPOLICY / XFRM_MSG_UPDPOLICY with one xfrm_user_tmpl per protocol of the flow
// (none for deny/bypass), ordered by template_order; the first template has the flow's mode,
// the others transport; an inbound IPCOMP template of a bundle is optional (level use).
// The flow's protocols (`protocol` + `bundle`) in XFRM template order: IPCOMP (innermost),
// ESP, AH (outermost). Errors: a protocol twice.
[[nodiscard]] base::Result<std::vector<base::IpsecProtocol>> template_order(
    const base::FlowInstall& flow);
[[nodiscard]] base::Result<base::Bytes> build_add_policy(const base::FlowInstall& flow,
                                                         uint32_t seq, bool update);
[[nodiscard]] base::Result<base::Bytes> build_delete_policy(const base::FlowInstall& flow,
                                                            uint32_t seq);
// XFRM_MSG_GETSA / XFRM_MSG_GETPOLICY with NLM_F_DUMP.
base::Bytes build_dump_sa(uint32_t seq);
base::Bytes build_dump_policy(uint32_t seq);

// ---- parsers ----

inline constexpr std::size_t kMaxMessagesPerDatagram = 1024;

struct NetlinkMessage {
  uint16_t type = 0;
  uint16_t flags = 0;
  uint32_t seq = 0;
  uint32_t pid = 0;
  base::ByteView raw;      // the whole message (header included), inside the datagram
  base::ByteView payload;  // after the 16-byte header
};

// Splits one datagram into netlink messages: nlmsg_len >= 16, within the datagram, 4-aligned
// padding present (the last message may omit it); at most kMaxMessagesPerDatagram.
[[nodiscard]] base::Result<std::vector<NetlinkMessage>> split_messages(base::ByteView datagram);

// NLMSG_ERROR payload -> the positive errno (0 = ACK).
[[nodiscard]] base::Result<int> parse_error(const NetlinkMessage& m);
// XFRM_MSG_NEWSA reply to ALLOCSPI (an xfrm_usersa_info) -> the SPI (a CPI for IPCOMP).
[[nodiscard]] base::Result<base::Spi> parse_allocspi_reply(const NetlinkMessage& m);
// XFRM_MSG_NEWSA dump entry -> the SA without its keys (never copied out of the kernel reply).
[[nodiscard]] base::Result<base::KernelSaInfo> parse_sa(const NetlinkMessage& m);
// XFRM_MSG_NEWPOLICY dump entry -> the flow.
[[nodiscard]] base::Result<base::FlowInstall> parse_policy(const NetlinkMessage& m);
// XFRM_MSG_ACQUIRE / XFRM_MSG_EXPIRE -> the event.
[[nodiscard]] base::Result<base::KernelEvent> parse_acquire(const NetlinkMessage& m);
[[nodiscard]] base::Result<base::KernelEvent> parse_expire(const NetlinkMessage& m);

// Names for errors: "add esp SA spi 0x12345678 192.0.2.2->192.0.2.1".
std::string describe_sa(std::string_view op, const base::SaRef& ref, const base::IpAddress& src);
std::string describe_flow(std::string_view op, const base::FlowInstall& flow);

}  // namespace ike::kernel::xfrm
