// Rule construction and expansion (OpenBSD parse.y create_flow(), create_sa(), validate_sa(),
// create_ike(), expand_rule(), set_rule_peers(), reverse_rule(), reverse_sa(), add_sabundle()):
// applies the defaults, checks the combinations OpenBSD refuses (families, ports without
// tcp/udp, esp with comp, static keys for CTR/GCM, key lengths, missing peer of a flow), and
// expands address lists into one Rule per src x dst pair of the same family, with the reverse
// flow or SA when both directions were asked for. Messages go through the context so they carry
// the parser's file and line.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rule.h"

namespace ike::ipsecctl {

struct Peers {
  std::optional<HostAddr> dst;  // peer
  std::optional<HostAddr> src;  // local
};

struct SpiSpec {
  uint32_t out = 0;
  uint32_t in = 0;
};

struct FlowSpec {
  SaType satype = SaType::Esp;
  Direction dir = Direction::InOut;
  uint8_t proto = 0;
  HostList src;
  HostList dst;
  uint16_t sport = 0;
  uint16_t dport = 0;
  Peers peers;
  std::optional<std::string> srcid;
  std::optional<std::string> dstid;
  FlowType type = FlowType::Unknown;
};

struct SaSpec {
  SaType satype = SaType::Esp;
  TMode tmode = TMode::Tunnel;
  HostList src;
  HostList dst;
  uint32_t spi_out = 0;
  uint32_t spi_in = 0;
  bool udpencap = false;
  uint16_t udpdport = 0;
  bool no_xfs = false;  // tcpmd5
  Transforms xfs;
  std::optional<base::SecureBytes> authkey_out;
  std::optional<base::SecureBytes> authkey_in;
  std::optional<base::SecureBytes> enckey_out;
  std::optional<base::SecureBytes> enckey_in;
  std::optional<std::string> bundle;
};

struct IkeSpec {
  IkeMode mode = IkeMode::Active;
  SaType satype = SaType::Esp;
  TMode tmode = TMode::Tunnel;
  uint8_t proto = 0;
  HostList src;
  HostList dst;
  uint16_t sport = 0;
  uint16_t dport = 0;
  Peers peers;
  IkeExch p1ie = IkeExch::Main;
  std::optional<Transforms> p1xfs;
  Lifetime p1life;
  std::optional<Transforms> p2xfs;
  Lifetime p2life;
  std::optional<std::string> srcid;
  std::optional<std::string> dstid;
  IkeAuthType auth = IkeAuthType::Rsa;
  std::string psk;
  std::optional<std::string> tag;
};

enum class ExpandResult {
  Ok,        // rules added, or a per-rule error was reported (parsing goes on)
  Rejected,  // the rule was refused before expansion (parse.y YYERROR)
  Fatal,     // errx(1, "...: expand_rule")
};

struct ExpandContext {
  std::function<void(const std::string&)> error;  // yyerror
  std::function<void(const std::string&)> warn;   // yywarn
  std::function<void(Rule)> add;                  // ipsecctl_add_rule
};

IdType id_type(const std::optional<std::string>& id);

class RuleExpander {
 public:
  explicit RuleExpander(ExpandContext ctx) : m_ctx(std::move(ctx)) {}

  [[nodiscard]] bool flow(FlowSpec f);
  [[nodiscard]] ExpandResult sa(SaSpec s);
  [[nodiscard]] ExpandResult ike(IkeSpec k);

 private:
  bool validate_sa(uint32_t spi, SaType satype, std::optional<Transforms>& xfs,
                   const std::optional<base::SecureBytes>& authkey,
                   const std::optional<base::SecureBytes>& enckey, TMode tmode);
  // expand_rule(): false = errx.
  bool expand(Rule proto, const HostList& src, const HostList& dst, const Peers* peers,
              Direction direction, const SaSpec* reverse_sa,
              const std::optional<std::string>& bundle);
  bool set_rule_peers(Rule& r, const Peers& peers);
  bool add_sabundle(const Rule& r, const std::string& bundle);

  struct BundleHead {
    std::string src;
    std::string dst;
    std::string bundle;
    SaType last_satype;
    HostAddr last_dst;
    uint32_t last_spi;
  };

  ExpandContext m_ctx;
  std::vector<BundleHead> m_bundles;
  std::optional<Rule> m_default_peer_rule;
};

}  // namespace ike::ipsecctl
