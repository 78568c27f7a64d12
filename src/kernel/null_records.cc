// Conversions between the null backend's compact records and the install descriptions (see
// null_records.h).
#include "kernel/null_records.h"

#include <algorithm>

namespace ike::kernel::null_records {

using base::ErrorCode;
using base::NotifyType;

namespace {

constexpr std::size_t kMaxBundle = 2;  // the IPsec protocols besides the flow's own
constexpr unsigned kBundleBits = 4;

bool known_protocol(base::IpsecProtocol p) {
  return p == base::IpsecProtocol::Ah || p == base::IpsecProtocol::Esp ||
         p == base::IpsecProtocol::Ipcomp;
}

}  // namespace

SaRecord to_record(const base::SaInstall& sa, uint32_t seq) {
  // Every SaInstall member is named here, so adding one fails to compile until the record
  // keeps it too (read_state must return what was installed, keys aside).
  const auto& [ref, src, mode, inbound, enc_transform_id, enc_key_bits, auth_algorithm,
               ah_transform_id, enc_key, auth_key, life_seconds, life_kbytes, replay_window,
               set_mark, set_mark_mask, udp_encap_src_port, udp_encap_dst_port, src_ts, dst_ts,
               name] = sa;
  (void)enc_key;  // not recorded: a null kernel never uses keys (NullBackend's keep_keys)
  (void)auth_key;
  return SaRecord{.ref = ref,
                  .src = src,
                  .mode = mode,
                  .inbound = inbound,
                  .replay_window = replay_window,
                  .enc_transform_id = enc_transform_id,
                  .enc_key_bits = enc_key_bits,
                  .auth_algorithm = auth_algorithm,
                  .ah_transform_id = ah_transform_id,
                  .udp_encap_src_port = udp_encap_src_port,
                  .udp_encap_dst_port = udp_encap_dst_port,
                  .src_ts = src_ts,
                  .dst_ts = dst_ts,
                  .set_mark = set_mark,
                  .set_mark_mask = set_mark_mask,
                  .seq = seq,
                  .life_seconds = life_seconds,
                  .life_kbytes = life_kbytes,
                  .name = name};
}

base::SaInstall to_install(const SaRecord& r) {
  base::SaInstall sa;
  sa.ref = r.ref;
  sa.src = r.src;
  sa.mode = r.mode;
  sa.inbound = r.inbound;
  sa.enc_transform_id = r.enc_transform_id;
  sa.enc_key_bits = r.enc_key_bits;
  sa.auth_algorithm = r.auth_algorithm;
  sa.ah_transform_id = r.ah_transform_id;
  sa.life_seconds = r.life_seconds;
  sa.life_kbytes = r.life_kbytes;
  sa.replay_window = r.replay_window;
  sa.set_mark = r.set_mark;
  sa.set_mark_mask = r.set_mark_mask;
  sa.udp_encap_src_port = r.udp_encap_src_port;
  sa.udp_encap_dst_port = r.udp_encap_dst_port;
  sa.src_ts = r.src_ts;
  sa.dst_ts = r.dst_ts;
  sa.name = r.name;
  return sa;
}

base::Status check_bundle(const base::FlowInstall& flow) {
  if (flow.bundle.size() > kMaxBundle) {
    return make_error(ErrorCode::BadValue, NotifyType::None,
                      "null backend: add flow: {} protocols in the bundle (at most {})",
                      flow.bundle.size(), kMaxBundle);
  }
  for (std::size_t i = 0; i < flow.bundle.size(); ++i) {
    const auto p = flow.bundle[i];
    if (!known_protocol(p)) {
      return make_error(ErrorCode::BadValue, NotifyType::None,
                        "null backend: add flow: unknown protocol {} in the bundle",
                        static_cast<unsigned>(p));
    }
    if (p == flow.protocol || std::count(flow.bundle.begin(), flow.bundle.end(), p) > 1) {
      return make_error(ErrorCode::BadValue, NotifyType::None,
                        "null backend: add flow: {} twice in the bundle",
                        base::ipsec_protocol_name(p));
    }
  }
  return base::ok();
}

FlowRecord to_record(const base::FlowInstall& flow, uint32_t seq) {
  // As for SaRecord: a new FlowInstall member fails to compile here until it is recorded.
  const auto& [direction, src_ts, dst_ts, protocol, mode, local, peer, type, bundle] = flow;
  uint8_t packed = 0;
  for (std::size_t i = 0; i < bundle.size() && i < kMaxBundle; ++i) {
    packed = static_cast<uint8_t>(packed | static_cast<unsigned>(bundle[i]) << (kBundleBits * i));
  }
  return FlowRecord{.direction = direction,
                    .protocol = protocol,
                    .src_ts = src_ts,
                    .dst_ts = dst_ts,
                    .local = local,
                    .peer = peer,
                    .mode = mode,
                    .type = type,
                    .bundle = packed,
                    .seq = seq};
}

base::FlowInstall to_install(const FlowRecord& r) {
  base::FlowInstall f;
  f.direction = r.direction;
  f.src_ts = r.src_ts;
  f.dst_ts = r.dst_ts;
  f.protocol = r.protocol;
  f.mode = r.mode;
  f.local = r.local;
  f.peer = r.peer;
  f.type = r.type;
  for (unsigned bits = r.bundle; bits != 0; bits >>= kBundleBits) {
    f.bundle.push_back(static_cast<base::IpsecProtocol>(bits & ((1u << kBundleBits) - 1)));
  }
  return f;
}

}  // namespace ike::kernel::null_records
