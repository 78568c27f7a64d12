#!/usr/bin/env bash
# tests/interop/hostile/run_hostile.sh: the malformed-packet corpus and the CVE suite against a
# running isakmpd (shared reliability notes §A4 P1 + P2), in the interop topology of lib.sh.
#
#   run_hostile.sh ISAKMPD
#
# Left namespace (10.99.1.1): our isakmpd under test, privilege separation on (started as root),
# -S (passive until `M active`), connection "ikt" as initiator towards the right side, and
# [Phase 1]:Default for any other address (PSK), so the attacker can run Main Mode and the prober
# gets MM2. Right namespace: a second isakmpd (10.99.1.2, responder for "ikt"), the attacker
# (10.99.1.3) and eight prober addresses (10.99.1.4-11).
#   1. "before": hostile.py sends the whole corpus and every CVE sequence once (no SA with the
#      right side yet; the attacker's own Main Mode sessions are the only SAs).
#   2. `M active`: phase 1 + 2 with the second isakmpd; SPIs recorded.
#   3. "after": one warm-up replay, RSS of the engine child, then replays until
#      HOSTILE_MIN_PACKETS (default 10000; HOSTILE_LONG=1: 50000) hostile datagrams, RSS again
#      (both after Exchange-max-time, so that no probe exchange is alive); growth must be < 1 MB.
#   4. The SA with the right side survived and still rekeys by itself: phase-2 lifetime
#      HOSTILE_P2_LIFE (default 40 s) on both daemons, so our soft timer (85-95 %) rekeys "ikt"
#      every 34-38 s during the barrage too. The ISAKMP SA is unchanged (same cookies), exactly
#      one pair is live, and every pair seen since step 2 was replaced by a rekey (the
#      "replaced by" log chain leads from the first SPI to the current one). Then, with no FIFO
#      command, the rekey timer must create a NEW pair (new SPIs, same cookies) within
#      HOSTILE_P2_LIFE + 10 s, and the old pair must be gone (deleted) from the JSON status.
#   5. The JSON status counters: datagrams received by the engine == what hostile.py sent that
#      reaches the engine (UDP 500, 4500 with the non-ESP marker; RFC 3948 drops the rest in the
#      transport) + probes + the attacker's own set-up exchanges + the rekey traffic from the
#      second isakmpd (an nftables counter in the left namespace); drops by reason reported.
# After every hostile datagram hostile.py checks the PIDs and the 1-s liveness probe.
# Prints a summary; exit 0 pass, 1 fail, 77 not root.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/interop/lib.sh
source "$here/../lib.sh"

