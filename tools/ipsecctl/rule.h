// The parsed ipsec.conf(5) rules (OpenBSD ipsecctl.h struct ipsec_rule and friends): host
// addresses with their printable names, transforms, lifetimes, and one Rule per expanded flow,
// SA, tcpmd5, ike or bundle entry. Plain data; the parser builds them, the printer and the
// isakmpd FIFO generator read them. Keys are base::SecureBytes.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "names.h"

namespace ike::ipsecctl {

enum class Af : uint8_t { Unspec, Inet, Inet6 };  // AF_UNSPEC = "any" before expansion

// struct ipsec_addr_wrap: one address, its mask, and the name ipsecctl uses in FIFO section
// names (the v4 text as written, the canonical v6 text plus "/len", "0.0.0.0/0" for any).
struct HostAddr {
  Af af = Af::Unspec;
  std::array<uint8_t, 16> addr{};
  unsigned bits = 0;        // prefix length of the mask
  std::string name;
  bool netaddress = false;  // given as a network (with "/len") or any
  std::shared_ptr<const HostAddr> srcnat;  // "from A (B)": outgoing NAT id (ike only)
};
using HostList = std::vector<HostAddr>;

enum class RuleType : uint8_t { Flow, Sa, Ike, Bundle };
enum class SaType : uint8_t { Esp, Ah, Ipcomp, Tcpmd5, Ipip };
enum class Direction : uint8_t { Unknown, In, Out, InOut };
enum class TMode : uint8_t { Tunnel, Transport };
enum class FlowType : uint8_t { Unknown, Use, Acquire, Require, Deny, Bypass, DontAcq };
enum class IkeMode : uint8_t { Active, Passive, Dynamic };
enum class IkeExch : uint8_t { Main, Aggressive, Quick };
enum class IdType : uint8_t { Unknown, Fqdn, Ufqdn, Ipv4, Ipv6 };
enum class IkeAuthType : uint8_t { Rsa, Psk };

const char* satype_name(SaType t);      // "esp", "ah", "ipcomp", "tcpmd5", "ipip"
const char* direction_name(Direction d);  // "in", "out"
const char* flowtype_name(FlowType t);  // "use", "require", ...

struct Transforms {
  const Xf* auth = nullptr;
  const Xf* enc = nullptr;
  const Xf* comp = nullptr;
  const Xf* group = nullptr;
};

struct Lifetime {
  int64_t seconds = -1;  // -1: not given
  int64_t bytes = -1;
};

struct Rule {
  RuleType type = RuleType::Flow;
  int nr = 0;
  SaType satype = SaType::Esp;
  Direction direction = Direction::Unknown;
  TMode tmode = TMode::Tunnel;
  FlowType flowtype = FlowType::Unknown;
  uint8_t proto = 0;
  uint16_t sport = 0;  // host order, 0 = any
  uint16_t dport = 0;
  HostAddr src;
  HostAddr dst;
  std::optional<HostAddr> local;
  std::optional<HostAddr> peer;
  // struct ipsec_auth (flows of type deny/bypass have none).
  bool has_auth = false;
  std::optional<std::string> srcid;
  std::optional<std::string> dstid;
  IdType srcid_type = IdType::Unknown;
  IdType dstid_type = IdType::Unknown;
  // Manual SAs.
  uint32_t spi = 0;
  bool udpencap = false;
  uint16_t udpdport = 0;
  std::optional<Transforms> xfs;
  std::optional<base::SecureBytes> authkey;
  std::optional<base::SecureBytes> enckey;
  // IKE.
  IkeMode ikemode = IkeMode::Active;
  IkeExch p1ie = IkeExch::Main;
  IkeExch p2ie = IkeExch::Quick;
  std::optional<Transforms> p1xfs;
  std::optional<Transforms> p2xfs;
  Lifetime p1life;
  Lifetime p2life;
  IkeAuthType ikeauth = IkeAuthType::Rsa;
  std::string psk;
  std::optional<std::string> tag;
  // Bundle ("[bundle esp to X spi A with ah to Y spi B]").
  SaType proto1 = SaType::Esp;
  SaType proto2 = SaType::Esp;
  HostAddr dst2;
  uint32_t spi2 = 0;
};

}  // namespace ike::ipsecctl
