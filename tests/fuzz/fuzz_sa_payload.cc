// libFuzzer target: an SA payload body (RFC 2408 §3.4-3.6, RFC 2407 §4.6.1): proposal and
// transform chains, SPI sizes, attribute lists. Invariants: errors carry a detail, a decoded SA
// re-encodes byte for byte, the dumper never fails.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "wire/dump.h"
#include "wire/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ike::wire;
  const ByteView in(data, size);
  auto sa = parse_payload_body(PayloadType::Sa, in, kHeaderSize + kGenericHeaderSize);
  if (!sa) {
    if (sa.error().detail.empty()) std::abort();
    return 0;
  }
  (void)dump_payload(*sa);
  for (const auto& p : std::get<SaPayload>(*sa).proposals) {
    for (const auto& t : p.transforms) {
      for (const auto& a : t.attributes) (void)a.as_number();
    }
  }
  if (encode_payload_body(*sa) != ike::base::Bytes(in.begin(), in.end())) std::abort();
  return 0;
}
