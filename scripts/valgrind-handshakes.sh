#!/usr/bin/env bash
# scripts/valgrind-handshakes.sh: the M1 leak check of shared docs reliability.md §A4.1 --
# 1,000 Main Mode + Quick Mode handshakes between two in-process engines
# (tests/leak/handshake_loop_test.cc, a fresh EnginePair each, some with a lost or duplicated
# datagram) under `valgrind --leak-check=full --error-exitcode=1`. Passes when valgrind reports
# no error and 0 bytes definitely and indirectly lost. Not part of CI (≈ minutes under
# valgrind); CI runs the same loop natively (ctest -R engine_handshake_loop).
#
#   scripts/valgrind-handshakes.sh [BUILD_DIR] [COUNT]     defaults: build/debug 1000
# Needs a build without sanitizers (the debug preset); builds the target with -j2.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build/debug}
count=${2:-1000}
command -v valgrind >/dev/null || { echo "valgrind-handshakes: valgrind not installed" >&2; exit 1; }
if grep -q '^IKE_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "valgrind-handshakes: $build is a sanitizer build; use the debug preset" >&2
  exit 1
fi
cmake --build "$build" -j2 --target engine_handshake_loop >&2
bin=$build/tests/leak/engine_handshake_loop
log=$(mktemp /tmp/valgrind-handshakes-XXXXXX.log)
start=$(date +%s)
set +e
IKE_HANDSHAKES=$count valgrind --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite,indirect --error-exitcode=1 --log-file="$log" \
  "$bin" --gtest_brief=0
rc=$?
set -e
secs=$(($(date +%s) - start))
grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|total heap usage' "$log" | sed 's/^==[0-9]*== */valgrind: /'
definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d ,)
indirect=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d ,)
# No leak summary at all means nothing was lost ("All heap blocks were freed").
definite=${definite:-0} indirect=${indirect:-0}
echo "valgrind-handshakes: $count handshakes in ${secs}s, exit $rc, definitely lost $definite B, indirectly lost $indirect B (log $log)"
[[ $rc == 0 && $definite == 0 && $indirect == 0 ]]
