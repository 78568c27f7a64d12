// Kernel state formatter; see kernel_format.h.
#include "kernel_format.h"

#include <fmt/core.h>

#include <algorithm>
#include <vector>

#include "kernel/algorithm_names.h"
#include "printer.h"

namespace ike::ipsecctl {
namespace {

std::string ts_text(const base::TrafficSelector& ts) {
  std::string s = ts.network.to_string();
  const unsigned full = ts.network.is_v4() ? 32 : 128;
  if (ts.prefix != full) s += fmt::format("/{}", ts.prefix);
  return s;
}

const char* mode_name(base::EncapMode m) {
  return m == base::EncapMode::Tunnel ? "tunnel" : "transport";
}

std::string key_text(const base::SecureBytes& k) { return hex_key(k); }

}  // namespace

std::string sa_enc_name(uint16_t id, uint16_t bits) {
  auto sized = [bits](const char* b128, const char* b192, const char* b256) {
    return std::string(bits == 192 ? b192 : bits == 256 ? b256 : b128);
  };
  switch (id) {
    case 3: return "3des-cbc";
    case 6: return "cast128";
    case 7: return "blowfish";
    case 11: return "null";
    case 12: return sized("aes", "aes-192", "aes-256");
    case 13: return sized("aesctr", "aes-192-ctr", "aes-256-ctr");
    case 20: return sized("aes-128-gcm", "aes-192-gcm", "aes-256-gcm");
    case 23: return sized("aes-128-gmac", "aes-192-gmac", "aes-256-gmac");
    default: return kernel::ipsecctl_enc_name(id, bits);
  }
}

namespace {

// "[ proto P] from SRC[ port S] to DST[ port D]": the selector part of flows and acquires.
std::string selector_text(const base::TrafficSelector& src, const base::TrafficSelector& dst) {
  const uint8_t proto = src.ip_protocol != 0 ? src.ip_protocol : dst.ip_protocol;
  std::string s;
  if (proto != 0) s += format_proto(proto);
  s += " from " + ts_text(src);
  if (src.port != 0) s += format_port(src.port, proto);
  s += " to " + ts_text(dst);
  if (dst.port != 0) s += format_port(dst.port, proto);
  return s;
}

}  // namespace

std::string format_event(const base::KernelEvent& ev) {
  switch (ev.kind) {
    case base::KernelEvent::Kind::Acquire: {
      std::string s = fmt::format("acquire {}{}", base::ipsec_protocol_name(ev.protocol),
                                  selector_text(ev.src_ts, ev.dst_ts));
      if (!ev.local.is_unspecified()) s += " local " + ev.local.to_string();
      if (!ev.peer.is_unspecified()) s += " peer " + ev.peer.to_string();
      return s + '\n';
    }
    case base::KernelEvent::Kind::SoftExpire:
    case base::KernelEvent::Kind::HardExpire: break;
  }
  return fmt::format("expire {} {} from {} to {} spi 0x{:08x}\n",
                     ev.kind == base::KernelEvent::Kind::SoftExpire ? "soft" : "hard",
                     base::ipsec_protocol_name(ev.ref.protocol), ev.src.to_string(),
                     ev.ref.dst.to_string(), ev.ref.spi.value);
}

namespace {

// One `-s flow` line in parts, so -c can merge lines that differ in one address only.
struct FlowLine {
  std::string head;  // "flow esp out[ proto P]"
  std::vector<std::string> src;
  std::string src_port;
  std::vector<std::string> dst;
  std::string dst_port;
  std::string tail;  // "[ local L][ peer P] type T"
};

FlowLine flow_line(const base::FlowInstall& f) {
  FlowLine l;
  l.head = fmt::format("flow {} {}", base::ipsec_protocol_name(f.protocol),
                       f.direction == base::Direction::In ? "in" : "out");
  const uint8_t proto = f.src_ts.ip_protocol != 0 ? f.src_ts.ip_protocol : f.dst_ts.ip_protocol;
  if (proto != 0) l.head += format_proto(proto);
  l.src = {ts_text(f.src_ts)};
  if (f.src_ts.port != 0) l.src_port = format_port(f.src_ts.port, proto);
  l.dst = {ts_text(f.dst_ts)};
  if (f.dst_ts.port != 0) l.dst_port = format_port(f.dst_ts.port, proto);
  if (!f.local.is_unspecified()) l.tail += " local " + f.local.to_string();
  if (!f.peer.is_unspecified()) l.tail += " peer " + f.peer.to_string();
  l.tail += fmt::format(" type {}", base::flow_type_name(f.type));
  return l;
}

// ipsec.conf(5) address list: "a" or "{ a, b }".
std::string address_list(const std::vector<std::string>& v) {
  if (v.size() == 1) return v.front();
  std::string s = "{ ";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i == 0 ? "" : ", ") + v[i];
  return s + " }";
}

// Merges lines equal in everything but the `list` member, keeping first-seen order.
template <class Key>
std::vector<FlowLine> merge(const std::vector<FlowLine>& in, Key key,
                            std::vector<std::string> FlowLine::*list) {
  std::vector<FlowLine> out;
  for (const FlowLine& l : in) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const FlowLine& o) { return key(o) == key(l); });
    if (it == out.end()) {
      out.push_back(l);
    } else {
      auto& dst = (*it).*list;
      dst.insert(dst.end(), (l.*list).begin(), (l.*list).end());
    }
  }
  return out;
}

}  // namespace

