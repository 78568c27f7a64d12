# tests/interop/lib_frag.sh: IKEv1 fragmentation scenarios (case.env FRAGMENTATION=yes), sourced
# by lib.sh. The peers are told to fragment (charon `fragmentation = force` in swanctl.conf,
# pluto `fragmentation=force`); our daemon needs nothing (FRAGMENTATION vendor ID always sent,
# default IKE-fragment-size 576). With PKI_KEY_BITS=4096 (lib_rsa.sh -> make_pki.sh KEY_BITS)
# MM5/MM6 carry a 4096-bit certificate and signature (about 2 KB), above every implementation's
# fragment size (ours 576, strongSwan's 1280, libreswan's 576/1280 - headers).
# ikt_frag_checks then asserts that fragments crossed the wire in both directions: our daemon
# logged fragments it sent and messages it reassembled, and the capture holds fragments that
# reassemble (ikt.py defrag).
# shellcheck shell=bash

# ikt_frag_side_conf SIDE KIND: the peer fragments its large messages.
ikt_frag_side_conf() {
  local NS ME PEER MYNET PEERNET D
  ikt_side_vars "$1"
  case $2 in
    strongswan) sed -i 's/^    version = 1$/    version = 1\n    fragmentation = force/' "$D/swanctl.conf" ;;
    libreswan) sed -i 's/^conn ikt$/conn ikt\n    fragmentation=force/' "$D/ipsec.conf" ;;
    isakmpd) ;;
  esac
}

# ikt_frag_checks: after an established exchange with our daemon on the left.
ikt_frag_checks() {
  local log=$IKT_DIR/L/isakmpd.stderr out sent got
  sent=$(grep -cE 'sent in [0-9]+ fragments' "$log")
  got=$(grep -cE 'reassembled [0-9]+ bytes' "$log")
  ((sent > 0)) || ikt_fail "our isakmpd sent no IKE fragments"
  ((got > 0)) || ikt_fail "our isakmpd reassembled no IKE fragments from the peer"
  out=$(python3 "$IKT_LIB_DIR/ikt.py" defrag "$IKT_DIR/ike.pcap" "$IKT_DIR/ike-defrag.pcap") ||
    ikt_fail "ikt.py defrag: $out"
  [[ $out =~ fragments=([0-9]+)\ messages=([0-9]+) ]] || ikt_fail "ikt.py defrag: $out"
  ((BASH_REMATCH[2] >= 2)) || ikt_fail "the capture has fewer than 2 reassembled messages: $out"
  ikt_log "PASS fragmentation: our isakmpd sent $sent and reassembled $got fragmented messages;" \
    "capture: $out"
}
