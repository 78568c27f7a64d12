// Per-step payload rules (design §3.4, strongSwan payload_rule_t, libreswan's microcode
// req/opt payload sets): for every (exchange, role, state) the set of allowed payload types with
// min/max counts, whether the message must be encrypted, and whether HASH must come first.
// check_payloads() runs BEFORE any state change (reliability.md A1.6 class 6: "explicit
// per-step payload sets; refuse before touching state"). Owns only the tables and the check.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "wire/message.h"

namespace ike::engine {

struct PayloadCount {
  wire::PayloadType type;
  uint8_t min;
  uint8_t max;
};

struct PayloadRule {
  std::string_view name;                // "MM2", "QM1", ... (for drop reasons)
  std::span<const PayloadCount> allowed;  // any type not listed is forbidden
  bool encrypted = false;               // RFC 2408 §3.1: ENC flag required (keys exist)
  bool hash_first = false;              // RFC 2409 §5.5: "HASH(1) ... MUST immediately follow
                                        // the ISAKMP header"
  bool encryption_optional = false;     // either way (Aggressive Mode AM3: peers differ)
};

// Phase 1 (Main Mode, RFC 2409 §5.4 with PSK).
extern const PayloadRule kRuleMm1;  // HDR, SA, [VID...]
extern const PayloadRule kRuleMm2;  // HDR, SA, [VID...]
extern const PayloadRule kRuleMm3;  // HDR, KE, Ni [, NAT-D...] [, VID...]
extern const PayloadRule kRuleMm4;  // HDR, KE, Nr [, NAT-D...] [, VID...]
extern const PayloadRule kRuleMm5;  // HDR*, IDii, HASH_I [, N...] [, VID...]
extern const PayloadRule kRuleMm6;  // HDR*, IDir, HASH_R [, N...] [, VID...]
// Quick Mode (RFC 2409 §5.5).
extern const PayloadRule kRuleQm1;  // HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]
extern const PayloadRule kRuleQm2;  // HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
extern const PayloadRule kRuleQm3;  // HDR*, HASH(3)
// Informational (RFC 2408 §4.8, RFC 2409 §5.7).
extern const PayloadRule kRuleInfoProtected;    // HDR*, HASH(1), N/D...
extern const PayloadRule kRuleInfoUnprotected;  // HDR, N/D... (logged only)

// Checks presence, counts, order (HASH first) and the encryption flag. Errors: State with
// INVALID_FLAGS for a missing/extra ENC flag; BadValue with INVALID_PAYLOAD_TYPE for a forbidden
// type; BadValue with PAYLOAD_MALFORMED for a missing or repeated payload; detail names the
// step and the payload ("QM1: missing NONCE payload").
[[nodiscard]] base::Status check_payloads(const PayloadRule& rule, bool encrypted_flag,
                                          const std::vector<wire::PayloadEntry>& payloads);

// Checks only the ENC flag against the rule (before decryption; the payload check follows).
[[nodiscard]] base::Status check_encryption(const PayloadRule& rule, bool encrypted_flag);

}  // namespace ike::engine
