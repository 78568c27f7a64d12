// SA payload body codec: RFC 2408 §3.4 (SA), §3.5 (Proposal), §3.6 (Transform), RFC 2407 §4.6.1
// (IPsec DOI situation) and §4.4.1 (protocol ids / SPI sizes). Proposals and transforms are
// walked with sub-readers carved out by their length fields, so no nested length can reach past
// its container. Error notify policy (RFC 2408 §5.4-5.6):
//   - DOI other than IPSEC (1)                  -> DOI_NOT_SUPPORTED
//   - situation other than SIT_IDENTITY_ONLY    -> SITUATION_NOT_SUPPORTED
//   - unknown protocol id                       -> INVALID_PROTOCOL_ID
//   - SPI size inconsistent with the protocol   -> INVALID_SPI
//   - chain/structure errors (next payload not 2/0 resp. 3/0, non-zero RESERVED, decreasing
//     proposal numbers, #transforms mismatch, no proposal/transform, count caps)
//                                               -> BAD_PROPOSAL_SYNTAX
//   - length fields below the minimum or beyond the container, truncation, attribute lengths
//                                               -> PAYLOAD_MALFORMED
// "proposal #n" / "transform #n" in details are 1-based positions in the chain.
#include <fmt/core.h>

#include <array>
#include <charconv>

#include "wire/codec_internal.h"
#include "wire/message.h"

namespace ike::wire::detail {
namespace {

using base::make_error;
using base::NotifyType;

constexpr std::size_t kProposalHeaderSize = 8;   // generic 4 + #, proto, spi size, #transforms
constexpr std::size_t kTransformHeaderSize = 8;  // generic 4 + #, id, RESERVED2

// RFC 2407 §4.4.1 / §4.6.1 + RFC 2408 §2.4: SPI sizes per protocol.
base::Status check_spi_size(const Proposal& p, std::size_t index, std::size_t at) {
  const std::size_t size = p.spi.size();
  bool ok = false;
  std::string_view expected;
  switch (static_cast<ProtocolId>(p.protocol_id)) {
    case ProtocolId::Isakmp:
      // RFC 2409 §5 phase 1 uses the cookies; isakmpd and others tolerate 0 or 16 (the cookies).
      ok = size == 0 || size == 16;
      expected = "0 or 16";
      break;
    case ProtocolId::IpsecAh:
    case ProtocolId::IpsecEsp:
      ok = size == 4;  // RFC 2407 §4.5: 4-octet SPI
      expected = "4";
      break;
    case ProtocolId::Ipcomp:
      ok = size == 2 || size == 4;  // RFC 2407 §4.4.5: 2-octet CPI, may be sent as 4 octets
      expected = "2 or 4";
      break;
  }
  if (!ok) {
    return make_error(ErrorCode::BadLength, NotifyType::InvalidSpi,
                      "proposal #{} ({}): SPI size {} at offset {} (expected {})", index,
                      registry_name_or_number(Registry::ProtocolId, p.protocol_id), size, at,
                      expected);
  }
  return base::ok();
}

// "proposal #P" or "proposal #P transform #T", the name errors give a position in the chain,
// built on the stack for every proposal and transform (no allocation, no format parsing:
// issue #7) and only read when something is wrong.
class ChainPosition {
 public:
  explicit ChainPosition(std::size_t proposal) { append("proposal #", proposal); }
  ChainPosition(std::size_t proposal, std::size_t transform) : ChainPosition(proposal) {
    append(" transform #", transform);
  }
  std::string_view view() const noexcept { return {m_text.data(), m_size}; }

