// Tests for the ISAKMP header and payload chain (RFC 2408 §3.1-3.2, §5.1): the golden vectors
// (encode == golden, parse == values, byte-exact round trip), header checks, generic header
// checks, unknown/private types, padding, encryption, caps, truncation at every offset, length
// fields off by one, and a deterministic bit-flip sweep.
#include <gtest/gtest.h>

#include "test_util.h"
#include "wire_vectors.h"

namespace ike::wire::test {
namespace {

Bytes golden(const Vector& v) { return from_hex_or_die(v.golden_hex); }

const Vector& vector_named(std::string_view name) {
  for (const auto& v : message_vectors()) {
    if (v.name == name) return v;
  }
  std::abort();
}

// Offsets (in the datagram) of every generic payload header of a valid message.
std::vector<std::size_t> payload_offsets(const Bytes& msg) {
  std::vector<std::size_t> out;
  std::size_t at = kHeaderSize;
  uint8_t next = msg[16];
  while (next != 0) {
    out.push_back(at);
    next = msg[at];
    at += get_u16(msg, at + 2);
  }
  return out;
}

TEST(Message, VectorsEncodeToGolden) {
  for (const auto& v : message_vectors()) {
    SCOPED_TRACE(v.name);
    EXPECT_EQ(encode_message(v.header, v.payloads), golden(v));
  }
}

// The one-buffer encoders agree with the payload-by-payload ones: write_payloads chains its
// last payload to what the caller writes next (build_encrypted's HASH, then the rest), and
// encode_header_and is the header followed by the given bytes.
TEST(Message, WritePayloadsChainsItsLastPayloadToTheNext) {
  for (const auto& v : message_vectors()) {
    if (v.payloads.size() < 2) continue;
    SCOPED_TRACE(v.name);
    const std::span<const Payload> all(v.payloads);
    base::ByteWriter w;
    const PayloadType first = write_payloads(w, all.first(1), payload_type(all[1]));
    EXPECT_EQ(write_payloads(w, all.subspan(1)), payload_type(all[1]));
    EXPECT_EQ(first, payload_type(all[0]));
    EXPECT_EQ(w.data(), encode_payloads(all).bytes);
    Header h = v.header;
    h.next_payload = first;
    h.length = static_cast<uint32_t>(kHeaderSize + w.size());
    EXPECT_EQ(encode_header_and(h, w.data()), encode_message(v.header, v.payloads));
  }
}

TEST(Message, VectorsParseToTheirValues) {
  for (const auto& v : message_vectors()) {
    SCOPED_TRACE(v.name);
    const Bytes bytes = golden(v);
    auto m = parse_message(bytes);
    ASSERT_TRUE(m) << m.error().detail;
    EXPECT_EQ(m->header.cookies, v.header.cookies);
    EXPECT_EQ(m->header.exchange, v.header.exchange);
    EXPECT_EQ(m->header.message_id, v.header.message_id);
    EXPECT_EQ(m->header.length, bytes.size());
    EXPECT_EQ(m->header.next_payload, payload_type(v.payloads.front()));
    EXPECT_TRUE(m->encrypted_body.empty());
    EXPECT_EQ(values_of(m->payloads), v.payloads);
    // Offsets/bodies locate each payload exactly (HASH(n) and SAi_b inputs).
    std::size_t expected_offset = 0;
    for (const auto& e : m->payloads) {
      EXPECT_EQ(e.offset, expected_offset);
      const ByteView body = payload_body(base::view(bytes).subspan(kHeaderSize), e);
      EXPECT_EQ(e.total_length, body.size() + kGenericHeaderSize);
      const auto* start = bytes.data() + kHeaderSize + e.offset + kGenericHeaderSize;
      EXPECT_EQ(body.data(), start);  // a view into the datagram, not a copy
      EXPECT_EQ(base::to_bytes(body), encode_payload_body(e.value));
      EXPECT_FALSE(e.critical);
      expected_offset += e.total_length;
    }
    EXPECT_EQ(kHeaderSize + expected_offset, bytes.size());
    // Byte-exact re-encoding.
    EXPECT_EQ(encode_message(m->header, values_of(m->payloads)), bytes);
  }
}

TEST(Message, FindAndCount) {
  const Bytes mm1 = golden(vector_named("mm1"));
  auto m = parse_message(base::view(mm1));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->count(PayloadType::Vendor), 5u);
  EXPECT_EQ(m->count(PayloadType::Nonce), 0u);
  ASSERT_NE(m->find<SaPayload>(), nullptr);
  EXPECT_EQ(*m->find<SaPayload>(), mm_sa());
  EXPECT_EQ(m->find<KePayload>(), nullptr);
  const PayloadEntry* sa = m->find_entry(PayloadType::Sa);
  ASSERT_NE(sa, nullptr);
  EXPECT_EQ(sa->offset, 0u);
  // SAi_b (RFC 2409 §5)
  EXPECT_EQ(base::to_bytes(payload_body(base::view(mm1).subspan(kHeaderSize), *sa)),
            encode_payload_body(mm_sa()));
  auto qm = parse_message(golden(vector_named("qm1")));
  ASSERT_TRUE(qm);
  EXPECT_EQ(qm->count(PayloadType::Id), 2u);
  EXPECT_NE(qm->find_entry(PayloadType::NatOaDraft), nullptr);
}

TEST(Message, HeaderChecks) {
  const Bytes good = golden(vector_named("notify"));
  EXPECT_TRUE(parse_header(good));
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{27}}) {
    EXPECT_TRUE(fails_with(parse_header(ByteView(good).first(n)), NotifyType::PayloadMalformed,
                           fmt::format("datagram of {} bytes is shorter", n)));
  }
  Bytes b = good;
  put_u32(b, 24, 27);
  EXPECT_TRUE(fails_with(parse_header(b), NotifyType::UnequalPayloadLengths,
                         "length field 27 at offset 24, datagram has 40 bytes"));
  put_u32(b, 24, 41);
  EXPECT_TRUE(fails_with(parse_header(b), NotifyType::UnequalPayloadLengths, "length field 41"));
  put_u32(b, 24, 39);
  EXPECT_TRUE(fails_with(parse_header(b), NotifyType::UnequalPayloadLengths, "length field 39"));
  Bytes big(70000, 0);
  std::copy(good.begin(), good.begin() + kHeaderSize, big.begin());
  put_u32(big, 24, 70000);
  EXPECT_TRUE(fails_with(parse_header(big), NotifyType::UnequalPayloadLengths, "allowed 28..65535"));
  b = good;
  b[17] = 0x20;  // IKEv2
  EXPECT_TRUE(fails_with(parse_header(b), NotifyType::InvalidMajorVersion, "major version 2"));
  b[17] = 0x11;
  EXPECT_TRUE(fails_with(parse_header(b), NotifyType::InvalidMinorVersion, "minor version 1"));
  b = good;
  b[19] = 0x09;
  EXPECT_TRUE(fails_with(parse_header(b), NotifyType::InvalidFlags,
                         "flags 0x09 at offset 19 have unknown bits 0x08"));
  b = good;
  b[19] = kFlagCommit | kFlagAuthOnly;
  EXPECT_TRUE(parse_message(b));
  b[18] = 99;  // the exchange type is judged by the engine
  auto h = parse_header(b);
  ASSERT_TRUE(h);
  EXPECT_EQ(static_cast<int>(h->exchange), 99);
  EXPECT_EQ(encode_header(*h), Bytes(b.begin(), b.begin() + kHeaderSize));
}

