// ike_decode: prints ISAKMP messages symbolically with the wire codec and dumper (debugging,
// golden-file review). Input is either hex text (one message per line; whitespace, ':' and an
// optional 0x prefix ignored; '#' starts a comment) or a classic libpcap file (magic a1b2c3d4 /
// d4c3b2a1, microsecond or nanosecond) with link types NULL/LOOP (0/108), Ethernet (1, with
// 802.1Q tags), RAW (101/12), Linux SLL (113) and SLL2 (276). IPv4/IPv6 UDP datagrams to or from
// port 500 or 4500 are decoded; on 4500 the 4-byte zero non-ESP marker (RFC 3948 §2.2) is
// stripped, ESP packets and 1-byte NAT-keepalives (RFC 3948 §2.3) are skipped. Every packet is
// parsed independently: a malformed one prints the parser's detail and decoding continues.
//
// Usage: ike_decode [-x|--hex | -p|--pcap] [FILE]   (default: stdin, format auto-detected)
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>

#include "base/address.h"
#include "base/hex.h"
#include "base/reader.h"
#include "wire/dump.h"
#include "wire/message.h"

namespace {

using ike::base::ByteView;
using ike::base::Bytes;

constexpr uint16_t kIkePort = 500;
constexpr uint16_t kNattPort = 4500;

void decode_and_print(ByteView datagram) {
  auto m = ike::wire::parse_message(datagram);
  if (!m) {
    std::cout << "  malformed (" << ike::wire::to_string(m.error().notify)
              << "): " << m.error().detail << "\n";
    return;
  }
  std::cout << ike::wire::dump_message(*m);
}

int decode_hex(std::istream& in) {
  std::string line;
  int n = 0;
  int bad = 0;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto bytes = ike::base::from_hex(line);
    ++n;
    std::cout << "#" << n << " line " << lineno << "\n";
    if (!bytes) {
      std::cout << "  bad hex: " << bytes.error().detail << "\n";
      ++bad;
      continue;
    }
    decode_and_print(*bytes);
  }
  return bad == 0 ? 0 : 1;
}

uint16_t be16(ByteView v, std::size_t at) {
  return static_cast<uint16_t>((v[at] << 8) | v[at + 1]);
}

// One captured frame -> the IP packet inside it, by link type.
std::optional<ByteView> ip_from_link(uint32_t linktype, ByteView f) {
  switch (linktype) {
    case 0:     // DLT_NULL: 4-byte host-order family
    case 108:   // DLT_LOOP: 4-byte network-order family
      if (f.size() < 4) return std::nullopt;
      return f.subspan(4);
    case 1: {   // Ethernet, with optional 802.1Q / 802.1ad tags
      std::size_t at = 12;
      while (f.size() >= at + 2 && (be16(f, at) == 0x8100 || be16(f, at) == 0x88a8)) at += 4;
      if (f.size() < at + 2) return std::nullopt;
      return f.subspan(at + 2);
    }
    case 12:    // DLT_RAW (OpenBSD numbering)
    case 101:   // LINKTYPE_RAW
      return f;
    case 113:   // Linux cooked capture v1: 16-byte header
      if (f.size() < 16) return std::nullopt;
      return f.subspan(16);
    case 276:   // Linux cooked capture v2: 20-byte header
      if (f.size() < 20) return std::nullopt;
      return f.subspan(20);
    default:
      return std::nullopt;
  }
}

struct Udp {
  ike::base::SockAddr src;
  ike::base::SockAddr dst;
  ByteView payload;
};

// IPv4 or IPv6 (no extension headers other than none) carrying UDP; fragments are skipped.
std::optional<Udp> udp_from_ip(ByteView ip) {
  if (ip.empty()) return std::nullopt;
  Udp u;
  ByteView l4;
  const unsigned version = ip[0] >> 4;
  if (version == 4) {
    if (ip.size() < 20) return std::nullopt;
    const std::size_t ihl = std::size_t{ip[0] & 0x0fu} * 4;
    const std::size_t total = be16(ip, 2);
    if (ihl < 20 || total < ihl || total > ip.size() || ip[9] != 17) return std::nullopt;
    if ((be16(ip, 6) & 0x3fff) != 0) return std::nullopt;  // fragment
    u.src.address = ike::base::IpAddress::v4_bytes(ip.subspan(12, 4));
    u.dst.address = ike::base::IpAddress::v4_bytes(ip.subspan(16, 4));
    l4 = ip.subspan(ihl, total - ihl);
  } else if (version == 6) {
    if (ip.size() < 40 || ip[6] != 17) return std::nullopt;
    const std::size_t plen = be16(ip, 4);
    if (40 + plen > ip.size()) return std::nullopt;
    u.src.address = ike::base::IpAddress::v6(ip.subspan(8, 16));
    u.dst.address = ike::base::IpAddress::v6(ip.subspan(24, 16));
    l4 = ip.subspan(40, plen);
  } else {
    return std::nullopt;
  }
  if (l4.size() < 8) return std::nullopt;
  u.src.port = be16(l4, 0);
  u.dst.port = be16(l4, 2);
  const std::size_t ulen = be16(l4, 4);
  if (ulen < 8 || ulen > l4.size()) return std::nullopt;
  u.payload = l4.subspan(8, ulen - 8);
  return u;
}

