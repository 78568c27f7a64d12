// Fuzz target: bytes -> the PF_KEY v2 (RFC 2367) parsers (pfkey_message.h): any message
// (header and extensions validated), SADB_ACQUIRE, SADB_EXPIRE, SADB_DUMP and SADB_X_SPDDUMP
// entries. Kernel messages are parsed with the bounds discipline of network input; the only
// invariant is "no crash, no sanitizer report, deterministic".
#include <cstddef>
#include <cstdint>

#include "kernel/pfkey_message.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ike::kernel::pfkey;
  ike::base::ByteView in(data, size);
  auto reply = parse_reply(in);
  check(reply.has_value() == parse_reply(in).has_value());
  (void)parse_acquire(in);
  (void)parse_expire(in);
  (void)parse_sa_entry(in);
  (void)parse_policy_entry(in);
  return 0;
}
