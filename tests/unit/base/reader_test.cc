// ByteReader/ByteWriter: bounds, offsets in errors, sub-readers cannot escape their parent.
#include "base/reader.h"
#include "base/writer.h"

#include <gtest/gtest.h>

namespace ike::base {
namespace {

TEST(ByteReader, ReadsNetworkOrder) {
  Bytes b = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  ByteReader r(view(b));
  EXPECT_EQ(*r.u8("a"), 0x01);
  EXPECT_EQ(*r.u16("b"), 0x0203);
  EXPECT_EQ(*r.u32("c"), 0x04050607u);
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE(r.expect_done("x").has_value());
}

TEST(ByteReader, TruncationNamesFieldAndOffset) {
  Bytes b = {0x01, 0x02, 0x03};
  ByteReader r(view(b), 100);
  ASSERT_TRUE(r.u8("first").has_value());
  auto v = r.u32("DOI");
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().code, ErrorCode::Truncated);
  EXPECT_EQ(v.error().notify, NotifyType::PayloadMalformed);
  EXPECT_EQ(v.error().detail, "DOI at offset 101: need 4 bytes, 2 left");
}

TEST(ByteReader, SubReaderIsBounded) {
  Bytes b = {1, 2, 3, 4, 5};
  ByteReader r(view(b));
  auto sub = r.sub(2, "inner");
  ASSERT_TRUE(sub.has_value());
  EXPECT_EQ(sub->offset(), 0u);
  EXPECT_TRUE(sub->u16("x").has_value());
  EXPECT_FALSE(sub->u8("y").has_value());
  EXPECT_EQ(r.remaining(), 3u);
  EXPECT_EQ(r.offset(), 2u);
  EXPECT_FALSE(r.sub(4, "too long").has_value());
}

TEST(ByteReader, TrailingBytesReported) {
  Bytes b = {1, 2};
  ByteReader r(view(b), 10);
  ASSERT_TRUE(r.u8("x").has_value());
  auto st = r.expect_done("nonce");
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::BadLength);
  EXPECT_EQ(st.error().detail, "trailing 1 bytes after nonce at offset 11");
}

TEST(ByteWriter, WritesAndPatches) {
  ByteWriter w;
  w.u8(0xaa);
  auto at = w.placeholder_u16();
  w.u32(0x01020304);
  w.patch_u16(at, 0xbeef);
  Bytes expect = {0xaa, 0xbe, 0xef, 1, 2, 3, 4};
  EXPECT_EQ(w.data(), expect);
}

}  // namespace
}  // namespace ike::base
