// Fuzzing-only authentication bypass (tests/fuzz/fuzz_engine.cc, reliability.md §A4 F1): lets
// the stateful engine fuzzer reach Quick Mode, DPD, DELETE and rekey states although it mutates
// messages, by treating a failed HASH/SIG comparison (HASH_I/HASH_R, SIG_I/SIG_R, QM HASH(1..3),
// informational HASH(1)) as passed. It is NOT a runtime option: the engine declares the weak
// symbol `ike_fuzzing_accept_bad_auth` and only a binary that *defines* it (the fuzz_engine
// target and its corpus replay) can switch the bypass on. No production source defines it;
// tests/fuzz/engine.cmake checks with nm that the isakmpd binary does not.
#pragma once

namespace ike::engine {

// The verdict of an authentication comparison: `matched` unless the fuzzing bypass is linked
// in and enabled, in which case every comparison passes.
[[nodiscard]] bool auth_check_passes(bool matched) noexcept;

// True if the bypass is linked in and enabled (diagnostics, tests).
[[nodiscard]] bool fuzzing_auth_bypass_active() noexcept;

}  // namespace ike::engine
