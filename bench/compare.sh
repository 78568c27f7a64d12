#!/usr/bin/env bash
# bench/compare.sh: side-by-side IKEv1 responder benchmark (issue #7): our isakmpd, strongSwan
# charon and libreswan pluto, in one run on this machine.
#
#   bench/compare.sh [--quick] [--json] [--rounds N] [--count N] [--concurrency N]
#                    [--daemons "isakmpd strongswan libreswan"] [--sa-pairs "1000 10000"]
#                    [--sa-pairs-ours "100000"] [--memory-cells "psk:19 psk:14 rsa:19 rsa:14"]
#                    [--pluto-rsa-pairs "1000"] [--generator-sleeps] [--generator-full-dh]
#                    [--out DIR]
#
# 1. Builds build/release (isakmpd, ikeload, crypto_bench, exchange_bench) when a binary is
#    missing (CMake preset "release", ccache when available).
# 2. Crypto floor, measured now on the responder core: crypto_bench DhGenerate + DhDerive of
#    the group (for MODP2048, g^x by OpenSSL's generic exponentiation, ModpGenerateGeneric:
#    the floor of OpenSSL's DH, not of our fixed-base comb), exchange_bench Phase1Keys(SHA1)
#    + 2 x Keymat (one KEYMAT per direction), and for RSA-2048 `openssl speed rsa2048`: 1 sign
#    (HASH_R) + 2 verify (HASH_I and the initiator's certificate): the DH and key floor of
#    Main Mode + Quick Mode without PFS ("x floor"). The rest of the responder's cryptography
#    (message HASHes, IVs, AES-CBC of five messages, random bytes: exchange_bench
#    BM_ResponderMessageCrypto, ~6 us, a tenth of the ECP256 floor) is added for the "x crypto"
#    column.
# 3. Two namespaces (tests/interop/lib.sh), ikeload (64 source addresses) on CPU
#    $CMP_GEN_CPU (1), the responder on CPU $CMP_RESP_CPU (0) via taskset. ROUNDS times, the
#    responders in turn (isakmpd, charon, pluto, ...): per auth (PSK, RSA-2048 certificates)
#    a fresh responder, then MODP2048 and ECP256 runs of COUNT handshakes (closed loop,
#    CONCURRENCY in flight): handshakes/s, responder CPU ms per handshake (utime+stime of all its
#    processes from /proc, by ikeload --responder-pid), p99 latency. ikeload runs with
#    --busy-poll: it never sleeps, so no reply has to wake it. On this one machine the veth
#    pair delivers a reply inside the responder's sendmsg, and waking a sleeping generator
#    from there was charged to the responder (docs/PERFORMANCE.md, twelfth session);
#    --generator-sleeps measures the old way. ikeload also runs with --dh-private-one: its DH
#    private value is 1, so it makes no exponentiation while each responder still makes both of
#    its own. A generator that costs more than the responder leaves the responder idle between
#    datagrams, and waking it was then charged to it (thirteenth session);
#    --generator-full-dh measures with the reused random key pair.
# 4. Memory: for each cell of --memory-cells (AUTH:GROUP, default "psk:19 psk:14 rsa:19
#    rsa:14") and each responder, a fresh responder, its RSS (all its processes) when started
#    ("cold"), then WARMUP (8) handshakes whose SAs are deleted, RSS again ("before"), then
#    ikeload --keep-sas from distinct addresses (10.100.0.0/14, a local route in the left
#    namespace) until each level of --sa-pairs is reached: (RSS - RSS before) / pairs. With
#    RSA, ikeload issues each address a certificate of its own (--ca-key, the test CA's key),
#    so every pair is between distinct identities, as with PSK (one shared certificate made
#    charon and pluto slow down with the SAs they held: docs/PERFORMANCE.md, fifteenth
#    session). The warm-up pages in the code and tables the first handshake touches
#    (libcrypto's, the daemon's), which are not memory per SA pair; the cold figure is printed
#    as well. Our daemon also goes on to --sa-pairs-ours. pluto's RSA cells stop at
#    --pluto-rsa-pairs (1000): its CPU per new RSA_SIG SA grows with the SAs it holds, distinct
#    identities or not (about 53 ms per handshake between 1 000 and 5 000 pairs,
#    docs/PERFORMANCE.md, sixteenth session), so 10 000 pairs would take it over 10 minutes
#    per cell.
# 5. Median over rounds; a table on stdout (--json: one JSON object), raw results in
#    OUT/results.jsonl, logs on stderr. Our daemon: seconds until `S` is answered at each level.
# Exit 0 when every handshake of every run succeeded and every figure was measured, else 1.
# CMP_ISAKMPD=PATH runs another isakmpd binary as ours (an A/B against the build; default
# build/release's); CMP_BUILD=DIR another build tree.
# Defaults: 5 rounds of 1000 handshakes, 32 in flight; SA pairs 1000, 10000 (--sa-pairs-ours
# 100000 adds a level for our daemon only; see docs/PERFORMANCE.md for why it is not default).
# --quick: 1 round, 60 handshakes per run, 300 SA pairs: a smoke test of the whole pipeline.
# Namespaces, daemons and the run directory are cleaned by lib.sh's EXIT trap: only processes
# this script started are stopped.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
export IKT_SKIP_SETUP=${IKT_SKIP_SETUP:-1}
# shellcheck source=tests/interop/lib.sh
source "$root/tests/interop/lib.sh"
# shellcheck source=bench/lib_compare.sh
source "$here/lib_compare.sh"

