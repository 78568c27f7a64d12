#!/usr/bin/env bash
# tests/interop/ikeload_interop.sh: validates ikeload(1) against one responder in network
# namespaces (label interop):
#
#   ikeload_interop.sh isakmpd|strongswan|libreswan IKELOAD [ISAKMPD]
#
# The left namespace gets 32 extra source addresses (10.99.1.100-131 on its veth); the right one
# runs the responder with a configuration that accepts any of them (isakmpd: [Phase 1]:Default
# + a passive connection without IDs, i.e. host-to-host between the phase-1 addresses, which is
# what ikeload proposes; charon: remote_addrs %any, unique =
# never, no half-open blocking; pluto: right=%any, uniqueids=no, a default PSK). Then ikeload runs
# IKT_IKELOAD_COUNT (200) Main Mode PSK + Quick Mode handshakes, concurrency 16: MODP2048
# without PFS, then ECP256 with PFS (half each;
# libreswan 4.10 has no ECP PFS in IKEv1: ECP256 without PFS there). Asserts: every handshake established (exit 0,
# JSON "failed":0) and the responder's CPU time was measured; then 20 more in open loop
# (--rate 20), then 10 per group with --dh-private-one (the generator's DH private value 1). Uses lib.sh for namespaces, daemons
# and cleanup; charon and pluto run with the xfrm_noop_preload shim (no ESP in this kernel).
# Exit: 0 pass, 1 fail, 77 not root.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/interop/lib.sh
source "$here/lib.sh"

usage() { echo "usage: $0 isakmpd|strongswan|libreswan IKELOAD [ISAKMPD]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
KIND=$1 IKELOAD=$2
IKT_ISAKMPD=${3:-${IKT_ISAKMPD:-}}
case $KIND in isakmpd | strongswan | libreswan) ;; *) usage ;; esac
COUNT=${IKT_IKELOAD_COUNT:-200}
# IKT_IKELOAD_AUTH=rsa (strongswan and isakmpd): RSA_SIG with a per-run test PKI
# (tests/pki/make_pki.sh): ikeload uses FQDN ID load.ikt.test (DNS SAN), the responder its
# address (IP SAN); both trust the run's CA. Then 40 more handshakes with --ca-key: a
# certificate per source address that ikeload issues with the CA's key, ID = the address.
AUTH=${IKT_IKELOAD_AUTH:-psk}
PSK=ikeload-interop-secret-0123456789
SRC_FIRST=100 SRC_N=32

ikt_init "ikeload-$KIND"
[[ -x $IKELOAD ]] || ikt_fail "ikeload binary not executable: '$IKELOAD'"
ikt_topology
for ((i = 0; i < SRC_N; i++)); do
  ip -n "$IKT_NS_L" addr add "10.99.1.$((SRC_FIRST + i))/24" dev eth0 ||
    ikt_fail "cannot add source address 10.99.1.$((SRC_FIRST + i))"
done

NS=$IKT_NS_R D="$IKT_DIR/R"
mkdir -p "$D/run"
PKI=$IKT_DIR/pki
LOAD_AUTH=(--psk "$PSK")
if [[ $AUTH == rsa ]]; then
  [[ $KIND != libreswan ]] || ikt_fail "IKT_IKELOAD_AUTH=rsa: strongswan or isakmpd only"
  "$here/../pki/make_pki.sh" "$PKI" "load=DNS:load.ikt.test" "resp=IP:$IKT_R_OUT" \
    >"$IKT_DIR/make_pki.out" 2>&1 || ikt_fail "make_pki.sh failed: $(tail -5 "$IKT_DIR/make_pki.out")"
  LOAD_AUTH=(--auth rsa --cert "$PKI/load/cert.pem" --key "$PKI/load/key.pem"
    --ca "$PKI/ca/ca.crt" --id-fqdn load.ikt.test)
fi

