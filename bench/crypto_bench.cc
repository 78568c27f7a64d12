// crypto_bench: the cost of the crypto a phase-1 + phase-2 exchange performs through
// crypto::Provider. One "handshake" is what both peers do together: two dh_generate() and two
// shared_secret() calls (each peer's KE plus g^xy, RFC 2409 §5). PRF is the HMAC of a typical
// SKEYID-style input (32-byte key, nonces and cookies ~ 100 bytes); CBC encrypts 1 KiB.
//
//   build/<dir>/bench/crypto_bench --benchmark_filter=Handshake
#include <benchmark/benchmark.h>
#include <openssl/bn.h>

#include <string>

#include "crypto/deterministic_random.h"
#include "crypto/dh_groups.h"
#include "crypto/dh_impl.h"
#include "crypto/evp.h"
#include "crypto/modp_fixed_base.h"
#include "crypto/openssl_provider.h"
#include "crypto/openssl_random.h"

namespace ike::crypto {
namespace {

const OpenSslProvider& provider() {
  static const OpenSslProvider p(OpenSslProvider::Options{.enable_legacy = true});
  return p;
}

void set_group_label(benchmark::State& state, uint16_t group) {
  state.SetLabel(dh_group_label(group));
}

// Both sides: generate, generate, derive, derive.
void BM_DhHandshake(benchmark::State& state) {
  const auto group = static_cast<uint16_t>(state.range(0));
  OpenSslRandom rng;
  for (auto _ : state) {
    auto a = provider().dh_generate(group, rng);
    auto b = provider().dh_generate(group, rng);
    auto ab = (*a)->shared_secret((*b)->public_value());
    auto ba = (*b)->shared_secret((*a)->public_value());
    benchmark::DoNotOptimize(ab);
    benchmark::DoNotOptimize(ba);
    if (!ab || !ba) {
      state.SkipWithError("shared_secret failed");
      break;
    }
  }
  set_group_label(state, group);
}

void BM_DhGenerate(benchmark::State& state) {
  const auto group = static_cast<uint16_t>(state.range(0));
  OpenSslRandom rng;
  for (auto _ : state) {
    auto a = provider().dh_generate(group, rng);
    benchmark::DoNotOptimize(a);
  }
  set_group_label(state, group);
}

void BM_DhDerive(benchmark::State& state) {
  const auto group = static_cast<uint16_t>(state.range(0));
  OpenSslRandom rng;
  auto a = provider().dh_generate(group, rng);
  auto b = provider().dh_generate(group, rng);
  for (auto _ : state) {
    auto s = (*a)->shared_secret((*b)->public_value());
    benchmark::DoNotOptimize(s);
  }
  set_group_label(state, group);
}

// A MODP group's prime and Montgomery context, set up as modp_dh.cc does (both benchmarks below).
struct ModpSetup {
  explicit ModpSetup(uint16_t group)
      : info(find_dh_group(group)), p_bytes(detail::modp_prime(group)),
        p(BN_bin2bn(p_bytes.data(), static_cast<int>(p_bytes.size()), nullptr)),
        ctx(BN_CTX_new()), mont(BN_MONT_CTX_new()) {
    ok = p && ctx && mont && BN_MONT_CTX_set(mont.get(), p.get(), ctx.get()) == 1;
  }
  const DhGroupInfo* info;
  base::Bytes p_bytes;
  evp::BnPtr p;
  evp::BnCtxPtr ctx;
  evp::BnMontCtxPtr mont;
  bool ok = false;
};

// The generic exponentiation the fixed-base comb replaced for g^x (modp_fixed_base.h): OpenSSL's
// BN_mod_exp_mont_consttime of g = 2 to a private_bits exponent with a cached Montgomery
// context, what dh_generate cost before. bench/compare.sh takes the crypto floor of a MODP group
// from this, the floor of the issue (OpenSSL's DH), so that the floor does not move with our
// own optimizations.
void BM_ModpGenerateGeneric(benchmark::State& state) {
  const auto group = static_cast<uint16_t>(state.range(0));
  ModpSetup m(group);
  evp::BnPtr g(BN_new());
  if (!m.ok || !g || BN_set_word(g.get(), 2) != 1) {
    state.SkipWithError("OpenSSL setup failed");
    return;
  }
  OpenSslRandom rng;
  base::SecureBytes x_bytes((std::size_t{m.info->private_bits} + 7) / 8);
  base::Bytes out(m.p_bytes.size());
  for (auto _ : state) {
    rng.fill(x_bytes);
    evp::SecretBnPtr x(BN_secure_new());
    evp::SecretBnPtr r(BN_secure_new());
    BN_bin2bn(x_bytes.data(), static_cast<int>(x_bytes.size()), x.get());
    BN_set_flags(x.get(), BN_FLG_CONSTTIME);
    evp::BnCtxPtr c(BN_CTX_secure_new());
    if (BN_mod_exp_mont_consttime(r.get(), g.get(), x.get(), m.p.get(), c.get(),
                                  m.mont.get()) != 1) {
      state.SkipWithError("BN_mod_exp_mont_consttime failed");
      break;
    }
    BN_bn2binpad(r.get(), out.data(), static_cast<int>(out.size()));
    benchmark::DoNotOptimize(out);
  }
  set_group_label(state, group);
}

// Building the comb table of a group, once per group and process (on its first key).
void BM_ModpFixedBaseBuild(benchmark::State& state) {
  const auto group = static_cast<uint16_t>(state.range(0));
  ModpSetup m(group);
  if (!m.ok) {
    state.SkipWithError("OpenSSL setup failed");
    return;
  }
  for (auto _ : state) {
    auto table =
        detail::ModpFixedBase::build(m.p.get(), m.mont.get(), 2, m.info->private_bits, nullptr);
    if (!table) {
      state.SkipWithError(table.error().detail.c_str());
      break;
    }
    benchmark::DoNotOptimize(table);
  }
  set_group_label(state, group);
}

void modp_groups(benchmark::internal::Benchmark* b) {
  for (const DhGroupInfo& g : dh_groups()) {
    if (g.kind == DhKind::Modp) {
      b->Arg(g.id);
    }
  }
}

void all_groups(benchmark::internal::Benchmark* b) {
  for (const DhGroupInfo& g : dh_groups()) {
    b->Arg(g.id);
  }
}

void key_groups(benchmark::internal::Benchmark* b) {
  for (int g : {2, 14, 19, 31}) {
    b->Arg(g);
  }
}

BENCHMARK(BM_DhHandshake)->Apply(all_groups)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DhGenerate)->Apply(key_groups)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DhDerive)->Apply(key_groups)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ModpGenerateGeneric)->Apply(modp_groups)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ModpFixedBaseBuild)->Apply(modp_groups)->Unit(benchmark::kMicrosecond);

