// KernelBatch / Batch (monitor_protocol.h): one engine event's kernel requests in one monitor
// message. Exact framing (each entry is the single message it replaces, after a u32 length),
// round trips, and the fatal decoding errors: no entries, more than kMaxBatchOps, an entry
// that is not a kernel SA/flow request (a file request, a nested batch), an entry length
// beyond the body, a reply entry that is not Ok/Error/Spi.
#include <gtest/gtest.h>

#include "base/writer.h"
#include "daemon/monitor_protocol.h"

namespace ike::daemon::privsep {
namespace {

base::SaInstall test_sa() {
  base::SaInstall sa;
  sa.ref = {base::IpsecProtocol::Esp, *base::IpAddress::parse("192.0.2.2"), {0x1234abcd}};
  sa.src = *base::IpAddress::parse("192.0.2.1");
  sa.enc_transform_id = 12;
  sa.enc_key_bits = 128;
  sa.enc_key = base::SecureBytes(16, 0xaa);
  sa.auth_key = base::SecureBytes(20, 0xbb);
  sa.name = "conn";
  return sa;
}

// A KernelBatch message built by hand from already framed entries.
base::Bytes batch_of(uint16_t type, const std::vector<base::Bytes>& entries,
                     std::optional<uint32_t> count = {}) {
  base::ByteWriter body;
  body.u32(count.value_or(static_cast<uint32_t>(entries.size())));
  for (const auto& e : entries) {
    body.u32(static_cast<uint32_t>(e.size()));
    body.bytes(base::view(e));
  }
  base::Bytes b = std::move(body).take();
  base::ByteWriter out;
  out.u16(type);
  out.u16(0);
  out.u32(static_cast<uint32_t>(b.size()));
  out.bytes(base::view(b));
  return std::move(out).take();
}

TEST(PrivsepBatch, EntriesAreTheSingleMessagesTheyReplace) {
  const base::SaInstall sa = test_sa();
  GetSpiReq spi{base::IpsecProtocol::Esp, sa.src, sa.ref.dst};
  KernelBatchReq req{{spi, AddSaReq{sa}, DeleteSaReq{sa.ref, sa.src}}};
  auto b = encode_request(req);
  ASSERT_TRUE(b) << b.error().detail;
  auto single_spi = *encode_request(spi);
  auto single_add = *encode_request(AddSaReq{sa});
  auto single_del = *encode_request(DeleteSaReq{sa.ref, sa.src});
  EXPECT_EQ(*b, batch_of(static_cast<uint16_t>(MsgType::KernelBatch),
                         {single_spi, single_add, single_del}));
  auto d = decode_request(base::view(*b));
  ASSERT_TRUE(d) << d.error().detail;
  const auto& ops = std::get<KernelBatchReq>(*d).ops;
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(std::get<AddSaReq>(ops[1]).sa.enc_key, sa.enc_key);
  EXPECT_EQ(std::get<DeleteSaReq>(ops[2]).ref, sa.ref);
  EXPECT_EQ(*encode_request(*d), *b);
  EXPECT_STREQ(msg_type_name(static_cast<uint16_t>(MsgType::KernelBatch)), "KernelBatch");

  BatchReply rep{{OkReply{}, ErrorReply{base::ErrorCode::Config, 17, "SA exists"},
                  SpiReply{{0xc0ffee11}}}};
  auto r = encode_reply(rep);
  ASSERT_TRUE(r);
  auto dr = decode_reply(base::view(*r));
  ASSERT_TRUE(dr) << dr.error().detail;
  const auto& replies = std::get<BatchReply>(*dr).replies;
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(std::get<ErrorReply>(replies[1]).detail, "SA exists");
  EXPECT_EQ(std::get<SpiReply>(replies[2]).spi.value, 0xc0ffee11u);
  EXPECT_EQ(*encode_reply(*dr), *r);
}

TEST(PrivsepBatch, EncodingRefusesEmptyAndOversizedBatches) {
  auto empty = encode_request(KernelBatchReq{});
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().detail.find("0 entries, not 1..64"), std::string::npos)
      << empty.error().detail;
  KernelBatchReq big;
  big.ops.assign(kMaxBatchOps + 1, DeleteSaReq{test_sa().ref, test_sa().src});
  EXPECT_FALSE(encode_request(big));
  base::SaInstall huge = test_sa();
  huge.enc_key = base::SecureBytes(kMaxKey + 1, 1);  // an entry over its own cap
  auto e = encode_request(KernelBatchReq{{AddSaReq{huge}}});
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().detail.find("cap"), std::string::npos) << e.error().detail;
}

TEST(PrivsepBatch, MalformedBatchesAreErrorsNamingTheEntry) {
  const auto type = static_cast<uint16_t>(MsgType::KernelBatch);
  const base::SaInstall sa = test_sa();
  auto del = *encode_request(DeleteSaReq{sa.ref, sa.src});
  struct Case {
    const char* name;
    base::Bytes msg;
    const char* detail;
  };
  base::Bytes truncated = batch_of(type, {del});
  truncated.resize(truncated.size() - 1);  // the entry's length now runs past the body
  truncated[7] = static_cast<uint8_t>(truncated[7] - 1);
  auto nested = *encode_request(KernelBatchReq{{DeleteSaReq{sa.ref, sa.src}}});
  const Case cases[] = {
      {"no entries", batch_of(type, {}), "no entries"},
      {"lying count", batch_of(type, {del}, 1000), "entry count: count 1000"},
      {"over the cap", batch_of(type, std::vector<base::Bytes>(kMaxBatchOps + 1, del)),
       "entry count: count 65 > cap 64"},
      {"a file request", batch_of(type, {del, *encode_request(ReadFileReq{FileKind::Secret, "/k"})}),
       "KernelBatch entry 2 of 2: not a kernel SA/flow request"},
      {"a nested batch", batch_of(type, {nested}), "not a kernel SA/flow request"},
      {"flush is not batched", batch_of(type, {*encode_request(FlushReq{})}),
       "not a kernel SA/flow request"},
      {"entry past the body", truncated, "entry"},
      {"bad entry", batch_of(type, {base::Bytes{0, 0x12, 0, 0, 0, 0, 0, 0}}),
       "KernelBatch entry 1 of 1"},
  };
  for (const auto& c : cases) {
    auto d = decode_request(base::view(c.msg));
    ASSERT_FALSE(d) << c.name;
    EXPECT_NE(d.error().detail.find(c.detail), std::string::npos)
        << c.name << ": " << d.error().detail;
  }
  const auto rtype = static_cast<uint16_t>(MsgType::Batch);
  auto fd_in_batch = decode_reply(base::view(batch_of(rtype, {*encode_reply(FdReply{})})));
  ASSERT_FALSE(fd_in_batch);
  EXPECT_NE(fd_in_batch.error().detail.find("Batch entry 1 of 1: not an Ok, Error or Spi reply"),
            std::string::npos)
      << fd_in_batch.error().detail;
  EXPECT_FALSE(decode_reply(base::view(batch_of(rtype, {}))));
}

}  // namespace
}  // namespace ike::daemon::privsep