ROUNDS=5 COUNT=1000 CONC=32 DAEMONS="isakmpd strongswan libreswan" SA_PAIRS="1000 10000"
SA_OURS="" JSON=0 OUT="" GEN_POLL=(--busy-poll) GEN_DH=(--dh-private-one) WARMUP=8
MEM_CELLS="psk:19 psk:14 rsa:19 rsa:14" PLUTO_RSA_PAIRS=1000
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) ROUNDS=1 COUNT=60 SA_PAIRS=300 SA_OURS="" PLUTO_RSA_PAIRS=300 ;;
    --json) JSON=1 ;;
    --rounds) ROUNDS=$2; shift ;;
    --count) COUNT=$2; shift ;;
    --concurrency) CONC=$2; shift ;;
    --daemons) DAEMONS=$2; shift ;;
    --sa-pairs) SA_PAIRS=$2; shift ;;
    --sa-pairs-ours) SA_OURS=$2; shift ;;
    --memory-cells) MEM_CELLS=$2; shift ;;
    --pluto-rsa-pairs) PLUTO_RSA_PAIRS=$2; shift ;;
    --generator-sleeps) GEN_POLL=() ;;
    --generator-full-dh) GEN_DH=() ;;
    --out) OUT=$2; shift ;;
    *) sed -n '2,60p' "$0" >&2; exit 2 ;;
  esac
  shift
done
CMP_RESP_CPU=${CMP_RESP_CPU:-0} CMP_GEN_CPU=${CMP_GEN_CPU:-1}
CMP_PSK=compare-bench-secret-0123456789
REL=${CMP_BUILD:-$root/build/release}
CMP_ISAKMPD=${CMP_ISAKMPD:-$REL/src/daemon/isakmpd} IKELOAD=$REL/tools/ikeload/ikeload

log() { echo "compare: $*" >&2; }

if [[ ! -x $CMP_ISAKMPD || ! -x $IKELOAD || ! -x $REL/bench/crypto_bench || ! -x $REL/bench/exchange_bench ]]; then
  log "building $REL"
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  # IKE_WERROR=OFF: GCC 12 at -O3 reports false -Warray-bounds / -Wmaybe-uninitialized in
  # src/daemon (nat_t_framing.cc, monitor_protocol.cc) that the debug build does not see.
  (cd "$root" && cmake --preset release -DIKE_WERROR=OFF "${launcher[@]}" >&2 &&
    cmake --build "$REL" -j2 --target isakmpd ikeload crypto_bench exchange_bench >&2) ||
    { log "release build failed"; exit 1; }
fi

ikt_init compare
# Without --out the raw results go with the run directory (removed after a successful run).
[[ -n $OUT ]] || OUT=$IKT_DIR/out
mkdir -p "$OUT"
RES=$OUT/results.jsonl
: >"$RES"
ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# --- 2. crypto floor ---------------------------------------------------------------------------
log "measuring the crypto floor on CPU $CMP_RESP_CPU"
taskset -c "$CMP_RESP_CPU" "$REL/bench/crypto_bench" --benchmark_format=json --benchmark_min_time=0.2 \
  --benchmark_filter='BM_(Dh(Generate|Derive)|ModpGenerateGeneric)/(14|19)$' >"$OUT/crypto_bench.json" 2>/dev/null ||
  ikt_fail "crypto_bench failed"
taskset -c "$CMP_RESP_CPU" "$REL/bench/exchange_bench" --benchmark_format=json --benchmark_min_time=0.2 \
  --benchmark_filter='BM_Phase1Keys/2$|BM_Keymat$|BM_ResponderMessageCrypto$' >"$OUT/exchange_bench.json" 2>/dev/null ||
  ikt_fail "exchange_bench failed"
