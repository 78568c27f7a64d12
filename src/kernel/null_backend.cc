// Null kernel backend (see null_backend.h): in-memory SAD/SPD records for `isakmpd -n` and the
// tests. RFC 4303 §2.1: SPI values 1..255 are reserved by IANA and 0 is reserved for local use,
// so get_spi draws until it finds a value >= 256 that it has not handed out yet.
#include "kernel/null_backend.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "base/log.h"
#include "kernel/algorithm_names.h"

namespace ike::kernel {

using base::ErrorCode;
using base::NotifyType;
using null_records::SaRecord;

namespace {

constexpr uint32_t kFirstValidSpi = 256;  // RFC 4303 §2.1
constexpr uint32_t kLastNegotiatedCpi = 0xefff;  // RFC 3173 §3.3

const char* mode_name(base::EncapMode m) {
  return m == base::EncapMode::Tunnel ? "tunnel" : "transport";
}

}  // namespace

NullBackend::NullBackend(base::Random& rng, bool keep_keys) : m_rng(rng), m_keep_keys(keep_keys) {}

namespace {

// The records of an ordered index, in installation order.
template <class Set>
auto in_installation_order(const Set& records) {
  std::vector<const typename Set::value_type*> sorted;
  sorted.reserve(records.size());
  for (const auto& r : records) sorted.push_back(&r);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->seq < b->seq; });
  return sorted;
}

// One ipsecctl -s sa line (no '\n') from an SaInstall or an SaRecord (the same member names).
template <class Sa>
void append_sa_line(std::string& out, const Sa& sa) {
  auto it = std::back_inserter(out);
  out += base::ipsec_protocol_name(sa.ref.protocol);
  out += ' ';
  out += mode_name(sa.mode);
  out += " from ";
  sa.src.append_to(out);
  out += " to ";
  sa.ref.dst.append_to(out);
  fmt::format_to(it, " spi 0x{:08x}", sa.ref.spi.value);
  if (sa.ref.protocol == base::IpsecProtocol::Ipcomp) {
    // ipsecctl -s sa: "comp deflate" (RFC 2407 §4.4.5 IPCOMP_DEFLATE = 2).
    if (sa.enc_transform_id == 2) {
      out += " comp deflate";
    } else {
      fmt::format_to(it, " comp {}", sa.enc_transform_id);
    }
    return;
  }
  out += " auth ";
  append_ipsecctl_auth_name(out, sa.auth_algorithm);
  if (sa.ref.protocol == base::IpsecProtocol::Esp) {
    out += " enc ";
    append_ipsecctl_enc_name(out, sa.enc_transform_id, sa.enc_key_bits);
  }
  if (sa.udp_encap_dst_port != 0) {
    fmt::format_to(it, " udpencap port {}", sa.udp_encap_dst_port);
  }
}

template <class Sa>
std::string sa_line(const Sa& sa) {
  std::string line;
  append_sa_line(line, sa);
  return line;
}

}  // namespace

base::Result<base::Spi> NullBackend::get_spi(base::IpsecProtocol proto,
                                             const base::IpAddress& src,
                                             const base::IpAddress& dst) {
  for (int attempt = 0; attempt < kMaxSpiAttempts; ++attempt) {
    uint32_t v = m_rng.u32();
    if (proto == base::IpsecProtocol::Ipcomp) {
      // RFC 3173 §2.2: the CPI is 16 bits; §3.3: 61440-65535 are for private use, only
      // 256-61439 are negotiated (libreswan refuses a proposal with another CPI, as XFRM's
      // and PF_KEY's ALLOCSPI are asked for 256..0xefff).
      v &= 0xffffu;
      if (v > kLastNegotiatedCpi) continue;
    }
    if (v < kFirstValidSpi) continue;
    // Unique among the larval SPIs (handed out, not yet added) and the installed SAs.
    if (m_sas.contains(base::SaRef{proto, dst, base::Spi{v}})) continue;
    if (!m_allocated.emplace(proto, dst, v).second) continue;
    IKE_LOG_DEBUG(Sysdep, 30, "null backend: getspi {} src {} dst {} -> 0x{:08x}",
                  base::ipsec_protocol_name(proto), src.to_string(), dst.to_string(), v);
    return base::Spi{v};
  }
  return make_error(ErrorCode::Internal, NotifyType::None,
                    "null backend: no free {} SPI for {} after {} random draws",
                    base::ipsec_protocol_name(proto), dst.to_string(), kMaxSpiAttempts);
}

std::string NullBackend::format_sa(const base::SaInstall& sa) { return sa_line(sa); }

void NullBackend::append_sa(std::string& out, const base::SaInstall& sa) {
  append_sa_line(out, sa);
}

uint32_t NullBackend::take_seq() {
  if (m_next_seq >= m_seq_limit) renumber();
  return m_next_seq++;
}

void NullBackend::renumber() {
  uint32_t sa_seq = 0;
  for (const auto* r : in_installation_order(m_sas)) r->seq = sa_seq++;
  uint32_t flow_seq = 0;
  for (const auto* r : in_installation_order(m_flows)) r->seq = flow_seq++;
  m_next_seq = std::max(sa_seq, flow_seq);
}

