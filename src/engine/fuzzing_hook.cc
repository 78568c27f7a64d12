// The fuzzing-only authentication bypass (fuzzing_hook.h): a weak reference that resolves to
// null in every binary that does not define `ike_fuzzing_accept_bad_auth` (all production
// binaries), so auth_check_passes() is then exactly `matched`.
#include "engine/fuzzing_hook.h"

// Defined only by tests/fuzz/fuzz_engine.cc. Returns whether the bypass is on right now.
extern "C" bool ike_fuzzing_accept_bad_auth() __attribute__((weak));

namespace ike::engine {

bool fuzzing_auth_bypass_active() noexcept {
  return ike_fuzzing_accept_bad_auth != nullptr && ike_fuzzing_accept_bad_auth();
}

bool auth_check_passes(bool matched) noexcept {
  return matched || fuzzing_auth_bypass_active();
}

}  // namespace ike::engine