TEST(Message, GenericHeaderChecks) {
  const Bytes good = golden(vector_named("mm1"));
  Bytes b = good;
  b[29] = 0x80;  // would be the IKEv2 critical bit: IKEv1 has none
  EXPECT_TRUE(fails_with(parse_message(b), NotifyType::PayloadMalformed,
                         "SA payload: RESERVED=0x80 at offset 29"));
  b = good;
  put_u16(b, 30, 3);
  EXPECT_TRUE(fails_with(parse_message(b), NotifyType::PayloadMalformed,
                         "SA payload: length 3 at offset 30 below the generic header size 4"));
  b = good;
  put_u16(b, 30, 0);
  EXPECT_FALSE(parse_message(b));
  b = good;
  const std::size_t last = payload_offsets(good).back();
  put_u16(b, last + 2, static_cast<uint16_t>(get_u16(b, last + 2) + 1));
  EXPECT_TRUE(fails_with(parse_message(b), NotifyType::PayloadMalformed,
                         fmt::format("VENDOR payload: length 21 at offset {} exceeds the 20 bytes left",
                                     last + 2)));
  b = good;
  put_u16(b, last + 2, static_cast<uint16_t>(get_u16(b, last + 2) - 1));
  EXPECT_TRUE(fails_with(parse_message(b), NotifyType::UnequalPayloadLengths,
                         "trailing 1 bytes after the last payload"));
}

