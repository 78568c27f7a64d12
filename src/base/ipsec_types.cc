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
  std::string s = fmt::format("{}/{}", network.to_string(), prefix);
  if (ip_protocol != 0) s += fmt::format(" proto {}", ip_protocol);
  if (port != 0) s += fmt::format(" port {}", port);
  return s;
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
  std::string out = fmt::format("flow {} {} from {} to {} local {} peer {} type {}",
                                ipsec_protocol_name(protocol), direction_name(direction),
                                src_ts.to_string(), dst_ts.to_string(), local.to_string(),
                                peer.to_string(), flow_type_name(type));
  for (std::size_t i = 0; i < bundle.size(); ++i) {
    out += i == 0 ? " bundle " : ",";
    out += ipsec_protocol_name(bundle[i]);
  }
  return out;
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
