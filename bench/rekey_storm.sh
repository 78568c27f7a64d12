#!/usr/bin/env bash
# bench/rekey_storm.sh: a rekey storm between two of our daemons (issue #7: "rekey storms of
# 10k SAs expiring together spread without dropping SAs"), end to end over UDP.
#
#   bench/rekey_storm.sh ISAKMPD [N] [PEERS] [LIFETIME]     (defaults 10000, 100, 120)
#
# Two namespaces (tests/interop/lib.sh topology). The left daemon has PEERS local addresses
# (10.99.1.100...; one [peer-j] section each, Local-address = that address) and N connections
# in [Phase 2]:Connections, connection i over peer i mod PEERS with its own /30 networks (IDs
# 10.64.0.0/10 <-> 10.160.0.0/10, so N is at most 2^20). The right daemon has the PEERS peers
# in [Phase 1] and the N connections in [Phase 2]:Passive-connections. Both run `isakmpd -d -n
# -K` (no kernel: SAs are not installed, which this ESP-less kernel could not do anyway, and
# lifetimes run on the daemon's own timers), Main Mode PSK AES-128/SHA1/ECP256 and Quick Mode
# ESP AES-128/SHA1 without PFS, [General]:Default-phase-2-lifetime = LIFETIME seconds (phase
# 1: ${P1_LIFETIME:-3600} s), the right daemon pinned to CPU ${BENCH_RESP_CPU:-0} and the left
# one to CPU ${BENCH_GEN_CPU:-1}.
#
# The left daemon brings the N connections up at start-up (at most 16 Quick Modes in flight
# per ISAKMP SA); they are all set up within a few seconds, so their soft lifetimes (a random
# 85-95 % of LIFETIME each) fall together: the storm. The script waits until every connection
# has been rekeyed (or LIFETIME * 1.3 s have passed) and prints:
#   setup      seconds from the left daemon's start to its N-th phase 2, and both daemons' CPU
#   storm      the first and last "soft lifetime reached" and the last "replaced by rekey"
#              (seconds after the start), the connections rekeyed (left, distinct names), the
#              SAs deleted by a hard lifetime on either side (dropped: must be 0), the failed
#              exchanges (metrics), the SA pairs on each side afterwards (must be N), and the
#              CPU of each daemon (monitor + engine child) from the first soft expiry to the end
#              of the storm, per rekeyed SA.
#   udp        the datagrams each namespace's kernel dropped for a full socket receive buffer
#              (nstat UdpRcvbufErrors, set-up and storm).
# Exit status 1 when a connection was not rekeyed, an SA was dropped or an exchange failed.
# Log classes Exch and SA at level 10 give the timestamped lines the figures come from
# ("phase 2 done", "soft lifetime reached", "replaced by", "deleted: hard lifetime expired").
# BENCH_PERF=1 records both engine children with `perf record` through the storm (call graphs
# by ${BENCH_PERF_CALLGRAPH:-fp}, e.g. dwarf; the run directory is then kept).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/interop/lib.sh
source "$here/../tests/interop/lib.sh"
# shellcheck source=bench/lib_bench.sh
source "$here/lib_bench.sh"

ISAKMPD=${1:?usage: $0 ISAKMPD [N] [PEERS] [LIFETIME]}
N=${2:-10000}
PEERS=${3:-100}
LIFETIME=${4:-120}
P1_LIFETIME=${P1_LIFETIME:-3600}
((N >= 1 && N <= 1048576)) || { echo "N must be 1..1048576" >&2; exit 2; }
((PEERS >= 1 && PEERS <= 150)) || { echo "PEERS must be 1..150" >&2; exit 2; }
((LIFETIME >= 60)) || { echo "LIFETIME must be at least 60 (the accepted range)" >&2; exit 2; }
export IKT_SKIP_SETUP=${IKT_SKIP_SETUP:-1}
ikt_init rekey-storm
ikt_topology
for ((j = 0; j < PEERS; j++)); do ip -n "$IKT_NS_L" addr add "10.99.1.$((100 + j))/24" dev eth0; done
PSK=rekey-storm-secret-0123456789
cpu_s() { bench_cpu_s "$@"; }  # bench/lib_bench.sh
now_s() { awk -v ns="$(date +%s%N)" 'BEGIN { printf "%.3f", ns / 1e9 }'; }

