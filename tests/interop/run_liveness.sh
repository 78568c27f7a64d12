#!/usr/bin/env bash
# tests/interop/run_liveness.sh: Dead Peer Detection and rekeying against a real peer, in two
# fresh network namespaces (lib.sh topology; our isakmpd always on the left, 10.99.1.1).
#
#   run_liveness.sh dpd|rekey strongswan|libreswan initiator|responder ISAKMPD
#
# dpd: phase 1 + 2 come up (MM AES-128/SHA1/MODP2048, QM ESP AES-128/HMAC-SHA1 tunnel); our
#   daemon has DPD-check-interval=5 and DPD-action=restart. The peer is killed with SIGKILL (the
#   process this script started). Asserts: our daemon logs the peer dead within
#   interval + 5 probes * 5 s (+ 5 s slack) of the kill, and deletes its SAs; R-U-THEREs were
#   sent and ACKed while the peer lived, and no verdict came before the kill. The peer is then started again;
#   initiator: our restart action / watchdog re-establishes; responder: the peer initiates.
#   Both sides must be established again with crosswise-equal SPIs.
# rekey: phase-2 lifetime 30 s on both sides. initiator: our soft timeout (85-95 % = 25.5-28.5 s)
#   and the peer's rekey at 27 s overlap, so either or both sides rekey; responder: libreswan
#   rekeys at 20 s (we only rekey [Phase 2]:Connections); strongSwan cannot rekey in this lab
#   (its CHILD_SA rekey is the kernel's soft-expire event, the XFRM shim installs nothing), so
#   `C set [Phase 2]:Connections=ikt` makes us rekey the SA the peer initiated. With
#   IKT_OURS_ACTIVE=1 IKT_PEER_REKEY=27 (libreswan, responder) both sides rekey in overlapping
#   windows (ours 25.5-28.5 s, libreswan's 27 s): collisions must still end with one pair. After at least two rekeys seen in our
#   log, exactly one phase-2 SA pair per direction must be live on both sides (our `S` result
#   and null-backend SA lines, swanctl --list-sas / whack --showstates), with crosswise SPIs.
# Exit: 0 pass, 1 fail (reason + log tails on stderr), 77 not root.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/interop/lib.sh
source "$here/lib.sh"

[[ $# -ge 4 ]] || { echo "usage: $0 dpd|rekey strongswan|libreswan initiator|responder ISAKMPD" >&2; exit 2; }
KIND=$1 PEER_KIND=$2 ROLE=$3 IKT_ISAKMPD=$4
PSK=ikt-interop-secret-0123456789
DPD_INTERVAL=5
LIFE=30
if [[ $ROLE == initiator ]]; then PEER_REKEY=27; else PEER_REKEY=20; fi
PEER_REKEY=${IKT_PEER_REKEY:-$PEER_REKEY}

ikt_init "$KIND-$PEER_KIND-$ROLE"
ikt_log "liveness $KIND: peer $PEER_KIND, isakmpd $ROLE"
ikt_topology

# --- configuration --------------------------------------------------------------------------
ours_conf() {
  IKT_ISAKMPD_CHECK_INTERVAL=10 ikt_isakmpd_conf L "$ROLE" AES-128-SHA-GRP14 \
    QM-ESP-AES-128-SHA-SUITE tunnel "$PSK"
  local D="$IKT_DIR/L"
  if [[ $KIND == dpd ]]; then
    printf '\n[General]\nDPD-action=\t\trestart\n\n[peer-ikt]\nDPD-check-interval=\t%s\n' \
      "$DPD_INTERVAL" >>"$D/isakmpd.conf"
  else
    printf '\n[General]\nDefault-phase-2-lifetime=\t%s,10:86400\n' "$LIFE" >>"$D/isakmpd.conf"
  fi
}

peer_conf() {
  local D="$IKT_DIR/R"
  case $PEER_KIND in
    strongswan)
      ikt_charon_conf R aes128-sha1-modp2048 aes128-sha1 tunnel "$PSK"
      if [[ $KIND == rekey ]]; then
        sed -i "s|        start_action = none|        start_action = none\n        rekey_time = ${PEER_REKEY}s\n        life_time = ${LIFE}s\n        rand_time = 0s|" \
          "$D/swanctl.conf"
      fi
      ;;
    libreswan)
      ikt_pluto_conf R "aes128-sha1;modp2048" aes128-sha1 tunnel "$PSK" no
      if [[ $KIND == rekey ]]; then
        sed -i -e "s|salifetime=1200s|salifetime=${LIFE}s\n    rekeymargin=$((LIFE - PEER_REKEY))s\n    rekeyfuzz=0%|" \
          -e "s|rekey=no|rekey=yes|" "$D/ipsec.conf"
      fi
      ;;
  esac
}

peer_start() {
  local D="$IKT_DIR/R"
  case $PEER_KIND in
    strongswan)
      rm -f "$D/charon.vici" "$D/run/charon.pid"
      ikt_charon_start R && ikt_charon_load R ;;
    libreswan)
      rm -f "$D/run/pluto.ctl" "$D/run/pluto.pid"
      ikt_pluto_start R ;;
  esac
}
peer_initiate() {
  case $PEER_KIND in strongswan) ikt_charon_initiate R ;; libreswan) ikt_pluto_initiate R ;; esac
}
peer_established() {
  case $PEER_KIND in strongswan) ikt_charon_established R ;; libreswan) ikt_pluto_established R ;; esac
}
both_established() { peer_established && ikt_isakmpd_established L; }