TEST(Message, LengthFieldsOffByOneEverywhere) {
  for (const auto& v : message_vectors()) {
    const Bytes good = golden(v);
    for (std::size_t at : payload_offsets(good)) {
      for (int delta : {-1, +1}) {
        SCOPED_TRACE(fmt::format("{} payload at {} length {:+}", v.name, at, delta));
        Bytes b = good;
        put_u16(b, at + 2, static_cast<uint16_t>(get_u16(b, at + 2) + delta));
        auto m = parse_message(b);
        if (m) {
          // Only possible when the last payload loses a final zero octet: that octet is then
          // alignment padding (kMaxZeroPadding) and the shortened body still decodes.
          EXPECT_EQ(at, payload_offsets(good).back());
          EXPECT_EQ(delta, -1);
          EXPECT_EQ(b.back(), 0);
          continue;
        }
        EXPECT_FALSE(m.error().detail.empty());
      }
    }
  }
}

TEST(Message, NextPayloadTypeClasses) {
  const Bytes good = golden(vector_named("notify"));  // header + one NOTIFY
  for (int ti : {2, 3, 22, 100, 127}) {
    const auto t = static_cast<uint8_t>(ti);
    Bytes b = good;
    b[16] = t;
    EXPECT_TRUE(fails_with(parse_message(b), NotifyType::InvalidPayloadType,
                           fmt::format("payload type {}", t)));
  }
  Bytes b = good;
  b[28] = 3;  // the NOTIFY's next payload: TRANSFORM at top level
  EXPECT_TRUE(fails_with(parse_message(b), NotifyType::InvalidPayloadType,
                         "payload type 3 (TRANSFORM) at offset 40 is only valid inside an SA"));
  // Known-but-undecoded and private types are kept as UnknownPayload.
  auto m = parse_message(golden(vector_named("unknown")));
  ASSERT_TRUE(m) << m.error().detail;
  ASSERT_EQ(m->payloads.size(), 3u);
  EXPECT_EQ(payload_type(m->payloads[1].value), static_cast<PayloadType>(200));
}

TEST(Message, PaddingOnlyWhenAllowed) {
  const Bytes msg = golden(vector_named("qm1"));
  Bytes area(msg.begin() + kHeaderSize, msg.end());
  area.insert(area.end(), {0, 0, 0, 0, 0, 0, 7});  // RFC 2409 App. B style padding
  auto padded = parse_payloads(PayloadType::Hash, area, kHeaderSize, true);
  ASSERT_TRUE(padded) << padded.error().detail;
  EXPECT_EQ(values_of(*padded), vector_named("qm1").payloads);
  EXPECT_TRUE(fails_with(parse_payloads(PayloadType::Hash, area, kHeaderSize, false),
                         NotifyType::UnequalPayloadLengths,
                         fmt::format("trailing 7 bytes after the last payload at offset {}",
                                     msg.size())));
  EXPECT_TRUE(parse_payloads(PayloadType::None, Bytes{0, 0, 0}, 28, true));
  EXPECT_FALSE(parse_payloads(PayloadType::None, Bytes{0, 0, 0, 0}, 28, false));
}

// RFC 2408 §3.1 / libreswan: up to 3 zero octets of alignment padding after the last payload of
// an unencrypted message are ignored (counted in the header Length); 4 or a non-zero one are not.
TEST(Message, ZeroAlignmentPaddingOfUnencryptedMessages) {
  const auto& v = vector_named("qm1");
  const Bytes msg = golden(v);
  for (std::size_t pad = 1; pad <= kMaxZeroPadding; ++pad) {
    SCOPED_TRACE(fmt::format("{} zero octets", pad));
    Bytes b = msg;
    b.insert(b.end(), pad, 0);
    put_u32(b, 24, static_cast<uint32_t>(b.size()));
    auto m = parse_message(b);
    ASSERT_TRUE(m) << m.error().detail;
    EXPECT_EQ(values_of(m->payloads), v.payloads);
  }
  Bytes four = msg;
  four.insert(four.end(), 4, 0);
  put_u32(four, 24, static_cast<uint32_t>(four.size()));
  EXPECT_TRUE(fails_with(parse_message(four), NotifyType::UnequalPayloadLengths,
                         fmt::format("trailing 4 bytes after the last payload at offset {} (more "
                                     "than the 3 zero octets of alignment padding tolerated)",
                                     msg.size())));
  Bytes nonzero = msg;
  nonzero.insert(nonzero.end(), {0, 1});
  put_u32(nonzero, 24, static_cast<uint32_t>(nonzero.size()));
  EXPECT_TRUE(fails_with(parse_message(nonzero), NotifyType::UnequalPayloadLengths,
                         fmt::format("trailing 2 bytes after the last payload at offset {} "
                                     "(non-zero, not alignment padding)",
                                     msg.size())));
}

