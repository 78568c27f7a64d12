// See alloc_sites.h. A fixed open-addressing table keyed by the hash of the return addresses:
// nothing here may allocate while recording, since it runs inside malloc.
#include "alloc_sites.h"

#include <dlfcn.h>
#include <execinfo.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace ike::bench {
namespace {

constexpr int kDepth = 24;         // frames kept per stack
constexpr int kSkip = 2;           // record_alloc_site and the malloc that called it
constexpr std::size_t kSlots = 1u << 14;

struct Site {
  uint64_t hash = 0;
  uint64_t count = 0;
  int depth = 0;
  std::array<void*, kDepth> frames{};
};

Site g_sites[kSlots];
uint64_t g_dropped = 0;  // stacks that found the table full
const char* g_path = nullptr;
thread_local bool t_recording = false;

uint64_t hash_frames(void* const* frames, int n) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the addresses
  for (int i = 0; i < n; ++i) {
    h ^= reinterpret_cast<uintptr_t>(frames[i]);
    h *= 1099511628211ull;
  }
  return h | 1;  // 0 marks an empty slot
}

void write_frame(std::FILE* out, void* addr) {
  Dl_info info{};
  if (dladdr(addr, &info) == 0 || info.dli_fname == nullptr) {
    std::fprintf(out, "    ?? %p\n", addr);
    return;
  }
  // The return address points after the call; -1 lands addr2line on the call's own line.
  auto offset = reinterpret_cast<uintptr_t>(addr) - reinterpret_cast<uintptr_t>(info.dli_fbase) - 1;
  std::fprintf(out, "    %s+0x%zx %s\n", info.dli_fname, static_cast<std::size_t>(offset),
               info.dli_sname != nullptr ? info.dli_sname : "");
}

}  // namespace

bool alloc_sites_enabled() noexcept { return g_path != nullptr; }

void enable_alloc_sites() {
  g_path = std::getenv("RESPONDER_BENCH_ALLOC_SITES");
  if (g_path != nullptr) {
    void* prime[2];
    (void)backtrace(prime, 2);
  }
}

void record_alloc_site() noexcept {
  if (t_recording) return;
  t_recording = true;
  void* frames[kDepth + kSkip];
  int n = backtrace(frames, kDepth + kSkip) - kSkip;
  if (n > 0) {
    uint64_t h = hash_frames(frames + kSkip, n);
    for (std::size_t probe = 0; probe < kSlots; ++probe) {
      Site& s = g_sites[(h + probe) & (kSlots - 1)];
      if (s.hash == 0) {
        s.hash = h;
        s.depth = n;
        std::copy(frames + kSkip, frames + kSkip + n, s.frames.begin());
      }
      if (s.hash == h) {
        ++s.count;
        break;
      }
      if (probe + 1 == kSlots) ++g_dropped;
    }
  }
  t_recording = false;
}

void dump_alloc_sites(uint64_t iterations) {
  if (g_path == nullptr) return;
  std::vector<const Site*> used;
  uint64_t total = 0;
  for (const Site& s : g_sites) {
    if (s.hash != 0) {
      used.push_back(&s);
      total += s.count;
    }
  }
  std::sort(used.begin(), used.end(),
            [](const Site* a, const Site* b) { return a->count > b->count; });
  std::FILE* out = std::fopen(g_path, "w");
  if (out == nullptr) {
    std::perror(g_path);
    return;
  }
  double per = iterations == 0 ? 0.0 : 1.0 / static_cast<double>(iterations);
  std::fprintf(out, "# %zu stacks, %.1f allocations per handshake, %llu stacks dropped\n",
               used.size(), static_cast<double>(total) * per,
               static_cast<unsigned long long>(g_dropped));
  for (const Site* s : used) {
    std::fprintf(out, "%.2f per handshake\n", static_cast<double>(s->count) * per);
    for (int i = 0; i < s->depth; ++i) write_frame(out, s->frames[static_cast<std::size_t>(i)]);
  }
  std::fclose(out);
}

}  // namespace ike::bench
