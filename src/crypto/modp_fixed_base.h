// Internal to src/crypto: g^x mod p for the fixed generator of a MODP group by the comb method
// (Lim and Lee, "More flexible exponentiation with precomputation", CRYPTO '94; HAC 14.6.3
// Algorithm 14.117 with one table), for the short private exponents of dh_groups.cc.
//
// The exponent's `bits` bits are laid out as a matrix of kTeeth rows of `columns` bits
// (bit i * columns + j is row i, column j). The table holds, for each of the 2^kTeeth subsets S
// of rows, T[S] = prod_{i in S} g^(2^(i * columns)) in Montgomery form. Then
//   g^x = prod_{j = columns-1 .. 0} (T[column j])^(2^j)
// which is `columns` - 1 squarings and `columns` - 1 multiplications instead of the generic
// method's `bits` squarings (OpenSSL's BN_mod_exp_mont_consttime: 224 squarings and 72
// multiplications for MODP_2048). docs/PERFORMANCE.md (fifteenth session): 210 us -> 69 us.
//
// Side channels. The table entries are public (powers of the public generator). What is secret
// is which entry each column selects: every selection reads all 2^kTeeth entries and keeps one
// with a mask computed without branches, and the bit positions read from x depend only on the
// column, so the memory access pattern and the sequence of Montgomery operations are the same
// for every exponent of the covered length. The multiplications are OpenSSL's
// BN_mod_mul_montgomery, whose constant-time assembly (bn_mul_mont) runs only when both
// operands have the modulus' word count; a BIGNUM read from bytes drops zero top words. T[0] is
// 1, whose Montgomery form R mod p is short for every RFC 2409/3526 prime (their top 64 bits are
// all ones), so selecting it would show in the timing. Every entry is therefore multiplied by a
// public blinding value gamma chosen so that all entries are full-width, and the result by
// gamma^-(2^columns - 1) (the blinding of the columns, undone). The running product is a
// uniform value below p; its top word is zero with probability about 2^-64 per step, the same
// residual OpenSSL's own non-fixed-top BIGNUM API has.
#pragma once

#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/evp.h"

namespace ike::crypto::detail {

class ModpFixedBase {
 public:
  // Six rows: 64 entries of len(p) bytes (16 KiB for MODP_2048). Five or seven measure within a
  // few per cent; more rows cost more in the constant-time selection than they save.
  static constexpr unsigned kTeeth = 6;

  // The table for generator `g` modulo p (its Montgomery context `mont`), for exponents of up to
  // `bits` bits. Errors when OpenSSL fails or an entry would leave the constant-time path.
  [[nodiscard]] static base::Result<ModpFixedBase> build(const BIGNUM* p, BN_MONT_CTX* mont,
                                                         unsigned long g, std::size_t bits,
                                                         OSSL_LIB_CTX* lib);

  // Exponents this table covers: at most bits() bits.
  std::size_t bits() const noexcept { return m_columns * kTeeth; }
  // True when the big-endian x has no set bit at or above bits(). The branch depends only on
  // x's length, which is public; the bytes above the covered length are read without branches.
  bool covers(base::ByteView x_be) const noexcept;

  // True when every table entry and the correction have the modulus' word count (the
  // constant-time path, header); build() guarantees it, tests check it.
  bool full_width() const noexcept;

  // g^x mod p, left-padded to len(p) bytes, for an x that covers() accepts.
  [[nodiscard]] base::Status pow(base::ByteView x_be, base::Bytes& out,
                                 OSSL_LIB_CTX* lib) const;

 private:
  ModpFixedBase(BN_MONT_CTX* mont, std::size_t words, std::size_t columns)
      : m_mont(mont), m_words(words), m_columns(columns) {}

  // Entry `index` of the table into `out` (m_words words) reading every entry (see above).
  void select(unsigned index, uint64_t* out) const noexcept;
  // The table and the correction for the blinding value p - k (build()); false when an entry
  // or the correction would not be full-width.
  [[nodiscard]] base::Result<bool> fill(const BIGNUM* p, const std::vector<evp::BnPtr>& teeth,
                                        unsigned long k, BN_CTX& ctx);

  BN_MONT_CTX* m_mont;  // the group's, which outlives this table
  std::size_t m_words;  // len(p) / 8
  std::size_t m_columns;
  std::vector<uint64_t> m_table;  // 2^kTeeth entries of m_words words, little-endian bytes
  evp::BnPtr m_correction;        // gamma^-(2^columns - 1), Montgomery form
};

}  // namespace ike::crypto::detail