[[ $# -ge 1 ]] || { echo "usage: $0 ISAKMPD" >&2; exit 2; }
IKT_ISAKMPD=$1
PSK=ikt-hostile-secret-0123456789
PY=${HOSTILE_PYTHON:-/usr/bin/python3}
if [[ ${HOSTILE_LONG:-0} == 1 ]]; then MIN=${HOSTILE_MIN_PACKETS:-50000}; else MIN=${HOSTILE_MIN_PACKETS:-10000}; fi
ATTACKER=10.99.1.3
PROBERS=(10.99.1.4 10.99.1.5 10.99.1.6 10.99.1.7 10.99.1.8 10.99.1.9 10.99.1.10 10.99.1.11)
EXCHANGE_MAX_TIME=5
P2_LIFE=${HOSTILE_P2_LIFE:-40}

ikt_init hostile
"$PY" -c 'import scapy, cryptography' 2>/dev/null ||
  ikt_fail "$PY lacks scapy or cryptography (run scripts/lab/setup.sh)"
ikt_topology
for a in "$ATTACKER" "${PROBERS[@]}"; do
  ip -n "$IKT_NS_R" addr add "$a/24" dev eth0 || ikt_fail "cannot add $a"
done

# --- our daemon under test (left) ---------------------------------------------------------
IKT_ISAKMPD_EXCHANGE_MAX_TIME=$EXCHANGE_MAX_TIME ikt_isakmpd_conf L initiator AES-128-SHA-GRP14 \
  QM-ESP-AES-128-SHA-SUITE tunnel "$PSK"
LD="$IKT_DIR/L"
sed -i 's/^\[Phase 1\]$/[Phase 1]\nDefault=\t\tpeer-any/' "$LD/isakmpd.conf"
# The eight probers send ~100 MM1/s for the whole run and never finish them: with
# Exchange-max-time=5 that is ~60 half-open exchanges per prober address, over the default
# per-peer cap (16, isakmpd.conf(5) Max-half-open-per-peer). The caps are the flood test's
# subject (interop_flood_mm1); here they are raised so that every probe must be answered.
sed -i 's/^\[General\]$/[General]\nMax-half-open-per-peer=\t256/' "$LD/isakmpd.conf"
# Short phase-2 lifetime (bounds 10:86400, as run_liveness.sh): the SA rekeys by itself.
short_life() { printf '\n[General]\nDefault-phase-2-lifetime=\t%s,10:86400\n' "$P2_LIFE" >>"$1"; }
short_life "$LD/isakmpd.conf"
# Datagrams from the second isakmpd to our daemon (rekey Quick Modes, DELETEs): they reach the
# engine during the hostile phases too and are added to the expected counter.
ip netns exec "$IKT_NS_L" nft -f - <<NFT || ikt_fail "nftables counter"
table ip ikt_hostile {
  counter from_peer {}
  chain input {
    type filter hook input priority 0; policy accept;
    ip saddr $IKT_R_OUT udp dport { 500, 4500 } counter name from_peer
  }
}
NFT
from_peer() {
  ip netns exec "$IKT_NS_L" nft list counter ip ikt_hostile from_peer |
    sed -n 's/.*packets \([0-9]*\).*/\1/p'
}
cat >>"$LD/isakmpd.conf" <<EOF

[peer-any]
Phase=			1
Local-address=		$IKT_L_OUT
Configuration=		any-main-mode
Authentication=		$PSK

[any-main-mode]
DOI=			IPSEC
EXCHANGE_TYPE=		ID_PROT
Transforms=		AES-128-SHA-GRP14,AES-128-SHA-GRP19
EOF
IKT_ISAKMPD_DEBUG=${HOSTILE_DEBUG:-0} \
  IKT_ISAKMPD_EXTRA_ARGS="-S -R $LD/report --status-json $LD/status.json" ikt_isakmpd_start L
LPID=$(ikt_isakmpd_pid L)
sleep 0.5
child_pid() { cut -d' ' -f1 "/proc/$LPID/task/$LPID/children" 2>/dev/null; }
CPID=$(child_pid)
[[ -n $CPID ]] || ikt_fail "isakmpd runs without privilege separation (no child of $LPID)"
ikt_log "isakmpd under test: monitor $LPID, engine $CPID (uid $(awk '/^Uid/{print $2}' /proc/$CPID/status))"

rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$CPID/status"; }

# status_json OUT: `r` through the FIFO, waits for a fresh JSON status file, copies it to OUT.
status_json() {
  rm -f "$LD/status.json"
  ikt_isakmpd_cmd L r || return 1
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s $LD/status.json ]] && { sleep 0.1; cp "$LD/status.json" "$1"; return 0; }
    sleep 0.1
  done
  ikt_log "no status JSON 5 s after 'r'"
  return 1
}

hostile() { # TAG REPLAYS MIN_PACKETS
  local pargs=() p
  for p in "${PROBERS[@]}"; do pargs+=(--prober "$p"); done
  ip netns exec "$IKT_NS_R" "$PY" "$here/hostile.py" --target "$IKT_L_OUT" --attacker "$ATTACKER" \
    "${pargs[@]}" --pid "$LPID" --psk "$PSK" --out "$IKT_DIR/$1.json" --tag "$1" --replays "$2" \
    --min-packets "$3" ${HOSTILE_ARGS:-} 2>"$IKT_DIR/$1.stderr"
  local rc=$?
  tail -n 5 "$IKT_DIR/$1.stderr" >&2
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("ikt: %s: %d datagrams, %d probes p50 %.2f ms p99 %.2f ms, %d sessions, %d failures, %.1f s" % (d["tag"], d["packets_sent"], d["probes"], d["probe_p50_ms"], d["probe_p99_ms"], d["sessions"], d["failure_count"], d["seconds"]))' \
    "$IKT_DIR/$1.json" >&2
  [[ $rc -eq 0 ]] || ikt_fail "hostile.py ($1) failed: $(head -c 2000 "$IKT_DIR/$1.stderr")"
}

counters() { # TAG before.json after.json phase.json DATAGRAMS_FROM_PEER
  "$PY" "$here/check_counters.py" "$@" || ikt_fail "JSON status counters do not match ($1)"
}

lines() { wc -l <"$LD/isakmpd.stderr"; }
# attack_lines FROM TO: log lines in that range, without the probers' own exchanges (each probe
# leaves a half-open exchange that times out with two warning lines).
attack_lines() {
  sed -n "$(($1 + 1)),$2p" "$LD/isakmpd.stderr" | grep -cvE '10\.99\.1\.([4-9]|1[01]):'
}

