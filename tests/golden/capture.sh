#!/usr/bin/env bash
# tests/golden/capture.sh: records the golden IKEv1 captures under tests/golden/<name>/ from real
# peers (strongSwan 5.9.8 charon, libreswan 4.10 pluto, optionally our isakmpd) in two network
# namespaces of its own (gld-<pid>-L / -R), using the interop lab helpers of tests/interop/lib.sh
# (sourced, not modified). Every run:
#   - tcpdump -w on the left veth (UDP 500/4500) for the whole negotiation AND the teardown, so
#     the capture holds Main Mode, Quick Mode and the Informational DELETEs (own M-ID IV chains);
#   - charon logs with `ike 4` (shared DH secret, SKEYID*, Ka, initial IV, HASH_I/R, Hash(1..3));
#   - pluto runs with `whack --debug all --debug crypt --debug private` (PSK, DH_i/DH_r, nonces,
#     IVs, HASH_R/HASH(n) it computed, the ESP KEYMAT per SPI; libreswan never prints SKEYID*
#     because NSS keeps them inside PK11SymKeys);
#   - both peers run with the xfrm_noop_preload shim, which records the keys they hand to XFRM;
#   - our isakmpd (-d -n --keylog) when its binary is given.
# After the run, tests/golden/extract.py turns the logs into keys.txt and the .vec files.
#
#   tests/golden/capture.sh [--isakmpd BIN] [NAME...]
#     NAME: <initiator>-<responder>-<scenario>, initiator/responder in strongswan|libreswan|
#           isakmpd, scenario a|b|c|rsa|am|natt|cfg (tests/interop/scenarios/*/case.env describe them:
#           a AES-128/SHA1/MODP2048 + ESP AES-128/HMAC-SHA1 tunnel; b AES-256/SHA2-256/MODP2048 +
#           ESP AES-256/HMAC-SHA2-256 PFS 14 tunnel; c 3DES/SHA1/MODP1536 + ESP 3DES/HMAC-SHA1
#           transport; rsa = g-rsa-cert-ip: Main Mode RSA_SIG with X.509 certificates from the
#           scripted test PKI (tests/pki/make_pki.sh, lib_rsa.sh; the certificates are saved,
#           the private keys are not); am = m-aggressive-psk: Aggressive Mode PSK with FQDN IDs;
#           natt = g-nat-t-tunnel: the initiator behind the lab's masquerading router namespace
#           (lib_nat.sh), NAT-D, float to 4500 with the non-ESP marker; all three with scenario
#           a's algorithms; cfg = scenario a + mode-config pull, pluto client, charon server,
#           libreswan-strongswan only, see below). Default: the charon<->pluto runs of every
#           scenario (+ isakmpd-strongswan-a with --isakmpd).
# Root only. Exit 0 when every requested capture was written.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
ISAKMPD_BIN=""
if [[ ${1:-} == --isakmpd ]]; then
  ISAKMPD_BIN=$(realpath "$2")
  shift 2
fi

# A fixed PSK per scenario: captures stay reproducible in their inputs (the PSK goes into
# keys.txt; the DH values and nonces are random per run).
psk_for() { echo "golden-psk-$1-0123456789"; }

if [[ $# -eq 0 ]]; then
  set -- strongswan-libreswan-a libreswan-strongswan-a strongswan-libreswan-b \
    libreswan-strongswan-b strongswan-libreswan-c libreswan-strongswan-c \
    strongswan-libreswan-rsa libreswan-strongswan-rsa strongswan-libreswan-am \
    libreswan-strongswan-am strongswan-libreswan-natt libreswan-strongswan-natt \
    libreswan-strongswan-cfg
  [[ -n $ISAKMPD_BIN ]] && set -- "$@" isakmpd-strongswan-a
fi

# Without _GLD_ONE: run each capture in its own process (lib.sh installs an EXIT trap per run).
if [[ -z ${_GLD_ONE:-} ]]; then
  rc=0
  for name in "$@"; do
    echo "golden: ===== $name" >&2
    if ! _GLD_ONE=1 "$0" ${ISAKMPD_BIN:+--isakmpd "$ISAKMPD_BIN"} "$name"; then
      echo "golden: FAILED $name" >&2
      rc=1
    fi
  done
  exit $rc
fi

name=$1
IFS=- read -r ikind rkind scen <<<"$name"
case $scen in
  a) case_dir=a-aes128-sha1-tunnel ;;
  b) case_dir=b-aes256-sha256-pfs14 ;;
  c) case_dir=c-3des-sha1-transport ;;
  rsa) case_dir=g-rsa-cert-ip ;;
  am) case_dir=m-aggressive-psk ;;
  natt) case_dir=g-nat-t-tunnel ;;
  cfg) case_dir=a-aes128-sha1-tunnel ;;  # + the mode-config lines below
  *) echo "golden: unknown scenario in '$name'" >&2; exit 2 ;;
