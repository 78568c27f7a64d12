#!/usr/bin/env bash
# tests/interop/run_scenario.sh: runs one interop scenario in two fresh network namespaces.
#
#   run_scenario.sh CASE PEER ROLE [ISAKMPD]
#     CASE     a directory under tests/interop/scenarios/ holding case.env (see there)
#     PEER     strongswan | libreswan
#     ROLE     initiator | responder  (our isakmpd's role; it always sits on the left, 10.99.1.1)
#              harness                (no isakmpd, self-test of this harness: PEER on the right,
#                                      the other implementation on the left; the left one
#                                      initiates, or the right one with IKT_HARNESS_INITIATOR=R)
#     ISAKMPD  our daemon binary (or $IKT_ISAKMPD); not needed for ROLE=harness
#
# EXPECT=up cases assert: both sides report phase 1 and phase 2 established (charon: IKE SA
# ESTABLISHED + CHILD SA INSTALLED; pluto: "ISAKMP SA established" + "IPsec SA established";
# isakmpd: IKE_SA and CHILD_SA in/out key log lines and ready Phase 1/Phase 2 blocks in the `S`
# result); the SPIs agree crosswise (our inbound = peer's outbound and vice versa, and our `S`
# result lists exactly those two); for strongSwan also the IKE cookies; the ESP keys our daemon
# logged equal the keys the peer handed to the kernel (xfrm_noop_preload record); our daemon
# exits on the FIFO `Q`.
# EXPECT=fail cases assert: within the wait nobody reports a phase 2 SA (and with FAIL_NO_P1=yes
# no phase 1 SA), the peer handed no SA to the kernel, our key log has no CHILD_SA, our daemon
# still runs and answers `S`; FOLLOWUP=correct-psk then lets a peer initiator retry with the
# right key and asserts the positive checks.
# Exit: 0 pass, 1 fail (reason + log tails on stderr), 77 not root.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/interop/lib.sh
source "$here/lib.sh"

usage() { echo "usage: $0 CASE strongswan|libreswan initiator|responder|harness [ISAKMPD]" >&2; exit 2; }
[[ $# -ge 3 ]] || usage
CASE=$1 PEER_KIND=$2 ROLE=$3
IKT_ISAKMPD=${4:-${IKT_ISAKMPD:-}}
case $PEER_KIND in strongswan | libreswan) ;; *) usage ;; esac
case $ROLE in initiator | responder | harness) ;; *) usage ;; esac
case_env="$here/scenarios/$CASE/case.env"
[[ -f $case_env ]] || { echo "ikt: FAIL: no scenario $case_env" >&2; exit 1; }

CHARON_EXPECT_LOG=() PLUTO_EXPECT_LOG=() EXPECT_QM_KE=""
DESC="" NAT=no EXPECT=up MODE=tunnel AUTH=psk RSA_VARIANT="" ISAKMPD_EXPECT_LOG="" FAIL_NO_P1=yes FOLLOWUP="" PEER_PSK="" ISAKMPD_P1_PLUTO="" CHARON_IKE_PLUTO=""
# shellcheck source=/dev/null
source "$case_env"
PSK=${IKT_PSK:-ikt-interop-secret-0123456789}
PEER_PSK=${PEER_PSK:-$PSK}

if [[ $ROLE == harness ]]; then
  name="harness-$CASE-$PEER_KIND"
  # PEER names the right side; the other implementation sits on the left.
  if [[ $PEER_KIND == libreswan ]]; then LEFT_KIND=strongswan; else LEFT_KIND=libreswan; fi
  RIGHT_KIND=$PEER_KIND INITIATOR=${IKT_HARNESS_INITIATOR:-L}
else
  name="$CASE-$PEER_KIND-$ROLE"
  LEFT_KIND=isakmpd RIGHT_KIND=$PEER_KIND
  if [[ $ROLE == initiator ]]; then INITIATOR=L; else INITIATOR=R; fi
  if [[ $(id -u) -eq 0 ]] && [[ -z $IKT_ISAKMPD || ! -x $IKT_ISAKMPD ]]; then
    echo "ikt: FAIL $name: our isakmpd binary is missing or not executable: '${IKT_ISAKMPD}'" \
      "(build target isakmpd, pass its path as 4th argument)" >&2
    exit 1
  fi
fi
if [[ $INITIATOR == L ]]; then RESPONDER=R; else RESPONDER=L; fi

