#!/usr/bin/env bash
# End to end: ipsecctl configures two running isakmpd daemons and they negotiate.
# Usage: ipsecctl_two_daemons.sh ISAKMPD IPSECCTL (ctest passes the built binaries; label
# interop, root only, exit 77 = skipped when not root).
# Two network namespaces joined by a veth (tests/interop/lib.sh topology: left 10.99.1.1 with
# 10.99.10.0/24, right 10.99.1.2 with 10.99.20.0/24). Each runs `isakmpd -d -n` with a config
# that has no peers and no connections at all; then `ipsecctl -f ipsec.conf -i <fifo>` loads
#   left:  ike esp from 10.99.10.0/24 to 10.99.20.0/24 local 10.99.1.1 peer 10.99.1.2 psk ...
#   right: ike passive esp from 10.99.20.0/24 to 10.99.10.0/24 peer 10.99.1.1 local 10.99.1.2 psk ...
# (OpenBSD's defaults: Main Mode AES-128/SHA1/MODP3072, Quick Mode ESP AES-128/HMAC-SHA2-256
# with PFS MODP3072, tunnel). The test passes when Main Mode and Quick Mode complete on both
# sides (key log + `S` report), then `ipsecctl -d` tears the connection down without error.
# Everything created (namespaces, daemons, files) is removed by lib.sh's EXIT trap.
set -uo pipefail
isakmpd=$(realpath "${1:?usage: $0 ISAKMPD IPSECCTL}")
ipsecctl=$(realpath "${2:?usage: $0 ISAKMPD IPSECCTL}")
root=$(cd "$(dirname "$0")/../../.." && pwd)

export IKT_SKIP_SETUP=1 IKT_NS_PREFIX="ipsecctl-e2e-$$"
export IKT_ISAKMPD=$isakmpd IKT_ISAKMPD_DEBUG=${IKT_ISAKMPD_DEBUG:-30}
# shellcheck source=../../interop/lib.sh
source "$root/tests/interop/lib.sh"
ikt_init ipsecctl-two-daemons
ikt_topology

psk="ipsecctl-e2e-secret"
for side in L R; do
  D="$IKT_DIR/$side"
  mkdir -p "$D"
  if [[ $side == L ]]; then me=$IKT_L_OUT; else me=$IKT_R_OUT; fi
  cat >"$D/base.conf" <<CONF
[General]
Listen-on=		$me
Retransmits=		3
Exchange-max-time=	30
CONF
  chmod 0600 "$D/base.conf"
done
cat >"$IKT_DIR/L/ipsec.conf" <<CONF
right = "$IKT_R_OUT"
ike esp from $IKT_L_NET to $IKT_R_NET local $IKT_L_OUT peer \$right psk "$psk"
CONF
cat >"$IKT_DIR/R/ipsec.conf" <<CONF
ike passive esp from $IKT_R_NET to $IKT_L_NET peer $IKT_L_OUT local $IKT_R_OUT psk "$psk"
CONF
chmod 0600 "$IKT_DIR/L/ipsec.conf" "$IKT_DIR/R/ipsec.conf"

ikt_isakmpd_start R "$IKT_DIR/R/base.conf"
ikt_isakmpd_start L "$IKT_DIR/L/base.conf"

load() {  # load SIDE [ipsecctl flags...]
  local side=$1 ns
  shift
  if [[ $side == L ]]; then ns=$IKT_NS_L; else ns=$IKT_NS_R; fi
  ip netns exec "$ns" "$ipsecctl" "$@" -i "$IKT_DIR/$side/fifo" -f "$IKT_DIR/$side/ipsec.conf" \
    >"$IKT_DIR/$side/ipsecctl.out" 2>&1 ||
    ikt_fail "ipsecctl $* on $side failed: $(cat "$IKT_DIR/$side/ipsecctl.out")"
}
load R
load L
ikt_log "ipsecctl loaded both sides"

both_up() { ikt_isakmpd_established L && ikt_isakmpd_established R; }
ikt_wait_for "${IKT_TIMEOUT:-45}" "Main Mode + Quick Mode on both sides" both_up ||
  IKT_TAIL=60 ikt_fail "no tunnel after ipsecctl configured both daemons"
ikt_log "tunnel up after $(ikt_elapsed) s"

load L -d
load R -d
ikt_isakmpd_alive L || ikt_fail "isakmpd (L) died after ipsecctl -d"
ikt_isakmpd_alive R || ikt_fail "isakmpd (R) died after ipsecctl -d"
ikt_isakmpd_stop L
ikt_isakmpd_stop R
ikt_log "PASS"
exit 0
