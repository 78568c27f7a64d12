# tests/interop/lib.sh: shell library for the netns interop tests (shared docs lab.md).
# Sourced by run_scenario.sh and scripts/demo.sh. It owns everything a run creates:
#   - the two-namespace topology: $IKT_NS_L (10.99.1.1/24, fd00:99::1/64 on veth eth0,
#     10.99.10.1/24 on lo) <-> $IKT_NS_R (10.99.1.2/24, fd00:99::2/64, 10.99.20.1/24 on lo);
#   - the per-run directory $IKT_DIR with one sub-directory per side (configs, logs, sockets);
#   - the daemons it starts (charon, pluto, our isakmpd), one per namespace, tracked by pid.
# ikt_cleanup (installed as the EXIT trap by ikt_init) checks the post-test invariants
# (lib_invariants.sh), stops only those pids, deletes only
# those namespaces and, unless the run failed or IKT_KEEP=1, the run directory.
# Functions print "ikt: ..." progress lines on stderr; ikt_fail prints the reason, the tails of
# every daemon log of the run and exits 1.
# shellcheck shell=bash

IKT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IKT_ROOT=$(cd "$IKT_LIB_DIR/../.." && pwd)
IKT_CACHE=${IKE_LAB_CACHE:-/var/cache/isakmpd-lab}
# The preload shim: ctest passes the CMake-built one, scripts use the one setup.sh builds.
IKT_SHIM=${IKT_SHIM:-$IKT_CACHE/xfrm_noop_preload.so}
IKT_L_OUT=10.99.1.1
IKT_R_OUT=10.99.1.2
IKT_L_NET=10.99.10.0/24
IKT_R_NET=10.99.20.0/24
IKT_L_OUT6=fd00:99::1
IKT_R_OUT6=fd00:99::2
IKT_L_NET6=fd00:10::/64
IKT_R_NET6=fd00:20::/64
IKT_L_IN=10.99.10.1
IKT_R_IN=10.99.20.1
IKT_PIDS=()        # "pid:label" of every daemon this run started
IKT_NETNS=()       # namespaces this run created
IKT_FAILED=0
IKT_T0=$(date +%s%N)

# ikt_elapsed: seconds since the library was sourced, one decimal.
ikt_elapsed() {
  local ms=$((($(date +%s%N) - IKT_T0) / 1000000))
  printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}
ikt_log() { printf 'ikt: [%6ss] %s\n' "$(ikt_elapsed)" "$*" >&2; }

# ikt_init NAME: root check (exit 77 when not root), lab set-up, run dir, EXIT trap.
ikt_init() {
  local name=$1
  if [[ $(id -u) -ne 0 ]]; then
    echo "ikt: SKIP $name: needs root (network namespaces, bind mounts, UDP 500)" >&2
    exit 77
  fi
  if [[ ${IKT_SKIP_SETUP:-0} != 1 ]]; then
    "$IKT_ROOT/scripts/lab/setup.sh" >&2 || { echo "ikt: FAIL $name: lab set-up failed" >&2; exit 1; }
  fi
  IKT_NAME=$name
  ikt_sweep_stale
  IKT_DIR=$(mktemp -d "/tmp/ikt-$name-XXXXXX")
  chmod 0755 "$IKT_DIR"
  IKT_NS_L="${IKT_NS_PREFIX:-ikt-$$}-L"
  IKT_NS_R="${IKT_NS_PREFIX:-ikt-$$}-R"
  trap ikt_cleanup EXIT
  trap 'ikt_fail "interrupted"' INT TERM
}

# ikt_sweep_stale: deletes namespaces left behind by an earlier run of these scripts that was
# killed before its EXIT trap ran (e.g. a ctest timeout): "ikt-<pid>-L|R" whose <pid> is gone
# and that hold no process. A namespace that still holds processes is only reported.
ikt_sweep_stale() {
  local ns pid
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^(ikt|isakmpd-demo)-[0-9]+-[LR]$'); do
    pid=${ns%-[LR]}
    pid=${pid##*-}
    [[ -d /proc/$pid ]] && continue
    if [[ -z $(ip netns pids "$ns" 2>/dev/null) ]]; then
      ip netns del "$ns" 2>/dev/null && echo "ikt: removed stale namespace $ns" >&2
    else
      echo "ikt: warning: stale namespace $ns still holds processes: $(ip netns pids "$ns" | tr '\n' ' ')" >&2
    fi
  done
}

ikt_alive() { # pid: running and not a zombie
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $st && $st != Z && $st != X ]]
}

