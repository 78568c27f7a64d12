// Rule printer; see printer.h.
#include "printer.h"

#include <fmt/core.h>

#include "host.h"
#include "ike_config.h"

namespace ike::ipsecctl {

const char* satype_name(SaType t) {
  switch (t) {
    case SaType::Esp: return "esp";
    case SaType::Ah: return "ah";
    case SaType::Ipcomp: return "ipcomp";
    case SaType::Tcpmd5: return "tcpmd5";
    case SaType::Ipip: return "ipip";
  }
  return "?";
}

const char* direction_name(Direction d) {
  switch (d) {
    case Direction::In: return "in";
    case Direction::Out: return "out";
    default: return "?";
  }
}

const char* flowtype_name(FlowType t) {
  switch (t) {
    case FlowType::Use: return "use";
    case FlowType::Acquire: return "acquire";
    case FlowType::Require: return "require";
    case FlowType::Deny: return "deny";
    case FlowType::Bypass: return "bypass";
    case FlowType::DontAcq: return "dontacq";
    default: return "?";
  }
}

std::string format_port(uint16_t port, uint8_t proto) {
  if (auto name = service_name(port, proto == 6 ? 6 : 17)) return fmt::format(" port {}", *name);
  return fmt::format(" port {}", port);
}

std::string format_proto(uint8_t proto) {
  if (auto name = protocol_name(proto)) return fmt::format(" proto {}", *name);
  return fmt::format(" proto {}", proto);
}

std::string hex_key(const base::SecureBytes& key) {
  std::string s;
  s.reserve(key.size() * 2);
  for (uint8_t b : key) s += fmt::format("{:02x}", b);
  return s;
}

namespace {

void print_flow(const Rule& r, std::ostream& out) {
  std::string s = fmt::format("flow {} {}", satype_name(r.satype), direction_name(r.direction));
  if (r.proto != 0) s += format_proto(r.proto);
  s += " from " + format_addr(r.src);
  if (r.sport != 0) s += format_port(r.sport, r.proto);
  s += " to " + format_addr(r.dst);
  if (r.dport != 0) s += format_port(r.dport, r.proto);
  if (r.local) s += " local " + format_addr(*r.local);
  if (r.peer) s += " peer " + format_addr(*r.peer);
  if (r.has_auth) {
    if (r.srcid) s += " srcid " + *r.srcid;
    if (r.dstid) s += " dstid " + *r.dstid;
  }
  s += fmt::format(" type {}\n", flowtype_name(r.flowtype));
  out << s;
}

void print_sa(const Rule& r, const PrintOptions& opts, std::ostream& out) {
  std::string s = fmt::format("{} ", satype_name(r.satype));
  if (r.satype != SaType::Tcpmd5 && r.satype != SaType::Ipip) {
    s += r.tmode == TMode::Tunnel ? "tunnel " : "transport ";
  }
  s += "from " + format_addr(r.src) + " to " + format_addr(r.dst);
  s += fmt::format(" spi 0x{:08x}", r.spi);
  if (r.udpencap) {
    s += " udpencap";
    if (r.udpdport != 0) s += fmt::format(" port {}", r.udpdport);
  }
  if (r.satype != SaType::Tcpmd5 && r.xfs) {
    if (r.xfs->auth) s += fmt::format(" auth {}", r.xfs->auth->name);
    if (r.xfs->enc) s += fmt::format(" enc {}", r.xfs->enc->name);
    if (r.xfs->comp) s += fmt::format(" comp {}", r.xfs->comp->name);
  }
  const char* sep = r.satype == SaType::Tcpmd5 ? " " : " \\\n\t";
  if (r.authkey && opts.show_keys) s += fmt::format("{}authkey 0x{}", sep, hex_key(*r.authkey));
  if (r.enckey && opts.show_keys) s += fmt::format("{}enckey 0x{}", sep, hex_key(*r.enckey));
  out << s << '\n';
}

void print_bundle(const Rule& r, std::ostream& out) {
  out << fmt::format("[bundle {} to {} spi 0x{:08x} with {} to {} spi 0x{:08x}]\n",
                     satype_name(r.proto1), format_addr(r.dst), r.spi, satype_name(r.proto2),
                     format_addr(r.dst2), r.spi2);
}

}  // namespace

void print_rule(const Rule& r, const PrintOptions& opts, std::ostream& out, std::ostream& err) {
  if (r.type == RuleType::Ike) {
    auto lines = ike_config_lines(r, opts.del ? IkeAction::Delete : IkeAction::Add,
                                  opts.hostname);
    if (!lines) {
      err << "ipsecctl: " << lines.error().detail << '\n';
      return;
    }
    if (opts.verbose2) out << '@' << r.nr << ' ';
    for (const auto& l : *lines) out << l << '\n';
    return;
  }
  if (opts.verbose2) out << '@' << r.nr << ' ';
  switch (r.type) {
    case RuleType::Flow: print_flow(r, out); break;
    case RuleType::Sa: print_sa(r, opts, out); break;
    case RuleType::Bundle: print_bundle(r, out); break;
    case RuleType::Ike: break;  // above
  }
}

}  // namespace ike::ipsecctl