esac
for k in "$ikind" "$rkind"; do
  case $k in strongswan | libreswan | isakmpd) ;; *) echo "golden: unknown peer '$k'" >&2; exit 2 ;; esac
done
[[ $ikind != "$rkind" ]] || { echo "golden: initiator and responder must differ" >&2; exit 2; }
if [[ $ikind == isakmpd || $rkind == isakmpd ]] && [[ -z $ISAKMPD_BIN ]]; then
  echo "golden: $name needs --isakmpd BIN" >&2
  exit 2
fi

CHARON_EXPECT_LOG=() PLUTO_EXPECT_LOG=() ISAKMPD_P1_PLUTO="" CHARON_IKE_PLUTO=""
AUTH=psk NAT=no RSA_VARIANT="" P1_EXCHANGE=ID_PROT
# shellcheck source=/dev/null
source "$root/tests/interop/scenarios/$case_dir/case.env"
# cfg: mode-config pull (draft-dukes-ike-mode-cfg) after Main Mode, pluto the client and
# initiator (Transaction REQUEST/REPLY), charon the server with a one-address pool; pluto then
# proposes Quick Mode from the lease. (charon 5.9.8 as the client rejects pluto 4.10's REPLY:
# "length of CONFIGURATION_ATTRIBUTE_V1 substructure list invalid", the trailing padding.)
if [[ $scen == cfg ]]; then
  [[ $ikind == libreswan && $rkind == strongswan ]] || {
    echo "golden: cfg is libreswan-strongswan only" >&2
    exit 2
  }
  DESC="$DESC; mode-config pull, pluto client, charon server (pool 10.99.30.77/32)"
  PLUTO_CONN_EXTRA="    leftmodecfgclient=yes
    rightmodecfgserver=yes
    modecfgpull=yes"
fi
PSK=$(psk_for "$scen")
out="$here/$name"

export IKT_NS_PREFIX="gld-$$"
export IKT_ISAKMPD="$ISAKMPD_BIN"
# shellcheck source=tests/interop/lib.sh
source "$root/tests/interop/lib.sh"
ikt_init "golden-$name"
# NAT=yes (natt): the initiator (left) sits behind the router namespace; tcpdump below runs on
# its veth, so the capture shows its private address and the NAT-D hashes that disagree.
if [[ $NAT == yes ]]; then ikt_topology_nat L; else ikt_topology; fi

# The initiator sits on the left (10.99.1.1), the responder on the right (10.99.1.2).
kind_of() { if [[ $1 == L ]]; then echo "$ikind"; else echo "$rkind"; fi; }
with_pluto=no
[[ $ikind == libreswan || $rkind == libreswan ]] && with_pluto=yes

