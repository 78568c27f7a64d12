// The payload rule tables of Main Mode, Quick Mode and Informational and the checker.
// Vendor IDs are only allowed in phase 1 (isakmpd-features.md §1.13: "In any other phase they
// cause INVALID_PAYLOAD_TYPE"). NAT-D (MM3/MM4) and NAT-OA (QM1/QM2), RFC or draft type, are
// evaluated by nat_t.{h,cc} when NAT-T was negotiated and ignored otherwise.
#include "engine/payload_rules.h"

#include <array>

#include "wire/registry.h"

namespace ike::engine {
namespace {

using wire::PayloadType;
using base::ErrorCode;
using base::NotifyType;

constexpr uint8_t kMany = 16;

constexpr std::array kMm12{
    PayloadCount{PayloadType::Sa, 1, 1},
    PayloadCount{PayloadType::Vendor, 0, kMany},
};
constexpr std::array kMm34{
    PayloadCount{PayloadType::KeyExchange, 1, 1}, PayloadCount{PayloadType::Nonce, 1, 1},
    PayloadCount{PayloadType::NatD, 0, 4},        PayloadCount{PayloadType::NatDDraft, 0, 4},
    PayloadCount{PayloadType::Vendor, 0, kMany},  PayloadCount{PayloadType::CertReq, 0, kMany},
};
// HASH (PSK) or SIG (RSA_SIG, with up to 4 CERTs): which one is required depends on the
// negotiated method and is checked by the step (main_mode.cc verify_auth).
constexpr std::array kMm56{
    PayloadCount{PayloadType::Id, 1, 1},       PayloadCount{PayloadType::Hash, 0, 1},
    PayloadCount{PayloadType::Notify, 0, 8},   PayloadCount{PayloadType::Vendor, 0, kMany},
    PayloadCount{PayloadType::Sig, 0, 1},      PayloadCount{PayloadType::Cert, 0, 4},
    PayloadCount{PayloadType::CertReq, 0, kMany},
};
constexpr std::array kQm12{
    PayloadCount{PayloadType::Hash, 1, 1},        PayloadCount{PayloadType::Sa, 1, 1},
    PayloadCount{PayloadType::Nonce, 1, 1},       PayloadCount{PayloadType::KeyExchange, 0, 1},
    PayloadCount{PayloadType::Id, 0, 2},          PayloadCount{PayloadType::Notify, 0, 8},
    PayloadCount{PayloadType::NatOa, 0, 2},       PayloadCount{PayloadType::NatOaDraft, 0, 2},
};
constexpr std::array kQm3{PayloadCount{PayloadType::Hash, 1, 1}};
constexpr std::array kInfo{
    PayloadCount{PayloadType::Hash, 1, 1},
    PayloadCount{PayloadType::Notify, 0, kMany},
    PayloadCount{PayloadType::Delete, 0, kMany},
};
constexpr std::array kInfoClear{
    PayloadCount{PayloadType::Notify, 0, kMany},
    PayloadCount{PayloadType::Delete, 0, kMany},
};

}  // namespace

const PayloadRule kRuleMm1{"MM1", kMm12, false, false};
const PayloadRule kRuleMm2{"MM2", kMm12, false, false};
const PayloadRule kRuleMm3{"MM3", kMm34, false, false};
const PayloadRule kRuleMm4{"MM4", kMm34, false, false};
const PayloadRule kRuleMm5{"MM5", kMm56, true, false};
const PayloadRule kRuleMm6{"MM6", kMm56, true, false};
const PayloadRule kRuleQm1{"QM1", kQm12, true, true};
const PayloadRule kRuleQm2{"QM2", kQm12, true, true};
const PayloadRule kRuleQm3{"QM3", kQm3, true, true};
const PayloadRule kRuleInfoProtected{"INFO", kInfo, true, true};
const PayloadRule kRuleInfoUnprotected{"INFO (unprotected)", kInfoClear, false, false};

base::Status check_encryption(const PayloadRule& rule, bool encrypted_flag) {
  if (rule.encryption_optional) return base::ok();
  if (rule.encrypted && !encrypted_flag) {
    // RFC 2408 §3.1: once keys exist, encryption is required (isakmpd drops such messages).
    return base::make_error(ErrorCode::State, NotifyType::InvalidFlags,
                            "{}: message must be encrypted (ENC flag clear)", rule.name);
  }
  if (!rule.encrypted && encrypted_flag) {
    return base::make_error(ErrorCode::State, NotifyType::InvalidFlags,
                            "{}: unexpected ENC flag before keys exist", rule.name);
  }
  return base::ok();
}

base::Status check_payloads(const PayloadRule& rule, bool encrypted_flag,
                            const std::vector<wire::PayloadEntry>& payloads) {
  IKE_TRY_VOID(check_encryption(rule, encrypted_flag));
  // Counts by payload type value (a u8 registry): no allocation per message (issue #7).
  std::array<std::size_t, 256> seen{};
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    PayloadType t = wire::payload_type(payloads[i].value);
    const PayloadCount* rule_entry = nullptr;
    for (const auto& pc : rule.allowed) {
      if (pc.type == t) rule_entry = &pc;
    }
    if (rule_entry == nullptr) {
      return base::make_error(ErrorCode::BadValue, NotifyType::InvalidPayloadType,
                              "{}: payload #{} {} not allowed in this message", rule.name, i + 1,
                              wire::to_string(t));
    }
    if (++seen[static_cast<uint8_t>(t)] > rule_entry->max) {
      return base::make_error(ErrorCode::TooMany, NotifyType::PayloadMalformed,
                              "{}: more than {} {} payload(s)", rule.name, rule_entry->max,
                              wire::to_string(t));
    }
  }
  for (const auto& pc : rule.allowed) {
    if (seen[static_cast<uint8_t>(pc.type)] < pc.min) {
      return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                              "{}: missing {} payload", rule.name, wire::to_string(pc.type));
    }
  }
  if (rule.hash_first) {
    if (payloads.empty() || wire::payload_type(payloads.front().value) != PayloadType::Hash) {
      // RFC 2409 §5.5: the HASH payload "MUST immediately follow the ISAKMP header".
      return base::make_error(ErrorCode::BadValue, NotifyType::InvalidHashInformation,
                              "{}: HASH is not the first payload", rule.name);
    }
  }
  return base::ok();
}

}  // namespace ike::engine