# gen_conf SIDE: the configuration of side L or R (see the header).
gen_conf() {
  awk -v side="$1" -v n="$N" -v peers="$PEERS" -v right="$IKT_R_OUT" -v psk="$PSK" \
    -v life="$LIFETIME" -v p1life="$P1_LIFETIME" '
    function net(base, i) { return sprintf("10.%d.%d.%d", base + int(i / 16384), \
      int(i / 64) % 256, (i % 64) * 4) }
    BEGIN {
      printf "[General]\nCheck-interval=\t\t60\n"
      printf "Default-phase-1-lifetime=\t%d,60:86400\n", p1life
      printf "Default-phase-2-lifetime=\t%d,60:86400\n", life
      if (side == "R") printf "Listen-on=\t\t%s\n", right
      else {
        printf "Listen-on=\t\t"
        for (j = 0; j < peers; j++) printf "%s10.99.1.%d", (j ? "," : ""), 100 + j
        printf "\n"
      }
      if (side == "R") {
        printf "\n[Phase 1]\n"
        for (j = 0; j < peers; j++) printf "10.99.1.%d=\tpeer-%d\n", 100 + j, j
      }
      printf "\n[Phase 2]\n%s=\t", side == "L" ? "Connections" : "Passive-connections"
      for (i = 0; i < n; i++) printf "%sc%d", (i ? "," : ""), i
      printf "\n"
      for (j = 0; j < peers; j++) {
        printf "\n[peer-%d]\nPhase=\t\t\t1\nAuthentication=\t\t%s\n", j, psk
        printf "Configuration=\t\tp1-mm\n"
        if (side == "L") printf "Address=\t\t%s\nLocal-address=\t\t10.99.1.%d\n", right, 100 + j
        else printf "Address=\t\t10.99.1.%d\n", 100 + j
      }
      for (i = 0; i < n; i++) {
        printf "\n[c%d]\nPhase=\t\t\t2\nISAKMP-peer=\t\tpeer-%d\n", i, i % peers
        printf "Configuration=\t\tp2-qm\nLocal-ID=\t\tc%d-%s\nRemote-ID=\t\tc%d-%s\n", i,
          side == "L" ? "a" : "b", i, side == "L" ? "b" : "a"
        printf "\n[c%d-a]\nID-type=\t\tIPV4_ADDR_SUBNET\nNetwork=\t\t%s\n", i, net(64, i)
        printf "Netmask=\t\t255.255.255.252\n"
        printf "\n[c%d-b]\nID-type=\t\tIPV4_ADDR_SUBNET\nNetwork=\t\t%s\n", i, net(160, i)
        printf "Netmask=\t\t255.255.255.252\n"
      }
      printf "\n[p1-mm]\nDOI=\t\t\tIPSEC\nEXCHANGE_TYPE=\t\tID_PROT\n"
      printf "Transforms=\t\tAES-128-SHA-GRP19\n"
      printf "\n[p2-qm]\nDOI=\t\t\tIPSEC\nEXCHANGE_TYPE=\t\tQUICK_MODE\n"
      printf "Suites=\t\t\tQM-ESP-AES-128-SHA-SUITE\n"
    }'
}