TEST(Message, EncryptedBodyIsReturnedAsBytes) {
  Header h = make_header(ExchangeType::IdProt, true);
  h.flags = kFlagEncryption;
  h.next_payload = PayloadType::Id;
  const Bytes cipher = repeat_bytes(0xc0, 48);
  h.length = static_cast<uint32_t>(kHeaderSize + cipher.size());
  Bytes dgram = encode_header(h);
  dgram.insert(dgram.end(), cipher.begin(), cipher.end());
  auto m = parse_message(dgram);
  ASSERT_TRUE(m) << m.error().detail;
  EXPECT_TRUE(m->payloads.empty());
  EXPECT_EQ(m->encrypted_body, cipher);
  EXPECT_EQ(m->header, h);
  h.length = kHeaderSize;
  EXPECT_TRUE(fails_with(parse_message(encode_header(h)), NotifyType::PayloadMalformed,
                         "encryption flag set but no encrypted payloads"));
}

TEST(Message, PayloadCountCap) {
  Header h = make_header(ExchangeType::IdProt, false);
  std::vector<Payload> many(kMaxPayloads, VendorPayload{{1, 2, 3, 4}});
  EXPECT_TRUE(parse_message(encode_message(h, many)));
  many.push_back(VendorPayload{{1, 2, 3, 4}});
  auto r = parse_message(encode_message(h, many));
  EXPECT_TRUE(fails_with(r, NotifyType::PayloadMalformed, "more than 64 payloads"));
  EXPECT_EQ(r.error().code, base::ErrorCode::TooMany);
}

TEST(Message, EmptyMessageRoundTrips) {
  Header h = make_header(ExchangeType::Informational, true, 5);
  const Bytes b = encode_message(h, {});
  ASSERT_EQ(b.size(), kHeaderSize);
  auto m = parse_message(b);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->payloads.empty());
  EXPECT_EQ(m->header.next_payload, PayloadType::None);
}

TEST(Message, TruncationAtEveryOffset) {
  for (const auto& v : message_vectors()) {
    const Bytes good = golden(v);
    for (std::size_t n = 0; n < good.size(); ++n) {
      SCOPED_TRACE(fmt::format("{} truncated to {}", v.name, n));
      Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
      auto plain = parse_message(cut);
      ASSERT_FALSE(plain);
      EXPECT_FALSE(plain.error().detail.empty());
      if (n >= kHeaderSize) {
        // Also with a header length that agrees with the truncated size: the chain must fail.
        put_u32(cut, 24, static_cast<uint32_t>(n));
        auto fixed = parse_message(cut);
        ASSERT_FALSE(fixed);
        EXPECT_FALSE(fixed.error().detail.empty());
      }
    }
  }
}

// Deterministic mutation sweep: every 1-bit flip and every byte inversion of every vector must
// give either a message (which then re-encodes to exactly the mutated bytes) or an error with a
// detail.
TEST(Message, BitAndByteFlipSweep) {
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  auto check = [&](const Bytes& b, const std::string& what) {
    auto m = parse_message(b);
    if (m) {
      ++accepted;
      if (m->encrypted_body.empty()) {
        ASSERT_EQ(encode_message(m->header, values_of(m->payloads)), b) << what;
      }
    } else {
      ++rejected;
      ASSERT_FALSE(m.error().detail.empty()) << what;
    }
  };
  for (const auto& v : message_vectors()) {
    const Bytes good = golden(v);
    for (std::size_t i = 0; i < good.size(); ++i) {
      for (unsigned bit = 0; bit < 8; ++bit) {
        Bytes b = good;
        b[i] = static_cast<uint8_t>(b[i] ^ (1u << bit));
        check(b, fmt::format("{} byte {} bit {}", v.name, i, bit));
      }
      Bytes b = good;
      b[i] = static_cast<uint8_t>(~b[i]);
      check(b, fmt::format("{} byte {} inverted", v.name, i));
    }
  }
  // Both outcomes occur: flips inside opaque data are accepted, flips in structure rejected.
  EXPECT_GT(accepted, 0u);
  EXPECT_GT(rejected, 0u);
}

}  // namespace
}  // namespace ike::wire::test
