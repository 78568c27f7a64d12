# tests/interop/lib_pluto.sh: libreswan 4.10 pluto as an IKEv1 peer in one namespace (sourced
# by lib.sh). Each pluto has its own NSS db ($D/nss), ipsec.conf, secrets, run dir
# ($D/run/pluto.ctl) and log ($D/pluto.log), and runs with the xfrm_noop_preload.so shim
# (pluto aborts Quick Mode when XFRM_MSG_NEWSA fails, and this kernel has no ESP); the shim
# records the SAs to $D/xfrm.log. Connection name is always "ikt".
# libreswan 4.10 (Debian) is built without MODP1024 ("IKE DH algorithm 'modp1024' is not
# supported"), so scenarios needing it use MODP1536 with libreswan.
# shellcheck shell=bash

IKT_PLUTO=/usr/libexec/ipsec/pluto
IKT_WHACK=/usr/libexec/ipsec/whack
IKT_ADDCONN=/usr/libexec/ipsec/addconn

# ikt_pluto_conf SIDE IKE ESP MODE PSK PFS(yes|no) [EXTRA_CONN_LINES]: writes ipsec.conf and
# ipsec.secrets. IKE like "aes128-sha1;modp2048", ESP like "aes128-sha1" (with PFS the group
# is given in ESP: "aes256-sha2_256;modp2048").
ikt_pluto_conf() {
  local NS ME PEER PEERID MYNET PEERNET D
  ikt_side_vars "$1"
  local ike=$2 esp=$3 mode=$4 psk=$5 pfs=$6 extra=${7:-} subnets="" lid rid
  lid=$ME rid=$PEERID
  # case.env PEER_ID / OUR_ID: FQDN phase-1 IDs; P1_EXCHANGE=AGGRESSIVE: aggressive=yes.
  [[ -n ${PEER_ID:-} ]] && lid=@$PEER_ID
  [[ -n ${OUR_ID:-} ]] && rid=@$OUR_ID
  [[ ${P1_EXCHANGE:-ID_PROT} == AGGRESSIVE ]] && extra="    aggressive=yes
$extra"
  if [[ $mode == tunnel ]]; then
    subnets="    leftsubnet=$MYNET
    rightsubnet=$PEERNET"
    # case.env PLUTO_NO_PEER_SUBNET=yes: no rightsubnet (a mode-config server's client is the
    # /32 it leases from rightaddresspool).
    [[ ${PLUTO_NO_PEER_SUBNET:-no} == yes ]] && subnets="    leftsubnet=$MYNET"
  fi
  cat >"$D/ipsec.conf" <<EOF
config setup
    logfile=$D/pluto.log
    logappend=no
    logtime=yes
    plutodebug=${IKT_PLUTODEBUG:-none}
    dumpdir=$D/run
    ikev1-policy=accept
    keep-alive=${IKT_PLUTO_KEEP_ALIVE:-20}

conn ikt
    ikev2=no
    authby=secret
    left=$ME
    leftid=$lid
    right=$PEER
    rightid=$rid
$subnets
    type=$mode
    ike=$ike
    esp=$esp
    pfs=$pfs
    ikelifetime=3600s
    salifetime=1200s
    rekey=no
    retransmit-timeout=${IKT_PLUTO_RETRANSMIT_TIMEOUT:-15}s
    retransmit-interval=1000
    keyingtries=1
    auto=add
$extra
EOF
  printf '%s %s : PSK "%s"\n' "$lid" "$rid" "$psk" >"$D/ipsec.secrets"
  # case.env PLUTO_SECRETS_EXTRA: more secrets lines (e.g. `@alice : XAUTH "..."`).
  [[ -n ${PLUTO_SECRETS_EXTRA:-} ]] && printf '%s\n' "$PLUTO_SECRETS_EXTRA" >>"$D/ipsec.secrets"
  chmod 0600 "$D/ipsec.secrets"
  # case.env PLUTO_XAUTH_USERS ("user:password" lines): pluto's XAUTH password file
  # ($D/passwd: --ipsecdir $D stands for /etc/ipsec.d; `user:crypt-SHA-512:ikt` lines, the
  # third field the connection the user may use), read with xauthby=file (the default).
  if [[ -n ${PLUTO_XAUTH_USERS:-} ]]; then
    PLUTO_XAUTH_USERS=$PLUTO_XAUTH_USERS python3 -W ignore -c '
import crypt, os
for line in os.environ["PLUTO_XAUTH_USERS"].split("\n"):
    if line.strip():
        u, p = line.split(":", 1)
        print(u + ":" + crypt.crypt(p, crypt.mksalt(crypt.METHOD_SHA512)) + ":ikt")
' >"$D/passwd"
    chmod 0600 "$D/passwd"
  fi
}

