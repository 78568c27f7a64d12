# bench/lib_compare.sh: responder start-up for bench/compare.sh (sourced after
# tests/interop/lib.sh). One responder at a time in $IKT_NS_R, each in a fresh directory, pinned
# with taskset to $CMP_RESP_CPU, accepting any initiator address with a PSK ($CMP_PSK) or RSA-2048
# certificates ($CMP_PKI from tests/pki/make_pki.sh), MODP2048 and ECP256, ESP AES-128-SHA1
# without PFS. The configurations are those of tests/interop/ikeload_interop.sh (which validates
# ikeload against each responder); charon and pluto run with the xfrm_noop_preload shim so their
# SA installs succeed on this ESP-less kernel. cmp_start KIND AUTH DIR sets CMP_PID (the pid
# ikeload measures; isakmpd's engine child is found through /proc/<pid>/task/*/children).
# shellcheck shell=bash

cmp_start_isakmpd() { # AUTH DIR
  local auth=$1 D=$2 pskline="Authentication=		$CMP_PSK" x509="" tr="AES-128-SHA-GRP14,AES-128-SHA-GRP19"
  if [[ $auth == rsa ]]; then
    pskline="" tr="AES-128-SHA-GRP14-RSA_SIG,AES-128-SHA-GRP19-RSA_SIG"
    mkdir -p "$D/ca" "$D/certs"
    cp "$CMP_PKI/ca/ca.crt" "$D/ca/"
    cp "$CMP_PKI/resp/cert.pem" "$D/certs/resp.pem"
    install -m 0600 "$CMP_PKI/resp/key.pem" "$D/local.key"
    x509="[X509-certificates]
CA-directory=		$D/ca/
Cert-directory=		$D/certs/
Private-key=		$D/local.key"
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
$pskline
[p1-mm]
DOI=			IPSEC
EXCHANGE_TYPE=		ID_PROT
Transforms=		$tr
$x509
[load-in]
Phase=			2
ISAKMP-peer=		peer-any
Configuration=		p2-qm
[p2-qm]
DOI=			IPSEC
EXCHANGE_TYPE=		QUICK_MODE
Suites=			QM-ESP-AES-128-SHA-SUITE
EOC
  chmod 0600 "$D/isakmpd.conf"
  ip netns exec "$IKT_NS_R" taskset -c "$CMP_RESP_CPU" "$CMP_ISAKMPD" -d -n -K -c "$D/isakmpd.conf" \
    -f "$D/fifo" -i "$D/isakmpd.pid" --result-file "$D/result" -D A=0 >"$D/isakmpd.stderr" 2>&1 &
  CMP_PID=$!
  ikt_register "$CMP_PID" isakmpd-R
  ikt_wait_for 10 "isakmpd FIFO" test -p "$D/fifo" || ikt_fail "isakmpd did not start"
}

cmp_start_strongswan() { # AUTH DIR
  local auth=$1 D=$2 a=psk lcert="" rca=""
  [[ -f $IKT_SHIM ]] || ikt_fail "preload shim $IKT_SHIM missing (run scripts/lab/setup.sh)"
  mkdir -p "$D/run"
  if [[ $auth == rsa ]]; then
    a=pubkey lcert="certs = resp.pem" rca="cacerts = ca.pem"
    mkdir -p "$D/private" "$D/x509" "$D/x509ca"
    install -m 0600 "$CMP_PKI/resp/key.pem" "$D/private/resp.pem"
    cp "$CMP_PKI/resp/cert.pem" "$D/x509/resp.pem"
    cp "$CMP_PKI/ca/ca.crt" "$D/x509ca/ca.pem"
  fi
  cat >"$D/strongswan.conf" <<EOC
charon {
  load = random nonce openssl pem pkcs1 x509 pubkey kernel-netlink socket-default vici
  install_routes = no
  install_virtual_ip = no
  block_threshold = 1000000
  init_limit_half_open = 0
  filelog { ikt { path = $D/charon.log
                  default = 0 } }
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
    local { auth = $a
            id = $IKT_R_OUT
            $lcert }
    remote { auth = $a
             $rca }
    children { ikt { local_ts = dynamic
                     remote_ts = dynamic
                     esp_proposals = aes128-sha1
                     mode = tunnel } }
  }
}
secrets { ike-any { secret = "$CMP_PSK" } }
EOC
  ip netns exec "$IKT_NS_R" env STRONGSWAN_CONF="$D/strongswan.conf" \
    LD_LIBRARY_PATH="$IKT_CHARON_PREFIX/usr/lib/ipsec" XFRM_NOOP_LOG=/dev/null \
    bash -c "mount --bind '$IKT_CACHE/plugins' /usr/lib/ipsec/plugins && mount --bind '$D/run' /run &&
             LD_PRELOAD='$IKT_SHIM' exec taskset -c '$CMP_RESP_CPU' '$IKT_CHARON_PREFIX/usr/lib/ipsec/charon'" \
    >"$D/charon.stderr" 2>&1 &
  CMP_PID=$!
  ikt_register "$CMP_PID" charon-R
  ikt_wait_for 10 "charon vici socket" test -S "$D/charon.vici" || ikt_fail "charon did not start"
  local out
  out=$(STRONGSWAN_CONF="$D/strongswan.conf" swanctl --load-all --noprompt \
    --file "$D/swanctl.conf" --uri "unix://$D/charon.vici" 2>&1) || ikt_fail "swanctl --load-all: $out"
  grep -q "loaded connection 'ikt'" <<<"$out" || ikt_fail "connection not loaded: $out"
}