 private:
  void append(std::string_view label, std::size_t n) {
    for (char c : label) m_text[m_size++] = c;
    m_size = static_cast<std::size_t>(
        std::to_chars(m_text.data() + m_size, m_text.data() + m_text.size(), n).ptr -
        m_text.data());
  }
  std::array<char, 64> m_text{};  // two labels (22) and two 20-digit numbers fit
  std::size_t m_size = 0;
};

// Reads the 4-byte generic header of a proposal/transform and returns a reader over its body.
struct Sub {
  uint8_t next = 0;
  ByteReader body{ByteView{}};
};

Result<Sub> read_sub_header(ByteReader& r, std::string_view what, std::size_t min_length,
                            uint8_t chain_type, std::string_view chain_name,
                            std::string_view container) {
  const std::size_t at = r.offset();
  if (r.remaining() < min_length) {
    return make_error(ErrorCode::Truncated, NotifyType::PayloadMalformed,
                      "{} header at offset {}: need {} bytes, {} left", what, at, min_length,
                      r.remaining());
  }
  Sub s;
  IKE_TRY(s.next, r.u8("next payload"));
  IKE_TRY(uint8_t reserved, r.u8("RESERVED"));
  IKE_TRY(uint16_t length, r.u16("length"));
  if (s.next != 0 && s.next != chain_type) {
    return make_error(ErrorCode::BadValue, NotifyType::BadProposalSyntax,
                      "{} at offset {}: next payload {} (expected {} = {} or 0 = NONE)", what, at,
                      s.next, chain_type, chain_name);
  }
  if (reserved != 0) {
    return make_error(ErrorCode::Reserved, NotifyType::BadProposalSyntax,
                      "{}: RESERVED=0x{:02x} at offset {}", what, reserved, at + 1);
  }
  if (length < min_length) {
    return make_error(ErrorCode::BadLength, NotifyType::PayloadMalformed,
                      "{}: length {} at offset {} below the minimum {}", what, length, at + 2,
                      min_length);
  }
  const std::size_t body_length = length - kGenericHeaderSize;
  if (body_length > r.remaining()) {
    return make_error(ErrorCode::BadLength, NotifyType::PayloadMalformed,
                      "{}: length {} at offset {} exceeds {} remainder {}", what, length, at + 2,
                      container, r.remaining() + kGenericHeaderSize);
  }
  IKE_TRY(s.body, r.sub(body_length, what));
  return s;
}

// Checks the chain terminator: RFC 2408 §3.5/§3.6, the last proposal/transform has next 0.
base::Status check_chain(const ByteReader& r, uint8_t next, std::string_view what,
                         std::string_view container) {
  if (next == 0 && !r.empty()) {
    return make_error(ErrorCode::BadLength, NotifyType::BadProposalSyntax,
                      "trailing {} bytes in {} after {} with next payload 0 at offset {}",
                      r.remaining(), container, what, r.offset());
  }
  if (next != 0 && r.empty()) {
    return make_error(ErrorCode::Truncated, NotifyType::BadProposalSyntax,
                      "{} announces another (next payload {}) but the {} ends at offset {}",
                      what, next, container, r.offset());
  }
  return base::ok();
}

Result<Transform> parse_transform(ByteReader& t, std::size_t pindex, std::size_t tindex) {
  Transform tr;
  IKE_TRY(tr.number, t.u8("transform number"));
  IKE_TRY(tr.transform_id, t.u8("transform id"));
  const std::size_t reserved_at = t.offset();
  IKE_TRY(uint16_t reserved2, t.u16("RESERVED2"));
  if (reserved2 != 0) {
    return make_error(ErrorCode::Reserved, NotifyType::BadProposalSyntax,
                      "proposal #{} transform #{}: RESERVED2=0x{:04x} at offset {}", pindex,
                      tindex, reserved2, reserved_at);
  }
  const ChainPosition where(pindex, tindex);
  IKE_TRY(tr.attributes, parse_attributes(t, where.view(), "transform", kMaxAttributes,
                                          NotifyType::PayloadMalformed));
  return tr;
}

Result<Proposal> parse_proposal(ByteReader& p, std::size_t index, std::size_t header_at) {
  Proposal prop;
  IKE_TRY(prop.number, p.u8("proposal number"));
  const std::size_t proto_at = p.offset();
  IKE_TRY(prop.protocol_id, p.u8("protocol id"));
  IKE_TRY(uint8_t spi_size, p.u8("SPI size"));
  const std::size_t count_at = p.offset();
  IKE_TRY(uint8_t declared, p.u8("#transforms"));
  if (!registry_name(Registry::ProtocolId, prop.protocol_id)) {
    return make_error(ErrorCode::Unsupported, NotifyType::InvalidProtocolId,
                      "proposal #{}: protocol id {} at offset {} (expected 1..4)", index,
                      prop.protocol_id, proto_at);
  }
  if (spi_size > p.remaining()) {
    return make_error(ErrorCode::BadLength, NotifyType::PayloadMalformed,
                      "proposal #{}: SPI size {} exceeds proposal remainder {} at offset {}",
                      index, spi_size, p.remaining(), p.offset());
  }
  IKE_TRY(ByteView spi, p.bytes(spi_size, "SPI"));
  prop.spi = base::to_bytes(spi);
  IKE_TRY_VOID(check_spi_size(prop, index, header_at));
  if (declared == 0) {
    return make_error(ErrorCode::BadValue, NotifyType::BadProposalSyntax,
                      "proposal #{}: #transforms 0 at offset {} (at least one required)", index,
                      count_at);
  }
  if (declared > kMaxTransforms) {
    return make_error(ErrorCode::TooMany, NotifyType::BadProposalSyntax,
                      "proposal #{}: #transforms {} at offset {} exceeds the limit {}", index,
                      declared, count_at, kMaxTransforms);
  }
  while (!p.empty()) {
    const std::size_t tindex = prop.transforms.size() + 1;
    if (tindex > declared) {
      return make_error(ErrorCode::BadValue, NotifyType::BadProposalSyntax,
                        "proposal #{}: transform #{} at offset {} beyond #transforms {}", index,
                        tindex, p.offset(), declared);
    }
    const ChainPosition position(index, tindex);
    const std::string_view what = position.view();
    IKE_TRY(Sub sub, read_sub_header(p, what, kTransformHeaderSize,
                                     static_cast<uint8_t>(PayloadType::Transform), "TRANSFORM",
                                     "proposal"));
    IKE_TRY(Transform tr, parse_transform(sub.body, index, tindex));
    prop.transforms.push_back(std::move(tr));
    IKE_TRY_VOID(check_chain(p, sub.next, what, "proposal"));
  }
  if (prop.transforms.size() != declared) {
    return make_error(ErrorCode::BadValue, NotifyType::BadProposalSyntax,
                      "proposal #{}: #transforms {} at offset {} but {} present", index, declared,
                      count_at, prop.transforms.size());
  }
  return prop;
}

}  // namespace

Result<SaPayload> parse_sa(ByteView body, std::size_t base_offset) {
  ByteReader r(body, base_offset);
  SaPayload sa;
  const std::size_t doi_at = r.offset();
  IKE_TRY(sa.doi, r.u32("DOI"));
  if (sa.doi != kDoiIpsec) {
    // RFC 2408 §5.4: "If the DOI is not supported, the payload is discarded and DOI-NOT-SUPPORTED".
    return make_error(ErrorCode::Unsupported, NotifyType::DoiNotSupported,
                      "DOI {} at offset {} not supported (expected 1 = IPSEC)", sa.doi, doi_at);
  }
  const std::size_t sit_at = r.offset();
  IKE_TRY(sa.situation, r.u32("situation"));
  if (sa.situation != kSituationIdentityOnly) {
    // RFC 2407 §4.6.1: SIT_SECRECY / SIT_INTEGRITY (labeled domains) are not supported.
    return make_error(ErrorCode::Unsupported, NotifyType::SituationNotSupported,
                      "situation 0x{:08x} at offset {} not supported (only SIT_IDENTITY_ONLY)",
                      sa.situation, sit_at);
  }
  if (r.empty()) {
    return make_error(ErrorCode::Truncated, NotifyType::BadProposalSyntax,
                      "no proposal after the situation at offset {}", r.offset());
  }
  while (!r.empty()) {
    const std::size_t index = sa.proposals.size() + 1;
    const std::size_t at = r.offset();
    if (sa.proposals.size() >= kMaxProposals) {
      return make_error(ErrorCode::TooMany, NotifyType::BadProposalSyntax,
                        "more than {} proposals at offset {}", kMaxProposals, at);
    }
    const ChainPosition position(index);
    const std::string_view what = position.view();
    IKE_TRY(Sub sub, read_sub_header(r, what, kProposalHeaderSize,
                                     static_cast<uint8_t>(PayloadType::Proposal), "PROPOSAL",
                                     "SA payload"));
    IKE_TRY(Proposal prop, parse_proposal(sub.body, index, at));
    if (!sa.proposals.empty() && prop.number < sa.proposals.back().number) {
      // RFC 2408 §3.5: proposal numbers increase monotonically; equal numbers form a bundle.
      return make_error(ErrorCode::BadValue, NotifyType::BadProposalSyntax,
                        "proposal #{}: proposal number {} at offset {} after {} (must not "
                        "decrease)",
                        index, prop.number, at + 4, sa.proposals.back().number);
    }
    sa.proposals.push_back(std::move(prop));
    IKE_TRY_VOID(check_chain(r, sub.next, what, "SA payload"));
  }
  return sa;
}

void write_sa(ByteWriter& w, const SaPayload& sa) {
  w.u32(sa.doi);
  w.u32(sa.situation);
  for (std::size_t i = 0; i < sa.proposals.size(); ++i) {
    const Proposal& p = sa.proposals[i];
    const std::size_t start = w.size();
    w.u8(i + 1 < sa.proposals.size() ? static_cast<uint8_t>(PayloadType::Proposal) : 0);
    w.u8(0);  // RESERVED
    const std::size_t length_at = w.placeholder_u16();
    w.u8(p.number);
    w.u8(p.protocol_id);
    w.u8(to_u8(p.spi.size()));
    w.u8(to_u8(p.transforms.size()));
    w.bytes(p.spi);
    for (std::size_t j = 0; j < p.transforms.size(); ++j) {
      const Transform& t = p.transforms[j];
      const std::size_t tstart = w.size();
      w.u8(j + 1 < p.transforms.size() ? static_cast<uint8_t>(PayloadType::Transform) : 0);
      w.u8(0);  // RESERVED
      const std::size_t tlength_at = w.placeholder_u16();
      w.u8(t.number);
      w.u8(t.transform_id);
      w.u16(0);  // RESERVED2
      write_attributes(w, t.attributes);
      w.patch_u16(tlength_at, to_u16(w.size() - tstart));
    }
    w.patch_u16(length_at, to_u16(w.size() - start));
  }
}

}  // namespace ike::wire::detail
