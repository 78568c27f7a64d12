// Byte containers shared by every module: Bytes (plain), ByteView (borrowed, read-only) and
// SecureBytes (secret material: every buffer it ever owned is wiped before release, including
// buffers dropped by reallocation). Owns no protocol knowledge.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ike::base {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// Overwrites `n` bytes at `p` in a way the optimiser may not remove (explicit_bzero).
void secure_wipe(void* p, std::size_t n) noexcept;

// Allocator whose deallocate() wipes the block first: a std::vector using it never leaves a
// copy of a secret behind in freed heap memory, even when it grows.
template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    secure_wipe(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
};

// Secret bytes (keys, SKEYID*, g^xy, pre-shared keys). Never log these except through the
// explicit key-logging path.
using SecureBytes = std::vector<uint8_t, WipingAllocator<uint8_t>>;

inline ByteView view(const Bytes& b) noexcept { return {b.data(), b.size()}; }
inline ByteView view(const SecureBytes& b) noexcept { return {b.data(), b.size()}; }
inline ByteView view(std::string_view s) noexcept {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline Bytes to_bytes(ByteView v) { return Bytes(v.begin(), v.end()); }
inline SecureBytes to_secure(ByteView v) { return SecureBytes(v.begin(), v.end()); }
inline std::string_view as_chars(ByteView v) noexcept {
  return {reinterpret_cast<const char*>(v.data()), v.size()};
}

// a || b || ... concatenation helpers (used by the RFC 2409 formulas).
void append(Bytes& out, ByteView v);
void append(SecureBytes& out, ByteView v);

bool operator_equal(ByteView a, ByteView b) noexcept;  // NOT constant time; never for MACs.

}  // namespace ike::base
