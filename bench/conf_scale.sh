#!/usr/bin/env bash
# bench/conf_scale.sh: configuration at scale (issue #7, "fast at scale" for configured peers).
#
#   bench/conf_scale.sh ISAKMPD IPSECCTL IKELOAD [N ...]   (default N: 1000 10000 100000)
#
# For each N, in a namespace of its own (tests/interop/lib.sh topology), `isakmpd -d -n -K`
# (privilege separation on) pinned to CPU ${BENCH_RESP_CPU:-0}:
#  file      isakmpd.conf with N site-to-site peers, each with its own PSK: a [Phase 1]
#            address line, a [peer-i] section, a connection [conn-i] listed in one
#            [Phase 2]:Passive-connections line, and its remote network [net-i]. Measured: the
#            seconds from the start until `S` is answered (the FIFO is read once the
#            configuration is loaded) and the CPU of the monitor and the engine child by then,
#            the engine child's RSS, then `R` (reload from the file) followed by `S`: seconds,
#            CPU, RSS. Then handshakes among the N peers: 64 more peers (ikeload's source
#            addresses 10.99.1.100-163, each with its [Phase 1] line, peer section and
#            connection) run Main Mode PSK ECP256 + Quick Mode with ikeload (--busy-poll
#            --dh-private-one, pinned to CPU ${BENCH_GEN_CPU:-1}): 200 handshakes first (their
#            max latency includes building the engine's peer and connection indexes after the
#            reload), then ${BENCH_COUNT:-3000} measured: the responder's CPU ms per handshake.
#  active    the same file with the N connections in [Phase 2]:Connections instead (the daemon
#            initiates them all at start-up; the N peers are routed into the left namespace,
#            which drops them, so every Main Mode retransmits): the engine child's CPU 4 s after
#            the start (configuration load included), its RSS, and how long `S` takes then.
#  ipsecctl  a daemon with a one-section configuration, then `ipsecctl -f` of N rules
#            "ike passive esp from 192.168.0.0/16 to <net-i> peer <peer-i> psk <secret-i>"
#            (about 45 FIFO `C` lines per rule, each one connection appended to
#            [Phase 2]:Passive-Connections with `C add`): seconds until a following `S` is
#            answered, CPU, RSS.
# Times are wall-clock; CPU is utime + stime from /proc (monitor + child). A table on stdout.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/interop/lib.sh
source "$here/../tests/interop/lib.sh"
# shellcheck source=bench/lib_bench.sh
source "$here/lib_bench.sh"

