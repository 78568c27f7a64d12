// Result<T>: value/error access, propagation macros and context prefixes.
#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace ike::base {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) {
    return make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed, "value {} <= 0", v);
  }
  return v;
}

Result<int> doubled(int v) {
  IKE_TRY(int x, parse_positive(v));
  return x * 2;
}

Status check(int v) {
  IKE_TRY_VOID(parse_positive(v));
  return ok();
}

TEST(Result, ValueAndError) {
  auto a = doubled(4);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, 8);
  auto b = doubled(-1);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().detail, "value -1 <= 0");
  EXPECT_EQ(b.error().notify, NotifyType::PayloadMalformed);
  EXPECT_EQ(b.value_or(7), 7);
  EXPECT_TRUE(check(1).has_value());
  EXPECT_FALSE(check(0).has_value());
}

TEST(Result, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  ASSERT_TRUE(r);
  auto p = std::move(r).value();
  EXPECT_EQ(*p, 5);
}

TEST(Result, Context) {
  Error e = make_error(ErrorCode::BadLength, NotifyType::None, "length 3");
  Error f = std::move(e).with_context("KE payload");
  EXPECT_EQ(f.detail, "KE payload: length 3");
  EXPECT_STREQ(error_code_name(ErrorCode::Truncated), "truncated");
}

}  // namespace
}  // namespace ike::base