# ikt_pluto_start SIDE: NSS db, pluto with the shim, then loads the secrets and conn "ikt".
ikt_pluto_start() {
  local NS ME PEER MYNET PEERNET D
  ikt_side_vars "$1"
  [[ -f $IKT_SHIM ]] || ikt_fail "preload shim $IKT_SHIM missing (run scripts/lab/setup.sh)"
  mkdir -p "$D/run" "$D/nss"
  if [[ ! -f $D/nss/cert9.db ]]; then
    certutil -N -d "sql:$D/nss" --empty-password >/dev/null 2>&1 ||
      ikt_fail "certutil -N failed for $D/nss"
  fi
  : >"$D/xfrm.log"
  ip netns exec "$NS" env XFRM_NOOP_LOG="$D/xfrm.log" LD_PRELOAD="$IKT_SHIM" \
    "$IKT_PLUTO" --nofork --config "$D/ipsec.conf" --rundir "$D/run" --nssdir "$D/nss" \
    --secretsfile "$D/ipsec.secrets" --ipsecdir "$D" --dumpdir "$D/run" \
    >"$D/pluto.stderr" 2>&1 &
  local pid=$!
  ikt_register "$pid" "pluto-$1"
  echo "$pid" >"$D/pid"
  ikt_wait_for 10 "pluto $1 control socket" test -S "$D/run/pluto.ctl" ||
    ikt_fail "pluto ($1) did not start"
  ikt_whack "$1" --listen >/dev/null 2>&1 || ikt_fail "whack --listen ($1) failed"
  ikt_whack "$1" --rereadsecrets >/dev/null 2>&1 || ikt_fail "whack --rereadsecrets ($1) failed"
  local out
  out=$(ip netns exec "$NS" "$IKT_ADDCONN" --ctlsocket "$D/run/pluto.ctl" --config "$D/ipsec.conf" \
    ikt 2>&1) || ikt_fail "addconn ($1) failed: $out"
  ikt_log "pluto started in $NS ($ME), pid $pid"
}

# ikt_whack SIDE ARGS...
ikt_whack() {
  local side=$1
  shift
  "$IKT_WHACK" --ctlsocket "$IKT_DIR/$side/run/pluto.ctl" "$@"
}

# ikt_pluto_initiate SIDE: --initiate in the background (output in $D/initiate.out).
ikt_pluto_initiate() {
  ikt_whack "$1" --name ikt --initiate >"$IKT_DIR/$1/initiate.out" 2>&1 &
  ikt_log "pluto ($1) initiating"
}

ikt_pluto_states() { ikt_whack "$1" --showstates 2>/dev/null; }

# ikt_pluto_p1 / ikt_pluto_p2 STATES: 4.10 --showstates prints "STATE_MAIN_R3 (IKE SA
# established)" / "STATE_QUICK_I2 (IPsec SA established)" (older: "ISAKMP SA established").
# A mode-config server that answered a pull stays in "STATE_MODE_CFG_R1 (sent ModeCfg reply,
# expecting Ack)" for good (no ACK follows a REPLY, draft-dukes-ike-mode-cfg-02 §3.2), one
# whose pushed SET was ACKed in "STATE_MODE_CFG_R2 (received ModeCfg Ack)"; pluto counts both
# as an established ISAKMP SA (IS_ISAKMP_SA_ESTABLISHED) and runs QM on them.
ikt_pluto_p1() {
  [[ $1 == *"(IKE SA established)"* || $1 == *"ISAKMP SA established"* ||
    $1 == *"STATE_MODE_CFG_R1 (sent ModeCfg reply, expecting Ack)"* ||
    $1 == *"STATE_MODE_CFG_R2 (received ModeCfg Ack)"* ]]
}
ikt_pluto_p2() { [[ $1 == *"(IPsec SA established)"* ]]; }

# ikt_pluto_established SIDE: an established phase 1 state and an established phase 2 state.
ikt_pluto_established() {
  local out
  out=$(ikt_pluto_states "$1")
  ikt_pluto_p1 "$out" && ikt_pluto_p2 "$out"
}

# ikt_pluto_spis SIDE: prints "in=<spi> out=<spi>" of the IPsec SA.
ikt_pluto_spis() {
  local NS ME PEER MYNET PEERNET D
  ikt_side_vars "$1"
  ikt_pluto_states "$1" | python3 "$IKT_LIB_DIR/ikt.py" pluto-spis --me "$ME" --peer "$PEER"
}

# ikt_pluto_load_responder_conf DIR PSK: pluto as a host responder for load generators (ikeload,
# bench/compare.sh): any initiator address, PSK, AES-128/SHA1 with MODP2048 or ECP256, no PFS,
# no rekey, no updown script (it made pluto take seconds per handshake).
ikt_pluto_load_responder_conf() {
  local d=$1
  cat >"$d/ipsec.conf" <<EOC
config setup
    logfile=$d/pluto.log
    plutodebug=none
    dumpdir=$d/run
    ikev1-policy=accept
    uniqueids=no

conn ikt
    ikev2=no
    authby=secret
    left=$IKT_R_OUT
    leftid=$IKT_R_OUT
    right=%any
    type=tunnel
    ike=aes128-sha1;modp2048,aes128-sha1;dh19
    esp=aes128-sha1
    pfs=no
    rekey=no
    leftupdown=%disabled
    auto=add
EOC
  printf ': PSK "%s"\n' "$2" >"$d/ipsec.secrets"
  chmod 0600 "$d/ipsec.secrets"
}
