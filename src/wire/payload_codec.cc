// Payload body codecs (no generic header) for every decoded ISAKMP payload type: RFC 2408
// §3.7-3.15 (KE, ID, CERT, CERT_REQ, HASH, SIG, NONCE, NOTIFY, DELETE, VENDOR), RFC 2407 §4.6.2
// (IPsec DOI ID), RFC 2409 §5 (nonce length), RFC 3947 §3.2/§5.2 (NAT-D, NAT-OA and their draft
// numbers 130/131), draft-ietf-ipsec-isakmp-mode-cfg-05 §3.2 (ATTRIBUTE). Every body is read
// with a bounded reader and must be consumed exactly; SA bodies are in sa_codec.cc.
#include <algorithm>
#include <fmt/core.h>

#include "wire/codec_internal.h"
#include "wire/message.h"

namespace ike::wire {
namespace {

using base::make_error;
using base::NotifyType;
using detail::ByteReader;
using detail::ByteWriter;
using detail::ErrorCode;
using detail::Result;

constexpr std::size_t kMaxKeSize = 1024;  // MODP 8192 (RFC 3526 §7) is the largest group
constexpr std::size_t kMinNonce = 8;      // RFC 2409 §5: "between 8 and 256 bytes inclusive"
constexpr std::size_t kMaxNonce = 256;
constexpr std::size_t kMaxSpiSize = 16;   // ISAKMP SA "SPI" = both cookies (RFC 2408 §2.4)

Bytes rest_bytes(ByteReader& r) { return base::to_bytes(r.rest()); }

base::Status non_empty(const ByteReader& r, std::string_view what, NotifyType notify) {
  if (r.empty()) {
    return make_error(ErrorCode::BadLength, notify, "empty {} at offset {}", what, r.offset());
  }
  return base::ok();
}

Result<Payload> parse_ke(ByteReader& r) {
  // RFC 2408 §3.7 / §5.7: an empty or oversized public value cannot be a valid KE.
  IKE_TRY_VOID(non_empty(r, "key exchange data", NotifyType::InvalidKeyInformation));
  if (r.remaining() > kMaxKeSize) {
    return make_error(ErrorCode::BadLength, NotifyType::InvalidKeyInformation,
                      "key exchange data of {} bytes at offset {} exceeds {}", r.remaining(),
                      r.offset(), kMaxKeSize);
  }
  return KePayload{rest_bytes(r)};
}

// RFC 2407 §4.6.2.1: fixed data sizes per ID type (0 = variable, non-empty).
std::optional<std::size_t> id_data_size(IdType t) {
  switch (t) {
    case IdType::Ipv4Addr: return 4;
    case IdType::Ipv4AddrSubnet: return 8;  // address + mask
    case IdType::Ipv6Addr: return 16;
    case IdType::Ipv6AddrSubnet: return 32;
    case IdType::Ipv4AddrRange: return 8;  // start + end
    case IdType::Ipv6AddrRange: return 32;
    case IdType::Fqdn:
    case IdType::UserFqdn:
    case IdType::DerAsn1Dn:
    case IdType::DerAsn1Gn:
    case IdType::KeyId: return 0;
  }
  return std::nullopt;
}

Result<Payload> parse_id(ByteReader& r) {
  IdPayload id;
  const std::size_t type_at = r.offset();
  IKE_TRY(id.id_type, r.u8("ID type"));
  IKE_TRY(id.protocol, r.u8("protocol id"));
  IKE_TRY(id.port, r.u16("port"));
  if (!registry_name(Registry::IdType, id.id_type)) {
    return make_error(ErrorCode::Unsupported, NotifyType::InvalidIdInformation,
                      "ID type {} at offset {} (expected 1..11)", id.id_type, type_at);
  }
  auto expected = id_data_size(static_cast<IdType>(id.id_type));
  const std::size_t len = r.remaining();
  if (expected && *expected != 0 && len != *expected) {
    return make_error(ErrorCode::BadLength, NotifyType::InvalidIdInformation,
                      "{} data at offset {}: {} bytes (expected {})",
                      registry_name_or_number(Registry::IdType, id.id_type), r.offset(), len,
                      *expected);
  }
  if (expected && *expected == 0 && len == 0) {
    return make_error(ErrorCode::BadLength, NotifyType::InvalidIdInformation,
                      "empty {} data at offset {}",
                      registry_name_or_number(Registry::IdType, id.id_type), r.offset());
  }
  id.data = rest_bytes(r);
  return id;
}

Result<Payload> parse_cert(ByteReader& r) {
  CertPayload c;
  IKE_TRY(c.encoding, r.u8("certificate encoding"));
  IKE_TRY_VOID(non_empty(r, "certificate data", NotifyType::InvalidCertificate));
  c.data = rest_bytes(r);
  return c;
}

Result<Payload> parse_cert_req(ByteReader& r) {
  CertReqPayload c;
  IKE_TRY(c.encoding, r.u8("certificate type"));
  c.authority = rest_bytes(r);  // RFC 2408 §3.10: may be empty (any authority)
  return c;
}

Result<Payload> parse_nonce(ByteReader& r) {
  const std::size_t len = r.remaining();
  if (len < kMinNonce || len > kMaxNonce) {
    // RFC 2409 §5: "The length of nonce payload MUST be between 8 and 256 bytes inclusive."
    return make_error(ErrorCode::BadLength, NotifyType::PayloadMalformed,
                      "nonce of {} bytes at offset {} (expected {}..{})", len, r.offset(),
                      kMinNonce, kMaxNonce);
  }
  return NoncePayload{rest_bytes(r)};
}

base::Status check_doi(uint32_t doi, std::size_t at) {
  if (doi != kDoiIsakmp && doi != kDoiIpsec) {
    return make_error(ErrorCode::Unsupported, NotifyType::DoiNotSupported,
                      "DOI {} at offset {} not supported (expected 0 or 1)", doi, at);
  }
  return base::ok();
}

base::Status check_spi_size(uint8_t size, std::size_t at) {
  if (size > kMaxSpiSize) {
    return make_error(ErrorCode::BadLength, NotifyType::InvalidSpi,
                      "SPI size {} at offset {} exceeds {}", size, at, kMaxSpiSize);
  }
  return base::ok();
}

Result<Payload> parse_notify(ByteReader& r) {
  // RFC 2408 §3.14: DOI(4) Protocol-ID(1) SPI Size(1) Notify Message Type(2) SPI Data
  NotifyPayload n;
  const std::size_t doi_at = r.offset();
  IKE_TRY(n.doi, r.u32("DOI"));
  IKE_TRY_VOID(check_doi(n.doi, doi_at));
  IKE_TRY(n.protocol_id, r.u8("protocol id"));
  const std::size_t spi_at = r.offset();
  IKE_TRY(uint8_t spi_size, r.u8("SPI size"));
  IKE_TRY_VOID(check_spi_size(spi_size, spi_at));
  IKE_TRY(n.type, r.u16("notify message type"));
  if (spi_size > r.remaining()) {
    return make_error(ErrorCode::BadLength, NotifyType::PayloadMalformed,
                      "SPI size {} at offset {} exceeds payload remainder {}", spi_size, spi_at,
                      r.remaining());
  }
  IKE_TRY(ByteView spi, r.bytes(spi_size, "SPI"));
  n.spi = base::to_bytes(spi);
  n.data = rest_bytes(r);
  return n;
}

Result<Payload> parse_delete(ByteReader& r) {
  // RFC 2408 §3.15: DOI(4) Protocol-Id(1) SPI Size(1) # of SPIs(2) SPI(es)
  DeletePayload d;
  const std::size_t doi_at = r.offset();
  IKE_TRY(d.doi, r.u32("DOI"));
  IKE_TRY_VOID(check_doi(d.doi, doi_at));
  IKE_TRY(d.protocol_id, r.u8("protocol id"));
  const std::size_t spi_at = r.offset();
  IKE_TRY(d.spi_size, r.u8("SPI size"));
  IKE_TRY_VOID(check_spi_size(d.spi_size, spi_at));
  const std::size_t count_at = r.offset();
  IKE_TRY(uint16_t count, r.u16("# of SPIs"));
  if (count > kMaxDeleteSpis) {
    return make_error(ErrorCode::TooMany, NotifyType::PayloadMalformed,
                      "# of SPIs {} at offset {} exceeds the limit {}", count, count_at,
                      kMaxDeleteSpis);
  }
  if (d.spi_size == 0 && count > 0) {
    return make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                      "SPI size 0 at offset {} with # of SPIs {}", spi_at, count);
  }
  // CVE-2004-0221: the SPI list must fill the payload exactly (no overflow of size * count).
  const std::size_t need = std::size_t{d.spi_size} * count;
  if (need != r.remaining()) {
    return make_error(ErrorCode::BadLength, NotifyType::PayloadMalformed,
                      "{} SPIs of {} bytes need {} bytes, payload has {} at offset {}", count,
                      d.spi_size, need, r.remaining(), r.offset());
  }
  for (uint16_t i = 0; i < count; ++i) {
    IKE_TRY(ByteView spi, r.bytes(d.spi_size, "SPI"));
    d.spis.push_back(base::to_bytes(spi));
  }
  return d;
}

Result<Payload> parse_nat_oa(ByteReader& r, bool draft) {
  // RFC 3947 §5.2: ID Type(1) RESERVED(1) RESERVED(2) IPv4 (4 octets) or IPv6 (16 octets)
  NatOaPayload oa;
  oa.draft = draft;
  const std::size_t type_at = r.offset();
  IKE_TRY(oa.id_type, r.u8("ID type"));
  IKE_TRY(uint8_t reserved1, r.u8("RESERVED"));
  IKE_TRY(uint16_t reserved2, r.u16("RESERVED"));
  if (reserved1 != 0 || reserved2 != 0) {
    return make_error(ErrorCode::Reserved, NotifyType::PayloadMalformed,
                      "RESERVED=0x{:02x}{:04x} at offset {}", reserved1, reserved2, type_at + 1);
  }
  std::size_t expected = 0;
  if (oa.id_type == static_cast<uint8_t>(IdType::Ipv4Addr)) {
    expected = 4;
  } else if (oa.id_type == static_cast<uint8_t>(IdType::Ipv6Addr)) {
    expected = 16;
  } else {
    return make_error(ErrorCode::BadValue, NotifyType::InvalidIdInformation,
                      "ID type {} at offset {} (expected 1 = IPV4_ADDR or 5 = IPV6_ADDR)",
                      oa.id_type, type_at);
  }
  if (r.remaining() != expected) {
    return make_error(ErrorCode::BadLength, NotifyType::PayloadMalformed,
                      "address of {} bytes at offset {} (expected {})", r.remaining(),
                      r.offset(), expected);
  }
  oa.address = rest_bytes(r);
  return oa;
}

Result<Payload> parse_attribute_payload(ByteReader& r) {
  // draft-ietf-ipsec-isakmp-mode-cfg-05 §3.2: Type(1) RESERVED(1) Identifier(2) Attributes
  AttributePayload a;
  const std::size_t type_at = r.offset();
  IKE_TRY(a.cfg_type, r.u8("attribute payload type"));
  IKE_TRY(uint8_t reserved, r.u8("RESERVED"));
  IKE_TRY(a.identifier, r.u16("identifier"));
  // Table 1: 1..4 assigned, 5..127 reserved, 128..255 private use.
  if (a.cfg_type == 0 || (a.cfg_type > 4 && a.cfg_type < 128)) {
    return make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                      "attribute payload type {} at offset {} (expected 1..4 or 128..255)",
                      a.cfg_type, type_at);
  }
  if (reserved != 0) {
    return make_error(ErrorCode::Reserved, NotifyType::PayloadMalformed,
                      "RESERVED=0x{:02x} at offset {}", reserved, type_at + 1);
  }
  IKE_TRY(a.attributes, detail::parse_attributes(r, "attribute list", "payload", kMaxAttributes,
                                                 NotifyType::PayloadMalformed,
                                                 &a.zero_padding));
  return a;
}

