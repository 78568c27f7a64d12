// PfkeyBackend against the real kernel in a network namespace of its own: opened where the
// kernel has PF_KEY (af_key), skipped with the kernel's reason where it has not (this test
// machine: CONFIG_NET_KEY is not set). Where it opens, policies are installed through PF_KEY,
// checked with `ip xfrm policy`, read back with SADB_X_SPDDUMP and flushed with nothing left.
#include "kernel/pfkey_backend.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ike::kernel {
namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return "popen failed";
  char buf[512];
  while (fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  pclose(p);
  return out;
}

base::IpAddress ip(const char* s) { return base::IpAddress::parse(s).value(); }

TEST(PfkeyNamespace, PoliciesThroughPfKeyOrSkipWithReason) {
  if (unshare(CLONE_NEWNET) != 0) {
    GTEST_SKIP() << "unshare(CLONE_NEWNET) failed: " << std::strerror(errno);
  }
  auto b = PfkeyBackend::open();
  if (!b) {
    EXPECT_NE(b.error().detail.find("socket(PF_KEY"), std::string::npos) << b.error().detail;
    GTEST_SKIP() << "no PF_KEY in this kernel: " << b.error().detail;
  }
  base::FlowInstall f;
  f.direction = base::Direction::Out;
  f.src_ts = {ip("10.1.0.0"), 24, 0, 0};
  f.dst_ts = {ip("10.2.0.0"), 24, 0, 0};
  f.local = ip("192.0.2.1");
  f.peer = ip("192.0.2.2");
  auto st = (*b)->add_flow(f);
  ASSERT_TRUE(st) << st.error().detail;
  EXPECT_NE(run("ip xfrm policy").find("tmpl src 192.0.2.1 dst 192.0.2.2"), std::string::npos);
  auto state = (*b)->read_state();
  ASSERT_TRUE(state) << state.error().detail;
  ASSERT_EQ(state->flows.size(), 1u);
  EXPECT_EQ(state->flows[0], f);
  auto spi = (*b)->get_spi(base::IpsecProtocol::Esp, ip("192.0.2.2"), ip("192.0.2.1"));
  ASSERT_TRUE(spi) << spi.error().detail;
  EXPECT_GE(spi->value, 256u);
  ASSERT_TRUE((*b)->flush());
  EXPECT_EQ(run("ip xfrm policy"), "");
  EXPECT_EQ(run("ip xfrm state"), "");
}

}  // namespace
}  // namespace ike::kernel