side_conf() {
  local side=$1
  # am: case.env's OUR_ID/PEER_ID name our daemon and its peer; here each side gets its own
  # FQDN (lib_charon/lib_pluto: PEER_ID is the local ID, OUR_ID the remote one).
  if [[ $P1_EXCHANGE == AGGRESSIVE ]]; then
    local PEER_ID=initiator.golden.example OUR_ID=responder.golden.example
    [[ $side == R ]] && PEER_ID=responder.golden.example OUR_ID=initiator.golden.example
  fi
  case $(kind_of "$side") in
    strongswan)
      local ike=$CHARON_IKE
      [[ $with_pluto == yes && -n $CHARON_IKE_PLUTO ]] && ike=$CHARON_IKE_PLUTO
      ikt_charon_conf "$side" "$ike" "$CHARON_ESP" "$MODE" "$PSK"
      if [[ $scen == cfg ]]; then
        # The mode-config server: a pool, and the client's traffic selector is its lease.
        sed -i -e 's/^\( *\)aggressive = no$/\1aggressive = no\n\1pools = golden/' \
          -e 's/^\( *\)remote_ts = .*$/\1remote_ts = dynamic/' "$IKT_DIR/$side/swanctl.conf"
        printf 'pools {\n  golden {\n    addrs = 10.99.30.77/32\n  }\n}\n' >>"$IKT_DIR/$side/swanctl.conf"
      fi ;;
    libreswan) ikt_pluto_conf "$side" "$PLUTO_IKE" "$PLUTO_ESP" "$MODE" "$PSK" "$PLUTO_PFS" \
      "${PLUTO_CONN_EXTRA:-}" ;;
    isakmpd)
      local role=responder
      [[ $side == L ]] && role=initiator
      ikt_isakmpd_conf "$side" "$role" "$ISAKMPD_P1" "$ISAKMPD_P2" "$MODE" "$PSK" ;;
  esac
  # AUTH=rsa (rsa): RSA_SIG with the test PKI, as tests/interop/run_scenario.sh does.
  if [[ $AUTH == rsa ]]; then
    ikt_rsa_side_conf "$side" "$(kind_of "$side")"
    # pluto as responder sends no CERT_REQ in MM2/MM4, and charon's default (send_cert =
    # ifasked) then leaves its certificate out of MM5: pluto fails with "no certificate matched".
    # Make charon always send it (the other peers send theirs anyway).
    if [[ $(kind_of "$side") == strongswan ]]; then
      sed -i 's/^\( *\)version = 1$/\1version = 1\n\1send_cert = always/' \
        "$IKT_DIR/$side/swanctl.conf"
    fi
  fi
}
side_start() {
  case $(kind_of "$1") in
    strongswan)
      ikt_charon_start "$1"
      # lib_charon.sh logs `ike 4`; the PFS shared secret of Quick Mode is logged by the CHILD
      # key derivation at `chd 4`: add it and make charon re-read its logger settings.
      sed -i 's/^\( *\)ike = 4$/\1ike = 4\n\1chd = 4/' "$IKT_DIR/$1/strongswan.conf"
      ikt_swanctl "$1" --reload-settings >/dev/null 2>&1 || ikt_fail "swanctl --reload-settings failed"
      ikt_charon_load "$1" ;;
    libreswan)
      ikt_pluto_start "$1"
      ikt_whack "$1" --debug all --debug crypt --debug private >/dev/null 2>&1 ||
        ikt_fail "whack --debug (crypt, private) failed" ;;
    isakmpd) ikt_isakmpd_start "$1" ;;
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

ip netns exec "$IKT_NS_L" tcpdump -U -n -s 0 -i eth0 -w "$IKT_DIR/capture.pcap" \
  'udp port 500 or udp port 4500' >"$IKT_DIR/tcpdump.out" 2>&1 &
tcpdump_pid=$!
ikt_register "$tcpdump_pid" tcpdump
ikt_wait_for 5 "tcpdump listening" grep -q "listening on" "$IKT_DIR/tcpdump.out" ||
  ikt_fail "tcpdump did not start"

date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)
side_conf R
side_start R
side_conf L
side_start L # our isakmpd initiates [Phase 2]:Connections at start-up
case $ikind in
  strongswan) ikt_charon_initiate L ;;
  libreswan) ikt_pluto_initiate L ;;
esac
ikt_wait_for 30 "phase 1 + phase 2 on both sides" both_established ||
  ikt_fail "not established on both sides"
ikt_log "established"

# Teardown by the initiator while tcpdump still runs: the DELETE informationals (one for the
# IPsec SA, one for the ISAKMP SA) are part of the capture.
case $ikind in
  strongswan) ikt_swanctl L --terminate --ike ikt --timeout 5 >/dev/null 2>&1 || true ;;
  libreswan) ikt_whack L --name ikt --terminate >/dev/null 2>&1 || true ;;
  isakmpd) ikt_isakmpd_stop L || ikt_log "isakmpd did not exit cleanly on Q" ;;
esac
sleep 1.5
ikt_stop_pid "$tcpdump_pid" INT

