#!/usr/bin/env bash
# bench/ikeload_isakmpd.sh: measures our isakmpd as a responder with ikeload(1) (issue #7).
#
#   bench/ikeload_isakmpd.sh ISAKMPD IKELOAD [OUTDIR]
#
# Two network namespaces (tests/interop/lib.sh topology, 64 source addresses 10.99.1.100-163 on
# the left), `isakmpd -d -n -D A=0` (privilege separation on: monitor + engine child) pinned to
# CPU ${BENCH_RESP_CPU:-0} on the right, ikeload pinned to CPU ${BENCH_GEN_CPU:-1} on the left.
# For each group in ${BENCH_GROUPS:-14 19}: Main Mode PSK + Quick Mode without PFS, closed loop
# ${BENCH_CONCURRENCY:-32}, ${BENCH_COUNT:-3000} handshakes, ikeload --json appended to
# OUTDIR/<group>.json (a group may be listed several times: runs against the same daemon), the
# engine child's VmRSS logged after each run;
# with BENCH_AUTH=rsa the phase 1 is RSA_SIG instead of PSK (RSA-2048 certificates from
# tests/pki/make_pki.sh, as bench/lib_compare.sh: the responder has CA-directory, Cert-directory
# and Private-key, ikeload sends its certificate for the FQDN ID load.ikt.test);
# with BENCH_BUSY_POLL=1 ikeload runs with --busy-poll (it never sleeps, so the responder's
# sends do not have to wake it; see ikeload(1)); with BENCH_DH_PRIVATE_ONE=1 it runs with
# --dh-private-one (no exponentiation on the generator's side, so it stays the cheaper side);
# with BENCH_PERF=1 a second run is sampled by `perf record` on the engine child (no call graph)
# and OUTDIR/<group>.perf.txt holds `perf report --stdio` (top symbols).
# Exit: 0 when every run had 0 failures.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/interop/lib.sh
source "$here/../tests/interop/lib.sh"

ISAKMPD=${1:?usage: $0 ISAKMPD IKELOAD [OUTDIR]}
IKELOAD=${2:?usage: $0 ISAKMPD IKELOAD [OUTDIR]}
OUT=${3:-$(mktemp -d /tmp/ikeload-bench-XXXXXX)}
mkdir -p "$OUT"
PSK=ikeload-bench-secret-0123456789
export IKT_SKIP_SETUP=${IKT_SKIP_SETUP:-1}
ikt_init ikeload-bench
ikt_topology
for ((i = 0; i < 64; i++)); do ip -n "$IKT_NS_L" addr add "10.99.1.$((100 + i))/24" dev eth0; done
D="$IKT_DIR/R"
mkdir -p "$D"
auth_line="Authentication=		$PSK" x509="" tr="AES-128-SHA-GRP14,AES-128-SHA-GRP19"
auth_args=(--psk "$PSK")
if [[ ${BENCH_AUTH:-psk} == rsa ]]; then
  PKI="$IKT_DIR/pki"
  "$here/../tests/pki/make_pki.sh" "$PKI" "load=DNS:load.ikt.test" "resp=IP:$IKT_R_OUT" \
    >"$IKT_DIR/make_pki.out" 2>&1 || ikt_fail "make_pki.sh failed"
  mkdir -p "$D/ca" "$D/certs"
  cp "$PKI/ca/ca.crt" "$D/ca/"
  cp "$PKI/resp/cert.pem" "$D/certs/resp.pem"
  install -m 0600 "$PKI/resp/key.pem" "$D/local.key"
  auth_line="" tr="AES-128-SHA-GRP14-RSA_SIG,AES-128-SHA-GRP19-RSA_SIG"
  x509="[X509-certificates]
CA-directory=		$D/ca/
Cert-directory=		$D/certs/
Private-key=		$D/local.key"
  auth_args=(--auth rsa --cert "$PKI/load/cert.pem" --key "$PKI/load/key.pem"
    --ca "$PKI/ca/ca.crt" --id-fqdn load.ikt.test)
