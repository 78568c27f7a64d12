// Typed ISAKMP payload bodies (RFC 2408 §3.4-3.15, RFC 2407 §4.6, RFC 3947, mode-cfg). Plain
// values: parse_* produce them fully validated, encode_* serialize them; no crypto, no state.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/ids.h"
#include "wire/registry.h"

namespace ike::wire {

using base::ByteView;
using base::Bytes;

// RFC 2408 §3.3 data attribute. TV (AF=1) carries a 16-bit value; TLV (AF=0) a byte string.
// `tv` records the encoding seen so re-serialization is byte-exact.
struct Attribute {
  uint16_t type = 0;  // without the AF bit
  bool tv = true;
  uint16_t short_value = 0;  // valid when tv
  Bytes long_value;          // valid when !tv
  // Numeric value of a TV attribute or a TLV of 1..8 bytes (big endian); nullopt otherwise.
  std::optional<uint64_t> as_number() const;
  static Attribute basic(uint16_t type, uint16_t value);
  // Encodes as TV if value fits 16 bits, else as 4-byte (or 8-byte) TLV.
  static Attribute number(uint16_t type, uint64_t value);
  bool operator==(const Attribute&) const = default;
};

// RFC 2408 §3.6 Transform payload (lives inside a Proposal).
struct Transform {
  uint8_t number = 1;
  uint8_t transform_id = 0;
  std::vector<Attribute> attributes;
  const Attribute* find(uint16_t type) const;
  bool operator==(const Transform&) const = default;
};

// RFC 2408 §3.5 Proposal payload (lives inside an SA).
struct Proposal {
  uint8_t number = 1;
  uint8_t protocol_id = 0;  // ProtocolId
  Bytes spi;                // 0 bytes (phase 1), 4 (AH/ESP), 2 or 4 (IPCOMP CPI)
  std::vector<Transform> transforms;
  bool operator==(const Proposal&) const = default;
};

// RFC 2408 §3.4 + RFC 2407 §4.6.1 SA payload. Proposals with the same number form one
// logical proposal (an AND-bundle, e.g. ESP+AH); different numbers are alternatives.
struct SaPayload {
  uint32_t doi = kDoiIpsec;
  uint32_t situation = kSituationIdentityOnly;
  std::vector<Proposal> proposals;
  bool operator==(const SaPayload&) const = default;
};

struct KePayload { Bytes data; bool operator==(const KePayload&) const = default; };

// RFC 2407 §4.6.2 Identification payload (DOI-specific part: proto, port).
struct IdPayload {
  uint8_t id_type = 0;  // IdType
  uint8_t protocol = 0;
  uint16_t port = 0;
  Bytes data;
  bool operator==(const IdPayload&) const = default;
};

struct CertPayload { uint8_t encoding = 0; Bytes data; bool operator==(const CertPayload&) const = default; };
struct CertReqPayload { uint8_t encoding = 0; Bytes authority; bool operator==(const CertReqPayload&) const = default; };
struct HashPayload { Bytes data; bool operator==(const HashPayload&) const = default; };
struct SigPayload { Bytes data; bool operator==(const SigPayload&) const = default; };
struct NoncePayload { Bytes data; bool operator==(const NoncePayload&) const = default; };

// RFC 2408 §3.14 Notification.
struct NotifyPayload {
  uint32_t doi = kDoiIpsec;
  uint8_t protocol_id = 0;
  uint16_t type = 0;  // NotifyType value (any value accepted on the wire)
  Bytes spi;
  Bytes data;
  bool operator==(const NotifyPayload&) const = default;
};

// RFC 2408 §3.15 Delete.
struct DeletePayload {
  uint32_t doi = kDoiIpsec;
  uint8_t protocol_id = 0;
  uint8_t spi_size = 0;
  std::vector<Bytes> spis;  // each spi_size long
  bool operator==(const DeletePayload&) const = default;
};

struct VendorPayload { Bytes data; bool operator==(const VendorPayload&) const = default; };
// RFC 3947 §3.2 NAT-D (type 20, or draft 130): a hash.
struct NatDPayload { Bytes hash; bool draft = false; bool operator==(const NatDPayload&) const = default; };
// RFC 3947 §5.2 NAT-OA (type 21, or draft 131).
struct NatOaPayload {
  uint8_t id_type = 0;  // IPV4_ADDR or IPV6_ADDR
  Bytes address;
  bool draft = false;
  bool operator==(const NatOaPayload&) const = default;
};
// draft-ietf-ipsec-isakmp-mode-cfg-05 §3.2 Attribute payload (type 14).
struct AttributePayload {
  uint8_t cfg_type = 0;  // CfgType
  uint16_t identifier = 0;
  std::vector<Attribute> attributes;
  // 0..3 zero octets after the last attribute (libreswan aligns the payload to 4 octets):
  // kept so that a parsed payload re-encodes to the same bytes.
  uint8_t zero_padding = 0;
  bool operator==(const AttributePayload&) const = default;
};
// A payload of a type we do not decode (RFC 2408 §5: the receiver decides; see message.h).
struct UnknownPayload { uint8_t type = 0; Bytes body; bool operator==(const UnknownPayload&) const = default; };

using Payload = std::variant<SaPayload, KePayload, IdPayload, CertPayload, CertReqPayload,
                             HashPayload, SigPayload, NoncePayload, NotifyPayload, DeletePayload,
                             VendorPayload, NatDPayload, NatOaPayload, AttributePayload,
                             UnknownPayload>;

// The wire type of a payload value (NatD/NatOa honour their `draft` flag).
PayloadType payload_type(const Payload& p) noexcept;

}  // namespace ike::wire