Result<Payload> parse_body(PayloadType type, ByteReader& r) {
  switch (type) {
    case PayloadType::Sa: {
      const std::size_t at = r.offset();  // before rest() consumes: argument order is unspecified
      IKE_TRY(SaPayload sa, detail::parse_sa(r.rest(), at));
      return Payload{std::move(sa)};
    }
    case PayloadType::KeyExchange: return parse_ke(r);
    case PayloadType::Id: return parse_id(r);
    case PayloadType::Cert: return parse_cert(r);
    case PayloadType::CertReq: return parse_cert_req(r);
    case PayloadType::Hash:
      IKE_TRY_VOID(non_empty(r, "hash data", NotifyType::InvalidHashInformation));
      return HashPayload{rest_bytes(r)};
    case PayloadType::Sig:
      IKE_TRY_VOID(non_empty(r, "signature data", NotifyType::InvalidSignature));
      return SigPayload{rest_bytes(r)};
    case PayloadType::Nonce: return parse_nonce(r);
    case PayloadType::Notify: return parse_notify(r);
    case PayloadType::Delete: return parse_delete(r);
    case PayloadType::Vendor:
      IKE_TRY_VOID(non_empty(r, "vendor ID", NotifyType::PayloadMalformed));
      return VendorPayload{rest_bytes(r)};
    case PayloadType::Attribute: return parse_attribute_payload(r);
    case PayloadType::NatD:
    case PayloadType::NatDDraft:
      IKE_TRY_VOID(non_empty(r, "NAT-D hash", NotifyType::PayloadMalformed));
      return NatDPayload{rest_bytes(r), type == PayloadType::NatDDraft};
    case PayloadType::NatOa: return parse_nat_oa(r, false);
    case PayloadType::NatOaDraft: return parse_nat_oa(r, true);
    case PayloadType::None:
    case PayloadType::Proposal:
    case PayloadType::Transform:
      return make_error(ErrorCode::BadValue, NotifyType::InvalidPayloadType,
                        "payload type {} is not valid at top level (offset {})",
                        static_cast<unsigned>(type), r.offset());
    case PayloadType::Sak:
    case PayloadType::Sat:
    case PayloadType::Kd:
    case PayloadType::SeqNo:
    case PayloadType::Pop:
    case PayloadType::Fragment:
      break;
  }
  const auto raw = static_cast<uint8_t>(type);
  // RFC 2408 §3.1: 22..127 reserved (never valid); 128..255 private use. RFC 3547 types,
  // fragments and private types are kept opaque: the engine decides (RFC 2408 §5.1).
  if (raw >= 22 && raw < 128) {
    return make_error(ErrorCode::Unsupported, NotifyType::InvalidPayloadType,
                      "reserved payload type {} at offset {}", raw, r.offset());
  }
  return UnknownPayload{raw, rest_bytes(r)};
}

}  // namespace

