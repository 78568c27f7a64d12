// Printers for the shared IPsec types.
#include "base/ipsec_types.h"

#include <fmt/format.h>

#include <iterator>

namespace ike::base {

const char* ipsec_protocol_name(IpsecProtocol p) noexcept {
  switch (p) {
    case IpsecProtocol::Ah: return "ah";
    case IpsecProtocol::Esp: return "esp";
    case IpsecProtocol::Ipcomp: return "ipcomp";
  }
  return "unknown";
}

const char* direction_name(Direction d) noexcept {
  switch (d) {
    case Direction::In: return "in";
    case Direction::Out: return "out";
    case Direction::Fwd: return "fwd";
  }
  return "?";
}

const char* kernel_op_name(const KernelOp& op) noexcept {
  static constexpr const char* kNames[] = {"get_spi", "add_sa", "delete_sa", "add_flow",
                                           "delete_flow"};
  static_assert(std::size(kNames) == std::variant_size_v<KernelOp>);
  return kNames[op.index()];
}

std::string TrafficSelector::to_string() const {
  std::string s;
  append_to(s);
  return s;
}

void TrafficSelector::append_to(std::string& out) const {
  network.append_to(out);
  auto it = std::back_inserter(out);
  fmt::format_to(it, "/{}", prefix);
  if (ip_protocol != 0) fmt::format_to(it, " proto {}", ip_protocol);
  if (port != 0) fmt::format_to(it, " port {}", port);
}

const char* flow_type_name(FlowType t) noexcept {
  switch (t) {
    case FlowType::Require: return "require";
    case FlowType::Use: return "use";
    case FlowType::Acquire: return "acquire";
    case FlowType::DontAcq: return "dontacq";
    case FlowType::Bypass: return "bypass";
    case FlowType::Deny: return "deny";
  }
  return "?";
}

std::string FlowInstall::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

void FlowInstall::append_to(std::string& out) const {
  out += "flow ";
  out += ipsec_protocol_name(protocol);
  out += ' ';
  out += direction_name(direction);
  out += " from ";
  src_ts.append_to(out);
  out += " to ";
  dst_ts.append_to(out);
  out += " local ";
  local.append_to(out);
  out += " peer ";
  peer.append_to(out);
  out += " type ";
  out += flow_type_name(type);
  for (std::size_t i = 0; i < bundle.size(); ++i) {
    out += i == 0 ? " bundle " : ",";
    out += ipsec_protocol_name(bundle[i]);
  }
}

std::string KernelEvent::to_string() const {
  switch (kind) {
    case Kind::Acquire:
      return fmt::format("acquire {} from {} to {} local {} peer {}",
                         ipsec_protocol_name(protocol), src_ts.to_string(), dst_ts.to_string(),
                         local.to_string(), peer.to_string());
    case Kind::SoftExpire:
    case Kind::HardExpire:
      return fmt::format("{} expire {} spi 0x{:08x} from {} to {}",
                         kind == Kind::SoftExpire ? "soft" : "hard",
                         ipsec_protocol_name(ref.protocol), ref.spi.value, src.to_string(),
                         ref.dst.to_string());
  }
  return "?";
}

}  // namespace ike::base