# --- 1. before any SA with the right side ------------------------------------------------------
status_json "$IKT_DIR/s0.json" || ikt_fail "status"
L0=$(lines)
hostile before 1 0
sleep 0.5
status_json "$IKT_DIR/s1.json" || ikt_fail "status"
counters before "$IKT_DIR/s0.json" "$IKT_DIR/s1.json" "$IKT_DIR/before.json" 0
L1=$(lines)

# --- 2. an SA with a second isakmpd --------------------------------------------------------------
ikt_isakmpd_conf R responder AES-128-SHA-GRP14 QM-ESP-AES-128-SHA-SUITE tunnel "$PSK"
short_life "$IKT_DIR/R/isakmpd.conf"
ikt_isakmpd_start R
ikt_isakmpd_cmd L "M active" || ikt_fail "M active"
ikt_isakmpd_cmd L "c ikt" || true
ikt_wait_for 30 "phase 1 + 2 between the two isakmpd" ikt_isakmpd_established L ||
  ikt_fail "no SA between our daemon and the second isakmpd"
# ikt_sa: "in=.. out=.. cookies=..:.. pairs=N" of the phase-2 SAs named ikt (JSON status).
ikt_sa() {
  status_json "$IKT_DIR/sa.json" || return 1
  "$PY" -c 'import json,sys
sas=[s for s in json.load(open(sys.argv[1]))["phase2_sas"] if s["name"]=="ikt"]
s=sas[-1] if sas else {}
print("in=%s out=%s cookies=%s:%s pairs=%d" % (s.get("in_spi"), s.get("out_spi"), s.get("icookie"), s.get("rcookie"), len(sas)))' "$IKT_DIR/sa.json"
}
SPIS0=$(ikt_sa) || ikt_fail "no SPIs"
[[ $SPIS0 == *pairs=1 ]] || ikt_fail "expected one phase-2 SA: $SPIS0"
ikt_log "established: $SPIS0"

# --- 3. after: warm-up, RSS, replays, RSS ------------------------------------------------------
hostile after-warmup 1 0
sleep $((EXCHANGE_MAX_TIME + 2))
RSS0=$(rss_kb)
# The nftables counter is read right after each status snapshot; the second isakmpd only
# answers our rekey Quick Modes, so nothing of it is in flight between the two reads.
status_json "$IKT_DIR/s2.json" || ikt_fail "status"
P2=$(from_peer)
L2=$(lines)
T_AFTER=$SECONDS
hostile after 2 "$MIN"
T_AFTER=$((SECONDS - T_AFTER))
sleep $((EXCHANGE_MAX_TIME + 2))
RSS1=$(rss_kb)
status_json "$IKT_DIR/s3.json" || ikt_fail "status"
P3=$(from_peer)
L3=$(lines)
ikt_log "after: $T_AFTER s of hostile datagrams, $((P3 - P2)) datagrams from the second isakmpd (rekeys)"
counters after "$IKT_DIR/s2.json" "$IKT_DIR/s3.json" "$IKT_DIR/after.json" $((P3 - P2))
# Exchange-max-time + 2 s after the last hostile datagram no exchange may be left (§A4.2 6);
# a rekey of "ikt" with the second isakmpd may be running or lingering then (not the attack's).
LEFT=$("$PY" -c 'import json,sys; print(len([x for x in json.load(open(sys.argv[1]))["exchanges"] if x["name"] != "ikt"]))' "$IKT_DIR/s3.json")
[[ $LEFT == 0 ]] || ikt_fail "$LEFT exchange(s) left $((EXCHANGE_MAX_TIME + 2)) s after the corpus"

# --- 4. the SA survived and still rekeys (by its own timer) ------------------------------------
ikt_alive "$LPID" && ikt_alive "$CPID" || ikt_fail "daemon gone"
spi_of() { sed -E "s/.*\b$1=([0-9a-fA-FNone:]*).*/\1/" <<<"$2"; }
SPIS1=$(ikt_sa) || ikt_fail "no SPIs after the corpus"
[[ $SPIS1 == *pairs=1 && $(spi_of in "$SPIS1") != None ]] ||
  ikt_fail "not exactly one phase-2 SA with the second isakmpd after the corpus: $SPIS1"
