// PF_KEY v2 (RFC 2367) message encoding and bounded parsing, pure (no socket): the requests a
// PF_KEY backend sends (SADB_GETSPI, SADB_UPDATE / SADB_ADD, SADB_DELETE, and the KAME/Linux
// policy extension SADB_X_SPDUPDATE / SADB_X_SPDADD / SADB_X_SPDDELETE with sadb_x_policy +
// sadb_x_ipsecrequest, the PF_KEY equivalents of OpenBSD's SADB_X_ADDFLOW / SADB_X_DELFLOW)
// and the messages it reads (replies, SADB_ACQUIRE, SADB_EXPIRE). Lengths are in 64-bit words
// (RFC 2367 §2.3), every extension padded to 8 bytes; byte order is host except SPIs, ports
// and addresses (network). Parsers check the header length against the datagram, every
// extension length against the remainder, and refuse duplicate or unknown extension types.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/ipsec_types.h"
#include "base/result.h"

namespace ike::kernel::pfkey {

// RFC 2407 §4.5 AUTHENTICATION_ALGORITHM <-> SADB_AALG_* / SADB_X_AALG_* (the ESP encryption
// and IPCOMP ids equal the RFC 2407 transform ids in <linux/pfkeyv2.h>; auth ids differ).
std::optional<uint8_t> sadb_auth_from_algorithm(uint16_t auth_algorithm) noexcept;
std::optional<uint16_t> auth_algorithm_from_sadb(uint8_t sadb_aalg) noexcept;

[[nodiscard]] base::Result<base::Bytes> build_getspi(base::IpsecProtocol proto,
                                                     const base::IpAddress& src,
                                                     const base::IpAddress& dst, uint32_t seq,
                                                     uint32_t pid, uint32_t min_spi = 256,
                                                     uint32_t max_spi = 0xffffffffu);
// SADB_UPDATE (update: completes the larval SA of GETSPI) or SADB_ADD. Holds keys.
[[nodiscard]] base::Result<base::SecureBytes> build_add_sa(const base::SaInstall& sa,
                                                           uint32_t seq, uint32_t pid,
                                                           bool update);
[[nodiscard]] base::Result<base::Bytes> build_delete_sa(const base::SaRef& ref,
                                                        const base::IpAddress& src, uint32_t seq,
                                                        uint32_t pid);
// SADB_X_SPDUPDATE (update) / SADB_X_SPDADD and SADB_X_SPDDELETE. An SA bundle (flow.bundle)
// is one sadb_x_ipsecrequest per protocol in xfrm::template_order (IPCOMP, ESP, AH); only the
// first has the flow's mode and tunnel endpoints, an inbound IPCOMP of a bundle is level use.
[[nodiscard]] base::Result<base::Bytes> build_spd_add(const base::FlowInstall& flow,
                                                      uint32_t seq, uint32_t pid, bool update);
[[nodiscard]] base::Result<base::Bytes> build_spd_delete(const base::FlowInstall& flow,
                                                         uint32_t seq, uint32_t pid);
// SADB_FLUSH / SADB_X_SPDFLUSH are deliberately absent: only what we installed is removed.

struct Reply {
  uint8_t type = 0;
  uint8_t error = 0;  // sadb_msg_errno
  uint8_t satype = 0;
  uint32_t seq = 0;
  uint32_t pid = 0;
  std::optional<base::Spi> spi;  // from the SA extension (the GETSPI answer)
};

// Any PF_KEY message (header + extensions validated).
[[nodiscard]] base::Result<Reply> parse_reply(base::ByteView msg);
// SADB_ACQUIRE: the endpoints of the wanted SA (Linux sends no flow selector: src_ts/dst_ts
// are the endpoints as hosts) and the protocol.
[[nodiscard]] base::Result<base::KernelEvent> parse_acquire(base::ByteView msg);
// SADB_EXPIRE: soft when the soft lifetime extension is present, hard for the hard one.
[[nodiscard]] base::Result<base::KernelEvent> parse_expire(base::ByteView msg);
// One SADB_DUMP answer (same layout as SADB_ADD): the SA without keys, current counters.
[[nodiscard]] base::Result<base::KernelSaInfo> parse_sa_entry(base::ByteView msg);
// One SADB_X_SPDDUMP answer (same layout as SADB_X_SPDADD): the flow; the first ipsecrequest
// gives protocol, mode and endpoints, the others (at most 6 in all) the bundle.
[[nodiscard]] base::Result<base::FlowInstall> parse_policy_entry(base::ByteView msg);

}  // namespace ike::kernel::pfkey