bool is_ike_port(uint16_t p) { return p == kIkePort || p == kNattPort; }

int decode_pcap(ByteView file) {
  if (file.size() < 24) {
    std::cerr << "ike_decode: pcap file header truncated (" << file.size() << " bytes)\n";
    return 2;
  }
  uint32_t magic = (uint32_t{file[0]} << 24) | (uint32_t{file[1]} << 16) |
                   (uint32_t{file[2]} << 8) | uint32_t{file[3]};
  bool swapped;  // true: fields are little endian
  if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
    swapped = false;
  } else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
    swapped = true;
  } else {
    std::cerr << "ike_decode: not a classic pcap file (magic 0x" << std::hex << magic
              << std::dec << "; pcapng is not supported)\n";
    return 2;
  }
  auto rd32 = [&](std::size_t at) {
    uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const std::size_t idx = swapped ? at + 3 - i : at + i;
      v = (v << 8) | file[idx];
    }
    return v;
  };
  const uint32_t linktype = rd32(20) & 0x0fffffffu;
  std::size_t at = 24;
  int frame = 0;
  int shown = 0;
  while (at < file.size()) {
    ++frame;
    if (file.size() - at < 16) {
      std::cout << "frame " << frame << ": record header truncated\n";
      return 1;
    }
    const uint32_t caplen = rd32(at + 8);
    at += 16;
    if (caplen > file.size() - at) {
      std::cout << "frame " << frame << ": captured length " << caplen << " exceeds the "
                << file.size() - at << " bytes left\n";
      return 1;
    }
    ByteView f = file.subspan(at, caplen);
    at += caplen;
    auto ip = ip_from_link(linktype, f);
    if (!ip) continue;
    auto udp = udp_from_ip(*ip);
    if (!udp || !(is_ike_port(udp->src.port) || is_ike_port(udp->dst.port))) continue;
    ByteView payload = udp->payload;
    if (udp->src.port == kNattPort || udp->dst.port == kNattPort) {
      if (payload.size() == 1 && payload[0] == 0xff) continue;  // NAT-keepalive
      const uint8_t zero[4] = {0, 0, 0, 0};
      if (payload.size() < 4 || std::memcmp(payload.data(), zero, 4) != 0) continue;  // ESP
      payload = payload.subspan(4);  // non-ESP marker
    }
    ++shown;
    std::cout << "#" << shown << " " << udp->src.to_string() << " -> " << udp->dst.to_string()
              << " (frame " << frame << ")\n";
    decode_and_print(payload);
  }
  return 0;
}

int usage() {
  std::cerr << "usage: ike_decode [-x|--hex | -p|--pcap] [FILE]\n"
               "  Decodes ISAKMP (IKEv1) messages from hex lines or a classic pcap file\n"
               "  (UDP 500/4500) and prints them symbolically. FILE defaults to stdin.\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  enum class Format { Auto, Hex, Pcap } format = Format::Auto;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-x" || a == "--hex") {
      format = Format::Hex;
    } else if (a == "-p" || a == "--pcap") {
      format = Format::Pcap;
    } else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      std::cerr << "ike_decode: unknown option " << a << "\n";
      return usage();
    } else if (path == nullptr) {
      path = argv[i];
    } else {
      return usage();
    }
  }
  Bytes data;
  if (path == nullptr || std::string(path) == "-") {
    data.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "ike_decode: cannot open " << path << ": " << std::strerror(errno) << "\n";
      return 2;
    }
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (format == Format::Auto) {
    const bool pcap_magic =
        data.size() >= 4 && ((data[0] == 0xa1 && data[1] == 0xb2) || (data[0] == 0xd4 && data[1] == 0xc3) ||
                             (data[0] == 0x4d && data[1] == 0x3c));
    format = pcap_magic ? Format::Pcap : Format::Hex;
  }
  if (format == Format::Pcap) return decode_pcap(data);
  std::string text(data.begin(), data.end());
  std::istringstream in(text);
  return decode_hex(in);
}
