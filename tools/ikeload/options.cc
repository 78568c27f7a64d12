// ikeload command line parsing and source-list expansion (see options.h).
#include "options.h"

#include <fmt/format.h>

#include <charconv>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace ike::ikeload {

using base::ErrorCode;
using base::IpAddress;
using base::NotifyType;

namespace {

base::Error bad(std::string_view opt, std::string_view value, std::string_view why) {
  return base::make_error(ErrorCode::BadValue, NotifyType::None, "{} '{}': {}", opt, value, why);
}

template <class T>
base::Result<T> number(std::string_view opt, std::string_view s, T lo, T hi) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return bad(opt, s, "not a number");
  if (v < lo || v > hi) return bad(opt, s, fmt::format("out of range {}..{}", lo, hi));
  return v;
}

base::Result<double> real(std::string_view opt, std::string_view s, double lo, double hi) {
  std::string str(s);
  char* end = nullptr;
  double v = std::strtod(str.c_str(), &end);
  if (str.empty() || end != str.c_str() + str.size() || !std::isfinite(v)) {
    return bad(opt, s, "not a number");
  }
  if (v < lo || v > hi) return bad(opt, s, fmt::format("out of range {}..{}", lo, hi));
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    auto pos = s.find(sep);
    out.push_back(s.substr(0, pos));
    if (pos == std::string_view::npos) return out;
    s.remove_prefix(pos + 1);
  }
}

base::Status append_range(std::vector<IpAddress>& out, uint32_t first, uint32_t last,
                          std::size_t cap, std::string_view item) {
  if (first > last) return bad("--source", item, "range ends before it starts");
  for (uint64_t a = first; a <= last; ++a) {
    if (out.size() >= cap) return base::ok();
    out.push_back(IpAddress::v4(static_cast<uint32_t>(a)));
  }
  return base::ok();
}

}  // namespace

base::Result<std::vector<IpAddress>> expand_sources(std::string_view list, std::size_t cap) {
  std::vector<IpAddress> out;
  for (std::string_view item : split(list, ',')) {
    if (item.empty()) return bad("--source", list, "empty item");
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
      auto base_addr = IpAddress::parse(item.substr(0, slash));
      if (!base_addr) return bad("--source", item, "not an address");
      IKE_TRY(unsigned prefix, number<unsigned>("--source", item.substr(slash + 1), 0,
                                                base_addr->is_v4() ? 32 : 128));
      if (!base_addr->is_v4()) {
        if (prefix != 128) return bad("--source", item, "IPv6 prefixes other than /128");
        out.push_back(*base_addr);
        continue;
      }
      uint32_t net = base_addr->masked(prefix).v4_host_order();
      // Host bits: prefix 0 covers everything, 32 none (a shift by 32 would be undefined).
      uint32_t host_mask = prefix == 0 ? 0xffffffffU : prefix >= 32 ? 0U : 0xffffffffU >> prefix;
      uint32_t last = net | host_mask;
      if (prefix <= 30) { ++net; --last; }  // skip network and broadcast
      IKE_TRY_VOID(append_range(out, net, last, cap, item));
    } else if (auto dash = item.find('-'); dash != std::string_view::npos) {
      auto a = IpAddress::parse(item.substr(0, dash));
      auto b = IpAddress::parse(item.substr(dash + 1));
      if (!a || !b || !a->is_v4() || !b->is_v4()) return bad("--source", item, "not an IPv4 range");
      IKE_TRY_VOID(append_range(out, a->v4_host_order(), b->v4_host_order(), cap, item));
    } else {
      auto a = IpAddress::parse(item);
      if (!a) return bad("--source", item, "not an address");
      if (out.size() < cap) out.push_back(*a);
    }
  }
  return out;
}

uint32_t slot_count(const Options& o) {
  uint64_t avail = static_cast<uint64_t>(o.sources.size()) * (o.port_last - o.port_first + 1U);
  uint64_t want = o.slots;
  if (want == 0) {
    want = o.concurrency > 0 ? o.concurrency
                             : static_cast<uint64_t>(std::ceil(o.rate * o.timeout_s)) + 16;
  }
  return static_cast<uint32_t>(std::min<uint64_t>({want, avail, uint64_t{kMaxSlots}}));
}

