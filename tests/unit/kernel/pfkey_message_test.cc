// PF_KEY v2 (RFC 2367) encoding: exact bytes of SADB_GETSPI, SADB_DELETE and SADB_X_SPDADD
// (expected values written out by hand from the RFC 2367 §2.3 layouts: lengths in 64-bit
// words, sockaddrs padded to 8, SPIs in network order), SADB_UPDATE/ADD extension walk (keys
// padded, lifetimes hard + 90 % soft, sa2 mode, NAT-T ports), and the bounded parsing of
// replies, SADB_ACQUIRE and SADB_EXPIRE including hostile lengths and duplicate extensions;
// SA bundles (ESP+AH+IPCOMP policies with several sadb_x_ipsecrequest, IPCOMP SAs) byte for byte.
#include "kernel/pfkey_message.h"

#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <linux/pfkeyv2.h>

#include <cstring>
#include <map>

namespace ike::kernel::pfkey {
namespace {

using base::IpAddress;
using base::IpsecProtocol;

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

base::Bytes hex(std::string_view h) {
  base::Bytes out;
  std::string digits;
  for (char c : h) {
    if (c != ' ') digits += c;
  }
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

TEST(PfkeyMessage, GetSpiExactBytes) {
  auto b = build_getspi(IpsecProtocol::Esp, ip("192.0.2.2"), ip("192.0.2.1"), 7, 1234);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, hex("02010003 0a000000 07000000 d2040000"       // sadb_msg, 10 words
                    "03000500 00200000 02000000 c0000202 0000000000000000"  // src /32
                    "03000600 00200000 02000000 c0000201 0000000000000000"  // dst /32
                    "02001000 00010000 ffffffff 00000000"));  // spirange 256..2^32-1
}

TEST(PfkeyMessage, DeleteExactBytes) {
  auto b = build_delete_sa({IpsecProtocol::Esp, ip("192.0.2.1"), base::Spi{0x12345678}},
                           ip("192.0.2.2"), 1, 0);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, hex("02040003 0a000000 01000000 00000000"
                    "02000100 12345678 00000000 00000000"  // sadb_sa, SPI network order
                    "03000500 00200000 02000000 c0000202 0000000000000000"
                    "03000600 00200000 02000000 c0000201 0000000000000000"));
}

TEST(PfkeyMessage, SpdAddTunnelRequireExactBytes) {
  base::FlowInstall f;
  f.direction = base::Direction::Out;
  f.src_ts = {ip("10.1.0.0"), 24, 0, 0};
  f.dst_ts = {ip("10.2.0.0"), 24, 0, 0};
  f.local = ip("192.0.2.1");
  f.peer = ip("192.0.2.2");
  auto b = build_spd_add(f, 3, 0, false);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, hex("020e0000 10000000 03000000 00000000"  // SPDADD, 16 words
                    "03000500 ff180000 02000000 0a010000 0000000000000000"  // any proto, /24
                    "03000600 ff180000 02000000 0a020000 0000000000000000"
                    "08001200 02000200 00000000 00000000"  // policy IPSEC, outbound
                    "30003200 02020000 00000000 00000000"  // request 48 bytes, esp tunnel req
                    "02000000 c0000201 0000000000000000"
                    "02000000 c0000202 0000000000000000"));
  f.type = base::FlowType::Use;
  auto use = build_spd_add(f, 3, 0, true);
  ASSERT_TRUE(use);
  EXPECT_EQ((*use)[1], SADB_X_SPDUPDATE);
  EXPECT_EQ((*use)[16 + 48 + 16 + 5], 1);  // sadb_x_ipsecrequest_level = IPSEC_LEVEL_USE
  auto del = build_spd_delete(f, 4, 0);
  ASSERT_TRUE(del);
  EXPECT_EQ(*del, [&] {
    base::Bytes want = hex("020f0000 0a000000 04000000 00000000"
                           "03000500 ff180000 02000000 0a010000 0000000000000000"
                           "03000600 ff180000 02000000 0a020000 0000000000000000"
                           "02001200 02000200 00000000 00000000");
    return want;
  }());
  f.type = base::FlowType::Deny;
  auto deny = build_spd_add(f, 3, 0, false);
  ASSERT_TRUE(deny);
  EXPECT_EQ(deny->size(), 16u + 48 + 16);  // DISCARD: no request
  EXPECT_EQ((*deny)[16 + 48 + 4], 0);      // IPSEC_POLICY_DISCARD
}