ikt_init "$name"
ikt_log "scenario $name: $DESC (expect $EXPECT)"
if [[ $NAT == yes ]]; then ikt_topology_nat "$INITIATOR"; else ikt_topology; fi

kind_of() { if [[ $1 == L ]]; then echo "$LEFT_KIND"; else echo "$RIGHT_KIND"; fi; }
# The left side's PSK is always right; the right side (the peer) may get PEER_PSK.
psk_of() { if [[ $1 == L ]]; then echo "$PSK"; else echo "${2:-$PEER_PSK}"; fi; }

# side_conf SIDE [PSK]: writes the config of that side's daemon.
side_conf() {
  local side=$1 psk role p1
  psk=$(psk_of "$side" "${2:-}")
  case $(kind_of "$side") in
    strongswan)
      # Facing libreswan (harness), a case may need a group that libreswan supports.
      local ike=$CHARON_IKE
      [[ $(kind_of L) == libreswan || $(kind_of R) == libreswan ]] && [[ -n $CHARON_IKE_PLUTO ]] &&
        ike=$CHARON_IKE_PLUTO
      ikt_charon_conf "$side" "$ike" "$CHARON_ESP" "$MODE" "$psk" ;;
    libreswan) ikt_pluto_conf "$side" "$PLUTO_IKE" "$PLUTO_ESP" "$MODE" "$psk" "$PLUTO_PFS" \
      "${PLUTO_CONN_EXTRA:-}" ;;
    isakmpd)
      if [[ $side == "$INITIATOR" ]]; then role=initiator; else role=responder; fi
      p1=$ISAKMPD_P1
      [[ $RIGHT_KIND == libreswan && -n $ISAKMPD_P1_PLUTO ]] && p1=$ISAKMPD_P1_PLUTO
      ikt_isakmpd_conf "$side" "$role" "$p1" "$ISAKMPD_P2" "$MODE" "$psk" ;;
  esac
  # AUTH=rsa: RSA_SIG with the scripted test PKI (lib_rsa.sh, RSA_VARIANT).
  if [[ $AUTH == rsa ]]; then ikt_rsa_side_conf "$side" "$(kind_of "$side")"; fi
  # FRAGMENTATION=yes: the peer forces IKE fragmentation (lib_frag.sh).
  if [[ ${FRAGMENTATION:-no} == yes ]]; then ikt_frag_side_conf "$side" "$(kind_of "$side")"; fi
}

side_start() {
  case $(kind_of "$1") in
    strongswan) ikt_charon_start "$1" && ikt_charon_load "$1" ;;
    libreswan) ikt_pluto_start "$1" ;;
    isakmpd) ikt_isakmpd_start "$1" ;;
  esac
}

# side_initiate SIDE: charon/pluto initiate explicitly; isakmpd starts [Phase 2]:Connections
# by itself at start-up.
side_initiate() {
  case $(kind_of "$1") in
    strongswan) ikt_charon_initiate "$1" ;;
    libreswan) ikt_pluto_initiate "$1" ;;
    isakmpd) : ;;
  esac
}

side_established() {
  case $(kind_of "$1") in
    strongswan) ikt_charon_established "$1" ;;
    libreswan) ikt_pluto_established "$1" ;;
    isakmpd) ikt_isakmpd_established "$1" ;;
  esac
}

both_established() { side_established L && side_established R; }

# side_state SIDE: prints "p1=<0|1+> p2=<0|1+>" (established SAs as that side reports them).
side_state() {
  local out p1=0 p2=0
  case $(kind_of "$1") in
    strongswan)
      out=$(ikt_charon_sas "$1")
      [[ $out == *"state=ESTABLISHED"* ]] && p1=1
      [[ $out == *"state=INSTALLED"* ]] && p2=1 ;;
    libreswan)
      out=$(ikt_pluto_states "$1")
      ikt_pluto_p1 "$out" && p1=1
      ikt_pluto_p2 "$out" && p2=1 ;;
    isakmpd)
      local res
      res=$(ikt_isakmpd_status "$1") || { echo "p1=? p2=? (no S result)"; return 1; }
      python3 "$here/ikt.py" ours-state "$res"
      return 0 ;;
  esac
  echo "p1=$p1 p2=$p2"
}

