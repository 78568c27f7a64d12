# shellcheck shell=bash
# bench/lib_bench.sh: helpers shared by the daemon benchmarks (conf_scale.sh, rekey_storm.sh).
# Sourced, not run.

# bench_cpu_s PID...: CPU seconds (utime + stime from /proc) of the processes, two decimals.
bench_cpu_s() {
  local t=0 p f hz
  hz=$(getconf CLK_TCK)
  for p in "$@"; do
    read -ra f <"/proc/$p/stat" || continue
    t=$((t + f[13] + f[14]))
  done
  awk -v t="$t" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }'
}
