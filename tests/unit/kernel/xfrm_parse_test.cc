// XFRM parsers against hostile kernel replies (xfrm_parse.cc): netlink message walk with bad
// lengths and the message cap, NLMSG_ERROR values, the ALLOCSPI reply, attributes that
// overrun their message or are too short for their struct, ACQUIRE / EXPIRE decoding.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>

#include <cerrno>
#include <cstring>

#include "kernel/xfrm_message.h"
#include "kernel_test_fixtures.h"

namespace ike::kernel::xfrm {
namespace {

using base::IpAddress;
using base::IpsecProtocol;
using fixtures::esp_sa;
using fixtures::ip;
using fixtures::ts;

base::Bytes nlmsg(uint16_t type, const void* payload, std::size_t n, uint32_t seq = 1,
                  uint32_t len_override = 0) {
  nlmsghdr h{};
  h.nlmsg_len = len_override != 0 ? len_override : static_cast<uint32_t>(sizeof(h) + n);
  h.nlmsg_type = type;
  h.nlmsg_seq = seq;
  base::Bytes out(sizeof(h) + n);
  std::memcpy(out.data(), &h, sizeof(h));
  if (n != 0) std::memcpy(out.data() + sizeof(h), payload, n);
  return out;
}

TEST(XfrmParse, SplitRejectsBadLengthsAndCapsCount) {
  int zero = 0;
  EXPECT_EQ(split_messages(nlmsg(NLMSG_ERROR, &zero, 4, 1, 15)).error().code,
            base::ErrorCode::BadLength);
  EXPECT_EQ(split_messages(nlmsg(NLMSG_ERROR, &zero, 4, 1, 64)).error().code,
            base::ErrorCode::BadLength);
  base::Bytes short_hdr(10, 0);
  EXPECT_EQ(split_messages(short_hdr).error().code, base::ErrorCode::Truncated);
  base::Bytes many;
  for (std::size_t i = 0; i <= kMaxMessagesPerDatagram; ++i) {
    auto m = nlmsg(NLMSG_NOOP, nullptr, 0);
    many.insert(many.end(), m.begin(), m.end());
  }
  EXPECT_EQ(split_messages(many).error().code, base::ErrorCode::TooMany);
  auto two = nlmsg(NLMSG_NOOP, nullptr, 0, 5);
  auto second = nlmsg(NLMSG_DONE, &zero, 4, 6);
  two.insert(two.end(), second.begin(), second.end());
  auto ok = split_messages(two);
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[1].seq, 6u);
}

TEST(XfrmParse, ErrorAckAndErrno) {
  int e = -EPROTONOSUPPORT;
  const base::Bytes raw = nlmsg(NLMSG_ERROR, &e, sizeof(e));
  auto m = split_messages(raw);
  ASSERT_TRUE(m);
  EXPECT_EQ(parse_error((*m)[0]).value(), EPROTONOSUPPORT);
  int ack = 0;
  EXPECT_EQ(parse_error(split_messages(nlmsg(NLMSG_ERROR, &ack, 4)).value()[0]).value(), 0);
  int bogus = 7;
  EXPECT_FALSE(parse_error(split_messages(nlmsg(NLMSG_ERROR, &bogus, 4)).value()[0]));
  EXPECT_EQ(parse_error(split_messages(nlmsg(NLMSG_ERROR, &ack, 2)).value()[0]).error().code,
            base::ErrorCode::Truncated);
}

TEST(XfrmParse, AllocSpiReplyBounded) {
  xfrm_usersa_info info{};
  info.id.spi = htonl(0x1234abcd);
  info.id.proto = IPPROTO_ESP;
  info.family = AF_INET;
  EXPECT_EQ(parse_allocspi_reply(
                split_messages(nlmsg(XFRM_MSG_NEWSA, &info, sizeof(info))).value()[0])
                .value().value,
            0x1234abcdu);
  EXPECT_EQ(parse_allocspi_reply(
                split_messages(nlmsg(XFRM_MSG_NEWSA, &info, sizeof(info) - 1)).value()[0])
                .error().code,
            base::ErrorCode::Truncated);
  info.id.spi = htonl(255);
  EXPECT_FALSE(parse_allocspi_reply(
      split_messages(nlmsg(XFRM_MSG_NEWSA, &info, sizeof(info))).value()[0]));
}

TEST(XfrmParse, OverrunningAttributeIsNotRead) {
  auto msg = build_add_sa(esp_sa(12, 128, 16, 5), 1, false);
  ASSERT_TRUE(msg);
  base::Bytes b(msg->begin(), msg->end());
  // Inflate the first attribute's nla_len beyond the message: libmnl stops the walk there.
  const std::size_t attr = sizeof(nlmsghdr) + sizeof(xfrm_usersa_info);
  uint16_t huge = 0x7ff0;
  std::memcpy(b.data() + attr, &huge, 2);
  auto parsed = parse_sa(split_messages(b).value()[0]);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->sa.enc_transform_id, 0);  // not taken from the overrunning attribute
  // An attribute too short for its struct is refused.
  auto msg2 = build_add_sa(esp_sa(12, 128, 16, 0), 1, false);
  base::Bytes c(msg2->begin(), msg2->end());
  uint16_t small = 8;
  std::memcpy(c.data() + attr, &small, 2);
  c.resize(attr + 8);
  uint32_t new_len = static_cast<uint32_t>(c.size());
  std::memcpy(c.data(), &new_len, 4);
  auto short_attr = parse_sa(split_messages(c).value()[0]);
  ASSERT_FALSE(short_attr);
  EXPECT_EQ(short_attr.error().code, base::ErrorCode::Truncated);
}