Result<Payload> parse_payload_body(PayloadType type, ByteView body, std::size_t base_offset) {
  ByteReader r(body, base_offset);
  auto parsed = parse_body(type, r);
  // The context is named only on an error (issue #7: it was formatted for every payload).
  auto ctx = [type] { return fmt::format("{} payload", to_string(type)); };
  if (!parsed) return std::move(parsed).error().with_context(ctx());
  if (!r.empty()) {
    if (auto done = r.expect_done(ctx()); !done) return std::move(done).error();
  }
  return std::move(parsed).value();
}

PayloadType payload_type(const Payload& p) noexcept {
  struct Visitor {
    PayloadType operator()(const SaPayload&) const { return PayloadType::Sa; }
    PayloadType operator()(const KePayload&) const { return PayloadType::KeyExchange; }
    PayloadType operator()(const IdPayload&) const { return PayloadType::Id; }
    PayloadType operator()(const CertPayload&) const { return PayloadType::Cert; }
    PayloadType operator()(const CertReqPayload&) const { return PayloadType::CertReq; }
    PayloadType operator()(const HashPayload&) const { return PayloadType::Hash; }
    PayloadType operator()(const SigPayload&) const { return PayloadType::Sig; }
    PayloadType operator()(const NoncePayload&) const { return PayloadType::Nonce; }
    PayloadType operator()(const NotifyPayload&) const { return PayloadType::Notify; }
    PayloadType operator()(const DeletePayload&) const { return PayloadType::Delete; }
    PayloadType operator()(const VendorPayload&) const { return PayloadType::Vendor; }
    PayloadType operator()(const NatDPayload& v) const {
      return v.draft ? PayloadType::NatDDraft : PayloadType::NatD;
    }
    PayloadType operator()(const NatOaPayload& v) const {
      return v.draft ? PayloadType::NatOaDraft : PayloadType::NatOa;
    }
    PayloadType operator()(const AttributePayload&) const { return PayloadType::Attribute; }
    PayloadType operator()(const UnknownPayload& v) const {
      return static_cast<PayloadType>(v.type);
    }
  };
  return std::visit(Visitor{}, p);
}

