// ikeload command line (docs/man/ikeload.1): what to generate (target, source addresses and
// ports, Main Mode PSK or RSA_SIG + Quick Mode with or without PFS, DH group), how (closed loop
// `--concurrency N` or open loop `--rate R`), for how long (`--count`, `--duration`), and what
// to report (`--responder-pid`, `--json`). Pure parsing: every value is range-checked and the
// source list (addresses, a-b ranges, CIDR prefixes) is expanded with a cap, so a typo cannot
// make the generator open a million sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/address.h"
#include "base/result.h"

namespace ike::ikeload {

enum class Auth : uint8_t { Psk, Rsa };

struct Options {
  base::SockAddr target{base::IpAddress{}, 500};  // --target ADDR[:PORT] (required)
  std::vector<base::IpAddress> sources;            // --source LIST (expanded, capped);
                                                   // 0.0.0.0: the route's source (runner)
  uint16_t port_first = 500, port_last = 500;      // --ports P or P-Q
  Auth auth = Auth::Psk;                           // --auth psk|rsa
  std::string psk;                                 // --psk (or --psk-file)
  std::string cert_file, key_file, ca_file;        // --cert --key --ca (RSA)
  std::string ca_key_file;                         // --ca-key: a certificate per source
  std::string id_fqdn;                             // --id-fqdn: phase-1 ID (else the source address)
  uint16_t group = 14;                             // --group 14|19|...
  bool pfs = false;                                // --pfs
  std::string cipher = "AES-128";                  // --cipher (isakmpd transform spelling)
  std::string hash = "SHA";                        // --hash SHA|SHA2-256|...
  std::string remote_net;                          // --remote-net A/P (else the target host)
  uint32_t concurrency = 0;                        // closed loop (default 1 without --rate)
  double rate = 0;                                 // open loop, handshakes per second
  uint64_t count = 0;                              // stop after starting this many
  double duration_s = 0;                           // stop starting after this long
  double timeout_s = 10;                           // per handshake
  uint32_t retransmits = 3;                        // [General]:Retransmits of the initiators
  uint32_t slots = 0;                              // sockets (address, port); 0: automatic
  std::vector<int> responder_pids;                 // --responder-pid (repeatable, or a,b)
  bool json = false;
  bool keep_sas = false;  // do not DELETE the SAs after each handshake
  bool busy_poll = false;  // --busy-poll: never sleep in epoll_wait (see runner.cc)
  bool dh_private_one = false;  // --dh-private-one: DH private value 1 (reused_dh.h)
  bool verbose = false;
};

inline constexpr std::size_t kMaxSources = 65536;
inline constexpr uint32_t kMaxSlots = 60000;

// Parses argv[1..]. Errors (BadValue) name the option and the value. `--help` is handled by
// the caller (help_text()).
[[nodiscard]] base::Result<Options> parse_options(std::span<const std::string> args);

// Expands "10.9.0.1,10.9.1.0/24,10.9.2.1-10.9.2.9" (IPv4 prefixes of /31 and shorter skip the
// network and broadcast addresses; IPv6 single addresses only). At most `cap` addresses.
[[nodiscard]] base::Result<std::vector<base::IpAddress>> expand_sources(std::string_view list,
                                                                       std::size_t cap);

// The number of (address, port) sockets a run needs: --slots, else the concurrency, else
// rate × timeout (+ 16), never more than addresses × ports or kMaxSlots.
uint32_t slot_count(const Options& o);

std::string help_text();

}  // namespace ike::ikeload