# RSA: the responder's certificate and key enter pluto's NSS db as PKCS#12 (nickname "resp"), the
# test CA is trusted (CT,,), and the connection becomes authby=rsasig with leftcert=resp and
# rightid=%fromcert (ikeload sends its certificate; its FQDN ID is in the SAN).
cmp_start_libreswan() { # AUTH DIR
  local auth=$1 D=$2
  [[ -f $IKT_SHIM ]] || ikt_fail "preload shim $IKT_SHIM missing (run scripts/lab/setup.sh)"
  mkdir -p "$D/run" "$D/nss"
  ikt_pluto_load_responder_conf "$D" "$CMP_PSK"
  certutil -N -d "sql:$D/nss" --empty-password >/dev/null 2>&1 || ikt_fail "certutil -N failed"
  if [[ $auth == rsa ]]; then
    openssl pkcs12 -export -in "$CMP_PKI/resp/cert.pem" -inkey "$CMP_PKI/resp/key.pem" \
      -certfile "$CMP_PKI/ca/ca.crt" -name resp -passout pass: -out "$D/resp.p12" 2>/dev/null ||
      ikt_fail "openssl pkcs12 failed"
    pk12util -i "$D/resp.p12" -d "sql:$D/nss" -W "" >/dev/null 2>&1 || ikt_fail "pk12util failed"
    certutil -A -n "ike-test CA" -t "CT,," -i "$CMP_PKI/ca/ca.crt" -d "sql:$D/nss" >/dev/null 2>&1 ||
      certutil -M -n "ike-test CA" -t "CT,," -d "sql:$D/nss" >/dev/null 2>&1 ||
      ikt_fail "certutil: cannot trust the test CA"
    sed -i -e 's/^    authby=secret/    authby=rsasig\n    leftcert=resp\n    leftrsasigkey=%cert\n    rightrsasigkey=%cert\n    leftsendcert=always\n    rightid=%fromcert/' \
      "$D/ipsec.conf"
    : >"$D/ipsec.secrets"
  fi
  ip netns exec "$IKT_NS_R" env XFRM_NOOP_LOG=/dev/null LD_PRELOAD="$IKT_SHIM" \
    taskset -c "$CMP_RESP_CPU" "$IKT_PLUTO" --nofork --config "$D/ipsec.conf" --rundir "$D/run" \
    --nssdir "$D/nss" --secretsfile "$D/ipsec.secrets" --ipsecdir "$D" --dumpdir "$D/run" \
    >"$D/pluto.stderr" 2>&1 &
  CMP_PID=$!
  ikt_register "$CMP_PID" pluto-R
  ikt_wait_for 10 "pluto control socket" test -S "$D/run/pluto.ctl" || ikt_fail "pluto did not start"
  local w=("$IKT_WHACK" --ctlsocket "$D/run/pluto.ctl") out
  "${w[@]}" --listen >/dev/null 2>&1 || ikt_fail "whack --listen failed"
  "${w[@]}" --rereadsecrets >/dev/null 2>&1 || ikt_fail "whack --rereadsecrets failed"
  out=$(ip netns exec "$IKT_NS_R" "$IKT_ADDCONN" --ctlsocket "$D/run/pluto.ctl" \
    --config "$D/ipsec.conf" ikt 2>&1) || ikt_fail "addconn failed: $out"
}

# cmp_status_s DIR: seconds from writing `S` to isakmpd's FIFO in DIR until the result file
# (written atomically: it appears complete) exists; "null" after 30 s.
cmp_status_s() {
  local D=$1 t0 i
  rm -f "$D/result"
  t0=$(date +%s%N)
  timeout 5 bash -c 'printf "S\n" >"$1"' _ "$D/fifo" || { echo null; return; }
  for ((i = 0; i < 3000; i++)); do
    [[ -e $D/result ]] && { awk -v ns=$(($(date +%s%N) - t0)) 'BEGIN { printf "%.3f", ns / 1e9 }'; return; }
    sleep 0.01
  done
  echo null
}

# cmp_stop_s PID MAX: SIGTERM to PID, then the seconds until it has exited (null after MAX s).
# With CMP_PERF_STOP=FILE, `perf record` (DWARF call graphs) samples PID and its children
# from just before the signal until they exit (where shutdown time goes).
cmp_stop_s() {
  local pid=$1 max=$2 t0 i
  if [[ -n ${CMP_PERF_STOP:-} ]]; then
    perf record -F 999 --call-graph dwarf -o "$CMP_PERF_STOP" \
      -p "$(cmp_pids "$pid" | paste -sd,)" >/dev/null 2>&1 &
    sleep 1
  fi
  t0=$(date +%s%N)
  kill -TERM "$pid" 2>/dev/null || { echo null; return; }
  for ((i = 0; i < max * 100; i++)); do
    if ! kill -0 "$pid" 2>/dev/null || [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]]; then
      awk -v ns=$(($(date +%s%N) - t0)) 'BEGIN { printf "%.3f", ns / 1e9 }'
      return
    fi
    sleep 0.01
  done
  echo null
}

# cmp_pids PID: PID and its descendants (isakmpd: monitor + engine child).
cmp_pids() {
  local p=$1 c
  echo "$p"
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do cmp_pids "$c"; done
}

# cmp_rss_kb PID: VmRSS of PID and its descendants, in KiB.
cmp_rss_kb() {
  local p sum=0 v
  for p in $(cmp_pids "$1"); do
    v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null)
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}