# Save the run.
rm -rf "$out"
mkdir -p "$out"
cp "$IKT_DIR/capture.pcap" "$out/capture.pcap"
for s in L R; do
  role=initiator
  [[ $s == R ]] && role=responder
  D="$IKT_DIR/$s"
  case $(kind_of "$s") in
    strongswan)
      # The start-up noise (plugin list, vici) is dropped; everything from the first IKE line on
      # is kept verbatim.
      awk '/\[(IKE|ENC|NET)\]/ { on = 1 } on' "$D/charon.log" >"$out/charon-$role.log"
      cp "$D/swanctl.conf" "$out/swanctl-$role.conf"
      cp "$D/strongswan.conf" "$out/strongswan-$role.conf" ;;
    libreswan)
      # pluto's crypt+private debug log is ~1 MB per run, mostly NSS self-tests at start-up and
      # symkey reference counting: keep the exchange (from the first state transition on) minus
      # those lines, compressed.
      awk '/parent state #1: /{ on = 1 } on' "$D/pluto.log" |
        grep -v -E 'PRF HMAC|delref|addref|  result:|newref|hash_table|EXTRACT_KEY|    target:|    flags:|    base:|key-offset|key_size' |
        xz -9 >"$out/pluto-$role.log.xz"
      sed "s#$IKT_DIR/$s#<dir>#g" "$D/ipsec.conf" >"$out/ipsec-$role.conf" ;;
    isakmpd)
      cp "$D/keylog" "$out/isakmpd-$role.keylog"
      sed "s#$IKT_DIR/$s#<dir>#g" "$D/isakmpd.conf" >"$out/isakmpd-$role.conf"
      grep -v -i 'psk\|Authentication' "$D/isakmpd.stderr" >"$out/isakmpd-$role.stderr" || true ;;
  esac
  [[ -f $D/xfrm.log ]] && cp "$D/xfrm.log" "$out/xfrm-$role.log"
done
sed -i "s#$IKT_DIR#<dir>#g" "$out"/*.conf 2>/dev/null || true
# RSA_SIG: the (public) certificates of this run's test PKI; extract.py verifies both SIG
# payloads with them. The private keys stay in the run directory.
if [[ $AUTH == rsa ]]; then
  cp "$IKT_DIR/pki/ca/ca.crt" "$out/ca.crt"
  cp "$IKT_DIR/pki/left/cert.pem" "$out/cert-initiator.pem"
  cp "$IKT_DIR/pki/right/cert.pem" "$out/cert-responder.pem"
fi
{
  echo "# $name"
  echo
  echo "Captured $date_utc by tests/golden/capture.sh (scenario $case_dir: $DESC)."
  echo
  echo "- initiator: $ikind on $IKT_L_OUT (namespace gld-<pid>-L), responder: $rkind on $IKT_R_OUT$([[ $NAT == yes ]] && echo ", the initiator behind the router namespace gld-<pid>-N (masquerade to 10.99.2.254)")"
  if [[ $AUTH == rsa ]]; then
    echo "- PSK: \`$PSK\` (configured but unused: RSA_SIG; certificates ca.crt, cert-*.pem)"
  else
    echo "- PSK: \`$PSK\`"
  fi
  echo "- auth: $AUTH, phase 1: $P1_EXCHANGE, NAT: $NAT"
  echo "- packages: $(dpkg-query -W -f='${Package} ${Version}, ' libstrongswan strongswan-swanctl libreswan | sed 's/, $//')"
  echo "- charon: $(cat "$IKT_CHARON_PREFIX/.version" 2>/dev/null) (strongswan-charon extracted by scripts/lab/setup.sh)"
  [[ -n $ISAKMPD_BIN ]] && [[ $ikind == isakmpd || $rkind == isakmpd ]] &&
    echo "- isakmpd: $(git -C "$root" rev-parse --short HEAD) ($ISAKMPD_BIN, -d -n --keylog)"
  echo "- kernel: $(uname -srm); $(lsb_release -ds 2>/dev/null || grep PRETTY /etc/os-release | cut -d= -f2)"
  echo "- tcpdump on the initiator's veth: \`tcpdump -U -n -s 0 -i eth0 'udp port 500 or udp port 4500'\`"
  echo "- logs: charon \`ike 4\`, \`chd 4\` (strongswan-*.conf), pluto \`whack --debug all --debug crypt --debug private\`"
  echo "  (pluto-*.log.xz is the exchange part of the log, see capture.sh for the dropped lines)"
  echo "- xfrm-*.log: what each peer handed to XFRM (tests/interop/xfrm_noop_preload.c record)"
  echo "- keys.txt: the values extracted by tests/golden/extract.py (see its header)"
  echo
  echo "Configs: the *.conf files next to this note (run directories replaced by <dir>)."
} >"$out/notes.md"
python3 "$here/extract.py" "$out" || ikt_fail "extract.py failed for $out"
ikt_log "PASS saved $out ($(stat -c %s "$out/capture.pcap") bytes of capture)"