ISAKMPD=${1:?usage: $0 ISAKMPD IPSECCTL IKELOAD [N ...]}
IPSECCTL=${2:?usage: $0 ISAKMPD IPSECCTL IKELOAD [N ...]}
IKELOAD=${3:?usage: $0 ISAKMPD IPSECCTL IKELOAD [N ...]}
shift 3
SIZES=("$@")
[[ ${#SIZES[@]} -eq 0 ]] && SIZES=(1000 10000 100000)
export IKT_SKIP_SETUP=${IKT_SKIP_SETUP:-1}
ikt_init conf-scale
ikt_topology
for ((i = 0; i < 64; i++)); do ip -n "$IKT_NS_L" addr add "10.99.1.$((100 + i))/24" dev eth0; done
ip -n "$IKT_NS_R" route add 10.0.0.0/8 via "$IKT_L_OUT"  # the N peers: dropped on the left
PSK=conf-scale-load-secret-0123456789
cpu_s() { bench_cpu_s "$@"; }  # bench/lib_bench.sh
rss_mb() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
now_ns() { date +%s%N; }
since() { awk -v ns=$(($(now_ns) - $1)) 'BEGIN { printf "%.2f", ns / 1e9 }'; }

# status D: writes `S` to D's FIFO and waits (up to 600 s) for the result file.
status() {
  local D=$1 i
  rm -f "$D/result"
  timeout 600 bash -c 'printf "S\n" >"$1"' _ "$D/fifo" || return 1
  for ((i = 0; i < 60000; i++)); do
    [[ -e $D/result ]] && return 0
    sleep 0.01
  done
  return 1
}

# start D CONF: starts the daemon; sets PID (monitor) and CHILD.
start() {
  local D=$1
  ip netns exec "$IKT_NS_R" taskset -c "${BENCH_RESP_CPU:-0}" "$ISAKMPD" -d -n -K -c "$2" \
    -f "$D/fifo" -i "$D/isakmpd.pid" --result-file "$D/result" -D A=0 >"$D/isakmpd.stderr" 2>&1 &
  PID=$!
  ikt_register "$PID" "isakmpd-$(basename "$D")"
  local i
  for ((i = 0; i < 60000; i++)); do
    [[ -p $D/fifo ]] && break
    ikt_alive "$PID" || ikt_fail "isakmpd did not start: $(tail -3 "$D/isakmpd.stderr")"
    sleep 0.01
  done
  CHILD=$(awk '{print $1}' "/proc/$PID/task/$PID/children" 2>/dev/null)
}

stop() { ikt_stop_pid "$PID"; }

# gen_conf N: the isakmpd.conf above; peer I is 10.x.y.z (a()), its network 172.16+.y.z/32.
gen_conf() {
  awk -v n="$1" -v out="$IKT_R_OUT" -v psk="$PSK" 'function a(i) { return sprintf("10.%d.%d.%d", \
      int(i / 65536) % 256, int(i / 256) % 256, i % 256) }
    function net(i) { return sprintf("172.%d.%d.%d", 16 + int(i / 65536) % 16, \
      int(i / 256) % 256, i % 256) }
    BEGIN {
      printf "[General]\nListen-on=\t\t%s\nCheck-interval=\t\t3600\n\n[Phase 1]\n", out
      for (i = 1; i <= n; i++) printf "%s=\tpeer-%d\n", a(i), i
      for (j = 0; j < 64; j++) printf "10.99.1.%d=\tload-peer-%d\n", 100 + j, j
      printf "\n[Phase 2]\nPassive-connections=\t"
      for (i = 1; i <= n; i++) printf "%sconn-%d", (i > 1 ? "," : ""), i
      for (j = 0; j < 64; j++) printf ",load-conn-%d", j
      printf "\n"
      for (j = 0; j < 64; j++) {
        printf "\n[load-peer-%d]\nPhase=\t\t\t1\nAddress=\t\t10.99.1.%d\n", j, 100 + j
        printf "Authentication=\t\t%s\nConfiguration=\t\tp1-mm\n", psk
        printf "\n[load-conn-%d]\nPhase=\t\t\t2\nISAKMP-peer=\t\tload-peer-%d\n", j, j
        printf "Configuration=\t\tp2-qm\nLocal-ID=\t\tload-net\nRemote-ID=\t\tload-host-%d\n", j
        printf "\n[load-host-%d]\nID-type=\t\tIPV4_ADDR\nAddress=\t\t10.99.1.%d\n", j, 100 + j
      }
      printf "\n[load-net]\nID-type=\t\tIPV4_ADDR_SUBNET\nNetwork=\t\t10.99.20.0\n"
      printf "Netmask=\t\t255.255.255.0\n"
      for (i = 1; i <= n; i++) {
        printf "\n[peer-%d]\nPhase=\t\t\t1\nAddress=\t\t%s\n", i, a(i)
        printf "Authentication=\t\tsecret-%d-0123456789\nConfiguration=\t\tp1-mm\n", i
        printf "\n[conn-%d]\nPhase=\t\t\t2\nISAKMP-peer=\t\tpeer-%d\n", i, i
        printf "Configuration=\t\tp2-qm\nLocal-ID=\t\tlocal-net\nRemote-ID=\t\tnet-%d\n", i
        printf "\n[net-%d]\nID-type=\t\tIPV4_ADDR_SUBNET\nNetwork=\t\t%s\n", i, net(i)
        printf "Netmask=\t\t255.255.255.255\n"
      }
      printf "\n[local-net]\nID-type=\t\tIPV4_ADDR_SUBNET\nNetwork=\t\t192.168.0.0\n"
      printf "Netmask=\t\t255.255.0.0\n"
      printf "\n[p1-mm]\nDOI=\t\t\tIPSEC\nEXCHANGE_TYPE=\t\tID_PROT\n"
      printf "Transforms=\t\tAES-128-SHA-GRP19\n"
      printf "\n[p2-qm]\nDOI=\t\t\tIPSEC\nEXCHANGE_TYPE=\t\tQUICK_MODE\n"
      printf "Suites=\t\t\tQM-ESP-AES-128-SHA-SUITE\n"
    }'
}

# gen_rules N: the ipsec.conf(5) rules above, one per peer.
gen_rules() {
  awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
    printf "ike passive esp from 192.168.0.0/16 to 172.%d.%d.%d/32 peer 10.%d.%d.%d psk " \
      "\"secret-%d-0123456789\"\n", 16 + int(i / 65536) % 16, int(i / 256) % 256, i % 256,
      int(i / 65536) % 256, int(i / 256) % 256, i % 256, i }'
}

rows=()
for n in "${SIZES[@]}"; do
  # --- isakmpd.conf with n peers ---------------------------------------------------------
  D="$IKT_DIR/file-$n"
  mkdir -p "$D"
  gen_conf "$n" >"$D/isakmpd.conf"
  chmod 0600 "$D/isakmpd.conf"
  bytes=$(stat -c %s "$D/isakmpd.conf")
  t0=$(now_ns)
  start "$D" "$D/isakmpd.conf"
  status "$D" || ikt_fail "file $n: S not answered"
  load_s=$(since "$t0") load_cpu=$(cpu_s "$PID" "$CHILD") load_rss=$(rss_mb "$CHILD")
  c0=$(cpu_s "$PID" "$CHILD")
  t0=$(now_ns)
  timeout 600 bash -c 'printf "R\n" >"$1"' _ "$D/fifo"
  status "$D" || ikt_fail "file $n: S after R not answered"
  reload_s=$(since "$t0")
  reload_cpu=$(awk -v a="$c0" -v b="$(cpu_s "$PID" "$CHILD")" 'BEGIN { printf "%.2f", b - a }')
  reload_rss=$(rss_mb "$CHILD")
  grep -q "configuration reloaded" "$D/isakmpd.stderr" || ikt_fail "file $n: no reload logged"
  load=(ip netns exec "$IKT_NS_L" taskset -c "${BENCH_GEN_CPU:-1}" "$IKELOAD" --target "$IKT_R_OUT"
    --source 10.99.1.100-10.99.1.163 --psk "$PSK" --group 19 --remote-net 10.99.20.0/24
    --concurrency 32 --busy-poll --dh-private-one --responder-pid "$PID,$CHILD" --json)
  "${load[@]}" --count 200 >"$D/warmup.json" || ikt_fail "file $n: warm-up handshakes failed"
  "${load[@]}" --count "${BENCH_COUNT:-3000}" >"$D/load.json" ||
    ikt_fail "file $n: handshakes failed: $(cat "$D/load.json")"
  warm_max=$(sed -n 's/.*"max":\([0-9.]*\).*/\1/p' "$D/warmup.json")
  hs_cpu=$(sed -n 's/.*"responder_cpu_ms_per_handshake":\([0-9.]*\).*/\1/p' "$D/load.json")
  stop
  ikt_log "file $n ($bytes bytes): load ${load_s} s (CPU $load_cpu s, RSS $load_rss MB)," \
    "reload ${reload_s} s (CPU $reload_cpu s, RSS $reload_rss MB), first handshakes max" \
    "$warm_max ms, then $hs_cpu CPU ms per handshake"

  # --- the n connections active ----------------------------------------------------------
  D="$IKT_DIR/active-$n"
  mkdir -p "$D"
  sed 's/^Passive-connections=/Connections=/' "$IKT_DIR/file-$n/isakmpd.conf" >"$D/isakmpd.conf"
  chmod 0600 "$D/isakmpd.conf"
  start "$D" "$D/isakmpd.conf"
  sleep 4
  active_cpu=$(cpu_s "$CHILD") active_rss=$(rss_mb "$CHILD")
  t0=$(now_ns)
  status "$D" || ikt_fail "active $n: S not answered"
  active_s=$(since "$t0")
  stop
  ikt_log "active $n: CPU $active_cpu s after 4 s, RSS $active_rss MB, S in $active_s s"

  # --- ipsecctl -f with n rules ----------------------------------------------------------
  D="$IKT_DIR/ipsecctl-$n"
  mkdir -p "$D"
  printf '[General]\nListen-on=\t\t%s\n' "$IKT_R_OUT" >"$D/isakmpd.conf"
  gen_rules "$n" >"$D/ipsec.conf"
  chmod 0600 "$D/isakmpd.conf" "$D/ipsec.conf"
  start "$D" "$D/isakmpd.conf"
  status "$D" || ikt_fail "ipsecctl $n: S not answered"
  c0=$(cpu_s "$PID" "$CHILD")
  t0=$(now_ns)
  "$IPSECCTL" -f "$D/ipsec.conf" -i "$D/fifo" || ikt_fail "ipsecctl $n failed"
  status "$D" || ikt_fail "ipsecctl $n: S after the rules not answered"
  fifo_s=$(since "$t0")
  fifo_cpu=$(awk -v a="$c0" -v b="$(cpu_s "$PID" "$CHILD")" 'BEGIN { printf "%.2f", b - a }')
  fifo_rss=$(rss_mb "$CHILD")
  stop
  ikt_log "ipsecctl $n: ${fifo_s} s (CPU $fifo_cpu s, RSS $fifo_rss MB)"
  rows+=("$(printf '%8s %10s %6s %6s %7s %8s %6s %7s %9s %7s %10s %7s %8s %10s %6s %7s' \
    "$n" "$bytes" "$load_s" "$load_cpu" "$load_rss" "$reload_s" "$reload_cpu" "$reload_rss" \
    "$warm_max" "$hs_cpu" "$active_cpu" "$active_rss" "$active_s" "$fifo_s" "$fifo_cpu" \
    "$fifo_rss")")
done
printf '%8s %10s %6s %6s %7s %8s %6s %7s %9s %7s %10s %7s %8s %10s %6s %7s\n' peers \
  "conf bytes" "load s" CPU "RSS MB" "reload s" CPU "RSS MB" "1st hs ms" "ms/hs" "active CPU" \
  "RSS MB" "S s" "ipsecctl s" CPU "RSS MB"
printf '%s\n' "${rows[@]}"
