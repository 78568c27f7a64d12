// The privilege-separation message codec (monitor_protocol.h): exact bytes of a request, round
// trips of every message kind, and the fatal decoding errors (unknown type, reserved bits,
// length mismatch, caps, out-of-range values, trailing bytes, lying counts), plus the framed
// socket I/O with SCM_RIGHTS (descriptor passed, oversized datagram refused).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/monitor_protocol.h"

namespace ike::daemon::privsep {
namespace {

base::Bytes hex(std::string_view h) {
  base::Bytes out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

TEST(PrivsepProtocol, ReadFileRequestBytes) {
  auto b = encode_request(ReadFileReq{FileKind::Config, "/a/b"});
  ASSERT_TRUE(b);
  // type 1, reserved 0, body 9: kind 1, length 4, "/a/b"
  EXPECT_EQ(*b, hex("0001" "0000" "00000009" "01" "00000004" "2f612f62"));
}

TEST(PrivsepProtocol, BindUdpRequestBytes) {
  auto b = encode_request(BindUdpReq{{*base::IpAddress::parse("127.0.0.1"), 500}, true});
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, hex("0005" "0000" "00000008" "04" "7f000001" "01f4" "01"));
}

TEST(PrivsepProtocol, ErrorReplyBytes) {
  auto b = encode_reply(ErrorReply{base::ErrorCode::NotFound, 2, "x"});
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, hex("0041" "0000" "0000000a" "0b" "00000002" "00000001" "78"));
}

TEST(PrivsepProtocol, EveryRequestRoundTrips) {
  base::SaInstall sa;
  sa.ref = {base::IpsecProtocol::Esp, *base::IpAddress::parse("192.0.2.2"), {0x1234abcd}};
  sa.src = *base::IpAddress::parse("192.0.2.1");
  sa.enc_transform_id = 12;
  sa.enc_key_bits = 128;
  sa.auth_algorithm = 2;
  sa.enc_key = base::SecureBytes(16, 0xaa);
  sa.auth_key = base::SecureBytes(20, 0xbb);
  sa.life_seconds = 0x100000001ULL;
  sa.set_mark = 0x10;
  sa.set_mark_mask = 0xff00ff;
  sa.src_ts = {*base::IpAddress::parse("10.1.1.0"), 24, 6, 22};
  sa.dst_ts = {*base::IpAddress::parse("fd00::"), 64, 0, 0};
  sa.name = "conn";
  base::FlowInstall flow;
  flow.direction = base::Direction::Fwd;
  flow.src_ts = sa.src_ts;
  flow.dst_ts = sa.dst_ts;
  flow.local = sa.src;
  flow.peer = sa.ref.dst;
  flow.type = base::FlowType::Deny;
  std::vector<Request> all = {
      ReadFileReq{FileKind::Secret, "/etc/isakmpd/private/local.key"},
      ListDirReq{"/etc/isakmpd/ca"},
      WriteFileReq{"/var/run/isakmpd.result", "line\n"},
      OpenAppendReq{"/tmp/keys"},
      BindUdpReq{{*base::IpAddress::parse("::1"), 4500}, false},
      OpenFifoReq{"/var/run/isakmpd.fifo"},
      StartedReq{},
      GetSpiReq{base::IpsecProtocol::Ah, sa.src, sa.ref.dst},
      AddSaReq{sa},
      DeleteSaReq{sa.ref, sa.src},
      AddFlowReq{flow},
      DeleteFlowReq{flow},
      FlushReq{},
      ReadStateReq{},
  };
  for (const auto& r : all) {
    auto b = encode_request(r);
    ASSERT_TRUE(b) << r.index();
    auto d = decode_request(base::view(*b));
    ASSERT_TRUE(d) << d.error().detail;
    ASSERT_EQ(d->index(), r.index());
    auto again = encode_request(*d);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *b) << "request " << r.index();
  }
  auto d = decode_request(base::view(*encode_request(AddSaReq{sa})));
  const auto& got = std::get<AddSaReq>(*d).sa;
  EXPECT_EQ(got.ref, sa.ref);
  EXPECT_EQ(got.enc_key, sa.enc_key);
  EXPECT_EQ(got.auth_key, sa.auth_key);
  EXPECT_EQ(got.life_seconds, sa.life_seconds);
  EXPECT_EQ(got.set_mark, 0x10u);  // PF-Tag reaches the monitor's backend
  EXPECT_EQ(got.set_mark_mask, 0xff00ffu);
  EXPECT_EQ(got.dst_ts, sa.dst_ts);
  EXPECT_EQ(got.name, "conn");

  // An SA bundle's flow (ESP+AH+IPCOMP) reaches the monitor's backend whole; more than the two
  // other protocols is refused on both ends.
  flow.type = base::FlowType::Require;
  flow.bundle = {base::IpsecProtocol::Ah, base::IpsecProtocol::Ipcomp};
  auto fb = encode_request(AddFlowReq{flow});
  ASSERT_TRUE(fb) << fb.error().detail;
  auto fd = decode_request(base::view(*fb));
  ASSERT_TRUE(fd) << fd.error().detail;
  EXPECT_EQ(std::get<AddFlowReq>(*fd).flow, flow);
  base::Bytes lie = *fb;
  ASSERT_EQ(lie[lie.size() - 3], 2u);  // the bundle count, then two protocol bytes
  lie[lie.size() - 3] = 3;
  auto bad = decode_request(base::view(lie));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("flow bundle: count 3 > cap 2"), std::string::npos)
      << bad.error().detail;
  flow.bundle.push_back(base::IpsecProtocol::Esp);
  EXPECT_FALSE(encode_request(AddFlowReq{flow}));
}

