#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, builds with ASan+UBSan, runs every
# test under the sanitizers: unit, vectors, engine (two-engine + two-daemon), fuzz corpus replays
# and the strongSwan/libreswan interop scenarios in network namespaces (root); then a libFuzzer
# smoke of every fuzz target (clang). Exit status = failures.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh

if [[ $(id -u) -ne 0 ]]; then
  echo "scripts/test.sh: run as root (package installs and the netns interop tests need it)" >&2
  exit 1
fi
jobs=$(nproc)
ike_install_missing "${IKE_BUILD_PACKAGES[@]}" "${IKE_LAB_PACKAGES[@]}"
# Privilege separation: the _isakmpd user and /var/empty (isakmpd run as root needs them).
scripts/install-user.sh

# One build does it all: gcc, Debug, ASan+UBSan (reliability.md M1): the unit, vector, engine,
# two-daemon, fuzz-replay AND interop suites run sanitized; the interop teardown
# (tests/interop/lib_invariants.sh) fails a scenario on any sanitizer report in a daemon's stderr.
echo "== build (ASan+UBSan)"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"

if [[ -x scripts/lab/setup.sh ]]; then
  echo "== interop lab set-up"
  scripts/lab/setup.sh
fi

echo "== tests (ASan+UBSan: unit, vectors, engine, fuzz replays, interop)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan -j "$jobs"

# libFuzzer smoke (clang 14): every target for a few seconds from its seed corpus; any crash,
# leak, timeout or OOM fails (scripts/fuzz.sh --hours H is the long run, CONTRIBUTING.md).
echo "== fuzz smoke (libFuzzer, clang, ASan+UBSan)"
IKE_BUILD_JOBS=$jobs scripts/fuzz.sh --smoke "${IKE_FUZZ_SMOKE_SECONDS:-10}" --jobs "$jobs"
echo "== all tests passed"