// Walks the extensions with the RFC 2367 framing: type -> bytes.
std::map<uint16_t, base::Bytes> extensions(const base::SecureBytes& m) {
  std::map<uint16_t, base::Bytes> out;
  std::size_t pos = 16;
  while (pos + 4 <= m.size()) {
    uint16_t len, type;
    std::memcpy(&len, m.data() + pos, 2);
    std::memcpy(&type, m.data() + pos + 2, 2);
    EXPECT_GT(len, 0);
    if (len == 0) break;
    out[type] = base::Bytes(m.begin() + static_cast<long>(pos),
                            m.begin() + static_cast<long>(pos + len * 8u));
    pos += len * 8u;
  }
  EXPECT_EQ(pos, m.size());
  return out;
}

TEST(PfkeyMessage, AddSaExtensions) {
  base::SaInstall sa;
  sa.ref = {IpsecProtocol::Esp, ip("192.0.2.2"), base::Spi{0xaabbccdd}};
  sa.src = ip("192.0.2.1");
  sa.enc_transform_id = 12;
  sa.enc_key_bits = 128;
  sa.enc_key = base::SecureBytes(16, 0x01);
  sa.auth_algorithm = 2;  // HMAC-SHA1 -> SADB_AALG_SHA1HMAC (3)
  sa.auth_key = base::SecureBytes(20, 0x02);
  sa.life_seconds = 1000;
  sa.replay_window = 0;
  sa.udp_encap_src_port = 4500;
  sa.udp_encap_dst_port = 4501;
  auto m = build_add_sa(sa, 9, 0, true);
  ASSERT_TRUE(m) << m.error().detail;
  EXPECT_EQ((*m)[1], SADB_UPDATE);
  uint16_t words;
  std::memcpy(&words, m->data() + 4, 2);
  EXPECT_EQ(words * 8u, m->size());
  auto ext = extensions(*m);
  sadb_sa s;
  std::memcpy(&s, ext.at(SADB_EXT_SA).data(), sizeof(s));
  EXPECT_EQ(s.sadb_sa_spi, htonl(0xaabbccdd));
  EXPECT_EQ(s.sadb_sa_replay, 16);  // default, never 0 on a keyed SA
  EXPECT_EQ(s.sadb_sa_auth, SADB_AALG_SHA1HMAC);
  EXPECT_EQ(s.sadb_sa_encrypt, SADB_X_EALG_AESCBC);
  const base::Bytes& akey = ext.at(SADB_EXT_KEY_AUTH);
  ASSERT_EQ(akey.size(), 32u);  // 8 + 20 padded to 8
  uint16_t bits;
  std::memcpy(&bits, akey.data() + 4, 2);
  EXPECT_EQ(bits, 160);
  EXPECT_EQ(akey[8 + 19], 0x02);
  EXPECT_EQ(akey[8 + 20], 0);  // padding
  EXPECT_EQ(ext.at(SADB_EXT_KEY_ENCRYPT).size(), 24u);
  sadb_lifetime hard, soft;
  std::memcpy(&hard, ext.at(SADB_EXT_LIFETIME_HARD).data(), sizeof(hard));
  std::memcpy(&soft, ext.at(SADB_EXT_LIFETIME_SOFT).data(), sizeof(soft));
  EXPECT_EQ(hard.sadb_lifetime_addtime, 1000u);
  EXPECT_EQ(soft.sadb_lifetime_addtime, 900u);
  EXPECT_EQ(ext.at(SADB_X_EXT_SA2)[4], 2);  // IPSEC_MODE_TUNNEL
  EXPECT_EQ(ext.at(SADB_X_EXT_NAT_T_TYPE)[4], 2);  // UDP_ENCAP_ESPINUDP
  EXPECT_EQ(ext.at(SADB_X_EXT_NAT_T_DPORT)[4], 0x11);  // 4501 big endian
  EXPECT_EQ(ext.at(SADB_X_EXT_NAT_T_DPORT)[5], 0x95);
  sa.auth_algorithm = 99;
  EXPECT_EQ(build_add_sa(sa, 9, 0, false).error().code, base::ErrorCode::Unsupported);
}

// ---- parsing ----