fi
cat >"$D/isakmpd.conf" <<EOC
[General]
Listen-on=		$IKT_R_OUT
Exchange-max-time=	30
Check-interval=		3600
[Phase 1]
Default=		peer-any
[Phase 2]
Passive-connections=	load-in
[peer-any]
Phase=			1
Configuration=		p1-mm
$auth_line
[p1-mm]
DOI=			IPSEC
EXCHANGE_TYPE=		ID_PROT
Transforms=		$tr
[load-in]
Phase=			2
ISAKMP-peer=		peer-any
Configuration=		p2-qm
[p2-qm]
DOI=			IPSEC
EXCHANGE_TYPE=		QUICK_MODE
Suites=			QM-ESP-AES-128-SHA-SUITE
$x509
EOC
chmod 0600 "$D/isakmpd.conf"
ip netns exec "$IKT_NS_R" taskset -c "${BENCH_RESP_CPU:-0}" "$ISAKMPD" -d -n -K -c "$D/isakmpd.conf" \
  -f "$D/fifo" -i "$D/isakmpd.pid" -D A=0 >"$D/isakmpd.stderr" 2>&1 &
pid=$!
ikt_register "$pid" isakmpd-R
ikt_wait_for 10 "isakmpd FIFO" test -p "$D/fifo" || ikt_fail "isakmpd did not start"
child=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null | awk '{print $1}')
ikt_log "isakmpd monitor $pid, engine child ${child:-none}"
rc=0
for group in ${BENCH_GROUPS:-14 19}; do
  load=(ip netns exec "$IKT_NS_L" taskset -c "${BENCH_GEN_CPU:-1}" "$IKELOAD" --target "$IKT_R_OUT"
    --source 10.99.1.100-10.99.1.163 "${auth_args[@]}" --group "$group"
    --concurrency "${BENCH_CONCURRENCY:-32}" --count "${BENCH_COUNT:-3000}" --responder-pid "$pid")
  [[ ${BENCH_BUSY_POLL:-0} == 1 ]] && load+=(--busy-poll)
  [[ ${BENCH_DH_PRIVATE_ONE:-0} == 1 ]] && load+=(--dh-private-one)
  "${load[@]}" --json >>"$OUT/$group.json" || rc=1
  ikt_log "group $group: $(cat "$OUT/$group.json")"
  [[ -n $child ]] && ikt_log "engine child $(grep VmRSS "/proc/$child/status" | tr -s ' \t' ' ')"
  if [[ ${BENCH_PERF:-0} == 1 && -n $child ]]; then
    # BENCH_PERF_CALLGRAPH=dwarf: callers too (OUTDIR/<group>.perf-callers.txt).
    perf record -o "$OUT/$group.perf.data" -F 2999 ${BENCH_PERF_CALLGRAPH:+--call-graph "$BENCH_PERF_CALLGRAPH"} \
      -p "$child" >/dev/null 2>&1 &
    perfpid=$!
    "${load[@]}" --json >"$OUT/$group.perfrun.json" || rc=1
    kill -INT "$perfpid"
    wait "$perfpid"
    perf report -i "$OUT/$group.perf.data" --stdio --no-children --sort symbol 2>/dev/null |
      grep -v '^#' | grep -v '^$' | head -40 >"$OUT/$group.perf.txt"
    perf report -i "$OUT/$group.perf.data" --stdio --no-children --sort dso 2>/dev/null |
      grep -v '^#' | grep -v '^$' | head -12 >"$OUT/$group.perf-dso.txt"
    if [[ -n ${BENCH_PERF_CALLGRAPH:-} ]]; then
      perf report -i "$OUT/$group.perf.data" --stdio --no-children -G --percent-limit 3 \
        2>/dev/null | grep -v '^#' | grep -v '^$' | head -300 >"$OUT/$group.perf-callers.txt"
    fi
  fi
done
ikt_log "results in $OUT"
exit $rc