# ikt_stop_pid PID [SIGNAL]: polite signal, then KILL after 5 s; reaps the child.
ikt_stop_pid() {
  local pid=$1 sig=${2:-TERM} i
  ikt_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    ikt_alive "$pid" || break
    sleep 0.1
  done
  if ikt_alive "$pid"; then
    ikt_log "pid $pid did not stop on SIG$sig, killing"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

ikt_cleanup() {
  local rc=$? entry ns
  trap - EXIT INT TERM
  # reliability.md §A4.2 (lib_invariants.sh): checked before the namespaces go.
  if ! ikt_invariants; then
    IKT_FAILED=1
    ((rc == 0)) && rc=1
  fi
  for entry in "${IKT_PIDS[@]}"; do
    ikt_stop_pid "${entry%%:*}"
  done
  IKT_PIDS=()
  for ns in "${IKT_NETNS[@]}"; do
    ip netns del "$ns" 2>/dev/null || true
  done
  IKT_NETNS=()
  if [[ -n ${IKT_DIR:-} && -d $IKT_DIR ]]; then
    if [[ $rc -ne 0 || $IKT_FAILED -ne 0 || ${IKT_KEEP:-0} == 1 ]]; then
      echo "ikt: run directory kept: $IKT_DIR" >&2
    else
      rm -rf "$IKT_DIR"
    fi
  fi
  exit "$rc"
}

# ikt_dump_logs: tail of every daemon log of this run (on failure).
ikt_dump_logs() {
  local f
  for f in "$IKT_DIR"/*/*.log "$IKT_DIR"/*/*.stderr; do
    [[ -s $f ]] || continue
    echo "----- tail -n ${IKT_TAIL:-40} $f" >&2
    tail -n "${IKT_TAIL:-40}" "$f" >&2
  done
}

ikt_fail() {
  IKT_FAILED=1
  echo "ikt: FAIL ${IKT_NAME:-}: $*" >&2
  ikt_dump_logs
  exit 1
}

ikt_register() { IKT_PIDS+=("$1:$2"); }

# ---------------------------------------------------------------------------------------------
# Topology
ikt_topology() {
  ip netns add "$IKT_NS_L" || ikt_fail "cannot create namespace $IKT_NS_L"
  IKT_NETNS+=("$IKT_NS_L")
  ip netns add "$IKT_NS_R" || ikt_fail "cannot create namespace $IKT_NS_R"
  IKT_NETNS+=("$IKT_NS_R")
  ip -n "$IKT_NS_L" link add eth0 type veth peer name eth0 netns "$IKT_NS_R" ||
    ikt_fail "cannot create veth pair"
  local ns out in6 inner
  for ns in L R; do
    if [[ $ns == L ]]; then
      ns=$IKT_NS_L out=$IKT_L_OUT in6=fd00:99::1 inner=$IKT_L_IN
    else
      ns=$IKT_NS_R out=$IKT_R_OUT in6=fd00:99::2 inner=$IKT_R_IN
    fi
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$inner/24" dev lo
    ip -n "$ns" addr add "$out/24" dev eth0
    ip -n "$ns" -6 addr add "$in6/64" dev eth0 nodad
    ip -n "$ns" link set eth0 up
  done
  ip netns exec "$IKT_NS_L" ping -c1 -W2 "$IKT_R_OUT" >/dev/null ||
    ikt_fail "no connectivity $IKT_L_OUT -> $IKT_R_OUT over the veth"
  ikt_log "topology: $IKT_NS_L ($IKT_L_OUT, $IKT_L_NET) <-> $IKT_NS_R ($IKT_R_OUT, $IKT_R_NET)"
}

# ikt_side_vars SIDE: sets NS, ME, PEER, MYNET, PEERNET, D (side dir) for side L or R.
ikt_side_vars() {
  if [[ $1 == L ]]; then
    NS=$IKT_NS_L ME=$IKT_L_OUT PEER=$IKT_R_OUT MYNET=$IKT_L_NET PEERNET=$IKT_R_NET
  else
    NS=$IKT_NS_R ME=$IKT_R_OUT PEER=$IKT_L_OUT MYNET=$IKT_R_NET PEERNET=$IKT_L_NET
  fi
  if [[ ${IPV6:-no} == yes ]]; then
    # case.env IPV6=yes: IKE over the veth's fd00:99::/64, IPv6 traffic selectors.
    if [[ $1 == L ]]; then
      ME=$IKT_L_OUT6 PEER=$IKT_R_OUT6 MYNET=$IKT_L_NET6 PEERNET=$IKT_R_NET6
    else
      ME=$IKT_R_OUT6 PEER=$IKT_L_OUT6 MYNET=$IKT_R_NET6 PEERNET=$IKT_L_NET6
    fi
  fi
  PEERID=$PEER
  ikt_nat_side_vars "$1"  # lib_nat.sh: the side outside a NAT sees the router's address
  D="$IKT_DIR/$1"
  mkdir -p "$D"
}

# ikt_wait_for TIMEOUT_S DESCRIPTION CMD...: polls CMD every 0.2 s; 0 when it succeeded.
ikt_wait_for() {
  local timeout=$1 what=$2 end
  shift 2
  end=$(($(date +%s%N) + timeout * 1000000000))
  while (($(date +%s%N) < end)); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  ikt_log "timeout after ${timeout}s waiting for: $what"
  return 1
}

# shellcheck source=tests/interop/lib_charon.sh
source "$IKT_LIB_DIR/lib_charon.sh"
# shellcheck source=tests/interop/lib_pluto.sh
source "$IKT_LIB_DIR/lib_pluto.sh"
# shellcheck source=tests/interop/lib_isakmpd.sh
source "$IKT_LIB_DIR/lib_isakmpd.sh"
# shellcheck source=tests/interop/lib_nat.sh
source "$IKT_LIB_DIR/lib_nat.sh"
# shellcheck source=tests/interop/lib_rsa.sh
source "$IKT_LIB_DIR/lib_rsa.sh"
# shellcheck source=tests/interop/lib_frag.sh
source "$IKT_LIB_DIR/lib_frag.sh"
# shellcheck source=tests/interop/lib_invariants.sh
source "$IKT_LIB_DIR/lib_invariants.sh"