base::Bytes message(uint8_t type, uint8_t satype, const base::Bytes& exts, uint8_t err = 0) {
  base::Bytes m = hex("02000000 00000000 05000000 39300000");  // seq 5, pid 12345
  m[1] = type;
  m[2] = err;
  m[3] = satype;
  m.insert(m.end(), exts.begin(), exts.end());
  uint16_t w = static_cast<uint16_t>(m.size() / 8);
  std::memcpy(m.data() + 4, &w, 2);
  return m;
}

const char* kSrc = "03000500 00200000 02000000 c0000201 0000000000000000";
const char* kDst = "03000600 00200000 02000000 c0000202 0000000000000000";

TEST(PfkeyParse, ReplyWithSpi) {
  auto r = parse_reply(message(SADB_GETSPI, SADB_SATYPE_ESP,
                               hex(std::string("02000100 0000abcd 00000000 00000000") + kSrc +
                                   kDst)));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->type, SADB_GETSPI);
  EXPECT_EQ(r->seq, 5u);
  EXPECT_EQ(r->pid, 12345u);
  ASSERT_TRUE(r->spi.has_value());
  EXPECT_EQ(r->spi->value, 0xabcdu);
  auto err = parse_reply(message(SADB_ADD, SADB_SATYPE_ESP, {}, 93));
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error, 93);
}

TEST(PfkeyParse, AcquireAndExpire) {
  auto acq = parse_acquire(message(SADB_ACQUIRE, SADB_SATYPE_ESP, hex(std::string(kSrc) + kDst)));
  ASSERT_TRUE(acq) << acq.error().detail;
  EXPECT_EQ(acq->kind, base::KernelEvent::Kind::Acquire);
  EXPECT_EQ(acq->local, ip("192.0.2.1"));
  EXPECT_EQ(acq->peer, ip("192.0.2.2"));
  EXPECT_EQ(acq->src_ts.prefix, 32);
  const std::string sa = "02000100 deadbeef 00000000 00000000";
  const std::string soft = "04000400 00000000 0000000000000000 e803000000000000 0000000000000000";
  const std::string hard = "04000300 00000000 0000000000000000 e803000000000000 0000000000000000";
  auto s = parse_expire(message(SADB_EXPIRE, SADB_SATYPE_ESP, hex(sa + soft + kSrc + kDst)));
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(s->kind, base::KernelEvent::Kind::SoftExpire);
  EXPECT_EQ(s->ref.spi.value, 0xdeadbeefu);
  EXPECT_EQ(s->ref.dst, ip("192.0.2.2"));
  EXPECT_EQ(s->src, ip("192.0.2.1"));
  auto h = parse_expire(message(SADB_EXPIRE, SADB_SATYPE_AH, hex(sa + hard + kSrc + kDst)));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->kind, base::KernelEvent::Kind::HardExpire);
  EXPECT_EQ(h->ref.protocol, IpsecProtocol::Ah);
  EXPECT_FALSE(parse_expire(message(SADB_EXPIRE, SADB_SATYPE_ESP, hex(sa + kSrc + kDst))));
  EXPECT_FALSE(parse_expire(message(SADB_EXPIRE, 77, hex(sa + soft + kSrc + kDst))));
}

TEST(PfkeyParse, HostileLengthsRefused) {
  base::Bytes good = message(SADB_ACQUIRE, SADB_SATYPE_ESP, hex(std::string(kSrc) + kDst));
  base::Bytes bad = good;
  bad[0] = 1;  // version
  EXPECT_EQ(parse_acquire(bad).error().code, base::ErrorCode::BadValue);
  bad = good;
  bad[4] = static_cast<uint8_t>(bad[4] + 1);  // header length beyond the datagram
  EXPECT_EQ(parse_acquire(bad).error().code, base::ErrorCode::BadLength);
  bad = good;
  bad[16] = 0;  // extension of length 0
  EXPECT_EQ(parse_acquire(bad).error().code, base::ErrorCode::BadLength);
  bad = good;
  bad[16] = 9;  // extension overruns the message
  EXPECT_EQ(parse_acquire(bad).error().code, base::ErrorCode::BadLength);
  auto dup = parse_acquire(message(SADB_ACQUIRE, SADB_SATYPE_ESP, hex(std::string(kSrc) + kSrc)));
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().detail.find("duplicate extension type 5"), std::string::npos);
  // An address extension too short for its sockaddr.
  auto short_addr = parse_acquire(message(SADB_ACQUIRE, SADB_SATYPE_ESP,
                                          hex(std::string("02000500 00200000 02000000 c0000201") +
                                              kDst)));
  ASSERT_FALSE(short_addr);
  EXPECT_EQ(parse_acquire(base::Bytes(8, 0)).error().code, base::ErrorCode::Truncated);
}

}  // namespace
}  // namespace ike::kernel::pfkey

