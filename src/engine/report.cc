// isakmpd-format reports. `S` blocks follow sa.c report_sa / ui.c ui_report_sa exactly,
// including the "No hard timeout>" typo and the trailing space after the SPI; `r` lines follow
// sa.c sa_dump, connection.c connection_report and timer.c timer_report (the layout of a real
// OpenBSD report, /work/shared/seeds IPsec_en_OpenBSD), with object pointers replaced by
// stable handles and a few additional lines (negotiated suite, NAT-T, DPD, exchanges,
// counters) under the same prefixes.
#include "engine/report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <iterator>
#include <map>

#include "engine/engine_impl.h"
#include "engine/esp_keys.h"
#include "wire/registry.h"

namespace ike::engine {

namespace {

int64_t seconds_until(base::TimePoint t, base::TimePoint now) {
  auto d = std::chrono::duration_cast<base::Seconds>(t - now).count();
  return d < 0 ? 0 : d;
}

void timeouts(std::string& out, const std::optional<base::TimePoint>& soft,
              const std::optional<base::TimePoint>& hard, base::TimePoint now) {
  auto to = std::back_inserter(out);
  if (soft) {
    fmt::format_to(to, "Soft timeout in {} seconds\n", seconds_until(*soft, now));
  } else {
    out += "<no soft timeout>\n";
  }
  if (hard) {
    fmt::format_to(to, "Hard timeout in {} seconds\n", seconds_until(*hard, now));
  } else {
    out += "No hard timeout>\n";
  }
}

}  // namespace

std::string esp_encryption_name(uint16_t id) {
  switch (static_cast<wire::EspTransformId>(id)) {
    case wire::EspTransformId::TripleDes: return "3DES";
    case wire::EspTransformId::Aes: return "AES (CBC)";
    case wire::EspTransformId::AesCtr: return "AES (CTR)";
    case wire::EspTransformId::AesGcm16: return "AES (GCM)";
    case wire::EspTransformId::NullAuthAesGmac: return "AES (GMAC)";
    case wire::EspTransformId::Cast: return "Cast-128";
    case wire::EspTransformId::Blowfish: return "Blowfish";
    default: return fmt::format("unknown ({})", id);
  }
}

std::string auth_algorithm_name(uint16_t a) {
  switch (static_cast<wire::IpsecAuthAlg>(a)) {
    case wire::IpsecAuthAlg::HmacMd5: return "HMAC-MD5";
    case wire::IpsecAuthAlg::HmacSha: return "HMAC-SHA1";
    case wire::IpsecAuthAlg::HmacRipemd: return "HMAC-RIPEMD-160";
    case wire::IpsecAuthAlg::HmacSha2_256: return "HMAC-SHA2-256";
    case wire::IpsecAuthAlg::HmacSha2_384: return "HMAC-SHA2-384";
    case wire::IpsecAuthAlg::HmacSha2_512: return "HMAC-SHA2-512";
    default: return a == 0 ? "none" : fmt::format("unknown ({})", a);
  }
}

// Every line is formatted straight into `out` (no temporary string per line): at 100,000 SA
// pairs the report is ~56 MB and `S` must answer in under a second (issue #7).
std::string format_sa_status(const EngineImpl& e, base::TimePoint now) {
  std::string out;
  // Typical block sizes (IPv4, one ESP protocol), so the string grows once or twice at most.
  out.reserve(e.sas().isakmp_sas().size() * 200 + e.sas().ipsec_sas().size() * 330);
  auto to = std::back_inserter(out);
  for (const auto& [c, sa] : e.sas().isakmp_sas()) {
    fmt::format_to(to, "SA name: {} (Phase 1/{})\n", sa.name.empty() ? "<unnamed>" : sa.name,
                   role_name(sa.role));
    fmt::format_to(to, "src: {} dst: {}\nLifetime: {} seconds\n", sa.local.address.to_string(),
                   sa.peer.address.to_string(), sa.suite.life_seconds);
    timeouts(out, sa.soft_expiry, sa.hard_expiry, now);
    if (sa.suite.life_kbytes != 0) {
      fmt::format_to(to, "Lifetime: {} kilobytes\n", sa.suite.life_kbytes);
    }
    // Cookie::hex() as digits formatted in place (a 16-character string would allocate).
    fmt::format_to(to, "Flags 0x{:08x}\nicookie {:02x} rcookie {:02x}\n\n", sa.flags,
                   fmt::join(c.initiator.bytes, ""), fmt::join(c.responder.bytes, ""));
  }
  for (const auto& [spi, sa] : e.sas().ipsec_sas()) {
    fmt::format_to(to, "SA name: {} (Phase 2)\n", sa.name.empty() ? "<unnamed>" : sa.name);
    fmt::format_to(to, "src: {} dst: {}\nLifetime: {} seconds\n", sa.local.address.to_string(),
                   sa.peer.address.to_string(), sa.life_seconds);
    timeouts(out, sa.soft_expiry, sa.hard_expiry, now);
    if (sa.life_kbytes != 0) fmt::format_to(to, "Lifetime: {} kilobytes\n", sa.life_kbytes);
    fmt::format_to(to, "Flags 0x{:08x}\n", sa.flags);
    for (const auto& proto : sa.suite.protocols) {
      // isakmpd: SPI 0 is the peer's (outgoing), SPI 1 ours (incoming).
      fmt::format_to(to, "SPI 0: {:08x} \nSPI 1: {:08x} \n", proto.peer_spi.value,
                     proto.our_spi.value);
      auto sizes = protocol_key_sizes(proto);
      std::size_t enc = sizes ? sizes->enc_bytes + sizes->salt_bytes : 0;
      std::size_t auth = sizes ? sizes->auth_bytes : 0;
      if (proto.protocol == wire::ProtocolId::IpsecEsp) {
        fmt::format_to(to,
                       "Transform: IPsec ESP\nEncryption key length: {}\n"
                       "Authentication key length: {}\nEncryption algorithm: {}\n",
                       enc, auth, esp_encryption_name(proto.transform_id));
      } else if (proto.protocol == wire::ProtocolId::IpsecAh) {
        fmt::format_to(to,
                       "Transform: IPsec AH\nEncryption not used.\n"
                       "Authentication key length: {}\n",
                       auth);
      } else {
        out += "Transform: IPCOMP\n";
      }
      fmt::format_to(to, "Authentication algorithm: {}\n",
                     auth_algorithm_name(proto.auth_algorithm));
    }
    out += "\n";
  }
  return out;
}

namespace {

// isakmpd prints object pointers (%p); we print a stable handle derived from the object's
// identity (FNV-1a), so the same SA keeps its handle from one report to the next.
std::string handle(std::string_view key) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : key) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ULL;
  return fmt::format("0x{:x}", h & 0xfffffffffULL);
}

