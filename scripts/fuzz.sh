#!/usr/bin/env bash
# Builds the `fuzz` preset (clang 14, libFuzzer + ASan + UBSan; CMakePresets.json) and runs
# every libFuzzer target of tests/fuzz (reliability.md §A4 F1/F2), two at a time:
#
#   scripts/fuzz.sh --smoke SECONDS      CI smoke: every target for SECONDS each; fails (exit 1)
#                                        on any crash, leak, timeout or OOM
#   scripts/fuzz.sh --hours H            long run: every target for H hours each; the grown
#                                        corpus stays in build/fuzz/fuzz-runs/corpus/<target>
#   options: --jobs N (parallel targets, default 2), --only NAME (one target, repeatable),
#            --no-build, --timeout S (per input, default 5), --rss MB (process RSS, default
#            2048 as libFuzzer's), --malloc MB (one allocation, default 512)
# ASan holds up to 256 MB of freed memory in quarantine plus its size-class caches; libFuzzer
# purges them only above half the RSS limit, so with 512 MB a target allocating a lot per input
# sat near 430-460 MB and one CI run of fuzz_keynote crossed 512. With 2048 targets settle at
# 500-650 MB. A single allocation above --malloc MB is still reported as an OOM.
#
# Per target it prints total execs, exec/s, edge coverage (cov:), corpus size and the result.
# Seed corpora (tests/fuzz/corpus/<target>/) are read, never written; new inputs go to the run
# corpus, crash/leak/timeout reproducers to build/fuzz/fuzz-runs/artifacts/<target>/ (replay one
# with IKE_FUZZ_REPLAY=<file> build/debug/tests/fuzz/<target>_replay). To fold a long run's
# corpus back into the seeds: build/fuzz/tests/fuzz/<t> -merge=1 tests/fuzz/corpus/<t> <run dir>.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODE="" SECONDS_EACH=0 JOBS=2 BUILD=1 TIMEOUT=5 RSS=2048 MALLOC=512
ONLY=()
usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) MODE=smoke; SECONDS_EACH=${2:?--smoke SECONDS}; shift 2 ;;
    --hours) MODE=hours; SECONDS_EACH=$(awk -v h="${2:?--hours H}" 'BEGIN{printf "%d", h*3600}'); shift 2 ;;
    --jobs) JOBS=${2:?}; shift 2 ;;
    --only) ONLY+=("${2:?}"); shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --timeout) TIMEOUT=${2:?}; shift 2 ;;
    --rss) RSS=${2:?}; shift 2 ;;
    --malloc) MALLOC=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "fuzz.sh: unknown argument $1" >&2; usage ;;
  esac
done
[[ -n "$MODE" && "$SECONDS_EACH" -gt 0 ]] || usage

BUILD_DIR=$ROOT/build/fuzz
if [[ $BUILD -eq 1 ]]; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}
  launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  cmake --preset fuzz "${launcher[@]}" >/dev/null
  targets=()
  for d in tests/fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
  [[ ${#ONLY[@]} -gt 0 ]] && targets=("${ONLY[@]}")
  # Only the libFuzzer binaries (not the whole tree); a target a module does not build is skipped.
  available=$(cmake --build "$BUILD_DIR" --target help | sed -n 's/^\(fuzz_[a-z0-9_]*\): .*/\1/p')
  build_list=()
  for t in "${targets[@]}"; do grep -qx "$t" <<<"$available" && build_list+=("$t"); done
  cmake --build "$BUILD_DIR" -j"${IKE_BUILD_JOBS:-2}" --target "${build_list[@]}"
fi

RUN_DIR=$BUILD_DIR/fuzz-runs
mkdir -p "$RUN_DIR/logs" "$RUN_DIR/results"
rm -f "$RUN_DIR/results/"*

targets=()
if [[ ${#ONLY[@]} -gt 0 ]]; then
  targets=("${ONLY[@]}")
else
  for d in tests/fuzz/corpus/*/; do
    t=$(basename "$d")
    [[ -x "$BUILD_DIR/tests/fuzz/$t" ]] && targets+=("$t")
  done
fi
[[ ${#targets[@]} -gt 0 ]] || { echo "fuzz.sh: no libFuzzer binaries under $BUILD_DIR/tests/fuzz" >&2; exit 1; }

# Packet-format targets get the ISAKMP dictionary; a target may bring tests/fuzz/dict/<t>.dict.
dict_for() {
  if [[ -f tests/fuzz/dict/$1.dict ]]; then echo "-dict=tests/fuzz/dict/$1.dict"; return; fi
  case "$1" in
    fuzz_message|fuzz_sa_payload|fuzz_attributes|fuzz_id|fuzz_cert) echo "-dict=tests/fuzz/dict/isakmp.dict" ;;
  esac
}

# Per-target libFuzzer options. fuzz_engine: entropic scheduling spends ~40 % of the time
# updating feature frequencies over its large coverage (perf), and programs need few bytes.
extra_for() {
  case "$1" in
    fuzz_engine) echo "-entropic=0 -max_len=512" ;;
  esac
}

run_one() {
  local t=$1 bin=$BUILD_DIR/tests/fuzz/$1 log=$RUN_DIR/logs/$1.log
  local corpus=$RUN_DIR/corpus/$t art=$RUN_DIR/artifacts/$t/
  [[ $MODE == smoke ]] && rm -rf "$corpus" "$art"
  mkdir -p "$corpus" "$art"
  local rc=0
  # shellcheck disable=SC2046
  IKE_FUZZ_ENGINE_QUIET=0 ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" $(dict_for "$t") $(extra_for "$t") -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" \
      -rss_limit_mb="$RSS" -malloc_limit_mb="$MALLOC" -print_final_stats=1 -artifact_prefix="$art" \
      "$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  local execs eps cov corp result
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1 | awk '{print $2}')
  if [[ $rc -eq 0 ]]; then result=ok
  elif grep -q 'ERROR: libFuzzer: timeout' "$log"; then result=TIMEOUT
  elif grep -q 'ERROR: LeakSanitizer' "$log"; then result=LEAK
  elif grep -q 'out-of-memory' "$log"; then result=OOM
  else result="CRASH(rc=$rc)"; fi
  printf '%-24s %12s %9s %7s %14s  %s\n' "$t" "${execs:-?}" "${eps:-?}" "${cov:-?}" \
    "${corp:-?}" "$result" >"$RUN_DIR/results/$t"
}

echo "fuzz.sh: ${#targets[@]} targets, ${SECONDS_EACH}s each, $JOBS in parallel (logs: $RUN_DIR/logs)"
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [[ $running -ge $JOBS ]]; then wait -n || true; running=$((running - 1)); fi
done
wait || true

printf '%-24s %12s %9s %7s %14s  %s\n' target execs exec/s cov corpus result
failed=0
for t in "${targets[@]}"; do
  if [[ -f $RUN_DIR/results/$t ]]; then
    cat "$RUN_DIR/results/$t"
    grep -q ' ok$' "$RUN_DIR/results/$t" || failed=1
  else
    printf '%-24s  no result\n' "$t"; failed=1
  fi
done
if [[ -f $RUN_DIR/logs/fuzz_engine.log ]]; then
  grep -E '^fuzz_engine: distinct transitions' "$RUN_DIR/logs/fuzz_engine.log" | tail -1 || true
fi
if [[ $failed -ne 0 ]]; then
  echo "fuzz.sh: FAILED (see $RUN_DIR/logs and $RUN_DIR/artifacts)" >&2
  exit 1
fi
echo "fuzz.sh: all targets clean"
