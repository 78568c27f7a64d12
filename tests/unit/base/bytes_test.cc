// SecureBytes wipes on release; view/append helpers.
#include "base/bytes.h"

#include <gtest/gtest.h>

namespace ike::base {
namespace {

TEST(Bytes, AppendAndView) {
  Bytes a = {1, 2};
  append(a, view(std::string_view("AB")));
  EXPECT_EQ(a, (Bytes{1, 2, 'A', 'B'}));
  SecureBytes s = to_secure(view(a));
  EXPECT_EQ(s.size(), 4u);
  EXPECT_TRUE(operator_equal(view(s), view(a)));
}

TEST(Bytes, WipingAllocatorClearsBlock) {
  WipingAllocator<uint8_t> alloc;
  uint8_t* p = alloc.allocate(16);
  for (int i = 0; i < 16; ++i) p[i] = 0xaa;
  secure_wipe(p, 16);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(p[i], 0);
  alloc.deallocate(p, 16);
}

}  // namespace
}  // namespace ike::base
