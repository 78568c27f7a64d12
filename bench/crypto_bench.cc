// crypto_bench: the cost of the crypto a phase-1 + phase-2 exchange performs through
// crypto::Provider. One "handshake" is what both peers do together: two dh_generate() and two
// shared_secret() calls (each peer's KE plus g^xy, RFC 2409 §5). PRF is the HMAC of a typical
// SKEYID-style input (32-byte key, nonces and cookies ~ 100 bytes); CBC encrypts 1 KiB.
//
//   build/<dir>/bench/crypto_bench --benchmark_filter=Handshake
#include <benchmark/benchmark.h>

#include <string>

#include "crypto/deterministic_random.h"
#include "crypto/dh_groups.h"
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