base::Result<Options> parse_options(std::span<const std::string> args) {
  Options o;
  bool have_target = false;
  std::string sources = "0.0.0.0";
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> base::Result<std::string> {
      if (i + 1 >= args.size()) return bad(a, "", "needs a value");
      return args[++i];
    };
    if (a == "--json") { o.json = true; continue; }
    if (a == "--pfs") { o.pfs = true; continue; }
    if (a == "--keep-sas") { o.keep_sas = true; continue; }
    if (a == "--busy-poll") { o.busy_poll = true; continue; }
    if (a == "--dh-private-one") { o.dh_private_one = true; continue; }
    if (a == "-v" || a == "--verbose") { o.verbose = true; continue; }
    IKE_TRY(std::string v, value());
    if (a == "--target") {
      auto ip = IpAddress::parse(v);
      if (!ip) return bad(a, v, "not an address");
      o.target.address = *ip;
      have_target = true;
    } else if (a == "--target-port") {
      IKE_TRY(o.target.port, number<uint16_t>(a, v, 1, 65535));
    } else if (a == "--source") {
      sources = v;
    } else if (a == "--ports") {
      auto dash = v.find('-');
      IKE_TRY(o.port_first, number<uint16_t>(a, std::string_view(v).substr(0, dash), 1, 65535));
      o.port_last = o.port_first;
      if (dash != std::string::npos) {
        IKE_TRY(o.port_last, number<uint16_t>(a, std::string_view(v).substr(dash + 1),
                                              o.port_first, 65535));
      }
    } else if (a == "--auth") {
      if (v == "psk") o.auth = Auth::Psk;
      else if (v == "rsa") o.auth = Auth::Rsa;
      else return bad(a, v, "expected psk or rsa");
    } else if (a == "--psk") {
      o.psk = v;
    } else if (a == "--psk-file") {
      std::ifstream f(v);
      if (!f) return bad(a, v, "cannot read");
      std::getline(f, o.psk);
    } else if (a == "--cert") {
      o.cert_file = v;
    } else if (a == "--key") {
      o.key_file = v;
    } else if (a == "--ca") {
      o.ca_file = v;
    } else if (a == "--ca-key") {
      o.ca_key_file = v;
    } else if (a == "--id-fqdn") {
      o.id_fqdn = v;
    } else if (a == "--group") {
      IKE_TRY(o.group, number<uint16_t>(a, v, 1, 31));
    } else if (a == "--cipher") {
      o.cipher = v;
    } else if (a == "--hash") {
      o.hash = v;
    } else if (a == "--remote-net") {
      o.remote_net = v;
    } else if (a == "--concurrency" || a == "-c") {
      IKE_TRY(o.concurrency, number<uint32_t>(a, v, 1, kMaxSlots));
    } else if (a == "--rate") {
      IKE_TRY(o.rate, real(a, v, 0.001, 1e6));
    } else if (a == "--count" || a == "-n") {
      IKE_TRY(o.count, number<uint64_t>(a, v, 1, uint64_t{1} << 40));
    } else if (a == "--duration") {
      IKE_TRY(o.duration_s, real(a, v, 0.001, 86400 * 7));
    } else if (a == "--timeout") {
      IKE_TRY(o.timeout_s, real(a, v, 0.01, 3600));
    } else if (a == "--retransmits") {
      IKE_TRY(o.retransmits, number<uint32_t>(a, v, 0, 20));
    } else if (a == "--slots") {
      IKE_TRY(o.slots, number<uint32_t>(a, v, 1, kMaxSlots));
    } else if (a == "--responder-pid") {
      for (auto p : split(v, ',')) {
        IKE_TRY(int pid, number<int>(a, p, 1, 1 << 22));
        o.responder_pids.push_back(pid);
      }
    } else {
      return bad("option", a, "unknown (see --help)");
    }
  }
  if (!have_target) return bad("--target", "", "required");
  IKE_TRY(o.sources, expand_sources(sources, kMaxSources));
  if (o.sources.empty()) return bad("--source", sources, "no address");
  for (const auto& s : o.sources) {
    if (s.is_v4() != o.target.address.is_v4()) {
      return bad("--source", s.to_string(), "address family differs from --target");
    }
  }
  if (o.concurrency > 0 && o.rate > 0) return bad("--rate", "", "use --concurrency or --rate");
  if (o.concurrency == 0 && o.rate == 0) o.concurrency = 1;
  if (o.count == 0 && o.duration_s == 0) return bad("--count/--duration", "", "one is required");
  if (o.auth == Auth::Psk && o.psk.empty()) return bad("--psk", "", "required with --auth psk");
  if (!o.ca_key_file.empty()) {
    // A certificate per source address, issued by --ca with this key (credentials.h).
    if (o.auth != Auth::Rsa) return bad("--ca-key", o.ca_key_file, "needs --auth rsa");
    if (o.ca_file.empty()) return bad("--ca-key", o.ca_key_file, "needs --ca (the issuer)");
    if (!o.cert_file.empty()) return bad("--ca-key", o.ca_key_file, "excludes --cert");
    if (!o.id_fqdn.empty()) {
      return bad("--ca-key", o.ca_key_file, "excludes --id-fqdn (the ID is the source address)");
    }
  }
  if (o.auth == Auth::Rsa && o.key_file.empty()) {
    return bad("--key", "", "required with --auth rsa");
  }
  if (o.auth == Auth::Rsa && o.cert_file.empty() && o.ca_key_file.empty()) {
    return bad("--cert", "", "required with --auth rsa (or --ca-key)");
  }
  if (o.concurrency > 0 && slot_count(o) < o.concurrency) {
    return bad("--concurrency", std::to_string(o.concurrency),
               fmt::format("more than the {} (address, port) sockets available",
                           slot_count(o)));
  }
  return o;
}

std::string help_text() {
  return "usage: ikeload --target ADDR [--target-port 500] [--source LIST] [--ports P[-Q]]\n"
         "  [--auth psk --psk KEY | --psk-file F\n"
         "   | --auth rsa --key F (--cert F [--ca F] | --ca F --ca-key F)]\n"
         "  [--id-fqdn NAME] [--group 14] [--pfs] [--cipher AES-128] [--hash SHA]\n"
         "  [--remote-net A/P] (--concurrency N | --rate R) (--count N | --duration S)\n"
         "  [--timeout 10] [--retransmits 3] [--slots N] [--responder-pid PID[,PID]]\n"
         "  [--keep-sas] [--busy-poll] [--dh-private-one] [--json] [-v]\n"
         "See ikeload(1).\n";
}

}  // namespace ike::ikeload
