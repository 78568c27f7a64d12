// XfrmBackend against the real kernel, inside a network namespace of its own (each test calls
// unshare(CLONE_NEWNET) first, so nothing outside the test is touched and nothing survives it):
// in/out/fwd policies installed and read back with `ip xfrm policy` and read_state(), removed
// by delete_flow/flush with nothing left; ALLOCSPI and its larval SA removed by flush; an ESP
// SA install (skipped with the kernel's reason where ESP is missing, after checking the error
// names the SA); an ACQUIRE triggered by a real UDP packet and read from event_fd(). Root only.
#include "kernel/xfrm_backend.h"
#include "support/udp_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace ike::kernel {
namespace {

using base::IpAddress;
using base::IpsecProtocol;

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return "popen failed";
  char buf[512];
  while (fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  pclose(p);
  return out;
}

class XfrmNamespace : public ::testing::Test {
 protected:
  void SetUp() override {
    if (unshare(CLONE_NEWNET) != 0) {
      GTEST_SKIP() << "unshare(CLONE_NEWNET) failed: " << std::strerror(errno)
                   << " (needs root / CAP_SYS_ADMIN)";
    }
    // lo carries the test addresses; lo has disable_xfrm=1 by default, turn policies on.
    ASSERT_EQ(run("ip link set lo up && sysctl -qw net.ipv4.conf.lo.disable_xfrm=0 && "
                  "ip addr add 10.1.0.1/24 dev lo && ip addr add 192.0.2.1/24 dev lo && "
                  "ip route add 10.2.0.0/24 dev lo src 10.1.0.1 && echo ok"),
              "ok\n");
    auto b = XfrmBackend::open();
    ASSERT_TRUE(b) << b.error().detail;
    m_backend = std::move(*b);
  }

  base::FlowInstall flow(base::Direction d) {
    base::FlowInstall f;
    f.direction = d;
    const bool out = d == base::Direction::Out;
    f.src_ts = {ip(out ? "10.1.0.0" : "10.2.0.0"), 24, 0, 0};
    f.dst_ts = {ip(out ? "10.2.0.0" : "10.1.0.0"), 24, 0, 0};
    f.local = ip("192.0.2.1");
    f.peer = ip("192.0.2.2");
    return f;
  }

  std::unique_ptr<XfrmBackend> m_backend;
};

TEST_F(XfrmNamespace, PoliciesInstalledReadBackAndRemoved) {
  auto in = flow(base::Direction::In);
  in.type = base::FlowType::Use;
  for (const auto& f : {flow(base::Direction::Out), in, flow(base::Direction::Fwd)}) {
    auto st = m_backend->add_flow(f);
    ASSERT_TRUE(st) << st.error().detail;
  }
  std::string listed = run("ip xfrm policy");
  EXPECT_NE(listed.find("src 10.1.0.0/24 dst 10.2.0.0/24 \n\tdir out"), std::string::npos)
      << listed;
  EXPECT_NE(listed.find("src 10.2.0.0/24 dst 10.1.0.0/24 \n\tdir in"), std::string::npos);
  EXPECT_NE(listed.find("src 10.2.0.0/24 dst 10.1.0.0/24 \n\tdir fwd"), std::string::npos);
  EXPECT_NE(listed.find("tmpl src 192.0.2.1 dst 192.0.2.2"), std::string::npos);
  EXPECT_NE(listed.find("tmpl src 192.0.2.2 dst 192.0.2.1"), std::string::npos);
  EXPECT_NE(listed.find("level use"), std::string::npos);  // the "use" flow only
  auto state = m_backend->read_state();
  ASSERT_TRUE(state) << state.error().detail;
  ASSERT_EQ(state->flows.size(), 3u);
  for (const auto& f : state->flows) {
    bool found = f == flow(base::Direction::Out) || f == in || f == flow(base::Direction::Fwd);
    EXPECT_TRUE(found) << f.to_string();
  }
  // Replacing a flow (UPDPOLICY) keeps one policy per selector.
  ASSERT_TRUE(m_backend->add_flow(flow(base::Direction::In)));
  EXPECT_EQ(m_backend->installed_flow_count(), 3u);
  ASSERT_TRUE(m_backend->delete_flow(flow(base::Direction::Out)));
  EXPECT_EQ(run("ip xfrm policy").find("dir out"), std::string::npos);
  auto again = m_backend->delete_flow(flow(base::Direction::Out));
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().detail.find("delete flow esp out from 10.1.0.0/24 to 10.2.0.0/24"),
            std::string::npos) << again.error().detail;
  ASSERT_TRUE(m_backend->flush());
  EXPECT_EQ(run("ip xfrm policy"), "");  // nothing left behind
  EXPECT_EQ(m_backend->installed_flow_count(), 0u);
}

