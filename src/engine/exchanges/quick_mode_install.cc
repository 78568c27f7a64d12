// Quick Mode SA installation: KEYMAT (RFC 2409 §5.5) for the inbound SA (our SPI) and the
// outbound SA (the peer's SPI), SaInstall fully filled (addresses, mode, selectors from the IDs
// or the host addresses, keys, lifetimes, replay window, RFC 3948 ESP-in-UDP ports over a NAT),
// then the flows. SA bundles (ESP+AH, ESP+IPCOMP, ...): one SA pair per protocol, each keyed
// with its own protocol and SPI, the innermost in the negotiated mode, one flow naming them all.
#include "engine/exchanges/quick_mode_install.h"

#include <fmt/format.h>

#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/esp_keys.h"
#include "engine/ipsec_id.h"
#include "engine/nat_t.h"
#include "engine/peer_config.h"
#include "engine/rekey.h"

namespace ike::engine {

namespace {

base::TrafficSelector host_selector(const base::IpAddress& a) {
  base::TrafficSelector ts;
  ts.network = a;
  ts.prefix = a.is_v4() ? 32 : 128;
  return ts;
}

base::EncapMode encap_mode(wire::EncapsulationMode m) {
  switch (m) {
    case wire::EncapsulationMode::Transport:
    case wire::EncapsulationMode::UdpEncapTransport:
    case wire::EncapsulationMode::UdpEncapTransportDraft:
      return base::EncapMode::Transport;
    default:
      return base::EncapMode::Tunnel;
  }
}

// The protocol applied first on output (XFRM template 0): IPCOMP, then ESP, then AH.
wire::ProtocolId innermost_protocol(const Phase2Suite& suite) {
  for (auto p : {wire::ProtocolId::Ipcomp, wire::ProtocolId::IpsecEsp}) {
    if (suite.find(p) != nullptr) return p;
  }
  return suite.protocols.front().protocol;
}

}  // namespace

std::vector<base::FlowInstall> ipsec_sa_flows(const IpsecSa& sa) {
  std::vector<base::FlowInstall> out;
  if (sa.flow_dirs == 0 || sa.suite.protocols.empty()) return out;
  base::EncapMode mode = encap_mode(sa.suite.find(innermost_protocol(sa.suite))->encapsulation);
  // The tunnel endpoints as installed: the first protocol's outbound SA (src = us, dst = peer).
  base::IpAddress local = sa.local.address, peer = sa.peer.address;
  for (const auto& i : sa.installed) {
    if (!i.inbound) {
      local = i.src;
      peer = i.ref.dst;
      break;
    }
  }
  auto flow = [&](base::Direction dir, const base::TrafficSelector& src,
                  const base::TrafficSelector& dst) {
    if ((sa.flow_dirs & flow_dir_bit(dir)) == 0) return;
    base::FlowInstall f;
    f.direction = dir;
    f.src_ts = src;
    f.dst_ts = dst;
    f.protocol = static_cast<base::IpsecProtocol>(sa.suite.protocols.front().protocol);
    for (std::size_t i = 1; i < sa.suite.protocols.size(); ++i) {
      f.bundle.push_back(static_cast<base::IpsecProtocol>(sa.suite.protocols[i].protocol));
    }
    f.mode = mode;
    f.local = local;
    f.peer = peer;
    out.push_back(std::move(f));
  };
  flow(base::Direction::Out, sa.local_ts, sa.peer_ts);
  flow(base::Direction::In, sa.peer_ts, sa.local_ts);
  flow(base::Direction::Fwd, sa.peer_ts, sa.local_ts);
  return out;
}

base::Status install_phase2(EngineImpl& e, Exchange& x, IsakmpSa& sa, base::TimePoint now) {
  QuickModeData& qm = *x.qm;
  const Phase2Suite& suite = qm.chosen;
  if (suite.protocols.empty()) {
    return base::make_error(base::ErrorCode::Internal, base::NotifyType::None,
                            "negotiated suite has no protocol");
  }
  // Selectors: our side is IDci for the initiator, IDcr for the responder.
  base::TrafficSelector local_ts = host_selector(x.local.address);
  base::TrafficSelector peer_ts = host_selector(x.peer.address);
  if (qm.idci && qm.idcr) {
    const wire::IdPayload& ours = x.role == Role::Initiator ? *qm.idci : *qm.idcr;
    const wire::IdPayload& theirs = x.role == Role::Initiator ? *qm.idcr : *qm.idci;
    IKE_TRY(local_ts, id_to_selector(ours));
    IKE_TRY(peer_ts, id_to_selector(theirs));
  }
  std::optional<PacketMark> mark;
  if (auto tag = e.conf().get(qm.connection, "PF-Tag")) {
    auto parsed = parse_pf_tag(*tag);
    if (parsed) {
      mark = *parsed;
    } else {
      IKE_LOG_WARN("[{}]: {}; no mark set", qm.connection, parsed.error().detail);
    }
  }
  // SA bundle (RFC 2408 §4.2: one proposal number, several protocols): on Linux only the
  // innermost SA (IPCOMP, else ESP, else AH; the XFRM template order) carries the negotiated
  // mode, the others are applied in transport mode to its outer header, as the policy
  // templates say (kernel/xfrm_message.cc). A single protocol keeps its negotiated mode.
  const wire::ProtocolId innermost = innermost_protocol(suite);
  std::vector<base::SaInstall> installs;
  for (const auto& proto : suite.protocols) {
    IKE_TRY(KeySizes sizes, protocol_key_sizes(proto));
    for (bool inbound : {true, false}) {
      // RFC 2409 §5.5: KEYMAT = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
      IKE_TRY(SplitKeys keys, derive_sa_keys(e.crypto(), sa.suite.hash,
                                             sa.keys.skeyid_d(),
                                             base::view(qm.g_qm_xy), proto, inbound,
                                             base::view(qm.ni_b), base::view(qm.nr_b)));
      base::SaInstall s;
      s.ref.protocol = static_cast<base::IpsecProtocol>(proto.protocol);
      s.ref.dst = inbound ? x.local.address : x.peer.address;
      s.ref.spi = inbound ? proto.our_spi : proto.peer_spi;
      s.src = inbound ? x.peer.address : x.local.address;
      s.mode = proto.protocol == innermost ? encap_mode(proto.encapsulation)
                                           : base::EncapMode::Transport;
      s.inbound = inbound;
      nat_t_fill_sa_install(sa.nat, x.local, x.peer, inbound, s);
      if (proto.protocol == wire::ProtocolId::IpsecEsp) {
        s.enc_transform_id = proto.transform_id;
        s.enc_key_bits = static_cast<uint16_t>(sizes.enc_bytes * 8);
      } else if (proto.protocol == wire::ProtocolId::IpsecAh) {
        s.ah_transform_id = proto.transform_id;
      } else if (proto.protocol == wire::ProtocolId::Ipcomp) {
        s.enc_transform_id = proto.transform_id;  // RFC 2407 §4.4.5 (DEFLATE 2); no keys
      }
      s.auth_algorithm = proto.auth_algorithm;
      s.enc_key = std::move(keys.enc_key);
      s.auth_key = std::move(keys.auth_key);
      s.life_seconds = proto.life_seconds;
      s.life_kbytes = proto.life_kbytes;
      s.replay_window = proto.replay_window;
      s.src_ts = inbound ? peer_ts : local_ts;
      s.dst_ts = inbound ? local_ts : peer_ts;
      s.name = qm.connection;
      if (inbound && mark) {  // isakmpd PF-Tag: tag what the SA decrypts
        s.set_mark = mark->value;
        s.set_mark_mask = mark->mask;
      }
      installs.push_back(std::move(s));
    }
  }
  // Validated: emit.
  IpsecSa rec;
  rec.name = qm.connection;
  rec.parent = sa.cookies;
  rec.message_id = x.key.message_id;
  rec.role = x.role;
  rec.local = x.local;
  rec.peer = x.peer;
  rec.suite = suite;
  rec.in_spi = suite.protocols.front().our_spi;
  rec.out_spi = suite.protocols.front().peer_spi;
  rec.established = now;
  rec.nat_oa = qm.peer_nat_oa;
  rec.life_seconds = suite.protocols.front().life_seconds;
  rec.life_kbytes = suite.protocols.front().life_kbytes;
  if (rec.life_seconds != 0) {
    rec.hard_expiry = now + base::Seconds{static_cast<int64_t>(rec.life_seconds)};
  }
  rec.soft_expiry = soft_expiry_after(e.rng(), now, rec.life_seconds);
  for (const auto& s : installs) e.track_sa_install(e.kernel(KernelAddSa{s}), rec.in_spi);
  // Kept: the SA references for deletion; the keys and the rest of each SaInstall are not
  // needed once the kernel has them, nor the transforms' wire attributes (issue #7: bytes per
  // established pair).
  rec.installed.reserve(installs.size());
  for (const auto& s : installs) rec.installed.push_back({s.ref, s.src, s.inbound});
  for (auto& proto : rec.suite.protocols) proto.transform = wire::Transform{};
  rec.local_ts = local_ts;
  rec.peer_ts = peer_ts;
  if (e.options().install_flows) {
    rec.flow_dirs = flow_dir_bit(base::Direction::Out) | flow_dir_bit(base::Direction::In);
    if (encap_mode(suite.find(innermost)->encapsulation) == base::EncapMode::Tunnel) {
      rec.flow_dirs |= flow_dir_bit(base::Direction::Fwd);
    }
    for (auto& f : ipsec_sa_flows(rec)) e.kernel(KernelAddFlow{std::move(f)});
  }
  base::Spi in = rec.in_spi, out = rec.out_spi;
  std::string detail = suite.to_string();
  IpsecSa& stored = e.sas().add_ipsec(std::move(rec));
  ++e.mutable_stats().phase2_done;
  IKE_LOG_DEBUG(Exchange, 10, "phase 2 done: {} {} spi in {:08x} out {:08x}", stored.name,
                detail, in.value, out.value);
  e.event(SaEvent{SaEvent::Kind::Phase2Established, stored.name, stored.local, stored.peer,
                  sa.cookies, x.key.message_id, {in, out}, detail});
  phase2_installed(e, in, now);  // deletes the pair this one replaces
  return base::ok();
}

}  // namespace ike::engine