start_isakmpd() {
  [[ -x ${IKT_ISAKMPD:-} ]] || ikt_fail "isakmpd binary not executable: '${IKT_ISAKMPD:-}'"
  local ISAKMPD_AUTH="Authentication=		$PSK" ISAKMPD_X509=""
  local ISAKMPD_TRANSFORMS="AES-128-SHA-GRP14,AES-128-SHA-GRP19"
  if [[ $AUTH == rsa ]]; then
    ISAKMPD_AUTH="" ISAKMPD_TRANSFORMS="AES-128-SHA-GRP14-RSA_SIG,AES-128-SHA-GRP19-RSA_SIG"
    mkdir -p "$D/ca" "$D/certs"
    cp "$PKI/ca/ca.crt" "$D/ca/"
    cp "$PKI/resp/cert.pem" "$D/certs/resp.pem"
    install -m 0600 "$PKI/resp/key.pem" "$D/local.key"
    ISAKMPD_X509="
[X509-certificates]
CA-directory=		$D/ca/
Cert-directory=		$D/certs/
Private-key=		$D/local.key"
  fi
  cat >"$D/isakmpd.conf" <<EOC
[General]
Listen-on=		$IKT_R_OUT
Retransmits=		3
Exchange-max-time=	30
Check-interval=		3600

[Phase 1]
Default=		peer-any

[Phase 2]
Passive-connections=	load-in

[peer-any]
Phase=			1
Configuration=		p1-mm
$ISAKMPD_AUTH

[p1-mm]
DOI=			IPSEC
EXCHANGE_TYPE=		ID_PROT
Transforms=		$ISAKMPD_TRANSFORMS
$ISAKMPD_X509

[load-in]
Phase=			2
ISAKMP-peer=		peer-any
Configuration=		p2-qm

[p2-qm]
DOI=			IPSEC
EXCHANGE_TYPE=		QUICK_MODE
Suites=			QM-ESP-AES-128-SHA-SUITE,QM-ESP-AES-128-SHA-PFS-GRP19-SUITE
EOC
  chmod 0600 "$D/isakmpd.conf"
  ip netns exec "$NS" "$IKT_ISAKMPD" -d -n -K -c "$D/isakmpd.conf" -f "$D/fifo" -i "$D/isakmpd.pid" \
    -D A=0 >"$D/isakmpd.stderr" 2>&1 &
  RESP_PID=$!
  ikt_register "$RESP_PID" isakmpd-R
  ikt_wait_for 10 "isakmpd FIFO" test -p "$D/fifo" || ikt_fail "isakmpd did not start"
}

start_charon() {
  local CHARON_AUTH=psk CHARON_LCERT="" CHARON_RCA=""
  if [[ $AUTH == rsa ]]; then
    CHARON_AUTH=pubkey CHARON_LCERT="certs = resp.pem" CHARON_RCA="cacerts = ca.pem"
    mkdir -p "$D/private" "$D/x509" "$D/x509ca"
    install -m 0600 "$PKI/resp/key.pem" "$D/private/resp.pem"
    cp "$PKI/resp/cert.pem" "$D/x509/resp.pem"
    cp "$PKI/ca/ca.crt" "$D/x509ca/ca.pem"
  fi
  [[ -f $IKT_SHIM ]] || ikt_fail "preload shim $IKT_SHIM missing (run scripts/lab/setup.sh)"
  cat >"$D/strongswan.conf" <<EOC
charon {
  load = random nonce openssl pem pkcs1 x509 pubkey kernel-netlink socket-default vici
  install_routes = no
  install_virtual_ip = no
  block_threshold = 100000
  init_limit_half_open = 0
  filelog { ikt { path = $D/charon.log
                  default = ${IKT_CHARON_LOGLEVEL:-0} } }
  syslog { daemon { default = -1 } }
  plugins { vici { socket = unix://$D/charon.vici } }
}
swanctl { socket = unix://$D/charon.vici }
EOC
  cat >"$D/swanctl.conf" <<EOC
connections {
  ikt {
    version = 1
    local_addrs = $IKT_R_OUT
    remote_addrs = %any
    proposals = aes128-sha1-modp2048,aes128-sha1-ecp256
    unique = never
    local { auth = $CHARON_AUTH
            id = $IKT_R_OUT
            $CHARON_LCERT }
    remote { auth = $CHARON_AUTH
             $CHARON_RCA }
    children { ikt { local_ts = dynamic
                     remote_ts = dynamic
                     esp_proposals = aes128-sha1,aes128-sha1-ecp256
                     mode = tunnel } }
  }
}
secrets { ike-any { secret = "$PSK" } }
EOC
  ip netns exec "$NS" env STRONGSWAN_CONF="$D/strongswan.conf" \
    LD_LIBRARY_PATH="$IKT_CHARON_PREFIX/usr/lib/ipsec" XFRM_NOOP_LOG=/dev/null \
    bash -c "mount --bind '$IKT_CACHE/plugins' /usr/lib/ipsec/plugins && mount --bind '$D/run' /run &&
             LD_PRELOAD='$IKT_SHIM' exec '$IKT_CHARON_PREFIX/usr/lib/ipsec/charon'" \
    >"$D/charon.stderr" 2>&1 &
  RESP_PID=$!
  ikt_register "$RESP_PID" charon-R
  ikt_wait_for 10 "charon vici socket" test -S "$D/charon.vici" || ikt_fail "charon did not start"
  ikt_charon_load R
}

start_pluto() {
  ikt_pluto_load_responder_conf "$D" "$PSK"
  ikt_pluto_start R
  RESP_PID=$(cat "$D/pid")
}

case $KIND in
  isakmpd) start_isakmpd ;;
  strongswan) start_charon ;;
  libreswan) start_pluto ;;
