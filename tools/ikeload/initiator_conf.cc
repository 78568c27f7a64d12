// Initiator configuration text and ConfDb (see initiator_conf.h).
#include "initiator_conf.h"

#include <fmt/format.h>

#include <cmath>

#include "conf/conf_parser.h"
#include "conf/defaults.h"

namespace ike::ikeload {

namespace {

// [id] section lines for a host address.
std::string host_id(const base::IpAddress& a) {
  return fmt::format("ID-type={}\nAddress={}\n", a.is_v4() ? "IPV4_ADDR" : "IPV6_ADDR",
                     a.to_string());
}

base::Result<std::string> net_id(const std::string& cidr) {
  auto slash = cidr.find('/');
  auto addr = base::IpAddress::parse(cidr.substr(0, slash));
  if (!addr || slash == std::string::npos) {
    return base::make_error(base::ErrorCode::BadValue, base::NotifyType::None,
                            "--remote-net '{}': expected ADDRESS/PREFIX", cidr);
  }
  unsigned prefix = 0;
  try {
    prefix = static_cast<unsigned>(std::stoul(cidr.substr(slash + 1)));
  } catch (...) {
    prefix = 999;
  }
  if (prefix > (addr->is_v4() ? 32U : 128U)) {
    return base::make_error(base::ErrorCode::BadValue, base::NotifyType::None,
                            "--remote-net '{}': bad prefix", cidr);
  }
  // The netmask as an address: all ones masked to the prefix.
  base::IpAddress ones = addr->is_v4() ? *base::IpAddress::parse("255.255.255.255")
                                       : *base::IpAddress::parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  return fmt::format("ID-type={}\nNetwork={}\nNetmask={}\n",
                     addr->is_v4() ? "IPV4_ADDR_SUBNET" : "IPV6_ADDR_SUBNET",
                     addr->masked(prefix).to_string(), ones.masked(prefix).to_string());
}

}  // namespace

base::Result<std::string> initiator_conf_text(const Options& o, const base::IpAddress& source) {
  const std::string target = o.target.address.to_string();
  const std::string grp = fmt::format("-GRP{}", o.group);
  std::string auth = o.auth == Auth::Psk ? fmt::format("Authentication={}\n", o.psk) : "";
  std::string id_line, id_section;
  if (!o.id_fqdn.empty()) {
    id_line = "ID=p1-id\n";
    id_section = fmt::format("[p1-id]\nID-type=FQDN\nName={}\n\n", o.id_fqdn);
  }
  std::string remote_id = host_id(o.target.address);
  if (!o.remote_net.empty()) {
    IKE_TRY(remote_id, net_id(o.remote_net));
  }
  // Exchange-max-time above --timeout: ikeload's own timeout decides and is reported as such.
  auto max_time = static_cast<long>(std::ceil(o.timeout_s)) + 5;
  return fmt::format(
      "[General]\nRetransmits={retr}\nExchange-max-time={maxt}\nCheck-interval=3600\n\n"
      "[Phase 1]\n{target}=peer-target\n\n"
      "[Phase 2]\nConnections={conn}\n\n"
      "[peer-target]\nPhase=1\nAddress={target}\nPort={port}\nLocal-address={src}\n"
      "Configuration=p1-mm\n{auth}{id_line}\n"
      "[p1-mm]\nDOI=IPSEC\nEXCHANGE_TYPE=ID_PROT\nTransforms={cipher}-{hash}{grp}{rsa}\n\n"
      "[{conn}]\nPhase=2\nISAKMP-peer=peer-target\nConfiguration=p2-qm\n"
      "Local-ID=id-local\nRemote-ID=id-remote\n\n"
      "[p2-qm]\nDOI=IPSEC\nEXCHANGE_TYPE=QUICK_MODE\nSuites=QM-ESP-{cipher}-{hash}{pfs}-SUITE\n\n"
      "[id-local]\n{lid}\n[id-remote]\n{rid}\n{id_section}",
      fmt::arg("retr", o.retransmits), fmt::arg("maxt", max_time), fmt::arg("target", target),
      fmt::arg("conn", kConnectionName), fmt::arg("port", o.target.port),
      fmt::arg("src", source.to_string()), fmt::arg("auth", auth), fmt::arg("id_line", id_line),
      fmt::arg("cipher", o.cipher), fmt::arg("hash", o.hash),
      fmt::arg("rsa", o.auth == Auth::Rsa ? "-RSA_SIG" : ""), fmt::arg("grp", grp),
      fmt::arg("pfs", o.pfs ? "-PFS" + grp : ""), fmt::arg("lid", host_id(source)),
      fmt::arg("rid", remote_id), fmt::arg("id_section", id_section));
}

base::Result<std::unique_ptr<conf::ConfDb>> initiator_conf(const Options& o,
                                                           const base::IpAddress& source) {
  IKE_TRY(std::string text, initiator_conf_text(o, source));
  auto db = std::make_unique<conf::ConfDb>();
  IKE_TRY(conf::ParseOutput parsed, conf::parse_config(text, "ikeload", *db));
  IKE_TRY(std::vector<std::string> warnings, db->commit(parsed.tx));
  (void)warnings;
  conf::load_defaults(*db);
  // The names must be auto-generated sections (isakmpd.conf(5)); a typo in --cipher/--hash or
  // an unknown --group would otherwise only show as timeouts.
  struct Check { const char* section; const char* tag; const char* kind; const char* key; };
  for (const Check& c : {Check{"p1-mm", "Transforms", "transform", "ENCRYPTION_ALGORITHM"},
                         Check{"p2-qm", "Suites", "suite", "Protocols"}}) {
    std::string name = db->get(c.section, c.tag).value_or("");
    if (!db->get(name, c.key)) {
      return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                              "no such {} section [{}] (check --cipher, --hash, --group)",
                              c.kind, name);
    }
  }
  return db;
}

}  // namespace ike::ikeload
