// libFuzzer target: RFC 2408 §3.3 data attributes (TV/TLV) as they appear in a transform
// (RFC 2408 §3.6, wrapped into a one-proposal, one-transform SA) and in a mode-cfg ATTRIBUTE
// payload (draft-ietf-ipsec-isakmp-mode-cfg-05 §3.2). The first input byte selects the proposal
// protocol so both IKE and IPsec attribute namings reach the dumper.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "base/writer.h"
#include "wire/dump.h"
#include "wire/message.h"

namespace {

using namespace ike::wire;

void require(bool ok) {
  if (!ok) std::abort();
}

// DOI, situation, proposal #1 (protocol, SPI), transform #1 whose attributes are `attrs`.
ike::base::Bytes wrap_in_sa(uint8_t protocol, ByteView attrs) {
  const std::size_t spi_size = protocol == 1 ? 0 : (protocol == 4 ? 2 : 4);
  const std::size_t transform_len = 8 + attrs.size();
  const std::size_t proposal_len = 8 + spi_size + transform_len;
  ike::base::ByteWriter w;
  w.u32(kDoiIpsec);
  w.u32(kSituationIdentityOnly);
  w.u8(0);
  w.u8(0);
  w.u16(static_cast<uint16_t>(proposal_len));
  w.u8(1);
  w.u8(protocol);
  w.u8(static_cast<uint8_t>(spi_size));
  w.u8(1);
  w.zeros(spi_size);
  w.u8(0);
  w.u8(0);
  w.u16(static_cast<uint16_t>(transform_len));
  w.u8(1);
  w.u8(1);
  w.u16(0);
  w.bytes(attrs);
  return std::move(w).take();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t protocol = static_cast<uint8_t>(1 + data[0] % 4);
  const ByteView attrs(data + 1, size - 1);
  if (attrs.size() > 0xffff - 64) return 0;  // must fit the 16-bit payload lengths

  const ike::base::Bytes sa_body = wrap_in_sa(protocol, attrs);
  auto sa = parse_payload_body(PayloadType::Sa, sa_body, 0);
  if (sa) {
    (void)dump_payload(*sa);
    for (const auto& a : std::get<SaPayload>(*sa).proposals.at(0).transforms.at(0).attributes) {
      auto n = a.as_number();
      if (n && *n > 0xffff) {
        // Attribute::number must give an equivalent TLV for large values.
        require(Attribute::number(a.type, *n).as_number() == n);
      }
    }
    require(encode_payload_body(*sa) == sa_body);
  } else {
    require(!sa.error().detail.empty());
  }

  // The same bytes as a mode-cfg attribute list (REQUEST, identifier 1).
  ike::base::Bytes cfg{1, 0, 0, 1};
  cfg.insert(cfg.end(), attrs.begin(), attrs.end());
  auto ap = parse_payload_body(PayloadType::Attribute, cfg, 0);
  if (ap) {
    (void)dump_payload(*ap);
    require(encode_payload_body(*ap) == cfg);
  } else {
    require(!ap.error().detail.empty());
  }
  return 0;
}
