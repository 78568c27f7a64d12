// The payload rules of Aggressive Mode (RFC 2409 §5.4). NAT-D is evaluated in AM2/AM3
// (RFC 3947 §3.2, nat_t.h) and VIDs (DPD, NAT-T) are allowed everywhere; certificate requests are
// ignored with PSK. HASH or SIG (with up to 4 CERTs) authenticate AM2/AM3; the step checks
// that exactly the one the negotiated method needs is present. Notifies are allowed in AM2/AM3 only so a received INITIAL-CONTACT can be
// refused with a precise reason (isakmpd); AM3 may come encrypted or not (peers differ).
#include <array>

#include "engine/exchanges/aggressive_mode.h"

namespace ike::engine {
namespace {

using wire::PayloadType;
constexpr uint8_t kMany = 16;

constexpr std::array kAm1{
    PayloadCount{PayloadType::Sa, 1, 1},          PayloadCount{PayloadType::KeyExchange, 1, 1},
    PayloadCount{PayloadType::Nonce, 1, 1},       PayloadCount{PayloadType::Id, 1, 1},
    PayloadCount{PayloadType::Vendor, 0, kMany},  PayloadCount{PayloadType::CertReq, 0, kMany},
};
constexpr std::array kAm2{
    PayloadCount{PayloadType::Sa, 1, 1},          PayloadCount{PayloadType::KeyExchange, 1, 1},
    PayloadCount{PayloadType::Nonce, 1, 1},       PayloadCount{PayloadType::Id, 1, 1},
    PayloadCount{PayloadType::Hash, 0, 1},        PayloadCount{PayloadType::Vendor, 0, kMany},
    PayloadCount{PayloadType::Sig, 0, 1},         PayloadCount{PayloadType::Cert, 0, 4},
    PayloadCount{PayloadType::NatD, 0, 4},        PayloadCount{PayloadType::NatDDraft, 0, 4},
    PayloadCount{PayloadType::Notify, 0, 8},      PayloadCount{PayloadType::CertReq, 0, kMany},
};
constexpr std::array kAm3{
    PayloadCount{PayloadType::Hash, 0, 1},       PayloadCount{PayloadType::Notify, 0, 8},
    PayloadCount{PayloadType::Sig, 0, 1},        PayloadCount{PayloadType::Cert, 0, 4},
    PayloadCount{PayloadType::NatD, 0, 4},       PayloadCount{PayloadType::NatDDraft, 0, 4},
    PayloadCount{PayloadType::Vendor, 0, kMany},
};

}  // namespace

const PayloadRule kRuleAm1{"AM1", kAm1, false, false};
const PayloadRule kRuleAm2{"AM2", kAm2, false, false};
const PayloadRule kRuleAm3{"AM3", kAm3, true, false, true};

}  // namespace ike::engine