namespace ike::kernel::pfkey {
namespace {

// SADB_DUMP / SADB_X_SPDDUMP entries have the ADD / SPDADD layout: what we build parses back.
TEST(PfkeyParse, DumpEntriesRoundTrip) {
  base::SaInstall sa;
  sa.ref = {IpsecProtocol::Esp, ip("2001:db8::2"), base::Spi{0x01020304}};
  sa.src = ip("2001:db8::1");
  sa.mode = base::EncapMode::Transport;
  sa.enc_transform_id = 20;  // AES-GCM-16: 4 salt bytes in the key
  sa.enc_key_bits = 256;
  sa.enc_key = base::SecureBytes(36, 0x05);
  sa.life_seconds = 600;
  sa.life_kbytes = 100;
  auto m = build_add_sa(sa, 1, 0, false);
  ASSERT_TRUE(m) << m.error().detail;
  auto back = parse_sa_entry(base::ByteView(m->data(), m->size()));
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_EQ(back->sa.ref, sa.ref);
  EXPECT_EQ(back->sa.src, sa.src);
  EXPECT_EQ(back->sa.mode, base::EncapMode::Transport);
  EXPECT_EQ(back->sa.enc_transform_id, 20);
  EXPECT_EQ(back->sa.enc_key_bits, 256);
  EXPECT_EQ(back->sa.life_seconds, 600u);
  EXPECT_EQ(back->sa.life_kbytes, 100u);
  EXPECT_EQ(back->sa.replay_window, 16);
  EXPECT_TRUE(back->sa.enc_key.empty());

  for (auto dir : {base::Direction::In, base::Direction::Out, base::Direction::Fwd}) {
    base::FlowInstall f;
    f.direction = dir;
    f.src_ts = {ip("10.1.0.0"), 16, 6, 0};
    f.dst_ts = {ip("10.2.0.9"), 32, 6, 443};
    f.local = ip("192.0.2.1");
    f.peer = ip("192.0.2.2");
    f.type = base::FlowType::Use;
    auto pm = build_spd_add(f, 1, 0, false);
    ASSERT_TRUE(pm);
    auto fb = parse_policy_entry(*pm);
    ASSERT_TRUE(fb) << fb.error().detail;
    EXPECT_EQ(*fb, f) << fb->to_string();
  }
}

}  // namespace
}  // namespace ike::kernel::pfkey

namespace ike::kernel::pfkey {
namespace {

// Mutated PF_KEY messages through every parser (bounds checked under ASan).
TEST(PfkeyParse, MutatedMessagesStayInBounds) {
  std::vector<base::Bytes> seeds;
  base::SaInstall sa;
  sa.ref = {IpsecProtocol::Esp, ip("192.0.2.2"), base::Spi{0x1000}};
  sa.src = ip("192.0.2.1");
  sa.enc_transform_id = 12;
  sa.enc_key_bits = 128;
  sa.enc_key = base::SecureBytes(16, 1);
  sa.auth_algorithm = 2;
  sa.auth_key = base::SecureBytes(20, 2);
  sa.life_seconds = 10;
  auto m = build_add_sa(sa, 1, 0, false);
  seeds.emplace_back(m->begin(), m->end());
  base::FlowInstall f;
  f.src_ts = {ip("10.1.0.0"), 24, 0, 0};
  f.dst_ts = {ip("10.2.0.0"), 24, 0, 0};
  f.local = ip("192.0.2.1");
  f.peer = ip("192.0.2.2");
  seeds.push_back(build_spd_add(f, 1, 0, false).value());
  seeds.push_back(message(SADB_ACQUIRE, SADB_SATYPE_ESP, hex(std::string(kSrc) + kDst)));
  uint64_t x = 0x2545f4914f6cdd1dull;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::size_t parsed = 0;
  for (int round = 0; round < 20000; ++round) {
    base::Bytes b = seeds[next() % seeds.size()];
    for (int i = 0, n = 1 + static_cast<int>(next() % 4); i < n; ++i) {
      b[next() % b.size()] = static_cast<uint8_t>(next());
    }
    if (next() % 4 == 0) b.resize(next() % b.size());
    parsed += parse_reply(b).has_value();
    parsed += parse_acquire(b).has_value();
    parsed += parse_expire(b).has_value();
    parsed += parse_sa_entry(b).has_value();
    parsed += parse_policy_entry(b).has_value();
  }
  EXPECT_GT(parsed, 0u);
}

}  // namespace
}  // namespace ike::kernel::pfkey