const char* hash_name(HashAlg h) {
  switch (h) {
    case HashAlg::Md5: return "MD5";
    case HashAlg::Sha1: return "SHA1";
    case HashAlg::Sha256: return "SHA2_256";
    case HashAlg::Sha384: return "SHA2_384";
    case HashAlg::Sha512: return "SHA2_512";
  }
  return "?";
}

// prf(SKEYID, g^xy | CKY-I | CKY-R | 0) shaped input: 32-byte key, 4 parts, ~ 300 bytes.
void BM_Prf(benchmark::State& state) {
  const auto h = static_cast<HashAlg>(state.range(0));
  DeterministicRandom rng(1);
  base::Bytes key(32), gxy(256), ckyi(8), ckyr(8);
  rng.fill(key);
  rng.fill(gxy);
  rng.fill(ckyi);
  rng.fill(ckyr);
  const base::Bytes zero{0};
  for (auto _ : state) {
    SecureBytes out = provider().prf(h, key, {gxy, ckyi, ckyr, zero});
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(hash_name(h));
}

void BM_Hash(benchmark::State& state) {
  const auto h = static_cast<HashAlg>(state.range(0));
  base::Bytes msg(256, 0x5a);
  for (auto _ : state) {
    base::Bytes out = provider().hash(h, {msg});
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(hash_name(h));
}

void all_hashes(benchmark::internal::Benchmark* b) {
  for (int h : {1, 2, 4, 5, 6}) {
    b->Arg(h);
  }
}

BENCHMARK(BM_Prf)->Apply(all_hashes);
BENCHMARK(BM_Hash)->Apply(all_hashes);

// CBC encryption of 1 KiB; args: cipher value, key bytes.
void BM_CbcEncrypt1KiB(benchmark::State& state) {
  const auto c = static_cast<CipherAlg>(state.range(0));
  const auto key_len = static_cast<std::size_t>(state.range(1));
  base::Bytes key(key_len, 0x11), iv(cipher_block_size(c), 0x22), pt(1024, 0x33);
  for (auto _ : state) {
    auto ct = provider().cbc_encrypt(c, key, iv, pt);
    benchmark::DoNotOptimize(ct);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 1024);
  const char* names[] = {"", "", "", "BLOWFISH", "", "3DES", "CAST", "AES"};
  state.SetLabel(std::string(names[static_cast<int>(c)]) + "-" + std::to_string(key_len * 8));
}

BENCHMARK(BM_CbcEncrypt1KiB)
    ->Args({7, 16})
    ->Args({7, 24})
    ->Args({7, 32})
    ->Args({5, 24})
    ->Args({3, 16})
    ->Args({6, 16});

}  // namespace
}  // namespace ike::crypto