TEST_F(XfrmNamespace, AllocatedSpiIsLarvalAndFlushed) {
  auto spi = m_backend->get_spi(IpsecProtocol::Esp, ip("192.0.2.2"), ip("192.0.2.1"));
  ASSERT_TRUE(spi) << spi.error().detail;
  EXPECT_GE(spi->value, 256u);  // RFC 4303 §2.1
  char hex[16];
  std::snprintf(hex, sizeof(hex), "0x%08x", spi->value);
  std::string listed = run("ip xfrm state");
  EXPECT_NE(listed.find(std::string("proto esp spi ") + hex), std::string::npos) << listed;
  auto other = m_backend->get_spi(IpsecProtocol::Esp, ip("192.0.2.2"), ip("192.0.2.1"));
  ASSERT_TRUE(other);
  EXPECT_NE(other->value, spi->value);
  EXPECT_EQ(m_backend->installed_sa_count(), 2u);
  ASSERT_TRUE(m_backend->flush());
  EXPECT_EQ(run("ip xfrm state"), "");
}

TEST_F(XfrmNamespace, EspSaInstallOrCleanRefusal) {
  auto spi = m_backend->get_spi(IpsecProtocol::Esp, ip("192.0.2.2"), ip("192.0.2.1"));
  ASSERT_TRUE(spi) << spi.error().detail;
  base::SaInstall sa;
  sa.ref = {IpsecProtocol::Esp, ip("192.0.2.1"), *spi};
  sa.src = ip("192.0.2.2");
  sa.inbound = true;
  sa.enc_transform_id = 12;
  sa.enc_key_bits = 128;
  sa.enc_key = base::SecureBytes(16, 0x11);
  sa.auth_algorithm = 2;
  sa.auth_key = base::SecureBytes(20, 0x22);
  sa.life_seconds = 3600;
  sa.src_ts = {ip("10.2.0.0"), 24, 0, 0};
  sa.dst_ts = {ip("10.1.0.0"), 24, 0, 0};
  auto st = m_backend->add_sa(sa);
  if (!st) {
    char name[80];
    std::snprintf(name, sizeof(name), "add esp SA spi 0x%08x 192.0.2.2->192.0.2.1",
                  spi->value);
    EXPECT_NE(st.error().detail.find(name), std::string::npos) << st.error().detail;
    ASSERT_TRUE(m_backend->flush());  // the larval SA goes too
    EXPECT_EQ(run("ip xfrm state"), "");
    GTEST_SKIP() << "the kernel refuses ESP SAs (" << st.error().detail << ")";
  }
  auto state = m_backend->read_state();
  ASSERT_TRUE(state) << state.error().detail;
  ASSERT_EQ(state->sas.size(), 1u);
  EXPECT_EQ(state->sas[0].sa.ref, sa.ref);
  EXPECT_EQ(state->sas[0].sa.enc_transform_id, 12);
  EXPECT_EQ(state->sas[0].sa.auth_algorithm, 2);
  EXPECT_EQ(state->sas[0].sa.life_seconds, 3600u);
  ASSERT_TRUE(m_backend->flush());
  EXPECT_EQ(run("ip xfrm state"), "");
}

