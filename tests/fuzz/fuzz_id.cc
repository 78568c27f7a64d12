// libFuzzer target: identification payloads (RFC 2407 §4.6.2, every ID type, address/subnet/
// range printing in the dumper) and the NAT-OA payload (RFC 3947 §5.2), which carries an
// address in the same encoding. Invariants: errors carry a detail, successes re-encode exactly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "wire/dump.h"
#include "wire/message.h"

namespace {

void check(ike::wire::PayloadType type, ike::wire::ByteView in) {
  auto p = ike::wire::parse_payload_body(type, in, 0);
  if (!p) {
    if (p.error().detail.empty()) std::abort();
    return;
  }
  (void)ike::wire::dump_payload(*p);
  if (ike::wire::encode_payload_body(*p) != ike::base::Bytes(in.begin(), in.end())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ike::wire::ByteView in(data, size);
  check(ike::wire::PayloadType::Id, in);
  check(ike::wire::PayloadType::NatOa, in);
  check(ike::wire::PayloadType::NatOaDraft, in);
  return 0;
}
