// The fixed-base comb for MODP generators (see modp_fixed_base.h for the method and its
// side-channel argument).
#include "crypto/modp_fixed_base.h"

#include <fmt/core.h>

#include <cstring>

namespace ike::crypto::detail {
namespace {

// All ones when a == b, else zero, without a branch (the barrier keeps the compiler from
// turning the mask back into a comparison and a jump).
uint64_t equal_mask(uint64_t a, uint64_t b) noexcept {
  uint64_t d = a ^ b;
  uint64_t nonzero = (d | (0 - d)) >> 63;  // 1 when d != 0
  uint64_t mask = nonzero - 1;
#if defined(__GNUC__) || defined(__clang__)
  __asm__("" : "+r"(mask));
#endif
  return mask;
}

// Bit k of the big-endian x (0 beyond its length; the length is public).
unsigned bit_at(base::ByteView x_be, std::size_t k) noexcept {
  const std::size_t byte = k / 8;
  if (byte >= x_be.size()) {
    return 0;
  }
  return static_cast<unsigned>(x_be[x_be.size() - 1 - byte] >> (k % 8)) & 1u;
}

// One BIGNUM for a table entry or a secret intermediate: from the secure heap, wiped when freed.
evp::SecretBnPtr secret_bn() { return evp::SecretBnPtr(BN_secure_new()); }

}  // namespace

// The table T'[S] = T[S] * gamma for the blinding value gamma = p - k (k = 2, 3, ...: the first
// for which every entry and the correction are full-width), and the correction
// gamma^-(2^columns - 1), all in Montgomery form.
base::Result<ModpFixedBase> ModpFixedBase::build(const BIGNUM* p, BN_MONT_CTX* mont,
                                                 unsigned long g, std::size_t bits,
                                                 OSSL_LIB_CTX* lib) {
  const auto len = static_cast<std::size_t>(BN_num_bytes(p));
  if (len == 0 || len % 8 != 0 || bits == 0) {
    return evp::crypto_failure(fmt::format("fixed-base table: {}-byte prime", len));
  }
  ModpFixedBase t(mont, len / 8, (bits + kTeeth - 1) / kTeeth);
  evp::BnCtxPtr ctx(BN_CTX_new_ex(lib));
  evp::BnPtr tooth(BN_new());
  if (!ctx || !tooth || BN_set_word(tooth.get(), g) != 1 ||
      BN_to_montgomery(tooth.get(), tooth.get(), mont, ctx.get()) != 1) {
    return evp::crypto_failure("fixed-base table: setup");
  }
  // teeth[i] = g^(2^(i * columns)), Montgomery form.
  std::vector<evp::BnPtr> teeth;
  for (unsigned i = 0; i < kTeeth; ++i) {
    teeth.emplace_back(BN_dup(tooth.get()));
    if (!teeth.back()) {
      return evp::crypto_failure("fixed-base table: BN_dup");
    }
    for (std::size_t k = 0; k < t.m_columns; ++k) {
      if (BN_mod_mul_montgomery(tooth.get(), tooth.get(), tooth.get(), mont, ctx.get()) != 1) {
        return evp::crypto_failure("fixed-base table: squaring");
      }
    }
  }
  for (unsigned long k = 2; k < 18; ++k) {
    IKE_TRY(bool full, t.fill(p, teeth, k, *ctx));
    if (full) {
      return t;
    }
  }
  return evp::crypto_failure("fixed-base table: no blinding value keeps every entry full-width");
}

// One attempt of build() with gamma = p - k; false when an entry or the correction is short.
base::Result<bool> ModpFixedBase::fill(const BIGNUM* p, const std::vector<evp::BnPtr>& teeth,
                                       unsigned long k, BN_CTX& ctx) {
  const std::size_t len = m_words * 8;
  const auto full = [len](const BIGNUM* v) {
    return static_cast<std::size_t>(BN_num_bytes(v)) > len - 8;
  };
  evp::BnPtr gamma(BN_dup(p));
  evp::BnPtr blind(BN_new());
  evp::BnPtr exponent(BN_new());
  evp::BnPtr entry(BN_new());
  m_correction.reset(BN_new());
  // correction = gamma^-(2^columns - 1): the product of the columns' blinding, undone.
  if (!gamma || !blind || !exponent || !entry || !m_correction ||
      BN_sub_word(gamma.get(), k) != 1 ||
      BN_to_montgomery(blind.get(), gamma.get(), m_mont, &ctx) != 1 ||
      BN_mod_inverse(m_correction.get(), gamma.get(), p, &ctx) == nullptr ||
      BN_lshift(exponent.get(), BN_value_one(), static_cast<int>(m_columns)) != 1 ||
      BN_sub_word(exponent.get(), 1) != 1 ||
      BN_mod_exp(m_correction.get(), m_correction.get(), exponent.get(), p, &ctx) != 1 ||
      BN_to_montgomery(m_correction.get(), m_correction.get(), m_mont, &ctx) != 1) {
    return evp::crypto_failure("fixed-base table: blinding");
  }
  if (!full(m_correction.get())) {
    return false;
  }
  // T'[S] = gamma * prod_{i in S} teeth[i].
  constexpr unsigned kEntries = 1u << kTeeth;
  m_table.assign(kEntries * m_words, 0);
  const auto bytes = static_cast<int>(len);
  for (unsigned s = 0; s < kEntries; ++s) {
    if (BN_copy(entry.get(), blind.get()) == nullptr) {
      return evp::crypto_failure("fixed-base table: BN_copy");
    }
    for (unsigned i = 0; i < kTeeth; ++i) {
      if (((s >> i) & 1u) != 0 &&
          BN_mod_mul_montgomery(entry.get(), entry.get(), teeth[i].get(), m_mont, &ctx) != 1) {
        return evp::crypto_failure("fixed-base table: product");
      }
    }
    if (!full(entry.get())) {
      return false;
    }
    auto* dst = reinterpret_cast<unsigned char*>(&m_table[s * m_words]);
    if (BN_bn2lebinpad(entry.get(), dst, bytes) != bytes) {
      return evp::crypto_failure("fixed-base table: BN_bn2lebinpad");
    }
  }
  return true;
}

bool ModpFixedBase::covers(base::ByteView x_be) const noexcept {
  const std::size_t covered = bits();
  if (x_be.size() * 8 <= covered) {
    return true;
  }
  unsigned high = 0;
  for (std::size_t k = covered; k < x_be.size() * 8; ++k) {
    high |= bit_at(x_be, k);
  }
  return high == 0;
}

bool ModpFixedBase::full_width() const noexcept {
  if (m_table.size() != (std::size_t{1} << kTeeth) * m_words || !m_correction ||
      static_cast<std::size_t>(BN_num_bytes(m_correction.get())) <= (m_words - 1) * 8) {
    return false;
  }
  for (std::size_t s = 0; s < (std::size_t{1} << kTeeth); ++s) {
    if (m_table[s * m_words + m_words - 1] == 0) {  // the top word (little-endian bytes)
      return false;
    }
  }
  return true;
}

void ModpFixedBase::select(unsigned index, uint64_t* out) const noexcept {
  std::memset(out, 0, m_words * sizeof(uint64_t));
  constexpr unsigned kEntries = 1u << kTeeth;
  for (unsigned s = 0; s < kEntries; ++s) {
    const uint64_t mask = equal_mask(s, index);
    const uint64_t* entry = &m_table[s * m_words];
    for (std::size_t w = 0; w < m_words; ++w) {
      out[w] |= entry[w] & mask;
    }
  }
}

base::Status ModpFixedBase::pow(base::ByteView x_be, base::Bytes& out,
                                OSSL_LIB_CTX* lib) const {
  const auto bytes = static_cast<int>(m_words * 8);
  evp::BnCtxPtr ctx(BN_CTX_secure_new_ex(lib));
  evp::SecretBnPtr acc = secret_bn();
  evp::SecretBnPtr picked = secret_bn();
  if (!ctx || !acc || !picked) {
    return evp::crypto_failure("fixed-base exponentiation: allocation");
  }
  // The selected entry reveals exponent bits: a wiping buffer.
  base::SecureBytes buffer(m_words * sizeof(uint64_t));
  auto* words = reinterpret_cast<uint64_t*>(buffer.data());
  bool ok = true;
  // g^x = prod_j T[column j]^(2^j), by Horner's rule from the top column down.
  for (std::size_t j = m_columns; j-- > 0;) {
    unsigned index = 0;
    for (unsigned i = 0; i < kTeeth; ++i) {
      index |= bit_at(x_be, i * m_columns + j) << i;
    }
    select(index, words);
    ok = ok && BN_lebin2bn(buffer.data(), bytes, picked.get()) != nullptr;
    if (j + 1 == m_columns) {
      ok = ok && BN_copy(acc.get(), picked.get()) != nullptr;
    } else {
      ok = ok && BN_mod_mul_montgomery(acc.get(), acc.get(), acc.get(), m_mont, ctx.get()) == 1 &&
           BN_mod_mul_montgomery(acc.get(), acc.get(), picked.get(), m_mont, ctx.get()) == 1;
    }
  }
  // acc = g^x * gamma^(2^columns - 1); the correction removes the blinding.
  ok = ok &&
       BN_mod_mul_montgomery(acc.get(), acc.get(), m_correction.get(), m_mont, ctx.get()) == 1 &&
       BN_from_montgomery(acc.get(), acc.get(), m_mont, ctx.get()) == 1;
  if (!ok) {
    return evp::crypto_failure("fixed-base exponentiation");
  }
  out.resize(m_words * 8);
  if (BN_bn2binpad(acc.get(), out.data(), bytes) != bytes) {
    return evp::crypto_failure("BN_bn2binpad");
  }
  return base::ok();
}

}  // namespace ike::crypto::detail