std::string format_flows(const base::KernelState& state, const ShowOptions& opts) {
  std::vector<FlowLine> lines;
  for (const auto& f : state.flows) {
    if (f.direction != base::Direction::Fwd) lines.push_back(flow_line(f));
  }
  if (opts.collapse) {
    // -c: destinations first ("to { b1, b2 }"), then sources with the same destination list.
    lines = merge(lines, [](const FlowLine& l) {
      return l.head + '|' + l.src.front() + '|' + l.src_port + '|' + l.dst_port + '|' + l.tail;
    }, &FlowLine::dst);
    lines = merge(lines, [](const FlowLine& l) {
      return l.head + '|' + l.src_port + '|' + address_list(l.dst) + '|' + l.dst_port + '|' +
             l.tail;
    }, &FlowLine::src);
  }
  std::string out;
  for (const FlowLine& l : lines) {
    out += fmt::format("{} from {}{} to {}{}{}\n", l.head, address_list(l.src), l.src_port,
                       address_list(l.dst), l.dst_port, l.tail);
  }
  return out;
}

std::string format_sas(const base::KernelState& state, const ShowOptions& opts) {
  std::vector<const base::KernelSaInfo*> sas;
  for (const auto& s : state.sas) sas.push_back(&s);
  std::stable_sort(sas.begin(), sas.end(), [](const auto* a, const auto* b) {
    return a->sa.ref.spi.value < b->sa.ref.spi.value;
  });
  std::string out;
  for (const auto* info : sas) {
    const base::SaInstall& sa = info->sa;
    const auto proto = sa.ref.protocol;
    std::string alg;
    if (proto == base::IpsecProtocol::Ipcomp) {
      alg = " comp deflate";
    } else {
      if (sa.auth_algorithm != 0) alg += " auth " + kernel::ipsecctl_auth_name(sa.auth_algorithm);
      // A larval SA (ALLOCSPI, not keyed yet) has no algorithm: OpenBSD prints none either.
      if (proto == base::IpsecProtocol::Esp && sa.enc_transform_id != 0) {
        alg += " enc " + sa_enc_name(sa.enc_transform_id, sa.enc_key_bits);
      }
    }
    std::string s = fmt::format("{} {} from {} to {} spi 0x{:08x}{}",
                                base::ipsec_protocol_name(proto), mode_name(sa.mode),
                                sa.src.to_string(), sa.ref.dst.to_string(), sa.ref.spi.value, alg);
    if (opts.show_keys && !sa.auth_key.empty()) s += " \\\n\tauthkey 0x" + key_text(sa.auth_key);
    if (opts.show_keys && !sa.enc_key.empty()) s += " \\\n\tenckey 0x" + key_text(sa.enc_key);
    s += '\n';
    if (opts.verbose) {
      s += fmt::format("\tsa: spi 0x{:08x}{}\n", sa.ref.spi.value, alg);
      const bool larval = proto != base::IpsecProtocol::Ipcomp && sa.enc_transform_id == 0 &&
                          sa.auth_algorithm == 0 && sa.ah_transform_id == 0;
      s += fmt::format("\t\tstate {} replay {} flags 0x{:x}{}\n", larval ? "larval" : "mature",
                       sa.replay_window,
                       sa.mode == base::EncapMode::Tunnel ? 4 : 0,
                       sa.mode == base::EncapMode::Tunnel ? "<tunnel>" : "");
      s += fmt::format("\tlifetime_cur: alloc 0 bytes {} add {} first 0\n", info->cur_bytes,
                       info->add_time);
      if (sa.life_seconds != 0 || sa.life_kbytes != 0) {
        s += fmt::format("\tlifetime_hard: alloc 0 bytes {} add {} first 0\n",
                         sa.life_kbytes * 1024, sa.life_seconds);
        s += fmt::format("\tlifetime_soft: alloc 0 bytes {} add {} first 0\n",
                         sa.life_kbytes * 1024 * 9 / 10, sa.life_seconds * 9 / 10);
      }
      s += fmt::format("\taddress_src: {}\n", sa.src.to_string());
      s += fmt::format("\taddress_dst: {}\n", sa.ref.dst.to_string());
      if (!sa.auth_key.empty()) {
        s += fmt::format("\tkey_auth: bits {}{}\n", sa.auth_key.size() * 8,
                         opts.show_keys ? ": " + key_text(sa.auth_key) : std::string());
      }
      if (!sa.enc_key.empty()) {
        s += fmt::format("\tkey_encrypt: bits {}{}\n", sa.enc_key.size() * 8,
                         opts.show_keys ? ": " + key_text(sa.enc_key) : std::string());
      }
      if (sa.udp_encap_dst_port != 0) {
        s += fmt::format("\tudpencap: udpencap port {}\n", sa.udp_encap_dst_port);
      }
      s += fmt::format("\tsrc_flow: {}\n", ts_text(sa.src_ts));
      s += fmt::format("\tdst_flow: {}\n", ts_text(sa.dst_ts));
    }
    out += s;
  }
  return out;
}

std::string format_all(const base::KernelState& state, const ShowOptions& opts) {
  std::string flows = format_flows(state, opts);
  std::string sas = format_sas(state, opts);
  return "FLOWS:\n" + (flows.empty() ? std::string("No flows\n") : flows) + "\nSAD:\n" +
         (sas.empty() ? std::string("No entries\n") : sas);
}

}  // namespace ike::ipsecctl
