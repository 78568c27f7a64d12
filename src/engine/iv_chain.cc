// Per-ISAKMP-SA CBC IV chains (RFC 2409 App. B). See iv_chain.h for the update discipline.
#include "engine/iv_chain.h"

#include "engine/keymat.h"

namespace ike::engine {

namespace {

base::Status check_block(base::ByteView last_block, std::size_t block_size, const char* what) {
  if (block_size == 0 || last_block.size() != block_size) {
    return base::make_error(base::ErrorCode::Internal, base::NotifyType::None,
                            "{}: last block of {} bytes, chain block size {}", what,
                            last_block.size(), block_size);
  }
  return base::ok();
}

}  // namespace

base::Status IvChain::advance_phase1(base::ByteView last_block) {
  IKE_TRY_VOID(check_block(last_block, m_phase1.size(), "phase-1 IV"));
  // RFC 2409 App. B: subsequent messages use the last CBC output block of the previous message.
  m_phase1.assign(last_block.begin(), last_block.end());
  return base::ok();
}

base::Result<base::Bytes> IvChain::exchange_iv(const crypto::Provider& p, crypto::HashAlg h,
                                               base::MessageId mid) {
  if (auto it = m_exchanges.find(mid.value); it != m_exchanges.end()) {
    return it->second;
  }
  if (!initialized()) {
    return base::make_error(base::ErrorCode::Internal, base::NotifyType::None,
                            "IV for message id {:08x}: phase-1 IV chain not initialised",
                            mid.value);
  }
  if (m_exchanges.size() >= kMaxExchanges) {
    return base::make_error(base::ErrorCode::TooMany, base::NotifyType::None,
                            "IV for message id {:08x}: {} exchanges already active", mid.value,
                            m_exchanges.size());
  }
  // RFC 2409 App. B: IV = hash(last phase-1 CBC output block | M-ID), truncated.
  IKE_TRY(base::Bytes iv, phase2_iv(p, h, m_phase1, mid, m_phase1.size()));
  m_exchanges.emplace(mid.value, iv);
  return iv;
}

std::optional<base::Bytes> IvChain::find_exchange_iv(base::MessageId mid) const {
  auto it = m_exchanges.find(mid.value);
  if (it == m_exchanges.end()) return std::nullopt;
  return it->second;
}

base::Status IvChain::advance_exchange(base::MessageId mid, base::ByteView last_block) {
  auto it = m_exchanges.find(mid.value);
  if (it == m_exchanges.end()) {
    return base::make_error(base::ErrorCode::NotFound, base::NotifyType::None,
                            "IV for message id {:08x}: no such exchange", mid.value);
  }
  IKE_TRY_VOID(check_block(last_block, it->second.size(), "exchange IV"));
  it->second.assign(last_block.begin(), last_block.end());
  return base::ok();
}

void IvChain::end_exchange(base::MessageId mid) noexcept { m_exchanges.erase(mid.value); }

}  // namespace ike::engine
