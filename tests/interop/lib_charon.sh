# tests/interop/lib_charon.sh: strongSwan 5.9.8 charon as an IKEv1 peer in one namespace
# (sourced by lib.sh). charon is the one extracted by scripts/lab/setup.sh; it runs with
#   - its own strongswan.conf (STRONGSWAN_CONF), vici socket and log in the side directory,
#   - the merged plugin directory bind-mounted over /usr/lib/ipsec/plugins and the side's run/
#     over /run (charon hard-wires /var/run/charon.pid), both inside the private mount
#     namespace that `ip netns exec` gives it,
#   - the xfrm_noop_preload.so shim, recording the SAs it would install to $D/xfrm.log.
# Connection name is always "ikt" (IKE and CHILD). Log: $D/charon.log (ike 4 logs the keys).
# shellcheck shell=bash

IKT_CHARON_PREFIX="$IKT_CACHE/charon"

# ikt_charon_start SIDE
ikt_charon_start() {
  local NS ME PEER MYNET PEERNET D
  ikt_side_vars "$1"
  [[ -f $IKT_SHIM ]] || ikt_fail "preload shim $IKT_SHIM missing (run scripts/lab/setup.sh)"
  mkdir -p "$D/run"
  cat >"$D/strongswan.conf" <<EOF
charon {
  load = random nonce openssl pem pkcs1 x509 pubkey kernel-netlink socket-default vici ${CHARON_LOAD_EXTRA:-}
  install_routes = no
  install_virtual_ip = no
  retransmit_tries = ${IKT_CHARON_RETRANSMIT_TRIES:-3}
  retransmit_timeout = 1.0
  retransmit_base = 1.4
  # Aggressive Mode with PSK (case.env P1_EXCHANGE=AGGRESSIVE) is refused without this.
  i_dont_care_about_security_and_use_aggressive_mode_psk = yes
  keep_alive = ${IKT_CHARON_KEEP_ALIVE:-20s}
  # Extra charon options (e.g. half_open_timeout for the lossy tests).
  ${IKT_CHARON_EXTRA:-}
  filelog {
    ikt {
      path = $D/charon.log
      time_format = %H:%M:%S
      ike_name = yes
      append = no
      flush_line = yes
      default = 1
      ike = 4
      knl = 2
      cfg = 2
      net = 1
      enc = 1
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
  plugins {
    vici {
      socket = unix://$D/charon.vici
    }
  }
}
swanctl {
  socket = unix://$D/charon.vici
}
EOF
  : >"$D/xfrm.log"
  ip netns exec "$NS" env STRONGSWAN_CONF="$D/strongswan.conf" \
    LD_LIBRARY_PATH="$IKT_CHARON_PREFIX/usr/lib/ipsec" XFRM_NOOP_LOG="$D/xfrm.log" \
    bash -c "mount --bind '$IKT_CACHE/plugins' /usr/lib/ipsec/plugins && mount --bind '$D/run' /run &&
             LD_PRELOAD='$IKT_SHIM' exec '$IKT_CHARON_PREFIX/usr/lib/ipsec/charon'" \
    >"$D/charon.stderr" 2>&1 &
  local pid=$!
  ikt_register "$pid" "charon-$1"
  echo "$pid" >"$D/pid"
  ikt_wait_for 10 "charon $1 vici socket" test -S "$D/charon.vici" ||
    ikt_fail "charon ($1) did not start"
  ikt_log "charon started in $NS ($ME), pid $pid"
}

# ikt_swanctl SIDE ARGS...: swanctl against that side's charon (unix socket, no netns needed).
ikt_swanctl() {
  local side=$1
  shift
  STRONGSWAN_CONF="$IKT_DIR/$side/strongswan.conf" swanctl "$@" --uri "unix://$IKT_DIR/$side/charon.vici"
}

# ikt_charon_load SIDE: loads $D/swanctl.conf (written by ikt_charon_conf or the caller).
ikt_charon_load() {
  local out
  out=$(ikt_swanctl "$1" --load-all --noprompt --file "$IKT_DIR/$1/swanctl.conf" 2>&1) ||
    ikt_fail "swanctl --load-all ($1) failed: $out"
  grep -q "loaded connection 'ikt'" <<<"$out" || ikt_fail "connection not loaded ($1): $out"
}

# ikt_charon_conf SIDE: writes $D/swanctl.conf from
#   IKE_PROPOSALS ESP_PROPOSALS MODE(tunnel|transport) PSK [START(none|trap)].
# tunnel: ts = the inner /24s; transport: the outer addresses. case.env CHARON_CONN_EXTRA goes
# inside the connection, CHARON_SWANCTL_EXTRA at the top level (e.g. a `pools` section).
ikt_charon_conf() {
  local NS ME PEER PEERID MYNET PEERNET D lts rts
  ikt_side_vars "$1"
  local ike=$2 esp=$3 mode=$4 psk=$5
  local host=32 lid=$ME rid=$PEERID aggr=no
  [[ ${IPV6:-no} == yes ]] && host=128
  if [[ $mode == transport ]]; then lts=$ME/$host rts=$PEER/$host; else lts=$MYNET rts=$PEERNET; fi
  # case.env PEER_ID / OUR_ID: FQDN phase-1 IDs (charon is always the peer, or the harness).
  [[ -n ${PEER_ID:-} ]] && lid=$PEER_ID
  [[ -n ${OUR_ID:-} ]] && rid=$OUR_ID
  [[ ${P1_EXCHANGE:-ID_PROT} == AGGRESSIVE ]] && aggr=yes
  cat >"$D/swanctl.conf" <<EOF
connections {
  ikt {
    version = 1
    local_addrs = $ME
    remote_addrs = $PEER
    proposals = $ike
    aggressive = $aggr
    ${CHARON_CONN_EXTRA:-}
    local {
      auth = psk
      id = $lid
    }
    remote {
      auth = psk
      id = $rid
    }
    ${CHARON_ROUNDS_EXTRA:-}
    children {
      ikt {
        local_ts = $lts
        remote_ts = $rts
        esp_proposals = $esp
        mode = $mode
        start_action = none
        ${CHARON_CHILD_EXTRA:-}
      }
    }
  }
}
secrets {
  ike-ikt {
    id-1 = $lid
    id-2 = $rid
    secret = "$psk"
  }
${CHARON_SECRETS_EXTRA:-}
}
${CHARON_SWANCTL_EXTRA:-}
EOF
}

# ikt_charon_initiate SIDE: starts the CHILD "ikt" (IKEv1: MM then QM) in the background;
# the swanctl output goes to $D/initiate.out.
ikt_charon_initiate() {
  ikt_swanctl "$1" --initiate --child ikt --timeout "${IKT_INITIATE_TIMEOUT:-25}" \
    >"$IKT_DIR/$1/initiate.out" 2>&1 &
  ikt_log "charon ($1) initiating"
}

# ikt_charon_sas SIDE: prints `swanctl --list-sas --raw`.
ikt_charon_sas() { ikt_swanctl "$1" --list-sas --raw 2>/dev/null; }

# ikt_charon_established SIDE: IKE SA ESTABLISHED and CHILD SA INSTALLED.
ikt_charon_established() {
  local out
  out=$(ikt_charon_sas "$1")
  [[ $out == *"state=ESTABLISHED"* && $out == *"state=INSTALLED"* ]]
}

# ikt_charon_spis SIDE: prints "in=<spi> out=<spi> icookie=<hex> rcookie=<hex>" of the first
# installed CHILD SA / its IKE SA.
ikt_charon_spis() {
  ikt_charon_sas "$1" | python3 "$IKT_LIB_DIR/ikt.py" swan-spis
}