# peer_pairs: number of live IPsec SA pairs the peer reports.
peer_pairs() {
  case $PEER_KIND in
    strongswan) ikt_charon_sas R | grep -o 'state=INSTALLED' | wc -l ;;
    libreswan) ikt_pluto_states R | grep -c '(IPsec SA established)' ;;
  esac
}
peer_spis() {
  case $PEER_KIND in strongswan) ikt_charon_spis R ;; libreswan) ikt_pluto_spis R ;; esac
}

# check_one_pair: exactly one pair per direction on both sides, SPIs crosswise equal.
check_one_pair() {
  local ours theirs state n
  ours=$(ikt_isakmpd_spis L) || return 1
  state=$(python3 "$IKT_LIB_DIR/ikt.py" ours-state "$IKT_DIR/L/result") || return 1
  n=$(peer_pairs)
  theirs=$(peer_spis) || return 1
  ikt_log "ours: $ours $state; peer ($n pair(s)): $theirs"
  [[ $ours == *" p2=1 "* && $state == *"p2=1 kernel_sas=2"* && $n == 1 ]] || return 1
  local oi oo ti to
  oi=$(sed -E 's/.*in=([0-9a-f]*).*/\1/' <<<"$ours"); oo=$(sed -E 's/.*out=([0-9a-f]*).*/\1/' <<<"$ours")
  ti=$(sed -E 's/.*in=([0-9a-f]*).*/\1/' <<<"$theirs"); to=$(sed -E 's/.*out=([0-9a-f]*).*/\1/' <<<"$theirs")
  [[ -n $oi && $oi == "$to" && $oo == "$ti" ]]
}

# --- bring-up -------------------------------------------------------------------------------
ours_conf
peer_conf
peer_start
ikt_isakmpd_start L
[[ $ROLE == responder ]] && peer_initiate
ikt_wait_for 30 "both sides established" both_established || ikt_fail "initial negotiation failed"
ikt_log "established"
OUR_LOG="$IKT_DIR/L/isakmpd.stderr"

if [[ $KIND == dpd ]]; then
  sleep $((DPD_INTERVAL * 3))
  grep -q "DPD: peer .* is dead" "$OUR_LOG" && ikt_fail "peer declared dead while alive"
  # The live peer answers our probes (engine debug lines, -D A=70).
  grep -q "DPD: R-U-THERE seq" "$OUR_LOG" || ikt_fail "no R-U-THERE sent while the peer was idle"
  grep -q "R-U-THERE-ACK [0-9]* from $IKT_R_OUT" "$OUR_LOG" || ikt_fail "no R-U-THERE-ACK from the peer"
  ikt_log "probes answered: $(grep -c "R-U-THERE-ACK [0-9]* from" "$OUR_LOG") ACK(s)"
  pid=$(cat "$IKT_DIR/R/pid")
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
  t_kill=$(date +%s)
  ikt_log "peer ($PEER_KIND, pid $pid) killed with SIGKILL"
  budget=$((DPD_INTERVAL + 5 * 5 + 5))
  ikt_wait_for "$budget" "DPD verdict" grep -q "DPD: peer .* is dead" "$OUR_LOG" ||
    ikt_fail "peer not declared dead within ${budget}s"
  ikt_log "peer declared dead after $(($(date +%s) - t_kill))s (budget ${budget}s)"
  res=$(ikt_isakmpd_status L) || ikt_fail "no S result"
  python3 "$IKT_LIB_DIR/ikt.py" ours-state "$res" | grep -q "p1=0 p2=0" ||
    ikt_fail "SAs left after the verdict: $(python3 "$IKT_LIB_DIR/ikt.py" ours-state "$res")"
  peer_start
  [[ $ROLE == responder ]] && peer_initiate
  ikt_wait_for 60 "re-established after the peer restart" both_established ||
    ikt_fail "not re-established after the peer came back"
  ikt_wait_for 10 "one pair" check_one_pair || ikt_fail "not exactly one SA pair after restart"
else
  if [[ $ROLE == responder && ($PEER_KIND == strongswan || ${IKT_OURS_ACTIVE:-0} == 1) ]]; then
    # charon rekeys CHILD_SAs on the kernel's soft-expire event, which the no-op XFRM shim never
    # produces: make the peer-initiated connection one of ours so that we rekey it.
    ikt_isakmpd_cmd L "C set [Phase 2]:Connections=ikt force" || ikt_fail "FIFO C set failed"
  fi
  # Two rekeys: the initial pair plus at least two more Phase2Established in our log.
  rekeyed_twice() { [[ $(grep -c "phase 2 established" "$OUR_LOG") -ge 3 ]]; }
  ikt_wait_for $((LIFE * 3)) "two rekeys" rekeyed_twice ||
    ikt_fail "fewer than two rekeys within $((LIFE * 3))s"
  sleep 3  # let the DELETEs of the replaced pairs cross
  ikt_wait_for 10 "exactly one pair per direction" check_one_pair ||
    ikt_fail "not exactly one SA pair per direction after two rekeys"
fi
grep -q "authentication failed" "$OUR_LOG" && ikt_fail "authentication failure in our log"
ikt_isakmpd_stop L || ikt_fail "isakmpd did not exit on Q"
ikt_log "PASS"