TEST(PrivsepProtocol, RepliesAndEventsRoundTrip) {
  base::KernelState st;
  base::KernelSaInfo info;
  info.sa.ref.spi = {0x1000};
  info.cur_bytes = 99;
  st.sas.push_back(info);
  st.flows.emplace_back();
  std::vector<Reply> all = {OkReply{}, ErrorReply{base::ErrorCode::Config, 13, "refusing"},
                            FdReply{}, NamesReply{{"a.pem", "b.pem"}}, SpiReply{{0xdeadbeef}},
                            StateReply{st}};
  for (const auto& r : all) {
    auto b = encode_reply(r);
    ASSERT_TRUE(b);
    auto d = decode_reply(base::view(*b));
    ASSERT_TRUE(d) << d.error().detail;
    EXPECT_EQ(d->index(), r.index());
    EXPECT_EQ(*encode_reply(*d), *b);
  }
  EXPECT_EQ(std::get<StateReply>(*decode_reply(base::view(*encode_reply(StateReply{st}))))
                .state.sas.at(0)
                .cur_bytes,
            99u);
  base::KernelEvent ev;
  ev.kind = base::KernelEvent::Kind::SoftExpire;
  ev.ref.spi = {77};
  auto b = encode_event(EventMsg{ev});
  ASSERT_TRUE(b);
  auto d = decode_event(base::view(*b));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->event.kind, base::KernelEvent::Kind::SoftExpire);
  EXPECT_EQ(d->event.ref.spi.value, 77u);
}

struct Bad {
  const char* name;
  std::string hex;
  const char* detail;  // substring of the error
};

TEST(PrivsepProtocol, MalformedRequestsAreErrorsNamingTheProblem) {
  const Bad cases[] = {
      {"unknown type", "0063000000000000", "unknown request type 99"},
      {"reply type as request", "0040000000000000", "unknown request type 64"},
      {"reserved bits", "0007000100000000", "reserved field 0x0001"},
      {"length too long", "0007000000000001", "body length 1 but 0 bytes"},
      {"length too short", "00070000000000000000", "body length 0 but 2 bytes"},
      {"truncated header", "000700", "reserved at offset 2: need 2 bytes, 1 left"},
      {"path over cap", "0002000000000004" "00001001", "length 4097 > cap 4096"},
      {"path longer than body", "0002000000000008" "00000010" "2f2f2f2f", "path"},
      {"bad file kind", "0001000000000005" "07" "00000000", "file kind: value 7"},
      {"bad family", "0005000000000004" "05" "000001", "family 5"},
      {"flag not 0/1", "0005000000000008" "04" "7f000001" "01f4" "02", "udp_encap: 2"},
      {"bad ipsec protocol", "001000000000000b" "09" "0400000000" "0400000000",
       "protocol: value 9"},
      {"trailing bytes", "0007000000000001" "00", "trailing"},
  };
  for (const auto& c : cases) {
    auto d = decode_request(base::view(hex(c.hex)));
    ASSERT_FALSE(d) << c.name;
    EXPECT_NE(d.error().detail.find(c.detail), std::string::npos)
        << c.name << ": " << d.error().detail;
  }
}

TEST(PrivsepProtocol, LyingCountsAndOversizedMessagesAreRefused) {
  // Names: count 1000 with 4 bytes of body left.
  auto d = decode_reply(base::view(hex("0043000000000008" "000003e8" "00000000")));
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().detail.find("name count"), std::string::npos) << d.error().detail;
  base::Bytes big(kMaxMessage + 1, 0);
  big[1] = 7;
  auto e = decode_request(base::view(big));
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().detail.find("> cap"), std::string::npos);
  // Encoding refuses what the decoder would refuse.
  EXPECT_FALSE(encode_request(ReadFileReq{FileKind::Public, std::string(kMaxPath + 1, 'a')}));
  EXPECT_FALSE(encode_request(WriteFileReq{"/r", std::string(kMaxMessage, 'x')}));
  base::SaInstall sa;
  sa.enc_key = base::SecureBytes(kMaxKey + 1, 1);
  EXPECT_FALSE(encode_request(AddSaReq{sa}));
  // Events: only KernelEvent.
  EXPECT_FALSE(decode_event(base::view(hex("0001000000000000"))));
}

TEST(PrivsepProtocol, SocketIoPassesOneDescriptorAndRefusesOversizedDatagrams) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  int buf = static_cast<int>(2 * kMaxMessage);
  ::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(null_fd, 0);
  auto msg = *encode_reply(FdReply{});
  base::Bytes sent = msg;
  ASSERT_TRUE(send_message(sv[0], msg, null_fd));
  EXPECT_EQ(msg, base::Bytes(sent.size(), 0));  // wiped after sending
  base::Bytes in;
  int fd = -1;
  ASSERT_TRUE(receive_message(sv[1], in, &fd));
  EXPECT_EQ(in, sent);
  ASSERT_GE(fd, 0);
  EXPECT_NE(fd, null_fd);
  ::close(fd);

  base::Bytes huge(kMaxMessage + 100, 0);
  ASSERT_TRUE(send_message(sv[0], huge));
  auto st = receive_message(sv[1], in, &fd);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().detail.find("> cap"), std::string::npos) << st.error().detail;

  ::close(sv[0]);
  st = receive_message(sv[1], in, &fd);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, base::ErrorCode::NotFound);
  ::close(sv[1]);
  ::close(null_fd);
}

}  // namespace
}  // namespace ike::daemon::privsep
