// DeterministicRandom (see deterministic_random.h): HMAC-SHA256 in counter mode over the seed.
#include "crypto/deterministic_random.h"

#include <algorithm>
#include <string_view>

#include "crypto/evp.h"

namespace ike::crypto {

namespace {
constexpr std::string_view kLabel = "isakmpd-linux deterministic random";
}  // namespace

struct DeterministicRandom::Impl {
  evp::MacPtr mac;
  evp::MacCtxPtr keyed;  // keyed once; duplicated per block
};

DeterministicRandom::DeterministicRandom(uint32_t seed)
    : m_impl(std::make_unique<Impl>()), m_seed(seed) {
  // The default library context: SHA-256 and HMAC are always in OpenSSL's default provider.
  m_impl->mac.reset(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!m_impl->mac) {
    evp::fatal("DeterministicRandom: EVP_MAC_fetch(HMAC)");
  }
  m_impl->keyed.reset(EVP_MAC_CTX_new(m_impl->mac.get()));
  std::array<uint8_t, kLabel.size() + 4> key{};
  std::copy(kLabel.begin(), kLabel.end(), key.begin());
  key[kLabel.size()] = static_cast<uint8_t>(seed >> 24);
  key[kLabel.size() + 1] = static_cast<uint8_t>(seed >> 16);
  key[kLabel.size() + 2] = static_cast<uint8_t>(seed >> 8);
  key[kLabel.size() + 3] = static_cast<uint8_t>(seed);
  char digest[] = "SHA2-256";
  std::array<OSSL_PARAM, 2> params{
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  if (!m_impl->keyed ||
      EVP_MAC_init(m_impl->keyed.get(), key.data(), key.size(), params.data()) != 1) {
    evp::fatal("DeterministicRandom: HMAC-SHA256 init");
  }
}

DeterministicRandom::~DeterministicRandom() = default;

void DeterministicRandom::next_block() {
  std::array<uint8_t, 8> counter{};
  for (std::size_t i = 0; i < counter.size(); ++i) {
    counter[i] = static_cast<uint8_t>(m_counter >> (56 - 8 * i));
  }
  ++m_counter;
  evp::MacCtxPtr ctx(EVP_MAC_CTX_dup(m_impl->keyed.get()));
  std::size_t len = 0;
  if (!ctx || EVP_MAC_update(ctx.get(), counter.data(), counter.size()) != 1 ||
      EVP_MAC_final(ctx.get(), m_block.data(), &len, m_block.size()) != 1 ||
      len != m_block.size()) {
    evp::fatal("DeterministicRandom: HMAC-SHA256 block");
  }
  m_used = 0;
}

void DeterministicRandom::fill(std::span<uint8_t> out) {
  while (!out.empty()) {
    if (m_used == m_block.size()) {
      next_block();
    }
    const std::size_t n = std::min(out.size(), m_block.size() - m_used);
    std::copy_n(m_block.begin() + static_cast<std::ptrdiff_t>(m_used), n, out.begin());
    m_used += n;
    out = out.subspan(n);
  }
}

}  // namespace ike::crypto