declare -A PID CHILD
start() { # SIDE CPU
  local D="$IKT_DIR/$1" ns=$IKT_NS_L i
  [[ $1 == R ]] && ns=$IKT_NS_R
  mkdir -p "$D"
  gen_conf "$1" >"$D/isakmpd.conf"
  chmod 0600 "$D/isakmpd.conf"
  ip netns exec "$ns" taskset -c "$2" "$ISAKMPD" -d -n -K -c "$D/isakmpd.conf" -f "$D/fifo" \
    -i "$D/isakmpd.pid" --result-file "$D/result" --metrics-file "$D/metrics.prom" \
    -D A=0 -D Exch=10 -D SA=10 >"$D/isakmpd.stderr" 2>&1 &
  PID[$1]=$!
  ikt_register "${PID[$1]}" "isakmpd-$1"
  for ((i = 0; i < 3000; i++)); do
    [[ -p $D/fifo ]] && break
    ikt_alive "${PID[$1]}" || ikt_fail "isakmpd ($1) did not start: $(tail -3 "$D/isakmpd.stderr")"
    sleep 0.01
  done
  CHILD[$1]=$(awk '{print $1}' "/proc/${PID[$1]}/task/${PID[$1]}/children" 2>/dev/null)
}
cpu_of() { cpu_s "${PID[$1]}" "${CHILD[$1]}"; }
# count SIDE PATTERN: lines of SIDE's log matching PATTERN (fixed string).
count() { grep -c -F -- "$2" "$IKT_DIR/$1/isakmpd.stderr"; }
# metric SIDE NAME: the sum of a metric's samples after a SIGUSR1 rewrite of the metrics file.
metric() {
  awk -v m="$2" '$1 == m || index($1, m "{") == 1 { s += $2 } END { print s + 0 }' \
    "$IKT_DIR/$1/metrics.prom"
}
refresh_metrics() { # SIDE
  local file="$IKT_DIR/$1/metrics.prom" i
  rm -f "$file"
  kill -USR1 "${PID[$1]}"
  # SIGUSR1 writes the report and the JSON status first: seconds with 100 000 SAs.
  for ((i = 0; i < 6000; i++)); do [[ -s $file ]] && return 0; sleep 0.01; done
  ikt_fail "isakmpd ($1): no metrics file after SIGUSR1"
}

ikt_log "starting the responder (right) and the initiator (left, $N connections over $PEERS peers)"
start R "${BENCH_RESP_CPU:-0}"
t_start=$(now_s)
start L "${BENCH_GEN_CPU:-1}"
deadline=$(awk -v t="$t_start" -v l="$LIFETIME" 'BEGIN { printf "%.3f", t + l * 1.3 }')
while (($(count L "phase 2 done") < N)); do
  awk -v t="$(now_s)" -v d="$t_start" 'BEGIN { exit !(t - d > 60) }' &&
    ikt_fail "set-up: only $(count L "phase 2 done") of $N connections up after 60 s"
  sleep 0.05
done
t_setup=$(now_s)
setup_s=$(awk -v a="$t_start" -v b="$t_setup" 'BEGIN { printf "%.2f", b - a }')
setup_cpu_l=$(cpu_of L) setup_cpu_r=$(cpu_of R)
ikt_log "set-up: $N connections up in $setup_s s (CPU left $setup_cpu_l s, right $setup_cpu_r s)"

# Idle until the first soft expiry: the storm's CPU is measured from there.
while (($(count L "soft lifetime reached") == 0)); do sleep 0.05; done
storm_cpu0_l=$(cpu_of L) storm_cpu0_r=$(cpu_of R)
if [[ -n ${BENCH_PERF:-} ]]; then  # both engine children through the storm
  perf record -q -F 1999 --call-graph "${BENCH_PERF_CALLGRAPH:-fp}" -p "${CHILD[L]},${CHILD[R]}" \
    -o "$IKT_DIR/perf.data" 2>/dev/null &
  perf_pid=$!
fi
# rekeyed: distinct connections of the left with a "replaced by rekey" line.
rekeyed() {
  grep -E ' c[0-9]+: SA spi .* \(replaced by rekey\)$' "$IKT_DIR/L/isakmpd.stderr" |
    awk '{ print $3 }' | sort -u | wc -l
}
while (($(rekeyed) < N)); do
  awk -v t="$(now_s)" -v d="$deadline" 'BEGIN { exit !(t > d) }' && break
  sleep 0.2
done
sleep 1  # the last DELETEs
if [[ -n ${perf_pid:-} ]]; then
  kill -INT "$perf_pid"
  wait "$perf_pid"
  ikt_log "perf data: $IKT_DIR/perf.data (kept)"
  export IKT_KEEP=1
