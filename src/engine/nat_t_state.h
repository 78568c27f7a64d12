// The NAT-T state of one Main Mode exchange and of the ISAKMP SA it creates (RFC 3947): the
// negotiated version, which side is behind a NAT, whether IKE floated to the NAT-T port. A plain
// record kept apart from nat_t.h so exchange.h/sa_db.h stay light.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/address.h"

namespace ike::engine {

enum class NatTVersion : uint8_t { None, Draft02, Draft03, Rfc };
const char* nat_t_version_name(NatTVersion v) noexcept;

struct NatTState {
  NatTVersion version = NatTVersion::None;  // negotiated through the vendor IDs
  bool local_behind_nat = false;            // our NAT-D hash did not match (RFC 3947 §3.2)
  bool peer_behind_nat = false;             // none of the peer's own hashes matched
  bool floated = false;                     // IKE moved to the NAT-T port
  bool draft() const noexcept {
    return version == NatTVersion::Draft02 || version == NatTVersion::Draft03;
  }
  bool detected() const noexcept { return local_behind_nat || peer_behind_nat; }
  // "nat-t rfc3947, local behind NAT" etc., for logs and the `S` report.
  std::string to_string() const;
};

// RFC 3947 §5.2 original addresses received in NAT-OA payloads (recorded, reported by `S`).
struct NatOa {
  std::optional<base::IpAddress> initiator, responder;
};

}  // namespace ike::engine