Bytes encode_payload_body(const Payload& p) {
  ByteWriter w;
  write_payload_body(w, p);
  return std::move(w).take();
}

void write_payload_body(ByteWriter& w, const Payload& p) {
  struct Visitor {
    ByteWriter& w;
    void operator()(const SaPayload& v) const { detail::write_sa(w, v); }
    void operator()(const KePayload& v) const { w.bytes(v.data); }
    void operator()(const IdPayload& v) const {
      w.u8(v.id_type);
      w.u8(v.protocol);
      w.u16(v.port);
      w.bytes(v.data);
    }
    void operator()(const CertPayload& v) const {
      w.u8(v.encoding);
      w.bytes(v.data);
    }
    void operator()(const CertReqPayload& v) const {
      w.u8(v.encoding);
      w.bytes(v.authority);
    }
    void operator()(const HashPayload& v) const { w.bytes(v.data); }
    void operator()(const SigPayload& v) const { w.bytes(v.data); }
    void operator()(const NoncePayload& v) const { w.bytes(v.data); }
    void operator()(const NotifyPayload& v) const {
      w.u32(v.doi);
      w.u8(v.protocol_id);
      w.u8(detail::to_u8(v.spi.size()));
      w.u16(v.type);
      w.bytes(v.spi);
      w.bytes(v.data);
    }
    void operator()(const DeletePayload& v) const {
      w.u32(v.doi);
      w.u8(v.protocol_id);
      w.u8(v.spi_size);
      w.u16(detail::to_u16(v.spis.size()));
      for (const auto& spi : v.spis) w.bytes(spi);
    }
    void operator()(const VendorPayload& v) const { w.bytes(v.data); }
    void operator()(const NatDPayload& v) const { w.bytes(v.hash); }
    void operator()(const NatOaPayload& v) const {
      w.u8(v.id_type);
      w.zeros(3);  // RESERVED(1) + RESERVED(2)
      w.bytes(v.address);
    }
    void operator()(const AttributePayload& v) const {
      w.u8(v.cfg_type);
      w.u8(0);  // RESERVED
      w.u16(v.identifier);
      detail::write_attributes(w, v.attributes);
      w.zeros(std::min<std::size_t>(v.zero_padding, 3));
    }
    void operator()(const UnknownPayload& v) const { w.bytes(v.body); }
  };
  std::visit(Visitor{w}, p);
}

}  // namespace ike::wire
