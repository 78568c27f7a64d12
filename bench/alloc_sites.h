// Allocation sites for responder_bench (issue #7: "profile before optimizing"): when the
// environment names a file in RESPONDER_BENCH_ALLOC_SITES, each counted allocation records its
// call stack (glibc backtrace(), which unwinds through .eh_frame and so works without frame
// pointers, unlike perf's sampled stacks), and at exit the distinct stacks are written to that
// file, most frequent first, one frame per line as "module+offset symbol". Offsets into the
// benchmark binary resolve to inlined source lines with
//   addr2line -f -i -C -e build/<preset>/bench/responder_bench <offset>
// (bench/alloc_sites.py does this). The recorder itself never allocates while recording.
#pragma once

#include <cstdint>

namespace ike::bench {

// True once enable_alloc_sites() found RESPONDER_BENCH_ALLOC_SITES set.
bool alloc_sites_enabled() noexcept;
// Reads the environment and primes backtrace() (its first call loads libgcc_s and allocates).
void enable_alloc_sites();
// Records the caller's stack; called from the malloc family while counting. Re-entrant calls
// (backtrace allocating) are ignored.
void record_alloc_site() noexcept;
// Writes the table to the named file; `iterations` divides the counts into per-handshake rates.
void dump_alloc_sites(uint64_t iterations);

}  // namespace ike::bench