taskset -c "$CMP_RESP_CPU" openssl speed -seconds 1 rsa2048 >"$OUT/openssl_speed.txt" 2>/dev/null ||
  ikt_fail "openssl speed failed"

# --- 3. topology, PKI ------------------------------------------------------------------------
ikt_topology
for ((i = 0; i < 64; i++)); do ip -n "$IKT_NS_L" addr add "10.99.1.$((100 + i))/24" dev eth0; done
# Keep-SA runs: every handshake from its own address (INITIAL-CONTACT deletes a peer's older SAs).
ip -n "$IKT_NS_L" route add local 10.100.0.0/14 dev lo || ikt_fail "local route 10.100.0.0/14"
ip -n "$IKT_NS_R" route add 10.100.0.0/14 via "$IKT_L_OUT" || ikt_fail "route 10.100.0.0/14"
CMP_PKI=$IKT_DIR/pki
"$root/tests/pki/make_pki.sh" "$CMP_PKI" "load=DNS:load.ikt.test" "resp=IP:$IKT_R_OUT" \
  >"$IKT_DIR/make_pki.out" 2>&1 || ikt_fail "make_pki.sh failed"

n_start=0
start() { # KIND AUTH (sets CMP_DIR, CMP_PID)
  n_start=$((n_start + 1))
  CMP_DIR="$IKT_DIR/R$n_start-$1-$2"
  mkdir -p "$CMP_DIR"
  "cmp_start_$1" "$2" "$CMP_DIR"
  sleep 0.5
}
# A responder that does not exit within 5 s of SIGTERM is killed (pluto deleting 10 000 SAs),
# and what it put in the kernel stays: pluto's XFRM policies (the preload shim turns only SA
# installs into no-ops) then drop the next responder's replies to the same addresses. Each
# responder therefore starts with the right namespace's XFRM state and policies flushed.
stop() {
  ikt_stop_pid "$CMP_PID"
  ip -n "$IKT_NS_R" xfrm policy flush && ip -n "$IKT_NS_R" xfrm state flush ||
    log "cannot flush XFRM in $IKT_NS_R"
}

# auth_args AUTH [per-source]: ikeload's authentication options for psk or rsa, in the array
# AUTH_ARGS. RSA: one certificate and identity (load.ikt.test) for every handshake, or with
# per-source a certificate per source address that ikeload issues with the test CA's key
# (--ca-key), so that each address is an identity of its own, as with PSK.
auth_args() {
  AUTH_ARGS=(--psk "$CMP_PSK")
  if [[ $1 == rsa && ${2:-} == per-source ]]; then
    AUTH_ARGS=(--auth rsa --key "$CMP_PKI/load/key.pem" --ca "$CMP_PKI/ca/ca.crt"
      --ca-key "$CMP_PKI/ca/ca.key")
  elif [[ $1 == rsa ]]; then
    AUTH_ARGS=(--auth rsa --cert "$CMP_PKI/load/cert.pem" --key "$CMP_PKI/load/key.pem"
      --ca "$CMP_PKI/ca/ca.crt" --id-fqdn load.ikt.test)
  fi
}

load() { # KIND AUTH GROUP ROUND
  local out
  auth_args "$2"
  out=$(ip netns exec "$IKT_NS_L" taskset -c "$CMP_GEN_CPU" "$IKELOAD" --target "$IKT_R_OUT" \
    --source 10.99.1.100-10.99.1.163 "${AUTH_ARGS[@]}" --group "$3" --concurrency "$CONC" \
    --count "$COUNT" --timeout 10 --responder-pid "$CMP_PID" "${GEN_POLL[@]}" "${GEN_DH[@]}" \
    --json \
    2>>"$IKT_DIR/ikeload.stderr")
  log "round $4 $1 $2 group $3: ${out:-ikeload failed}"
  [[ -n $out ]] || out='{"failed":-1}'
  printf '{"kind":"load","daemon":"%s","auth":"%s","group":%s,"round":%s,"r":%s}\n' \
    "$1" "$2" "$3" "$4" "$out" >>"$RES"
}

for ((round = 1; round <= ROUNDS; round++)); do
  for kind in $DAEMONS; do
    for auth in psk rsa; do
      start "$kind" "$auth"
      load "$kind" "$auth" 14 "$round"
      load "$kind" "$auth" 19 "$round"
      ikt_alive "$CMP_PID" || log "$kind ($auth) died during round $round"
      stop
    done
  done
done

