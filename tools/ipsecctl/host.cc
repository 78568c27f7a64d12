// Host parsing and printing; see host.h. OpenBSD references: sbin/ipsecctl/parse.y host*(),
// ipsecctl.c ipsecctl_print_addr().
#include "host.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace ike::ipsecctl {
namespace {

unsigned family_bits(Af af) { return af == Af::Inet ? 32 : 128; }

// inet_net_pton(AF_INET, "a[.b[.c[.d]]]/bits"): octets filled from the left, the rest zero.
std::optional<HostAddr> v4_net(std::string_view s) {
  auto slash = s.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view addr = s.substr(0, slash);
  std::string_view len = s.substr(slash + 1);
  HostAddr h;
  h.af = Af::Inet;
  std::size_t octet = 0;
  std::size_t i = 0;
  while (true) {
    if (octet == 4 || i >= addr.size() || addr[i] < '0' || addr[i] > '9') return std::nullopt;
    unsigned v = 0;
    std::size_t digits = 0;
    while (i < addr.size() && addr[i] >= '0' && addr[i] <= '9') {
      v = v * 10 + static_cast<unsigned>(addr[i] - '0');
      if (++digits > 3 || v > 255) return std::nullopt;
      ++i;
    }
    h.addr[octet++] = static_cast<uint8_t>(v);
    if (i == addr.size()) break;
    if (addr[i] != '.') return std::nullopt;
    ++i;
  }
  if (len.empty() || len.size() > 2) return std::nullopt;
  unsigned bits = 0;
  for (char c : len) {
    if (c < '0' || c > '9') return std::nullopt;
    bits = bits * 10 + static_cast<unsigned>(c - '0');
  }
  if (bits > 32) return std::nullopt;
  h.bits = bits;
  return h;
}

std::optional<HostAddr> host_v4(std::string_view s) {
  HostAddr h;
  if (s.find('/') != std::string_view::npos) {
    auto net = v4_net(s);
    if (!net) return std::nullopt;
    h = *net;
    h.netaddress = true;
  } else {
    in_addr ina{};
    if (inet_pton(AF_INET, std::string(s).c_str(), &ina) != 1) return std::nullopt;
    h.af = Af::Inet;
    std::memcpy(h.addr.data(), &ina, 4);
    h.bits = 32;
  }
  h.name = std::string(s);
  return h;
}

std::optional<HostAddr> host_v6(std::string_view s, unsigned prefixlen) {
  in6_addr in6{};
  if (inet_pton(AF_INET6, std::string(s).c_str(), &in6) != 1) return std::nullopt;
  HostAddr h;
  h.af = Af::Inet6;
  std::memcpy(h.addr.data(), &in6, 16);
  h.bits = prefixlen > 128 ? 128 : prefixlen;
  std::string text = format_address_only(h);
  if (h.bits != 128) {
    h.netaddress = true;
    h.name = text + "/" + std::to_string(h.bits);
  } else {
    h.name = text;
  }
  return h;
}

struct IfAddr {
  std::string ifname;
  HostAddr addr;
};

// ifa_load(): the interface table is read once per process, as OpenBSD's iftab.
const std::vector<IfAddr>& interface_table() {
  static const std::vector<IfAddr> table = [] {
    std::vector<IfAddr> t;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return t;
    for (ifaddrs* p = list; p != nullptr; p = p->ifa_next) {
      if (p->ifa_addr == nullptr || p->ifa_name == nullptr) continue;
      HostAddr h;
      if (p->ifa_addr->sa_family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(p->ifa_addr);
        h.af = Af::Inet;
        std::memcpy(h.addr.data(), &sin->sin_addr, 4);
        h.bits = 32;
      } else if (p->ifa_addr->sa_family == AF_INET6) {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(p->ifa_addr);
        if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr)) continue;  // no scope support
        h.af = Af::Inet6;
        std::memcpy(h.addr.data(), &sin6->sin6_addr, 16);
        h.bits = 128;
      } else {
        continue;
      }
      h.name = format_address_only(h);
      t.push_back(IfAddr{p->ifa_name, std::move(h)});
    }
    freeifaddrs(list);
    return t;
  }();
  return table;
}

