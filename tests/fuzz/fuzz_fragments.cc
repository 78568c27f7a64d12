// libFuzzer target: IKEv1 fragments (wire/fragment.h) through the reassembler
// (engine/fragment_reassembly.h). The input is a sequence of records: one octet of time step
// (seconds), a 2-octet big-endian length, then that many octets of datagram. Each datagram goes
// through parse_fragment(); a parsed fragment must re-encode byte for byte and is inserted.
// Invariants: every failure carries a detail; a completed message is at most 64 KiB and no
// longer than the data inserted since the start; the number of reassemblies never exceeds the
// cap; Dropped outcomes carry a reason.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "engine/fragment_reassembly.h"
#include "wire/fragment.h"

namespace {

using namespace ike;

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  engine::FragmentReassembler r;
  base::TimePoint now{};
  std::size_t inserted = 0;
  std::size_t pos = 0;
  while (pos + 3 <= size) {
    now += base::Seconds{data[pos]};
    const std::size_t len = (std::size_t{data[pos + 1]} << 8) | data[pos + 2];
    pos += 3;
    const std::size_t n = len < size - pos ? len : size - pos;
    const base::ByteView datagram(data + pos, n);
    pos += n;
    auto f = wire::parse_fragment(datagram);
    if (!f) {
      require(!f.error().detail.empty());
      continue;
    }
    const base::Bytes again = wire::encode_fragment(f->header, f->id, f->number, f->last,
                                                     base::view(f->data));
    require(again == base::Bytes(datagram.begin(), datagram.end()));
    inserted += f->data.size();
    auto out = r.insert(*f, now);
    using Kind = engine::FragmentReassembler::Outcome::Kind;
    if (out.kind == Kind::Complete) {
      require(!out.message.empty());
      require(out.message.size() <= engine::ReassemblyLimits::kMaxBytes);
      require(out.message.size() <= inserted);
    } else if (out.kind == Kind::Dropped) {
      require(!out.reason.empty());
    }
    require(r.in_progress() <= engine::ReassemblyLimits::kMaxReassemblies);
    if (data[pos - n - 3] == 0xff) (void)r.expire(now);
  }
  return 0;
}