// isakmpd udp_decode_ids prints addresses; ports are shown only when not 500.
std::string endpoint(const base::SockAddr& a) {
  return a.port == 500 ? a.address.to_string() : a.to_string();
}

int proto_number(wire::ProtocolId p) { return static_cast<int>(p); }

}  // namespace

// isakmpd sa.c sa_dump (header "sa_report"), connection.c connection_report, timer.c
// timer_report; our additions use the same prefixes and follow isakmpd's lines.
std::vector<std::string> format_report_lines(const EngineImpl& e, base::TimePoint now) {
  std::vector<std::string> lines;
  const Engine::Status st = engine_status(e, now);
  std::map<base::CookiePair, std::string> ids;  // phase-1 "initiator id: .., responder id: .."
  std::size_t i = 0;
  for (const auto& [c, sa] : e.sas().isakmp_sas()) {
    const StatusPhase1& p = st.phase1[i++];
    std::string id_text = fmt::format("initiator id: {}, responder id: {}, src: {} dst: {}",
                                      p.initiator_id, p.responder_id, endpoint(sa.local),
                                      endpoint(sa.peer));
    ids[c] = id_text;
    lines.push_back(fmt::format("sa_report: {} {} phase 1 doi 1 flags 0x{:x}", handle(c.hex()),
                                p.name, sa.flags));
    lines.push_back(fmt::format("sa_report: icookie {} rcookie {}", p.icookie, p.rcookie));
    lines.push_back("sa_report: msgid 00000000 refcnt 1");
    lines.push_back(fmt::format("sa_report: life secs {} kb {}", p.life_seconds, p.life_kbytes));
    lines.push_back("sa_report: suite 1 proto 1");
    lines.push_back("sa_report: spi_sz[0] 0 spi[0] 0x0 spi_sz[1] 0 spi[1] 0x0");
    lines.push_back("sa_report: " + id_text);
    lines.push_back(fmt::format("sa_report: negotiated {}", p.suite));
    if (sa.dpd_ack_seq) lines.push_back(fmt::format("sa_report: dpd ack seq {}", *sa.dpd_ack_seq));
    if (!p.nat.empty()) lines.push_back(fmt::format("sa_report: {}", p.nat));
  }
  for (const auto& [spi, sa] : e.sas().ipsec_sas()) {
    lines.push_back(fmt::format("sa_report: {} {} phase 2 doi 1 flags 0x{:x}",
                                handle(fmt::format("spi 0x{:08x}", spi.value)),
                                sa.name.empty() ? "<unnamed>" : sa.name, sa.flags));
    lines.push_back(fmt::format("sa_report: icookie {} rcookie {}", sa.parent.initiator.hex(),
                                sa.parent.responder.hex()));
    lines.push_back(fmt::format("sa_report: msgid {:08x} refcnt 1", sa.message_id.value));
    lines.push_back(fmt::format("sa_report: life secs {} kb {}", sa.life_seconds, sa.life_kbytes));
    auto it = ids.find(sa.parent);
    std::string id_text =
        it != ids.end() ? it->second
                        : fmt::format("<no phase 1>, src: {} dst: {}", endpoint(sa.local),
                                      endpoint(sa.peer));
    for (const auto& proto : sa.suite.protocols) {
      // isakmpd: spi[0] is the peer's SPI (outgoing), spi[1] ours (incoming).
      lines.push_back(fmt::format("sa_report: suite 1 proto {}", proto_number(proto.protocol)));
      lines.push_back(fmt::format("sa_report: spi_sz[0] 4 spi[0] 0x{:x} spi_sz[1] 4 spi[1] 0x{:x}",
                                  proto.peer_spi.value, proto.our_spi.value));
      lines.push_back("sa_report: " + id_text);
      lines.push_back("sa_report: spi[0]:");
      lines.push_back(fmt::format("{:08x}", proto.peer_spi.value));
      lines.push_back("sa_report: spi[1]:");
      lines.push_back(fmt::format("{:08x}", proto.our_spi.value));
    }
    lines.push_back(fmt::format("sa_report: spi in {:08x} out {:08x} {}", sa.in_spi.value,
                                sa.out_spi.value, sa.suite.to_string()));
    if (sa.nat_oa.initiator || sa.nat_oa.responder) {  // RFC 3947 §5.2, as received
      auto show = [](const std::optional<base::IpAddress>& a) {
        return a ? a->to_string() : std::string("-");
      };
      lines.push_back(fmt::format("sa_report: nat-oa initiator {} responder {}",
                                  show(sa.nat_oa.initiator), show(sa.nat_oa.responder)));
    }
  }
  for (const auto& x : st.exchanges) {
    lines.push_back(fmt::format(
        "exchange_report: exchange {} type {} role {} state {}{} cookies {}{} msgid {:08x} "
        "peer {} expires in {} seconds",
        x.name, x.type, x.role, x.state, x.finished ? " (finished)" : "", x.icookie, x.rcookie,
        x.message_id, x.peer, x.expires_in));
  }
  auto next = e.connections().next_check();
  for (const auto& c : st.connections) {
    if (c.active) {
      lines.push_back(fmt::format("connection_report: connection {} next check {} seconds{}",
                                  c.name, next ? seconds_until(*next, now) : 0,
                                  c.held ? " (held: dead peer)" : ""));
    }
  }
  for (const auto& c : st.connections) {
    if (!c.active) {
      lines.push_back(fmt::format("connection_report: passive connection {} local_id: {}, "
                                  "remote_id: {}",
                                  c.name, c.local_id.empty() ? "<none>" : c.local_id,
                                  c.remote_id.empty() ? "<none>" : c.remote_id));
    }
  }
  for (const auto& t : st.timers) {
    lines.push_back(fmt::format("timer_report: event {}({}) scheduled in {} seconds", t.event,
                                handle(t.subject), t.in));
  }
  const auto& s = st.stats;
  lines.push_back(fmt::format(
      "engine_report: datagrams in {} out {} dropped {} retransmits {} phase1 {} phase2 {} "
      "failed {}",
      s.datagrams_in, s.datagrams_out, s.dropped, s.retransmits, s.phase1_done, s.phase2_done,
      s.exchanges_failed));
  return lines;
}

}  // namespace ike::engine
