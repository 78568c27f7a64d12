#!/usr/bin/env bash
# scripts/demo.sh: the first thing to run (README). On Debian 12, as root:
#   1. installs the missing build packages with apt-get;
#   2. configures and builds isakmpd (Release, build/release);
#   3. creates two network namespaces joined by a veth pair (left 10.99.1.1 protecting
#      10.99.10.0/24, right 10.99.1.2 protecting 10.99.20.0/24);
#   4. starts one isakmpd in each (-d -n: foreground, null kernel backend), with
#      examples/demo/left.conf and right.conf copied to 0600 files: PSK Main Mode
#      AES/SHA2-256/MODP2048 + Quick Mode ESP AES-128/HMAC-SHA2-256 tunnel, left initiates;
#   5. waits (30 s at most) until Main Mode and Quick Mode are done on both sides, then prints
#      both sides' SAs (the `S` result files) and stops both daemons with `Q`.
# Everything it created is removed on exit (namespaces, processes, temporary files).
# Options: --no-install (skip apt-get), --no-build (use an existing build/release),
# --isakmpd PATH (use that binary, no build), --keep (keep the temporary directory with configs
# and logs). Env: IKE_DEMO_TIMEOUT (30), IKE_DEMO_DEBUG (isakmpd -D A=<level>, 30).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

install=1 build=1 bin="$root/build/release/src/daemon/isakmpd"
while (($#)); do
  case $1 in
    --no-install) install=0 ;;
    --no-build) build=0 ;;
    --isakmpd) bin=$(realpath "${2:?--isakmpd needs a path}"); build=0; shift ;;
    --keep) export IKT_KEEP=1 ;;
    -h | --help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "demo: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if [[ $(id -u) -ne 0 ]]; then
  echo "demo: please run as root (apt-get, network namespaces, UDP port 500): sudo $0" >&2
  exit 1
fi

source scripts/packages.sh
if ((install)); then
  echo "== demo: checking build packages"
  ike_install_missing "${IKE_BUILD_PACKAGES[@]}"
fi
# Privilege separation: isakmpd started as root needs the _isakmpd user and /var/empty.
if [[ $(id -u) -eq 0 ]]; then "$root/scripts/install-user.sh" >/dev/null; fi

if ((build)); then
  echo "== demo: building isakmpd (Release, build/release)"
  cmake --preset release >/dev/null
  cmake --build --preset release --target isakmpd -j "$(nproc)"
fi
[[ -x $bin ]] || { echo "demo: FAIL: no isakmpd binary at $bin" >&2; exit 1; }

# The namespace/daemon helpers of the interop tests (no strongSwan/libreswan needed here);
# they check every status themselves, so errexit is off from here on.
set +e
export IKT_SKIP_SETUP=1 IKT_NS_PREFIX="isakmpd-demo-$$"
export IKT_ISAKMPD=$bin IKT_ISAKMPD_DEBUG=${IKE_DEMO_DEBUG:-30}
# shellcheck source=tests/interop/lib.sh
source "$root/tests/interop/lib.sh"
ikt_init demo
ikt_topology

echo "== demo: starting isakmpd on the right (responder) and on the left (initiator)"
confdir=${IKE_DEMO_CONF_DIR:-$root/examples/demo}
ikt_isakmpd_start R "$confdir/right.conf"
ikt_isakmpd_start L "$confdir/left.conf"

both_up() { ikt_isakmpd_established L && ikt_isakmpd_established R; }
timeout=${IKE_DEMO_TIMEOUT:-30}
if ! ikt_wait_for "$timeout" "Main Mode + Quick Mode on both sides" both_up; then
  for s in L R; do
    if ikt_isakmpd_alive "$s"; then
      res=$(ikt_isakmpd_status "$s") && { echo "----- $s: S result"; [[ -s $res ]] && cat "$res" || echo "(no SAs)"; } >&2
    else
      echo "----- $s: isakmpd is not running any more" >&2
    fi
  done
  IKT_TAIL=60 ikt_fail "the tunnel did not come up within $timeout s (logs below)"
fi
echo "== demo: tunnel up after $(ikt_elapsed) s"

for s in L R; do
  if [[ $s == L ]]; then who="left (10.99.1.1, initiator)"; else who="right (10.99.1.2, responder)"; fi
  res=$(ikt_isakmpd_status "$s") || ikt_fail "no S result from the $who"
  echo
  echo "===== $who: SAs (isakmpd S result)"
  cat "$res"
done

echo
keys=$(python3 "$root/tests/interop/ikt.py" keylogcmp "$IKT_DIR/L/keylog" "$IKT_DIR/R/keylog" 2>&1) ||
  ikt_fail "$keys"
echo "== demo: both sides derived the same ESP SAs: $keys"
echo "== demo: stopping both daemons (Q)"
ikt_isakmpd_stop L || ikt_fail "left isakmpd did not exit cleanly on Q"
ikt_isakmpd_stop R || ikt_fail "right isakmpd did not exit cleanly on Q"
echo "== demo: OK"