# side_spis SIDE: "in=<spi> out=<spi> ..." as that side reports them.
side_spis() {
  case $(kind_of "$1") in
    strongswan) ikt_charon_spis "$1" ;;
    libreswan) ikt_pluto_spis "$1" ;;
    isakmpd) ikt_isakmpd_spis "$1" ;;
  esac
}

field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# pcap_summary: one line per IKE datagram on the left veth (time, src, dst, exchange type,
# message id, payload types), decrypted with the keys of our key log when there are any.
pcap_summary() {
  [[ -s $IKT_DIR/ike.pcap ]] && command -v tshark >/dev/null || return 0
  local uat=() line ic key
  if [[ -s $IKT_DIR/L/keylog ]]; then
    while read -r line; do
      ic=$(field icookie "$line") key=$(field enckey "$line")
      [[ -n $ic && -n $key ]] && uat+=(-o "uat:ikev1_decryption_table:$ic,$key")
    done < <(grep '^IKE_SA ' "$IKT_DIR/L/keylog")
  fi
  echo "----- IKE datagrams on the left veth ($IKT_DIR/ike.pcap; $((${#uat[@]} / 2)) decryption keys):" >&2
  echo "----- time src dst exchange-type message-id payload-types" >&2
  tshark -r "$IKT_DIR/ike.pcap" "${uat[@]}" -Y isakmp -T fields -e frame.time_relative -e ip.src \
    -e ip.dst -e isakmp.exchangetype -e isakmp.messageid -e isakmp.typepayload 2>/dev/null |
    head -40 >&2
}

fail() {
  local why=$1 s
  for s in L R; do echo "ikt: state $s ($(kind_of $s)): $(side_state $s 2>&1 | tr '\n' ' ')" >&2; done
  pcap_summary
  ikt_fail "$why"
}

start_capture() {
  command -v tcpdump >/dev/null || return 0
  # IP fragments too: an Aggressive Mode message with a certificate exceeds the MTU.
  ip netns exec "$IKT_NS_L" tcpdump -U -n -s 0 -i eth0 -w "$IKT_DIR/ike.pcap" \
    'udp port 500 or udp port 4500 or (ip and ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)' \
    >"$IKT_DIR/tcpdump.out" 2>&1 &
  ikt_register $! tcpdump
  ikt_wait_for 5 "tcpdump listening" grep -q "listening on" "$IKT_DIR/tcpdump.out" || true
}

# check_peer_logs: the negotiated algorithms as charon/pluto logged them (case.env
# CHARON_EXPECT_LOG / PLUTO_EXPECT_LOG, fixed strings).
check_peer_logs() {
  local s kind log pat n=0
  for s in L R; do
    kind=$(kind_of "$s")
    if [[ $kind == strongswan ]]; then
      # In the harness, charon may run a libreswan-compatible variant of the case.
      [[ $ROLE == harness && -n $CHARON_IKE_PLUTO ]] && continue
      log="$IKT_DIR/$s/charon.log"
      for pat in "${CHARON_EXPECT_LOG[@]}"; do
        grep -qF -- "$pat" "$log" || fail "charon ($s) did not log '$pat' (negotiated something else?)"
        n=$((n + 1))
      done
    elif [[ $kind == libreswan ]]; then
      log="$IKT_DIR/$s/pluto.log"
      for pat in "${PLUTO_EXPECT_LOG[@]}"; do
        grep -qF -- "$pat" "$log" || fail "pluto ($s) did not log '$pat' (negotiated something else?)"
        n=$((n + 1))
      done
    fi
  done
  ((n == 0)) || ikt_log "PASS the peer logged the expected algorithms ($n lines)"
}

