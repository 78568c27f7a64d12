// OpenSslRandom (see openssl_random.h).
#include "crypto/openssl_random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <mutex>

#include "crypto/evp.h"

namespace ike::crypto {
namespace {

// Bumped in every child of a fork: a block drawn before the fork is never used after it.
std::atomic<uint64_t> g_fork_generation{1};
std::once_flag g_atfork_once;

void on_fork_child() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

OpenSslRandom::OpenSslRandom() {
  std::call_once(g_atfork_once, [] {
    if (::pthread_atfork(nullptr, nullptr, on_fork_child) != 0) {
      evp::fatal("OpenSslRandom: pthread_atfork failed");
    }
  });
}

OpenSslRandom::~OpenSslRandom() { discard_block(); }

void OpenSslRandom::discard_block() noexcept {
  OPENSSL_cleanse(m_block.data(), m_block.size());
  m_unread = 0;
}

void OpenSslRandom::rand_bytes(std::span<uint8_t> out) {
  while (!out.empty()) {
    const std::size_t n = std::min<std::size_t>(out.size(), INT_MAX);
    ++m_drbg_calls;
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
      evp::fatal("RAND_bytes failed: no random numbers, refusing to continue");
    }
    out = out.subspan(n);
  }
}

void OpenSslRandom::fill(std::span<uint8_t> out) {
  if (out.empty()) return;  // (an empty span may have a null data(): no memcpy from it)
  if (out.size() >= kDirectBytes) {
    rand_bytes(out);
    return;
  }
  const uint64_t generation = g_fork_generation.load(std::memory_order_relaxed);
  if (generation != m_fork_generation) {
    discard_block();
    m_fork_generation = generation;
  }
  if (m_unread < out.size()) {
    discard_block();
    rand_bytes(m_block);
    m_unread = m_block.size();
  }
  uint8_t* from = m_block.data() + (m_block.size() - m_unread);
  std::memcpy(out.data(), from, out.size());
  OPENSSL_cleanse(from, out.size());  // handed out once, then gone
  m_unread -= out.size();
}

}  // namespace ike::crypto