namespace ike::kernel::pfkey {
namespace {

// SA bundles (RFC 2408 §4.2, one Quick Mode negotiating several protocols): one SADB_X_SPDADD
// with one sadb_x_ipsecrequest per protocol in output order (KAME setkey
// "ipcomp/tunnel/A-B/require esp/transport//require"; af_key makes request i xfrm template i):
// IPCOMP innermost, ESP, AH outermost; only the first carries the tunnel mode and endpoints.
TEST(PfkeyMessage, SpdAddBundleExactBytes) {
  base::FlowInstall f;
  f.direction = base::Direction::Out;
  f.src_ts = {ip("10.1.0.0"), 24, 0, 0};
  f.dst_ts = {ip("10.2.0.0"), 24, 0, 0};
  f.local = ip("192.0.2.1");
  f.peer = ip("192.0.2.2");
  f.protocol = IpsecProtocol::Esp;
  f.bundle = {IpsecProtocol::Ah, IpsecProtocol::Ipcomp};  // order given does not matter
  auto b = build_spd_add(f, 3, 0, false);
  ASSERT_TRUE(b) << b.error().detail;
  EXPECT_EQ(*b, hex("020e0000 14000000 03000000 00000000"  // SPDADD, 20 words
                    "03000500 ff180000 02000000 0a010000 0000000000000000"
                    "03000600 ff180000 02000000 0a020000 0000000000000000"
                    "0c001200 02000200 00000000 00000000"  // policy: 12 words, IPSEC, out
                    "30006c00 02020000 00000000 00000000"  // 48 bytes: ipcomp(108) tunnel req
                    "02000000 c0000201 0000000000000000"
                    "02000000 c0000202 0000000000000000"
                    "10003200 01020000 00000000 00000000"  // 16 bytes: esp transport require
                    "10003300 01020000 00000000 00000000"));  // 16 bytes: ah transport require
  // Inbound: the IPCOMP request is optional (RFC 3173 §2.2: small packets go uncompressed),
  // the tunnel endpoints are peer -> local.
  f.direction = base::Direction::In;
  f.mode = base::EncapMode::Transport;
  f.bundle = {IpsecProtocol::Ipcomp};
  auto in = build_spd_add(f, 4, 0, true);
  ASSERT_TRUE(in) << in.error().detail;
  EXPECT_EQ(*in, hex("020d0000 0e000000 04000000 00000000"  // SPDUPDATE, 14 words
                     "03000500 ff180000 02000000 0a010000 0000000000000000"
                     "03000600 ff180000 02000000 0a020000 0000000000000000"
                     "06001200 02000100 00000000 00000000"  // policy: 6 words, IPSEC, in
                     "10006c00 01010000 00000000 00000000"  // ipcomp transport use
                     "10003200 01020000 00000000 00000000"));  // esp transport require
  // Use flows: every request at level use.
  f.type = base::FlowType::Use;
  auto use = build_spd_add(f, 4, 0, false);
  ASSERT_TRUE(use);
  EXPECT_EQ((*use)[16 + 48 + 16 + 5], 1);
  EXPECT_EQ((*use)[16 + 48 + 32 + 5], 1);
  // SPDDELETE names the selector only, whatever the bundle.
  auto del = build_spd_delete(f, 5, 0);
  ASSERT_TRUE(del);
  EXPECT_EQ(del->size(), 16u + 48 + 16);
  // A protocol twice is refused before anything is sent.
  f.bundle = {IpsecProtocol::Esp};
  auto twice = build_spd_add(f, 6, 0, false);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, base::ErrorCode::BadValue);
  EXPECT_NE(twice.error().detail.find("twice"), std::string::npos) << twice.error().detail;
}

// The SAs of an ESP+IPCOMP bundle: SADB_X_SATYPE_IPCOMP with the CPI in the SPI field (network
// order), SADB_X_CALG_DEFLATE in sadb_sa_encrypt, no keys, replay 0; the ESP SA as usual.
TEST(PfkeyMessage, IpcompSaExactBytes) {
  base::SaInstall sa;
  sa.ref = {IpsecProtocol::Ipcomp, ip("192.0.2.2"), base::Spi{0x4321}};
  sa.src = ip("192.0.2.1");
  sa.enc_transform_id = 2;  // RFC 2407 IPCOMP_DEFLATE = SADB_X_CALG_DEFLATE
  auto m = build_add_sa(sa, 8, 0, false);
  ASSERT_TRUE(m) << m.error().detail;
  EXPECT_EQ(base::Bytes(m->begin(), m->end()),
            hex("02030009 0c000000 08000000 00000000"  // SADB_ADD, SADB_X_SATYPE_IPCOMP (9), 12 words
                "02000100 00004321 00010002 00000000"  // sadb_sa: CPI, replay 0, mature, deflate
                "03000500 00200000 02000000 c0000201 0000000000000000"
                "03000600 00200000 02000000 c0000202 0000000000000000"
                "02001300 02000000 00000000 00000000"));  // sa2: tunnel
  auto get = build_getspi(IpsecProtocol::Ipcomp, ip("192.0.2.2"), ip("192.0.2.1"), 2, 0, 256,
                          0xefff);
  ASSERT_TRUE(get);
  EXPECT_EQ((*get)[3], SADB_X_SATYPE_IPCOMP);
  sa.enc_transform_id = 99;
  EXPECT_EQ(build_add_sa(sa, 8, 0, false).error().code, base::ErrorCode::Unsupported);
  auto back = parse_sa_entry(base::ByteView(m->data(), m->size()));
  ASSERT_FALSE(!back);
  EXPECT_EQ(back->sa.ref.protocol, IpsecProtocol::Ipcomp);
  EXPECT_EQ(back->sa.ref.spi.value, 0x4321u);
  EXPECT_EQ(back->sa.enc_transform_id, 2);
}

// A dumped bundle policy parses back: the first request's protocol, mode and endpoints, the
// others as the bundle; an inbound optional IPCOMP does not make the flow "use".
TEST(PfkeyParse, BundlePolicyRoundTripAndHostileRequests) {
  base::FlowInstall f;
  f.direction = base::Direction::In;
  f.src_ts = {ip("10.2.0.0"), 24, 0, 0};
  f.dst_ts = {ip("10.1.0.0"), 24, 0, 0};
  f.local = ip("192.0.2.1");
  f.peer = ip("192.0.2.2");
  f.protocol = IpsecProtocol::Ipcomp;
  f.bundle = {IpsecProtocol::Esp, IpsecProtocol::Ah};
  auto m = build_spd_add(f, 1, 0, false);
  ASSERT_TRUE(m) << m.error().detail;
  auto back = parse_policy_entry(*m);
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_EQ(*back, f) << back->to_string();
  // A request length running past the policy extension, and trailing bytes too short for a
  // request, are refused with the request's index.
  base::Bytes bad = *m;
  const std::size_t second = 16 + 48 + 16 + 48;
  bad[second] = 0xf0;
  auto r1 = parse_policy_entry(bad);
  ASSERT_FALSE(r1);
  EXPECT_NE(r1.error().detail.find("ipsecrequest 1 length 240"), std::string::npos)
      << r1.error().detail;
  bad = *m;
  bad[second] = 8;  // shorter than sadb_x_ipsecrequest
  EXPECT_FALSE(parse_policy_entry(bad));
  // Seven requests (more than XFRM_MAX_DEPTH) are refused.
  base::Bytes many(m->begin(), m->begin() + 16 + 48 + 16 + 48);
  for (int i = 0; i < 6; ++i) {
    base::Bytes r = hex("10003200 01020000 00000000 00000000");
    many.insert(many.end(), r.begin(), r.end());
  }
  const uint16_t plen = static_cast<uint16_t>((16 + 48 + 96) / 8);
  std::memcpy(many.data() + 16 + 48, &plen, 2);
  const uint16_t mlen = static_cast<uint16_t>(many.size() / 8);
  std::memcpy(many.data() + 4, &mlen, 2);
  auto r2 = parse_policy_entry(many);
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().detail.find("more than 6"), std::string::npos) << r2.error().detail;
}

}  // namespace
}  // namespace ike::kernel::pfkey