TEST(XfrmParse, AcquireAndExpireEvents) {
  xfrm_user_acquire acq{};
  acq.id.proto = IPPROTO_ESP;
  std::memcpy(&acq.id.daddr, ip("192.0.2.2").bytes().data(), 4);
  std::memcpy(&acq.saddr, ip("192.0.2.1").bytes().data(), 4);
  acq.policy.sel.family = AF_INET;
  std::memcpy(&acq.policy.sel.saddr, ip("10.1.0.0").bytes().data(), 4);
  std::memcpy(&acq.policy.sel.daddr, ip("10.2.0.0").bytes().data(), 4);
  acq.policy.sel.prefixlen_s = acq.policy.sel.prefixlen_d = 24;
  auto ev = parse_acquire(split_messages(nlmsg(XFRM_MSG_ACQUIRE, &acq, sizeof(acq))).value()[0]);
  ASSERT_TRUE(ev) << ev.error().detail;
  EXPECT_EQ(ev->kind, base::KernelEvent::Kind::Acquire);
  EXPECT_EQ(ev->peer, ip("192.0.2.2"));
  EXPECT_EQ(ev->local, ip("192.0.2.1"));
  EXPECT_EQ(ev->src_ts, ts("10.1.0.0", 24));
  EXPECT_EQ(ev->dst_ts, ts("10.2.0.0", 24));
  acq.policy.sel.prefixlen_s = 40;
  EXPECT_FALSE(
      parse_acquire(split_messages(nlmsg(XFRM_MSG_ACQUIRE, &acq, sizeof(acq))).value()[0]));
  EXPECT_EQ(parse_acquire(split_messages(nlmsg(XFRM_MSG_ACQUIRE, &acq, 100)).value()[0])
                .error().code, base::ErrorCode::Truncated);

  xfrm_user_expire exp{};
  exp.state.id.proto = IPPROTO_ESP;
  exp.state.id.spi = htonl(0xdeadbeef);
  exp.state.family = AF_INET;
  std::memcpy(&exp.state.id.daddr, ip("192.0.2.1").bytes().data(), 4);
  std::memcpy(&exp.state.saddr, ip("192.0.2.2").bytes().data(), 4);
  for (uint8_t hard : {uint8_t{0}, uint8_t{1}}) {
    exp.hard = hard;
    auto e = parse_expire(split_messages(nlmsg(XFRM_MSG_EXPIRE, &exp, sizeof(exp))).value()[0]);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, hard ? base::KernelEvent::Kind::HardExpire
                            : base::KernelEvent::Kind::SoftExpire);
    EXPECT_EQ(e->ref.spi.value, 0xdeadbeefu);
    EXPECT_EQ(e->ref.dst, ip("192.0.2.1"));
    EXPECT_EQ(e->src, ip("192.0.2.2"));
  }
  exp.state.family = 99;
  EXPECT_EQ(parse_expire(split_messages(nlmsg(XFRM_MSG_EXPIRE, &exp, sizeof(exp))).value()[0])
                .error().code, base::ErrorCode::Unsupported);
}

}  // namespace
}  // namespace ike::kernel::xfrm

namespace ike::kernel::xfrm {
namespace {

// Mutated kernel replies (deterministic xorshift: byte flips, length-field hits, truncations)
// through every parser: errors are fine, reading outside the datagram is not (run under ASan).
TEST(XfrmParse, MutatedRepliesStayInBounds) {
  std::vector<base::Bytes> seeds;
  auto sa = build_add_sa(esp_sa(12, 128, 16, 5), 1, false);
  seeds.emplace_back(sa->begin(), sa->end());
  base::FlowInstall f;
  f.src_ts = ts("10.1.0.0", 24);
  f.dst_ts = ts("10.2.0.0", 24);
  f.local = ip("192.0.2.1");
  f.peer = ip("192.0.2.2");
  seeds.push_back(build_add_policy(f, 2, false).value());
  xfrm_user_acquire acq{};
  acq.id.proto = IPPROTO_ESP;
  acq.policy.sel.family = AF_INET;
  seeds.push_back(nlmsg(XFRM_MSG_ACQUIRE, &acq, sizeof(acq)));
  xfrm_user_expire exp{};
  exp.state.id.proto = IPPROTO_ESP;
  exp.state.family = AF_INET;
  seeds.push_back(nlmsg(XFRM_MSG_EXPIRE, &exp, sizeof(exp)));
  uint64_t x = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::size_t parsed = 0;
  for (int round = 0; round < 20000; ++round) {
    base::Bytes m = seeds[next() % seeds.size()];
    const int flips = 1 + static_cast<int>(next() % 4);
    for (int i = 0; i < flips; ++i) {
      std::size_t at = next() % m.size();
      // Bias towards the length fields: the netlink header and attribute headers.
      if (next() % 3 == 0) at = (next() % 2 == 0) ? next() % 4 : 16 + next() % (m.size() - 16);
      m[at] = static_cast<uint8_t>(next());
    }
    if (next() % 4 == 0) m.resize(next() % m.size());
    auto msgs = split_messages(m);
    if (!msgs) continue;
    for (const auto& msg : *msgs) {
      parsed += parse_sa(msg).has_value();
      parsed += parse_policy(msg).has_value();
      parsed += parse_acquire(msg).has_value();
      parsed += parse_expire(msg).has_value();
      parsed += parse_error(msg).has_value();
      parsed += parse_allocspi_reply(msg).has_value();
    }
  }
  EXPECT_GT(parsed, 0u);  // the mutations leave some messages valid
}

}  // namespace
}  // namespace ike::kernel::xfrm
