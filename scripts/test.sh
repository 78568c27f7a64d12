#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, builds Debug and ASan, then runs
# every test: unit, vectors, engine (two-engine + two-daemon), fuzz corpus replays, and the
# strongSwan/libreswan interop scenarios in network namespaces (root). Exit status = failures.
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

echo "== build (Debug)"
cmake --preset debug >/dev/null
cmake --build --preset debug -j "$jobs"

if [[ -x scripts/lab/setup.sh ]]; then
  echo "== interop lab set-up"
  scripts/lab/setup.sh
fi

echo "== tests (Debug: unit, vectors, engine, fuzz replays, interop)"
ctest --preset debug -j "$jobs"

echo "== build (ASan+UBSan)"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
echo "== tests (ASan+UBSan: everything but interop)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan -j "$jobs" -LE interop
echo "== all tests passed"