# wire_check: decrypts the capture with the IKE keys of our key log (tshark
# ikev1_decryption_table): Main Mode 5/6 must decrypt to ID+HASH or ID+[CERT+]SIG (so the logged phase 1 key is
# the one on the wire), and Quick Mode 1/2 must carry a KE payload exactly when the case uses
# PFS (case.env EXPECT_QM_KE=yes|no).
wire_check() {
  [[ $LEFT_KIND == isakmpd && -n $EXPECT_QM_KE ]] || return 0
  command -v tshark >/dev/null || fail "tshark missing (scripts/lab/setup.sh installs it)"
  local uat=() line ic key out mm=0 qm=0 qm_ke=0 i auth_re
  while read -r line; do
    ic=$(field icookie "$line") key=$(field enckey "$line")
    [[ -n $ic && -n $key ]] && uat+=(-o "uat:ikev1_decryption_table:$ic,$key")
  done < <(grep '^IKE_SA ' "$IKT_DIR/L/keylog")
  for ((i = 0; i < 20; i++)); do # tcpdump -U writes each packet at once; allow a little
    # IKE fragments (payload 132) reassembled first: tshark does not (ikt.py defrag).
    python3 "$here/ikt.py" defrag "$IKT_DIR/ike.pcap" "$IKT_DIR/ike-defrag.pcap" \
      >"$IKT_DIR/defrag.out" 2>&1 || fail "ikt.py defrag: $(cat "$IKT_DIR/defrag.out")"
    out=$(tshark -r "$IKT_DIR/ike-defrag.pcap" "${uat[@]}" -Y isakmp -T fields -e isakmp.exchangetype \
      -e isakmp.typepayload 2>/dev/null)
    # PSK: ID, HASH; RSA_SIG: ID, [CERT...,] [CERT_REQ...,] SIG (libreswan sends CR in MM5).
    if [[ $AUTH == rsa ]]; then auth_re='5,([67],)*9'; else auth_re='5,8'; fi
    mm=$(grep -cE "^2[[:space:]]$auth_re" <<<"$out")
    # Aggressive Mode: AM3 (HASH_I, or [CERT,] SIG_I) stands in for MM5+MM6 (P1_EXCHANGE);
    # peers order its NAT-D payloads differently (libreswan first, strongSwan between CERT
    # and SIG), so any order of NAT-D (20/130) and, with RSA, CERT/CERT_REQ (6/7).
    if [[ ${P1_EXCHANGE:-} == AGGRESSIVE ]]; then
      local am_re='^4[[:space:]]((20|130),)*8(,(20|130))*$'
      [[ $AUTH == rsa ]] && am_re='^4[[:space:]]((6|7|20|130),)*9(,(6|7|20|130))*$'
      mm=$((2 * $(grep -cE "$am_re" <<<"$out")))
    fi
    qm=$(grep -cE '^32[[:space:]]8,1,' <<<"$out")
    ((mm >= 2 && qm >= 2)) && break
    sleep 0.1
  done
  ((mm >= 2)) || fail "the capture has $mm Main Mode ID+HASH messages decryptable with our logged IKE key, want 2"
  ((qm >= 2)) || fail "the capture has $qm decryptable Quick Mode messages with an SA payload, want 2"
  qm_ke=$(grep -E '^32[[:space:]]8,1,' <<<"$out" | grep -cE '[[:space:],]4(,|$)')
  if [[ $EXPECT_QM_KE == yes ]]; then
    ((qm_ke == qm)) || fail "PFS: only $qm_ke of $qm Quick Mode SA messages carry a KE payload"
  else
    ((qm_ke == 0)) || fail "no PFS configured, but $qm_ke Quick Mode messages carry a KE payload"
  fi
  ikt_log "PASS wire: $mm MM ID+HASH and $qm QM SA messages decrypt with our logged IKE key; QM KE payloads: $qm_ke (PFS expected: $EXPECT_QM_KE)"
}

