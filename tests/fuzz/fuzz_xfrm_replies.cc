// Fuzz target: bytes -> the XFRM netlink reply parsers (xfrm_message.h), which read what the
// kernel sends back (ACKs, ALLOCSPI answers, SA/policy dumps, ACQUIRE and EXPIRE events) with
// the same bounds discipline as network input. The datagram is split into messages and every
// parser is run on every message. Invariants (trap on violation): splitting is deterministic
// and respects kMaxMessagesPerDatagram; every message lies inside the datagram.
#include <cstddef>
#include <cstdint>

#include "kernel/xfrm_message.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ike::kernel::xfrm;
  ike::base::ByteView in(data, size);
  auto msgs = split_messages(in);
  if (!msgs) return 0;
  check(msgs->size() <= kMaxMessagesPerDatagram);
  check(split_messages(in).has_value() && split_messages(in)->size() == msgs->size());
  for (const auto& m : *msgs) {
    check(m.raw.data() >= data && m.raw.data() + m.raw.size() <= data + size);
    check(m.payload.size() + 16 == m.raw.size());
    (void)parse_error(m);
    (void)parse_allocspi_reply(m);
    (void)parse_sa(m);
    (void)parse_policy(m);
    (void)parse_acquire(m);
    (void)parse_expire(m);
  }
  return 0;
}