HostList host_if(std::string_view name) {
  HostList out;
  std::string ifname(name);
  if (ifname == "lo0") ifname = "lo";  // OpenBSD's loopback name
  if (ifname.empty() || ifname.size() >= IFNAMSIZ) return out;
  for (const auto& e : interface_table()) {
    if (e.ifname == ifname) out.push_back(e.addr);
  }
  return out;
}

}  // namespace

base::Result<HostList> parse_host(std::string_view s) {
  std::string_view ps = s;
  int mask = -1;
  if (auto slash = s.rfind('/'); slash != std::string_view::npos) {
    std::string tail(s.substr(slash + 1));
    errno = 0;
    char* end = nullptr;
    long m = std::strtol(tail.c_str(), &end, 0);
    if (errno == ERANGE || end == nullptr || *end != '\0' || m > 128 || m < 0 ||
        end == tail.c_str()) {
      return base::make_error(base::ErrorCode::BadValue, base::NotifyType::None,
                              "host: invalid netmask '{}'", s.substr(slash));
    }
    mask = static_cast<int>(m);
    ps = s.substr(0, slash);
  }
  if (auto ifs = host_if(ps); !ifs.empty()) return ifs;
  if (auto v4 = host_v4(s)) return HostList{*v4};
  if (auto v6 = host_v6(ps, mask == -1 ? 128 : static_cast<unsigned>(mask))) return HostList{*v6};
  return HostList{};
}

std::optional<HostAddr> parse_literal(std::string_view text) {
  if (auto v4 = host_v4(text)) return v4;
  return host_v6(text, 128);
}

HostAddr any_host() {
  HostAddr h;
  h.af = Af::Unspec;
  h.netaddress = true;
  return h;
}

void expand_any(HostList& list) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].af != Af::Unspec) continue;
    list[i].af = Af::Inet;
    list[i].netaddress = true;
    list[i].bits = 0;
    list[i].name = "0.0.0.0/0";
    HostAddr v6;
    v6.af = Af::Inet6;
    v6.netaddress = true;
    v6.name = "::/0";
    list.insert(list.begin() + static_cast<std::ptrdiff_t>(i) + 1, v6);
    ++i;
  }
}

std::string format_address_only(const HostAddr& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.af == Af::Inet) {
    if (inet_ntop(AF_INET, a.addr.data(), buf, sizeof buf) == nullptr) return "?";
  } else if (a.af == Af::Inet6) {
    if (inet_ntop(AF_INET6, a.addr.data(), buf, sizeof buf) == nullptr) return "?";
  } else {
    return "?";
  }
  return buf;
}

std::string format_addr(const HostAddr& a) {
  std::string s = format_address_only(a);
  if (a.af != Af::Unspec && a.bits != family_bits(a.af)) s += "/" + std::to_string(a.bits);
  return s;
}

std::string format_mask(const HostAddr& a) {
  HostAddr m;
  m.af = a.af;
  unsigned bits = a.bits;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i) {
    unsigned take = bits >= 8 ? 8 : bits;
    m.addr[i] = static_cast<uint8_t>(0xff00u >> take);
    bits -= take;
  }
  return format_address_only(m);
}

bool families_mismatch(const HostList& src, const HostList& dst) {
  bool src_v4 = false, src_v6 = false, dst_v4 = false, dst_v6 = false;
  for (const auto& h : src) {
    if (h.af == Af::Unspec) return false;
    src_v4 |= h.af == Af::Inet;
    src_v6 |= h.af == Af::Inet6;
  }
  for (const auto& h : dst) {
    if (h.af == Af::Unspec) return false;
    dst_v4 |= h.af == Af::Inet;
    dst_v6 |= h.af == Af::Inet6;
  }
  return src_v4 != dst_v4 && src_v6 != dst_v6;
}

}  // namespace ike::ipsecctl