# assert_up T_START: the positive checks; T_START = elapsed seconds when initiation began.
assert_up() {
  local t_start=$1 sl sr
  ikt_wait_for "${IKT_UP_TIMEOUT:-30}" "phase 1 + phase 2 established on both sides" both_established ||
    fail "phase 1 + phase 2 not established on both sides within ${IKT_UP_TIMEOUT:-30} s"
  ikt_log "established on both sides ($(echo "$(ikt_elapsed) - $t_start" | awk '{print $1 - $3}') s after initiation)"
  sl=$(side_spis L) || fail "cannot read the left side's SPIs"
  sr=$(side_spis R) || fail "cannot read the right side's SPIs"
  ikt_log "SPIs left ($LEFT_KIND): $sl"
  ikt_log "SPIs right ($RIGHT_KIND): $sr"
  local li lo ri ro
  li=$(field in "$sl") lo=$(field out "$sl") ri=$(field in "$sr") ro=$(field out "$sr")
  if [[ $LEFT_KIND == isakmpd ]]; then
    # The null backend's SA lines in the S result give the directions; the key log must agree.
    local kl ki ko spis
    kl=$(python3 "$here/ikt.py" keylog-spis "$IKT_DIR/L/keylog")
    ki=$(field in "$kl") ko=$(field out "$kl")
    ikt_log "SPIs left (isakmpd key log): $kl"
    [[ -n $li ]] || li=$ki
    [[ -n $lo ]] || lo=$ko
    [[ $ki == "$li" && $ko == "$lo" ]] ||
      fail "our S result (in=$li out=$lo) and key log (in=$ki out=$ko) disagree on the SPIs"
    spis=$(field spis "$sl")
    # ESP+IPCOMP (case.env EXPECT_CPI=yes): the S result lists the two CPIs too.
    local ci co want_spis
    ci=$(field cpi_in "$kl") co=$(field cpi_out "$kl")
    want_spis=$(printf '%s\n' "$li" "$lo" $ci $co | sort | paste -sd,)
    [[ $spis == "$want_spis" ]] ||
      fail "our S result lists phase 2 SPIs '$spis', want exactly $want_spis"
    if [[ ${EXPECT_CPI:-no} == yes ]]; then
      [[ -n $ci && -n $co ]] || fail "IPCOMP expected: our key log has CPIs in='$ci' out='$co'"
      local res
      res=$(ikt_isakmpd_status L) || fail "no S result"
      for c in "$ci" "$co"; do
        grep -q "^ipcomp .* spi 0x$c comp deflate" "$res" ||
          fail "our S result has no 'ipcomp ... spi 0x$c comp deflate' line"
      done
      # The peer handed the same CPIs, crosswise, to the kernel (xfrm_noop_preload record).
      grep -q "proto=comp spi=$co src=$IKT_L_OUT dst=$IKT_R_OUT" "$IKT_DIR/R/xfrm.log" &&
        grep -q "proto=comp spi=$ci src=$IKT_R_OUT dst=$IKT_L_OUT" "$IKT_DIR/R/xfrm.log" ||
        fail "the peer's IPCOMP SAs differ from our CPIs in=$ci out=$co: $(grep comp "$IKT_DIR/R/xfrm.log")"
      ikt_log "PASS IPCOMP DEFLATE CPIs agree: ours in=$ci out=$co, the peer installed the same crosswise"
    fi
    local p1 p2
    p1=$(field p1 "$sl") p2=$(field p2 "$sl")
    [[ $p1 -ge 1 && $p2 -ge 1 ]] || fail "our S result has $p1 ready phase 1 and $p2 phase 2 SAs"
  fi
  [[ -n $li && -n $lo && -n $ri && -n $ro ]] ||
    fail "missing SPIs: left in=$li out=$lo, right in=$ri out=$ro"
  [[ $li == "$ro" && $lo == "$ri" ]] ||
    fail "SPIs do not pair up: left in=$li out=$lo, right in=$ri out=$ro"
  ikt_log "PASS SPIs pair up: $LEFT_KIND in=$li out=$lo <-> $RIGHT_KIND in=$ri out=$ro"
  if [[ $LEFT_KIND == isakmpd && $RIGHT_KIND == strongswan ]]; then
    local kl ic rc
    kl=$(python3 "$here/ikt.py" keylog-spis "$IKT_DIR/L/keylog")
    ic=$(field icookie "$kl") rc=$(field rcookie "$kl")
    [[ $ic == "$(field icookie "$sr")" && $rc == "$(field rcookie "$sr")" ]] ||
      fail "IKE cookies differ: ours i=$ic r=$rc, charon i=$(field icookie "$sr") r=$(field rcookie "$sr")"
    ikt_log "PASS IKE cookies equal: $ic $rc"
  fi
  check_peer_logs
  # case.env ISAKMPD_UP_LOG: a fixed string our daemon must have logged in a positive case.
  if [[ -n ${ISAKMPD_UP_LOG:-} && $LEFT_KIND == isakmpd ]]; then
    grep -qF -- "$ISAKMPD_UP_LOG" "$IKT_DIR/L/isakmpd.stderr" ||
      fail "our isakmpd did not log '$ISAKMPD_UP_LOG'"
    ikt_log "PASS our isakmpd logged '$ISAKMPD_UP_LOG'"
  fi
  wire_check
  local out
  if [[ $LEFT_KIND == isakmpd ]]; then
    # shellcheck disable=SC2046
    out=$(python3 "$here/ikt.py" keycmp --ours "$IKT_DIR/L/keylog" --peer "$IKT_DIR/R/xfrm.log" \
      $(ikt_nat_keycmp_args) 2>&1) ||
      fail "$out"
  else
    out=$(python3 "$here/ikt.py" shimcmp "$IKT_DIR/L/xfrm.log" "$IKT_DIR/R/xfrm.log" 2>&1) || fail "$out"
  fi
  ikt_log "PASS $out"
}

