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
# Options: --no-install (skip apt-get), --no-build (use an existing build/release), --keep
# (keep the temporary directory with configs and logs). Env: IKE_DEMO_TIMEOUT (30).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

install=1 build=1
for a in "$@"; do
  case $a in
    --no-install) install=0 ;;
    --no-build) build=0 ;;
    --keep) export IKT_KEEP=1 ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "demo: unknown option $a" >&2; exit 2 ;;
  esac
done

if [[ $(id -u) -ne 0 ]]; then
  echo "demo: please run as root (apt-get, network namespaces, UDP port 500): sudo $0" >&2
  exit 1
fi

build_packages=(cmake ninja-build g++ pkg-config libssl-dev libmnl-dev libfmt-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev iproute2 procps python3)
if ((install)); then
  missing=()
  for p in "${build_packages[@]}"; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $st == "install ok installed" ]] || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "== demo: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "== demo: build packages present"
  fi
fi

bin="$root/build/release/src/daemon/isakmpd"
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
ikt_isakmpd_start R "$root/examples/demo/right.conf"
ikt_isakmpd_start L "$root/examples/demo/left.conf"

both_up() { ikt_isakmpd_established L && ikt_isakmpd_established R; }
timeout=${IKE_DEMO_TIMEOUT:-30}
if ! ikt_wait_for "$timeout" "Main Mode + Quick Mode on both sides" both_up; then
  for s in L R; do
    if ikt_isakmpd_alive "$s"; then
      res=$(ikt_isakmpd_status "$s") && { echo "----- $s: S result"; cat "$res"; } >&2
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
echo "== demo: stopping both daemons (Q)"
ikt_isakmpd_stop L || ikt_fail "left isakmpd did not exit cleanly on Q"
ikt_isakmpd_stop R || ikt_fail "right isakmpd did not exit cleanly on Q"
echo "== demo: OK"