# --- 4. memory per established SA pair ---------------------------------------------------------
ip4() { printf '10.%d.%d.%d' $((100 + $1 / 65536)) $(($1 / 256 % 256)) $(($1 % 256)); }
# One socket per kept pair in a chunk: chunks stay below the open-file limit.
maxchunk=$(($(ulimit -n) - 200))
((maxchunk > 50000)) && maxchunk=50000
memory() { # KIND AUTH GROUP: a fresh responder, warm-up, then each level of kept pairs
  local kind=$1 auth=$2 group=$3 rss_cold rss0 rss have=0 established=0 level levels chunk
  local first last out ok status stop_s
  start "$kind" "$auth"
  auth_args "$auth" per-source
  rss_cold=$(cmp_rss_kb "$CMP_PID")
  out=$(ip netns exec "$IKT_NS_L" taskset -c "$CMP_GEN_CPU" "$IKELOAD" --target "$IKT_R_OUT" \
    --source 10.99.1.100-10.99.1.107 "${AUTH_ARGS[@]}" --group "$group" --concurrency 8 \
    --count "$WARMUP" --timeout 10 --json 2>>"$IKT_DIR/ikeload.stderr")
  log "$kind $auth group $group warm-up: ${out:-ikeload failed}"
  sleep 1
  rss0=$(cmp_rss_kb "$CMP_PID")
  levels=$SA_PAIRS
  [[ $kind == isakmpd ]] && levels="$SA_PAIRS $SA_OURS"
  [[ $kind == libreswan && $auth == rsa ]] && levels=$PLUTO_RSA_PAIRS
  for level in $levels; do
    while ((have < level)); do
      chunk=$((level - have))
      ((chunk > maxchunk)) && chunk=$maxchunk
      first=$((have + 1)) last=$((have + chunk))
      out=$(ip netns exec "$IKT_NS_L" taskset -c "$CMP_GEN_CPU" "$IKELOAD" --target "$IKT_R_OUT" \
        --source "$(ip4 $first)-$(ip4 $last)" --slots "$chunk" "${AUTH_ARGS[@]}" \
        --group "$group" --concurrency "$CONC" --count "$chunk" --timeout 20 --keep-sas \
        --responder-pid "$CMP_PID" --json 2>>"$IKT_DIR/ikeload.stderr")
      log "$kind $auth group $group keep-sas $first-$last: ${out:-ikeload failed}"
      ok=$(sed -n 's/.*"succeeded":\([0-9]*\).*/\1/p' <<<"$out")
      have=$((have + chunk)) established=$((established + ${ok:-0}))
    done
    sleep 1
    rss=$(cmp_rss_kb "$CMP_PID") status=null
    # Our daemon: time until `S` (status of every SA) has been answered.
    [[ $kind == isakmpd ]] && status=$(cmp_status_s "$CMP_DIR")
    printf '{"kind":"rss","daemon":"%s","auth":"%s","group":%s,"pairs":%s,"established":%s,"rss_cold_kb":%s,"rss0_kb":%s,"rss_kb":%s,"status_s":%s}\n' \
      "$kind" "$auth" "$group" "$level" "$established" "$rss_cold" "$rss0" "$rss" "$status" >>"$RES"
    log "$kind $auth group $group, $level pairs ($established established):" \
      "RSS $rss_cold / $rss0 -> $rss KiB, S answered in $status s"
  done
  # Our daemon: SIGTERM with every pair still up, until the process has exited (it sends a
  # DELETE for each SA, as isakmpd does, and removes them from the kernel backend).
  if [[ $kind == isakmpd && $have -gt 0 ]]; then
    stop_s=$(cmp_stop_s "$CMP_PID" 120)
    printf '{"kind":"stop","daemon":"%s","auth":"%s","group":%s,"pairs":%s,"stop_s":%s}\n' \
      "$kind" "$auth" "$group" "$have" "$stop_s" >>"$RES"
    log "$kind $auth group $group stopped with $have pairs in $stop_s s"
  fi
  stop
}
if [[ -n $SA_PAIRS$SA_OURS ]]; then
  for cell in $MEM_CELLS; do
    for kind in $DAEMONS; do
      memory "$kind" "${cell%:*}" "${cell#*:}"
    done
  done
fi

report_args=()
[[ $JSON == 1 ]] && report_args=(--json)
python3 "$here/compare_report.py" --results "$RES" --crypto "$OUT/crypto_bench.json" \
  --exchange "$OUT/exchange_bench.json" --openssl "$OUT/openssl_speed.txt" \
  --machine "$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r), $(openssl version | cut -d' ' -f1-2)" \
  --meta "rounds=$ROUNDS count=$COUNT concurrency=$CONC" "${report_args[@]}" ||
  ikt_fail "report: a run failed, a handshake failed, or a measurement is missing"
log "raw results in $RES"