fi
storm_cpu_l=$(awk -v a="$storm_cpu0_l" -v b="$(cpu_of L)" 'BEGIN { printf "%.2f", b - a }')
storm_cpu_r=$(awk -v a="$storm_cpu0_r" -v b="$(cpu_of R)" 'BEGIN { printf "%.2f", b - a }')
n_rekeyed=$(rekeyed)
refresh_metrics L
refresh_metrics R
failed=$(($(metric L isakmpd_exchanges_failed_total) + $(metric R isakmpd_exchanges_failed_total)))
pairs_l=$(metric L isakmpd_phase2_sas) pairs_r=$(metric R isakmpd_phase2_sas)
dropped=$(($(count L "deleted: hard lifetime expired") + $(count R "deleted: hard lifetime expired")))

# Seconds after the start of the first/last line matching PATTERN in SIDE's log (HHMMSS.us).
at() { # SIDE PATTERN first|last
  local line
  if [[ $3 == first ]]; then
    line=$(grep -m1 -F -- "$2" "$IKT_DIR/$1/isakmpd.stderr")
  else
    line=$(grep -F -- "$2" "$IKT_DIR/$1/isakmpd.stderr" | tail -1)
  fi
  [[ -n $line ]] || { echo "-"; return; }
  awk -v l="${line%% *}" -v t0="$t_start" -v h0="$(date -d "@${t_start%.*}" +%H%M%S)" 'BEGIN {
    s = substr(l, 1, 2) * 3600 + substr(l, 3, 2) * 60 + substr(l, 5)
    s0 = substr(h0, 1, 2) * 3600 + substr(h0, 3, 2) * 60 + substr(h0, 5) + (t0 - int(t0))
    d = s - s0; if (d < -43200) d += 86400
    printf "%.2f", d }'
}
first_soft=$(at L "soft lifetime reached" first) last_soft=$(at L "soft lifetime reached" last)
last_done=$(at L ": SA spi" last)
# UDP datagrams the kernel dropped for a full socket receive buffer, in SIDE's namespace.
rcvbuf_errors() {
  local ns=$IKT_NS_L
  [[ $1 == R ]] && ns=$IKT_NS_R
  ip netns exec "$ns" nstat -az UdpRcvbufErrors 2>/dev/null | awk '$1 == "UdpRcvbufErrors" { print $2 }'
}
per_sa() { awk -v c="$1" -v n="$n_rekeyed" 'BEGIN { printf "%.1f", n ? c * 1e6 / n : 0 }'; }
cat <<EOF
rekey storm: $N connections over $PEERS ISAKMP SAs, phase 2 lifetime $LIFETIME s
setup.seconds              $setup_s
setup.cpu_left_s           $setup_cpu_l
setup.cpu_right_s          $setup_cpu_r
storm.first_soft_expiry_s  $first_soft
storm.last_soft_expiry_s   $last_soft
storm.last_rekey_done_s    $last_done
storm.rekeyed              $n_rekeyed
storm.dropped_sas          $dropped
storm.exchanges_failed     $failed
storm.pairs_left_after     $pairs_l
storm.pairs_right_after    $pairs_r
udp.rcvbuf_errors_left     $(rcvbuf_errors L)
udp.rcvbuf_errors_right    $(rcvbuf_errors R)
storm.cpu_left_s           $storm_cpu_l ($(per_sa "$storm_cpu_l") us per rekeyed SA)
storm.cpu_right_s          $storm_cpu_r ($(per_sa "$storm_cpu_r") us per rekeyed SA)
EOF
rc=0
((n_rekeyed == N && dropped == 0 && failed == 0 && pairs_l == N && pairs_r == N)) || rc=1
((rc == 0)) || ikt_log "FAILED: not every connection rekeyed without drops (logs in $IKT_DIR)"
ikt_stop_pid "${PID[L]}"
ikt_stop_pid "${PID[R]}"
exit "$rc"