base::Status NullBackend::add_sa(const base::SaInstall& sa) {
  if (m_sas.contains(sa.ref)) {
    return make_error(ErrorCode::State, NotifyType::None,
                      "null backend: add SA: {} SPI 0x{:08x} to {} already exists",
                      base::ipsec_protocol_name(sa.ref.protocol), sa.ref.spi.value,
                      sa.ref.dst.to_string());
  }
  if (sa.ref.spi.value < kFirstValidSpi) {
    return make_error(ErrorCode::BadValue, NotifyType::None,
                      "null backend: add SA: SPI 0x{:08x} is reserved (RFC 4303 §2.1)",
                      sa.ref.spi.value);
  }
  m_allocated.erase({sa.ref.protocol, sa.ref.dst, sa.ref.spi.value});  // larval -> installed
  m_sas.insert(null_records::to_record(sa, take_seq()));
  if (m_keep_keys) m_keys.insert_or_assign(sa.ref, Keys{sa.enc_key, sa.auth_key});
  IKE_LOG_DEBUG(Sysdep, 10, "null backend: would add SA {} ({}, {}, lifetime {} s)",
                format_sa(sa), sa.inbound ? "inbound" : "outbound",
                sa.name.empty() ? "<unnamed>" : base::sanitize_for_log(sa.name),
                sa.life_seconds);
  return base::ok();
}

base::Status NullBackend::delete_sa(const base::SaRef& ref, const base::IpAddress& src) {
  auto it = m_sas.find(ref);
  bool allocated = m_allocated.erase({ref.protocol, ref.dst, ref.spi.value}) != 0;
  if (it == m_sas.end()) {
    if (allocated) {
      // A larval SA (getspi without add): the kernel would drop it silently.
      IKE_LOG_DEBUG(Sysdep, 10, "null backend: released unused SPI 0x{:08x} to {}",
                    ref.spi.value, ref.dst.to_string());
      return base::ok();
    }
    return make_error(ErrorCode::NotFound, NotifyType::None,
                      "null backend: delete SA: no {} SA with SPI 0x{:08x} from {} to {}",
                      base::ipsec_protocol_name(ref.protocol), ref.spi.value, src.to_string(),
                      ref.dst.to_string());
  }
  IKE_LOG_DEBUG(Sysdep, 10, "null backend: would delete SA {}", sa_line(*it));
  m_sas.erase(it);
  m_keys.erase(ref);
  return base::ok();
}

base::Status NullBackend::add_flow(const base::FlowInstall& flow) {
  IKE_TRY_VOID(null_records::check_bundle(flow));
  if (auto it = m_flows.find(flow); it != m_flows.end()) {
    IKE_LOG_DEBUG(Sysdep, 10, "null backend: would replace {}",
                  null_records::to_install(*it).to_string());
    // Same selector, so the same place in the set; the record keeps its seq (and its place in
    // snapshots and `S`), and the node is reused.
    auto node = m_flows.extract(it);
    node.value() = null_records::to_record(flow, node.value().seq);
    m_flows.insert(std::move(node));
  } else {
    m_flows.insert(null_records::to_record(flow, take_seq()));
  }
  IKE_LOG_DEBUG(Sysdep, 10, "null backend: would add {}", flow.to_string());
  return base::ok();
}

base::Status NullBackend::delete_flow(const base::FlowInstall& flow) {
  auto it = m_flows.find(flow);
  if (it == m_flows.end()) {
    return make_error(ErrorCode::NotFound, NotifyType::None, "null backend: delete flow: no {}",
                      flow.to_string());
  }
  IKE_LOG_DEBUG(Sysdep, 10, "null backend: would delete {}",
                null_records::to_install(*it).to_string());
  m_flows.erase(it);
  return base::ok();
}

base::Status NullBackend::flush() {
  IKE_LOG_DEBUG(Sysdep, 10, "null backend: would flush {} SAs and {} flows", m_sas.size(),
                m_flows.size());
  m_sas.clear();
  m_flows.clear();
  m_keys.clear();
  m_allocated.clear();
  return base::ok();
}

base::Result<base::KernelState> NullBackend::read_state() {
  base::KernelState state;
  state.sas.reserve(m_sas.size());
  for (const auto* r : in_installation_order(m_sas)) {
    state.sas.push_back(base::KernelSaInfo{.sa = sa_install(*r)});
  }
  state.flows = flows();
  return state;
}

base::Status NullBackend::append_state_text(std::string& out) {
  append_records(out);
  return base::ok();
}

base::SaInstall NullBackend::sa_install(const SaRecord& r) const {
  base::SaInstall sa = null_records::to_install(r);
  if (auto k = m_keys.find(r.ref); k != m_keys.end()) {
    sa.enc_key = k->second.enc_key;
    sa.auth_key = k->second.auth_key;
  }
  return sa;
}

std::vector<base::SaInstall> NullBackend::sas() const {
  std::vector<base::SaInstall> out;
  out.reserve(m_sas.size());
  for (const auto* r : in_installation_order(m_sas)) out.push_back(sa_install(*r));
  return out;
}

std::vector<base::FlowInstall> NullBackend::flows() const {
  std::vector<base::FlowInstall> out;
  out.reserve(m_flows.size());
  for (const auto* r : in_installation_order(m_flows)) out.push_back(null_records::to_install(*r));
  return out;
}

std::string NullBackend::dump() const {
  std::string out;
  append_records(out);
  return out;
}

void NullBackend::append_records(std::string& out) const {
  out.reserve(out.size() + m_sas.size() * kSaLineBytes + m_flows.size() * kFlowLineBytes);
  for (const auto* r : in_installation_order(m_sas)) {
    append_sa_line(out, *r);
    out += '\n';
  }
  for (const auto* r : in_installation_order(m_flows)) {
    null_records::to_install(*r).append_to(out);
    out += '\n';
  }
}

}  // namespace ike::kernel
