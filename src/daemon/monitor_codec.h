// Field codecs of the privilege-separation protocol (internal to monitor_protocol.cc, split
// out to keep that file readable): `Enc` writes strings (u32 length), keys (u16 length),
// addresses (family byte + 4/16 bytes), selectors, SA references, SaInstall and FlowInstall,
// recording the first cap violation instead of writing it; `Dec` reads the same fields through
// base::ByteReader, checking every length against the body and its cap, every enum against its
// range, and counts against the bytes left.
#pragma once

#include <algorithm>
#include <string>

#include <fmt/core.h>

#include "base/ipsec_types.h"
#include "base/reader.h"
#include "base/writer.h"
#include "daemon/monitor_protocol.h"

namespace ike::daemon::privsep::codec {

using base::ByteReader;
using base::ByteWriter;
using base::ErrorCode;
using base::NotifyType;
using base::make_error;

// Messages may carry keys (KernelAddSa): wiped once sent or decoded.
inline void wipe(base::Bytes& b) {
  if (!b.empty()) base::secure_wipe(b.data(), b.size());
}


// A bundle adds at most the two other IPsec protocols (AH, ESP, IPCOMP).
inline constexpr std::size_t kMaxFlowBundle = 2;

struct Enc {
  ByteWriter w;
  std::string error;  // first cap violation

  void str(const std::string& s, std::size_t cap, const char* field) {
    if (s.size() > cap) {
      if (error.empty()) error = fmt::format("{}: {} bytes > cap {}", field, s.size(), cap);
      return;
    }
    w.u32(static_cast<uint32_t>(s.size()));
    w.bytes(base::ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }
  void key(const base::SecureBytes& k, const char* field) {
    if (k.size() > kMaxKey) {
      if (error.empty()) error = fmt::format("{}: {} bytes > cap {}", field, k.size(), kMaxKey);
      return;
    }
    w.u16(static_cast<uint16_t>(k.size()));
    w.bytes(base::ByteView(k.data(), k.size()));
  }
  void u64(uint64_t v) {
    w.u32(static_cast<uint32_t>(v >> 32));
    w.u32(static_cast<uint32_t>(v));
  }
  void addr(const base::IpAddress& a) {
    w.u8(a.is_v4() ? 4 : 6);
    w.bytes(a.bytes());
  }
  void sockaddr(const base::SockAddr& s) {
    addr(s.address);
    w.u16(s.port);
  }
  void ts(const base::TrafficSelector& t) {
    addr(t.network);
    w.u8(t.prefix);
    w.u8(t.ip_protocol);
    w.u16(t.port);
  }
  void ref(const base::SaRef& r) {
    w.u8(static_cast<uint8_t>(r.protocol));
    addr(r.dst);
    w.u32(r.spi.value);
  }
  void sa(const base::SaInstall& s) {
    ref(s.ref);
    addr(s.src);
    w.u8(static_cast<uint8_t>(s.mode));
    w.u8(s.inbound ? 1 : 0);
    w.u16(s.enc_transform_id);
    w.u16(s.enc_key_bits);
    w.u16(s.auth_algorithm);
    w.u16(s.ah_transform_id);
    key(s.enc_key, "enc_key");
    key(s.auth_key, "auth_key");
    u64(s.life_seconds);
    u64(s.life_kbytes);
    w.u8(s.replay_window);
    w.u32(s.set_mark);
    w.u32(s.set_mark_mask);
    w.u16(s.udp_encap_src_port);
    w.u16(s.udp_encap_dst_port);
    ts(s.src_ts);
    ts(s.dst_ts);
    str(s.name, kMaxSaName, "sa name");
  }
  void flow(const base::FlowInstall& f) {
    w.u8(static_cast<uint8_t>(f.direction));
    ts(f.src_ts);
    ts(f.dst_ts);
    w.u8(static_cast<uint8_t>(f.protocol));
    w.u8(static_cast<uint8_t>(f.mode));
    addr(f.local);
    addr(f.peer);
    w.u8(static_cast<uint8_t>(f.type));
    if (f.bundle.size() > kMaxFlowBundle) {
      if (error.empty()) {
        error = fmt::format("flow bundle: {} protocols > cap {}", f.bundle.size(), kMaxFlowBundle);
      }
      return;
    }
    w.u8(static_cast<uint8_t>(f.bundle.size()));
    for (auto p : f.bundle) w.u8(static_cast<uint8_t>(p));
  }
};


struct Dec {
  ByteReader r;