# assert_failed_cleanly: the negative checks.
assert_failed_cleanly() {
  local s st p1 p2 n
  for s in L R; do
    st=$(side_state "$s") || fail "side $s ($(kind_of "$s")) does not answer a status query"
    p1=$(field p1 "$st") p2=$(field p2 "$st")
    [[ $p2 == 0 ]] || fail "side $s ($(kind_of "$s")) reports a phase 2 SA: $st"
    if [[ $FAIL_NO_P1 == yes && $p1 != 0 ]]; then
      fail "side $s ($(kind_of "$s")) reports an established phase 1 SA: $st"
    fi
    if [[ $(kind_of "$s") == isakmpd ]]; then
      n=$(field kernel_sas "$st")
      [[ $n == 0 ]] || fail "our null backend recorded $n SAs: $st"
      grep -q '^CHILD_SA ' "$IKT_DIR/$s/keylog" && fail "our key log has CHILD_SA lines"
    else
      [[ ! -s $IKT_DIR/$s/xfrm.log ]] || fail "$(kind_of "$s") handed an SA to the kernel: $(cat "$IKT_DIR/$s/xfrm.log")"
    fi
    ikt_log "PASS side $s ($(kind_of "$s")): no SA ($st)"
  done
  if [[ $LEFT_KIND == isakmpd ]]; then
    ikt_isakmpd_alive L || fail "our isakmpd died"
    ikt_isakmpd_status L >/dev/null || fail "our isakmpd does not answer S"
    ikt_log "PASS our isakmpd still running and answering S"
    if [[ -n $ISAKMPD_EXPECT_LOG ]]; then
      grep -qF -- "$ISAKMPD_EXPECT_LOG" "$IKT_DIR/L/isakmpd.stderr" ||
        fail "our isakmpd did not log '$ISAKMPD_EXPECT_LOG'"
      ikt_log "PASS our isakmpd logged '$ISAKMPD_EXPECT_LOG'"
    fi
  fi
}

# Order: responder first, then initiator (isakmpd initiates at start-up).
start_capture
side_conf "$RESPONDER"
side_start "$RESPONDER"
side_conf "$INITIATOR"
t0=$(ikt_elapsed)
side_start "$INITIATOR"
side_initiate "$INITIATOR"

if [[ $EXPECT == up ]]; then
  assert_up "$t0"
  [[ $NAT == yes ]] && ikt_nat_checks
else
  # Wait long enough for a negotiation that would succeed (well under 1 s here) and for the
  # peer's failure handling; stop early when anyone reports a phase 2 SA.
  end=$((SECONDS + ${IKT_FAIL_WAIT:-8}))
  while ((SECONDS < end)); do
    if side_established L || side_established R; then break; fi
    sleep 0.5
  done
  assert_failed_cleanly
  if [[ $FOLLOWUP == correct-psk && $INITIATOR == R && $RIGHT_KIND != isakmpd ]]; then
    ikt_log "follow-up: the peer gets the right PSK and initiates again"
    side_conf R "$PSK"
    # Drop the peer's failed half-open attempt first (pluto would otherwise keep retransmitting
    # it and refuse a second initiation of the same connection).
    case $RIGHT_KIND in
      strongswan)
        ikt_swanctl R --terminate --ike ikt --force --timeout 2 >/dev/null 2>&1 || true
        ikt_charon_load R ;;
      libreswan)
        ikt_whack R --name ikt --terminate >/dev/null 2>&1 || true
        ikt_whack R --rereadsecrets >/dev/null 2>&1 || fail "whack --rereadsecrets" ;;
    esac
    : >"$IKT_DIR/R/xfrm.log"
    t1=$(ikt_elapsed)
    side_initiate R
    assert_up "$t1"
  fi
fi

if [[ ${FRAGMENTATION:-no} == yes && $EXPECT == up && $LEFT_KIND == isakmpd ]]; then
  ikt_frag_checks
fi
if [[ $LEFT_KIND == isakmpd ]]; then
  ikt_isakmpd_stop L || fail "our isakmpd did not exit cleanly on Q"
  ikt_log "PASS our isakmpd exited on Q"
fi
ikt_log "PASS $name ($(ikt_elapsed) s)"
