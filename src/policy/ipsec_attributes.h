// The action attributes isakmpd passes to KeyNote for an IPsec SA (isakmpd.policy(5), OpenBSD
// isakmpd policy.c): app_domain "IPsec policy", doi "ipsec", initiator, phase_1, pfs,
// {ah,esp,comp}_present and their algorithms, lifetimes, key lengths, encapsulation and groups,
// the Phase 1 identities (remote_id_*, local_id_*), the Phase 2 selectors (remote_filter*,
// local_filter*), the IKE addresses and GMTTimeOfDay / LocalTimeOfDay (YYYYMMDDHHmmSS). IPv4
// addresses are written zero-padded ("010.000.000.001") and IPv6 in full ("fe80:0000:...") so
// string comparison orders them (isakmpd.policy(5)). Also the requester principals of a
// Phase 1 (isakmpd: "passphrase:<key>" and its MD5/SHA-1 hex forms, the certificate's subject
// "DN:/C=.../CN=..." and its public key). Pure functions over plain values (no engine types).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/address.h"
#include "policy/keynote.h"

namespace ike::policy {

// A Phase 1 ID or Phase 2 selector as isakmpd describes it to KeyNote.
struct IpsecId {
  std::string type;        // "IPv4 address", "IPv4 subnet", "IPv4 range", "IPv6 ...", "FQDN",
                           // "User FQDN", "ASN1 DN", "Key ID"
  std::string value;       // *_filter / *_id: the address, "lower-upper", or the name
  std::string addr_lower;  // address types: zero-padded bounds; else empty
  std::string addr_upper;
  uint16_t port = 0;
  uint8_t proto = 0;
};

struct IpsecProtocolAttributes {
  bool present = false;
  std::string alg;            // esp_enc_alg / ah_hash_alg / comp_alg ("aes", "3des", "sha2-256")
  std::string auth_alg;       // "hmac-sha", "hmac-sha2-256", ... ("" = none)
  std::string encapsulation;  // "tunnel", "transport", "udp-encap-tunnel", "udp-encap-transport"
  uint64_t life_seconds = 0, life_kbytes = 0;
  uint16_t key_length = 0;
  uint16_t group = 0;         // GROUP_DESCRIPTION (PFS), 0 = none
};

struct IpsecPolicyInput {
  bool initiator = false;
  bool aggressive = false;  // phase_1: "aggressive" / "main"
  uint16_t phase1_group = 0;
  IpsecProtocolAttributes ah, esp, comp;
  std::optional<IpsecId> remote_id, local_id;  // Phase 1 identities
  IpsecId remote_filter, local_filter;         // Phase 2 selectors
  std::string remote_ike_address, local_ike_address;  // padded
  int64_t now_unix = 0;  // wall clock for GMTTimeOfDay / LocalTimeOfDay
};

std::map<std::string, std::string> ipsec_action_attributes(const IpsecPolicyInput& in);

// "010.000.000.001" / "2001:0db8:0000:...:0001".
std::string padded_address(const base::IpAddress& a);
// The ID/selector description of an address, a subnet (address + mask) or a range.
IpsecId address_id(const base::IpAddress& a);
IpsecId subnet_id(const base::IpAddress& a, const base::IpAddress& mask);
IpsecId range_id(const base::IpAddress& lower, const base::IpAddress& upper);

// Requester principals of a Phase 1 authenticated with a pre-shared key (secret: never log).
std::vector<std::string> passphrase_principals(std::string_view psk);

// What the engine holds to check Phase 2 (Engine::set_policy): the set and the wall clock.
struct PolicyContext {
  std::shared_ptr<const PolicySet> set;
  std::function<int64_t()> wall_clock;  // seconds since the epoch
  // Verified credentials of Credential-directory/<ID>/credentials, by identity name (an
  // address as inet_ntop(3) prints it, an FQDN, a user@FQDN): used as Query::extra in the
  // checks of exchanges whose peer has that phase 1 ID (engine/phase2_keynote.h).
  std::map<std::string, std::shared_ptr<const std::vector<Assertion>>, std::less<>>
      identity_credentials;
};

}  // namespace ike::policy