  base::Result<std::string> str(std::size_t cap, std::string_view field) {
    IKE_TRY(uint32_t n, r.u32(field));
    if (n > cap) {
      return make_error(ErrorCode::TooMany, NotifyType::None, "{}: length {} > cap {}", field, n,
                        cap);
    }
    IKE_TRY(auto v, r.bytes(n, field));
    return std::string(reinterpret_cast<const char*>(v.data()), v.size());
  }
  base::Result<base::SecureBytes> key(std::string_view field) {
    IKE_TRY(uint16_t n, r.u16(field));
    if (n > kMaxKey) {
      return make_error(ErrorCode::TooMany, NotifyType::None, "{}: length {} > cap {}", field, n,
                        kMaxKey);
    }
    IKE_TRY(auto v, r.bytes(n, field));
    return base::SecureBytes(v.begin(), v.end());
  }
  base::Result<uint64_t> u64(std::string_view field) {
    IKE_TRY(uint32_t hi, r.u32(field));
    IKE_TRY(uint32_t lo, r.u32(field));
    return (uint64_t{hi} << 32) | lo;
  }
  base::Result<bool> flag(std::string_view field) {
    IKE_TRY(uint8_t v, r.u8(field));
    if (v > 1) return make_error(ErrorCode::BadValue, NotifyType::None, "{}: {} not 0/1", field, v);
    return v == 1;
  }
  template <class E>
  base::Result<E> enum8(std::string_view field, uint8_t lo, uint8_t hi) {
    IKE_TRY(uint8_t v, r.u8(field));
    if (v < lo || v > hi) {
      return make_error(ErrorCode::BadValue, NotifyType::None, "{}: value {} outside {}..{}",
                        field, v, lo, hi);
    }
    return static_cast<E>(v);
  }
  base::Result<base::IpAddress> addr(std::string_view field) {
    IKE_TRY(uint8_t fam, r.u8(field));
    if (fam != 4 && fam != 6) {
      return make_error(ErrorCode::BadValue, NotifyType::None, "{}: family {} not 4/6", field,
                        fam);
    }
    IKE_TRY(auto b, r.bytes(fam == 4 ? 4 : 16, field));
    return fam == 4 ? base::IpAddress::v4_bytes(b) : base::IpAddress::v6(b);
  }
  base::Result<base::SockAddr> sockaddr(std::string_view field) {
    IKE_TRY(auto a, addr(field));
    IKE_TRY(uint16_t port, r.u16(field));
    return base::SockAddr{a, port};
  }
  base::Result<base::TrafficSelector> ts(std::string_view field) {
    base::TrafficSelector t;
    IKE_TRY(t.network, addr(field));
    IKE_TRY(t.prefix, r.u8(field));
    if (t.prefix > (t.network.is_v4() ? 32 : 128)) {
      return make_error(ErrorCode::BadValue, NotifyType::None, "{}: prefix {} too long", field,
                        t.prefix);
    }
    IKE_TRY(t.ip_protocol, r.u8(field));
    IKE_TRY(t.port, r.u16(field));
    return t;
  }
  base::Result<base::IpsecProtocol> proto(std::string_view field) {
    return enum8<base::IpsecProtocol>(field, 2, 4);
  }
  base::Result<base::SaRef> ref() {
    base::SaRef out;
    IKE_TRY(out.protocol, proto("sa protocol"));
    IKE_TRY(out.dst, addr("sa dst"));
    IKE_TRY(out.spi.value, r.u32("sa spi"));
    return out;
  }
  base::Result<base::SaInstall> sa() {
    base::SaInstall s;
    IKE_TRY(s.ref, ref());
    IKE_TRY(s.src, addr("sa src"));
    IKE_TRY(s.mode, enum8<base::EncapMode>("sa mode", 1, 2));
    IKE_TRY(s.inbound, flag("sa inbound"));
    IKE_TRY(s.enc_transform_id, r.u16("sa enc transform"));
    IKE_TRY(s.enc_key_bits, r.u16("sa enc key bits"));
    IKE_TRY(s.auth_algorithm, r.u16("sa auth algorithm"));
    IKE_TRY(s.ah_transform_id, r.u16("sa ah transform"));
    IKE_TRY(s.enc_key, key("enc_key"));
    IKE_TRY(s.auth_key, key("auth_key"));
    IKE_TRY(s.life_seconds, u64("sa life seconds"));
    IKE_TRY(s.life_kbytes, u64("sa life kbytes"));
    IKE_TRY(s.replay_window, r.u8("sa replay window"));
    IKE_TRY(s.set_mark, r.u32("sa set mark"));
    IKE_TRY(s.set_mark_mask, r.u32("sa set mark mask"));
    IKE_TRY(s.udp_encap_src_port, r.u16("sa encap src port"));
    IKE_TRY(s.udp_encap_dst_port, r.u16("sa encap dst port"));
    IKE_TRY(s.src_ts, ts("sa src selector"));
    IKE_TRY(s.dst_ts, ts("sa dst selector"));
    IKE_TRY(s.name, str(kMaxSaName, "sa name"));
    return s;
  }
  base::Result<base::FlowInstall> flow() {
    base::FlowInstall f;
    IKE_TRY(f.direction, enum8<base::Direction>("flow direction", 0, 2));
    IKE_TRY(f.src_ts, ts("flow src selector"));
    IKE_TRY(f.dst_ts, ts("flow dst selector"));
    IKE_TRY(f.protocol, proto("flow protocol"));
    IKE_TRY(f.mode, enum8<base::EncapMode>("flow mode", 1, 2));
    IKE_TRY(f.local, addr("flow local"));
    IKE_TRY(f.peer, addr("flow peer"));
    IKE_TRY(f.type, enum8<base::FlowType>("flow type", 0, 5));
    IKE_TRY(uint8_t n, r.u8("flow bundle count"));
    if (n > kMaxFlowBundle) {
      return make_error(ErrorCode::TooMany, NotifyType::None, "flow bundle: count {} > cap {}", n,
                        kMaxFlowBundle);
    }
    for (uint8_t i = 0; i < n; ++i) {
      IKE_TRY(base::IpsecProtocol p, proto("flow bundle protocol"));
      f.bundle.push_back(p);
    }
    return f;
  }
  base::Result<uint32_t> count(std::size_t cap, std::string_view field) {
    IKE_TRY(uint32_t n, r.u32(field));
    // Each entry takes at least one byte: a count larger than what is left is a lie.
    if (n > cap || n > r.remaining()) {
      return make_error(ErrorCode::TooMany, NotifyType::None, "{}: count {} > cap {}", field, n,
                        std::min(cap, r.remaining()));
    }
    return n;
  }
};

}  // namespace ike::daemon::privsep::codec
