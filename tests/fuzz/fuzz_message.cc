// libFuzzer target: a whole ISAKMP datagram (RFC 2408 §3.1-3.2). parse_message(), then the
// payload chain after the header with allow_padding both ways (the decrypted-body path), the
// dumper on every success, and the codec invariants: a parse failure carries a detail, a
// cleartext message re-encodes byte for byte, and parse(encode(payloads)) == payloads.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "wire/dump.h"
#include "wire/message.h"

namespace {

using namespace ike::wire;

// Names the failed invariant before aborting, so a reproducer says which property broke.
void require_at(bool ok, const char* what, int line) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_message.cc:%d: invariant failed: %s\n", line, what);
  std::abort();
}
#define require(ok) require_at((ok), #ok, __LINE__)

template <class T>
void check_error(const ike::base::Result<T>& r) {
  if (!r) require(!r.error().detail.empty());
}

// `orig` re-encodes to `enc` except for up to kMaxZeroPadding zero octets of alignment padding
// after the last payload, which the parser tolerates and the encoder does not write. Bytes in
// [skip_from, skip_to) (the header's length field) may differ when padding was dropped.
bool same_but_padding(const ike::base::Bytes& enc, ByteView orig, std::size_t skip_from = 0,
                      std::size_t skip_to = 0) {
  if (enc.size() > orig.size() || orig.size() - enc.size() > kMaxZeroPadding) return false;
  for (std::size_t i = enc.size(); i < orig.size(); ++i) {
    if (orig[i] != 0) return false;
  }
  for (std::size_t i = 0; i < enc.size(); ++i) {
    const bool skip = enc.size() != orig.size() && i >= skip_from && i < skip_to;
    if (!skip && enc[i] != orig[i]) return false;
  }
  return true;
}

std::vector<Payload> values(const std::vector<PayloadEntry>& entries) {
  std::vector<Payload> out;
  out.reserve(entries.size());
  for (const auto& e : entries) out.push_back(e.value);
  return out;
}

void check_chain(PayloadType first, ByteView area, bool allow_padding) {
  auto parsed = parse_payloads(first, area, kHeaderSize, allow_padding);
  check_error(parsed);
  if (!parsed) return;
  (void)dump_payloads(*parsed);
  const auto vals = values(*parsed);
  const EncodedPayloads enc = encode_payloads(vals);
  if (!allow_padding) require(same_but_padding(enc.bytes, area));
  auto again = parse_payloads(enc.first, enc.bytes, kHeaderSize, false);
  require(again.has_value());
  require(values(*again) == vals);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView in(data, size);
  auto m = parse_message(in);
  check_error(m);
  if (m) {
    (void)dump_message(*m);
    if (m->encrypted_body.empty()) {
      const auto vals = values(m->payloads);
      const ike::base::Bytes re = encode_message(m->header, vals);
      require(same_but_padding(re, in, 24, 28));
      auto again = parse_message(re);
      require(again.has_value());
      // The Length field counts tolerated padding the encoder does not write; all else matches.
      Header expected = m->header;
      expected.length = static_cast<uint32_t>(re.size());
      require(again->header == expected);
      require(values(again->payloads) == vals);
    }
  }
  if (size >= kHeaderSize) {
    // The same bytes as a (decrypted) payload area, starting with the header's next payload.
    const auto first = static_cast<PayloadType>(data[16]);
    check_chain(first, in.subspan(kHeaderSize), false);
    check_chain(first, in.subspan(kHeaderSize), true);
  }
  return 0;
}