TEST_F(XfrmNamespace, BundlePolicyAndIpcompSaInTheRealKernel) {
  // ESP+IPCOMP bundle (one Quick Mode): the kernel keeps both templates in our order (comp
  // tunnel first, esp transport), the inbound IPCOMP template optional ("level use").
  auto out = flow(base::Direction::Out);
  out.bundle = {IpsecProtocol::Ipcomp};
  auto in = flow(base::Direction::In);
  in.bundle = {IpsecProtocol::Ipcomp};
  for (const auto& f : {out, in}) {
    auto st = m_backend->add_flow(f);
    ASSERT_TRUE(st) << st.error().detail;
  }
  std::string listed = run("ip xfrm policy");
  const auto comp = listed.find("proto comp reqid 0 mode tunnel");
  const auto esp = listed.find("proto esp reqid 0 mode transport");
  ASSERT_NE(comp, std::string::npos) << listed;
  ASSERT_NE(esp, std::string::npos) << listed;
  EXPECT_LT(comp, esp) << listed;
  EXPECT_NE(listed.find("level use"), std::string::npos) << listed;
  auto state = m_backend->read_state();
  ASSERT_TRUE(state) << state.error().detail;
  ASSERT_EQ(state->flows.size(), 2u);
  for (const auto& f : state->flows) {
    EXPECT_EQ(f.protocol, IpsecProtocol::Ipcomp) << f.to_string();  // template 0
    EXPECT_EQ(f.bundle, std::vector<IpsecProtocol>{IpsecProtocol::Esp}) << f.to_string();
    EXPECT_EQ(f.type, base::FlowType::Require) << f.to_string();
  }
  // The IPCOMP SA: a 16-bit CPI from the kernel, DEFLATE, no keys.
  auto cpi = m_backend->get_spi(IpsecProtocol::Ipcomp, ip("192.0.2.2"), ip("192.0.2.1"));
  ASSERT_TRUE(cpi) << cpi.error().detail;
  EXPECT_LE(cpi->value, 0xffffu);
  base::SaInstall sa;
  sa.ref = {IpsecProtocol::Ipcomp, ip("192.0.2.1"), *cpi};
  sa.src = ip("192.0.2.2");
  sa.inbound = true;
  sa.enc_transform_id = 2;
  sa.src_ts = {ip("10.2.0.0"), 24, 0, 0};
  sa.dst_ts = {ip("10.1.0.0"), 24, 0, 0};
  auto st = m_backend->add_sa(sa);
  if (!st) {
    ASSERT_TRUE(m_backend->flush());
    GTEST_SKIP() << "the kernel refuses IPCOMP SAs (" << st.error().detail << ")";
  }
  EXPECT_NE(run("ip xfrm state").find("comp deflate"), std::string::npos)
      << run("ip xfrm state");
  ASSERT_TRUE(m_backend->flush());
  EXPECT_EQ(run("ip xfrm policy"), "");
}

TEST_F(XfrmNamespace, DeletingAnUnknownSaNamesIt) {
  auto st = m_backend->delete_sa({IpsecProtocol::Esp, ip("192.0.2.1"), base::Spi{0x4242}},
                                 ip("192.0.2.2"));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().detail,
            "xfrm: delete esp SA spi 0x00004242 192.0.2.2->192.0.2.1: No such process");
}

TEST_F(XfrmNamespace, AcquireFromARealPacket) {
  ASSERT_TRUE(m_backend->add_flow(flow(base::Direction::Out)));
  ASSERT_TRUE(test::send_udp_probe(0x0a010001, 0x0a020005));  // 10.1.0.1 -> 10.2.0.5
  pollfd pfd{m_backend->event_fd(), POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 2000), 1) << "no ACQUIRE within 2 s";
  auto events = m_backend->read_events();
  ASSERT_TRUE(events) << events.error().detail;
  ASSERT_EQ(events->size(), 1u);
  const base::KernelEvent& ev = (*events)[0];
  EXPECT_EQ(ev.kind, base::KernelEvent::Kind::Acquire);
  EXPECT_EQ(ev.protocol, IpsecProtocol::Esp);
  EXPECT_EQ(ev.local, ip("192.0.2.1"));
  EXPECT_EQ(ev.peer, ip("192.0.2.2"));
  EXPECT_EQ(ev.src_ts, (base::TrafficSelector{ip("10.1.0.0"), 24, 0, 0}));
  EXPECT_EQ(ev.dst_ts, (base::TrafficSelector{ip("10.2.0.0"), 24, 0, 0}));
  auto none = m_backend->read_events();  // drained, non-blocking
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  ASSERT_TRUE(m_backend->flush());
  EXPECT_EQ(run("ip xfrm policy"), "");
}

}  // namespace
}  // namespace ike::kernel