[[ $(spi_of cookies "$SPIS1") == "$(spi_of cookies "$SPIS0")" ]] ||
  ikt_fail "the ISAKMP SA with the second isakmpd changed under attack: '$SPIS0' -> '$SPIS1'"
# Every pair replaced during the barrage was replaced by a rekey: follow the "ikt: SA spi
# IN/OUT replaced by IN/OUT (why)" lines (rekey.cc) from the first inbound SPI.
rekey_chain() { # FROM_IN -> prints the last inbound SPI reached and the number of steps
  local cur=$1 n=0 next
  while next=$(grep -aoE "ikt: SA spi 0*${cur}/[0-9a-f]+ replaced by [0-9a-f]+" "$LD/isakmpd.stderr" |
    tail -1 | sed -E 's/.* replaced by //') && [[ -n $next ]]; do
    cur=$next n=$((n + 1))
    ((n < 1000)) || break
  done
  echo "$cur $n"
}
norm() { sed -E 's/^0x//; s/^0+//' <<<"${1,,}"; }
read -r REACHED STEPS <<<"$(rekey_chain "$(norm "$(spi_of in "$SPIS0")")")"
[[ $(norm "$REACHED") == "$(norm "$(spi_of in "$SPIS1")")" ]] ||
  ikt_fail "the phase-2 SA changed under attack other than by a rekey: $SPIS0 -> $SPIS1 (rekey chain ends at $REACHED)"
ikt_log "after the corpus: $SPIS1 ($STEPS rekeys during the barrage)"
# No FIFO command from here: wait for the rekey timer's new pair over the same ISAKMP SA.
T_REKEY=$SECONDS
rekeyed() {
  local s
  s=$(ikt_sa) || return 1
  [[ $s == *pairs=1 && $(spi_of in "$s") != "$(spi_of in "$SPIS1")" && $(spi_of in "$s") != None ]] || return 1
  SPIS2=$s
}
ikt_wait_for $((P2_LIFE + 10)) "new phase-2 SPIs from the rekey timer" rekeyed ||
  ikt_fail "no rekey within $((P2_LIFE + 10)) s after the corpus (lifetime $P2_LIFE s)"
[[ $(spi_of cookies "$SPIS2") == "$(spi_of cookies "$SPIS0")" ]] ||
  ikt_fail "the rekey did not reuse the ISAKMP SA: $SPIS0 -> $SPIS2"
OLD_IN=$(norm "$(spi_of in "$SPIS1")")
"$PY" -c 'import json,sys
old=sys.argv[2]
live=[s["in_spi"] for s in json.load(open(sys.argv[1]))["phase2_sas"]]
sys.exit(1 if any(x.lower().lstrip("0") == old for x in live) else 0)' "$IKT_DIR/sa.json" "$OLD_IN" ||
  ikt_fail "the old phase-2 SA (in $OLD_IN) is still live after the rekey"
grep -aqE "ikt: SA spi 0*${OLD_IN}/[0-9a-f]+ replaced by" "$LD/isakmpd.stderr" ||
  ikt_fail "no 'replaced by' (DELETE of the old pair) logged for in $OLD_IN"
ikt_log "rekeyed by the lifetime timer $((SECONDS - T_REKEY)) s after the corpus, same ISAKMP SA: $SPIS2"

# --- 5. summary ----------------------------------------------------------------------------
GROWTH=$((RSS1 - RSS0))
"$PY" "$here/summary.py" "$IKT_DIR/before.json" "$IKT_DIR/after-warmup.json" "$IKT_DIR/after.json" \
  --rss "$RSS0" "$RSS1" --lines $((L1 - L0)) $((L3 - L2)) "$(attack_lines "$L0" "$L1")" "$(attack_lines "$L2" "$L3")" --counters "$IKT_DIR/s3.json" \
  --spis "$SPIS0" "$SPIS2" || ikt_fail "summary"
if grep -qa __asan_init "$IKT_ISAKMPD"; then
  # ASan's quarantine keeps freed memory mapped (256 MB by default): RSS says nothing there.
  ikt_log "AddressSanitizer build: RSS growth $GROWTH kB reported, not asserted"
else
  ((GROWTH < 1024)) || ikt_fail "RSS of the engine grew by $GROWTH kB (>= 1 MB)"
fi
# Sanitizer builds: any report in our daemon's log fails the run.
if grep -nE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$LD/isakmpd.stderr" >&2; then
  ikt_fail "sanitizer report in the daemon's log"
fi
ikt_isakmpd_stop L || ikt_fail "our daemon did not exit cleanly on Q"
ikt_log "PASS"
