#!/usr/bin/env bash
# tests/interop/run_all.sh [ISAKMPD] [FILTER]: runs the harness self-tests and, when an isakmpd
# binary is given (or $IKT_ISAKMPD), every scenario x {strongswan, libreswan} x {initiator,
# responder}, one after the other, and prints a table (result, seconds). FILTER is a regex on
# the test name. Logs of failed runs: /tmp/ikt-*/ (path printed) and $IKT_ALL_LOG_DIR/<name>.log.
# Exit status: number of failed runs (0 = all passed).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-${IKT_ISAKMPD:-}}
filter=${2:-.}
logdir=${IKT_ALL_LOG_DIR:-$(mktemp -d /tmp/ikt-all-XXXXXX)}
mkdir -p "$logdir"
"$here/../../scripts/lab/setup.sh" >/dev/null || { echo "lab set-up failed" >&2; exit 1; }
export IKT_SKIP_SETUP=1
runs=("a-aes128-sha1-tunnel libreswan harness" "a-aes128-sha1-tunnel strongswan harness")
if [[ -n $bin ]]; then
  for c in "$here"/scenarios/*/; do
    c=$(basename "$c")
    for p in strongswan libreswan; do
      for r in initiator responder; do runs+=("$c $p $r"); done
    done
  done
fi
failed=0
printf '%-48s %-6s %s\n' TEST RESULT SECONDS
for run in "${runs[@]}"; do
  read -r c p r <<<"$run"
  name="$c-$p-$r"
  [[ $name =~ $filter ]] || continue
  t0=$(date +%s%N)
  "$here/run_scenario.sh" "$c" "$p" "$r" "$bin" >"$logdir/$name.log" 2>&1
  rc=$?
  t=$((($(date +%s%N) - t0) / 1000000))
  case $rc in 0) res=PASS ;; 77) res=SKIP ;; *) res=FAIL; failed=$((failed + 1)) ;; esac
  printf '%-48s %-6s %d.%d\n' "$name" "$res" $((t / 1000)) $((t % 1000 / 100))
  [[ $res == FAIL ]] && grep -m1 'ikt: FAIL' "$logdir/$name.log" | cut -c1-300
done
echo "logs: $logdir; failed: $failed"
exit "$failed"