esac
ikt_log "$KIND responder pid $RESP_PID"

run_load() { # GROUP COUNT EXTRA... (closed loop, 16 in flight; EXTRA may switch to --rate)
  local group=$1 count=$2 out rc loop=(--concurrency 16)
  shift 2
  [[ " $* " == *" --rate "* ]] && loop=()
  out=$(ip netns exec "$IKT_NS_L" "$IKELOAD" --target "$IKT_R_OUT" \
    --source "10.99.1.$SRC_FIRST-10.99.1.$((SRC_FIRST + SRC_N - 1))" "${LOAD_AUTH[@]}" \
    --group "$group" "${loop[@]}" --count "$count" --timeout 10 \
    --responder-pid "$RESP_PID" --json ${IKT_IKELOAD_EXTRA:-} "$@" 2>"$IKT_DIR/ikeload.stderr")
  rc=$?
  echo "$out" >>"$IKT_DIR/ikeload.json"
  ikt_log "ikeload group $group $*: $out"
  [[ $rc -eq 0 ]] || ikt_fail "ikeload exited $rc (group $group $*): $out"
  [[ $out == *"\"succeeded\":$count,"* && $out == *"\"failed\":0,"* ]] ||
    ikt_fail "not every handshake established (group $group $*): $out"
  [[ $out != *'"responder_cpu_ms_per_handshake":null'* ]] ||
    ikt_fail "responder CPU not measured: $out"
}

run_load 14 $((COUNT / 2))
if [[ $KIND == libreswan ]]; then
  # libreswan 4.10: "ESP DH algorithm 'dh19' is not supported by IKEv1" (no ECP PFS).
  run_load 19 $((COUNT - COUNT / 2))
else
  run_load 19 $((COUNT - COUNT / 2)) --pfs
fi
# Open loop: 20 arrivals per second for one second.
run_load 19 20 --rate 20
# --dh-private-one (bench/compare.sh's generator): the responder accepts g itself as the
# initiator's KE, and agrees on g^xy = its own public value; with PFS where the peer has it.
run_load 14 10 --dh-private-one
if [[ $KIND == libreswan ]]; then
  run_load 19 10 --dh-private-one
else
  run_load 19 10 --dh-private-one --pfs
fi
TOTAL=$((COUNT + 40))
if [[ $AUTH == rsa ]]; then
  # --ca-key: ikeload issues each source address its own certificate with the run's CA key
  # (CN and iPAddress SAN = the address); the phase-1 ID is the address (IPV4_ADDR).
  LOAD_AUTH=(--auth rsa --key "$PKI/load/key.pem" --ca "$PKI/ca/ca.crt"
    --ca-key "$PKI/ca/ca.key")
  run_load 14 20
  run_load 19 20
  TOTAL=$((TOTAL + 40))
fi
ikt_alive "$RESP_PID" || ikt_fail "$KIND responder died during the load"
ikt_log "PASS ikeload ($AUTH) against $KIND: $TOTAL handshakes, 0 failures"
