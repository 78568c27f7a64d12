# tests/interop/lib_invariants.sh: the post-test invariants of shared docs reliability.md §A4.2,
# checked by ikt_cleanup (lib.sh) after every interop run, before the namespaces are deleted:
#   1. every isakmpd of the run exits 0 within 5 s of SIGTERM (or of the `Q` the scenario sent),
#      the unprivileged child included;
#   2. no sanitizer report (ASan/UBSan/LSan) in its stderr;
#   3. no half-open exchange left: the JSON status (`r`, --status-json) taken before the stop
#      lists no exchange with "finished": false (EXPECT=fail cases only log them: a peer with a
#      wrong key legitimately leaves one until Exchange-max-time);
#   4. no XFRM state or policy left in any namespace of the run once every daemon stopped
#      (libreswan's namespaces: logged only, see ikt_inv_xfrm);
#   5. /proc/net/xfrm_stat error counters unchanged since the first isakmpd start (per netns;
#      libreswan's namespaces: logged only);
#   6. the secrets grep: the PSK(s) of our isakmpd.conf and the keys of our key log appear in
#      none of its stderr log, `S` result, report or JSON status.
# A failed invariant prints "ikt: FAIL <name>: invariant: <what>" and makes the run fail.
# IKT_INVARIANTS=0 switches the checks off (never in CI). Sourced by lib.sh.
# shellcheck shell=bash

IKT_ISAKMPD_SIDES=()   # sides (L/R) on which this run started our isakmpd
IKT_INV_FAILED=0

ikt_inv_fail() {
  IKT_INV_FAILED=1
  echo "ikt: FAIL ${IKT_NAME:-}: invariant: $*" >&2
}

# ikt_children PID: the direct children of PID (privsep: the unprivileged engine process).
ikt_children() {
  cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+$' || true
}

# ikt_xfrm_stat_snapshot: /proc/net/xfrm_stat of every namespace of the run, once per run.
ikt_xfrm_stat_snapshot() {
  local ns
  [[ -r /proc/net/xfrm_stat ]] || return 0
  for ns in "${IKT_NETNS[@]}"; do
    [[ -e $IKT_DIR/xfrm_stat.$ns.before ]] && continue
    ip netns exec "$ns" cat /proc/net/xfrm_stat >"$IKT_DIR/xfrm_stat.$ns.before" 2>/dev/null || true
  done
}

# ikt_isakmpd_json SIDE: asks for the report (`r`) and waits (5 s) for a fresh JSON status;
# prints its path.
ikt_isakmpd_json() {
  local f="$IKT_DIR/$1/status.json" i
  rm -f "$f"
  ikt_isakmpd_cmd "$1" r || return 1
  for ((i = 0; i < 50; i++)); do
    [[ -s $f ]] && { echo "$f"; return 0; }
    sleep 0.1
  done
  ikt_log "isakmpd ($1): no JSON status $f 5 s after 'r'"
  return 1
}

# ikt_json_open_exchanges FILE: one line per exchange with "finished": false.
ikt_json_open_exchanges() {
  python3 - "$1" <<'EOF'
import json, sys
for x in json.load(open(sys.argv[1])).get("exchanges", []):
    if not x.get("finished", False):
        print(f"{x.get('type')} {x.get('role')} {x.get('state')} peer={x.get('peer')} "
              f"mid={x.get('message_id')} expires_in={x.get('expires_in')}")
EOF
}

# ikt_inv_exchanges SIDE: invariant 3, while the daemon still runs.
ikt_inv_exchanges() {
  local js open
  js=$(ikt_isakmpd_json "$1") || { ikt_inv_fail "isakmpd ($1) wrote no JSON status on 'r'"; return; }
  open=$(ikt_json_open_exchanges "$js") || { ikt_inv_fail "isakmpd ($1): unreadable JSON status $js"; return; }
  [[ -z $open ]] && return 0
  if [[ ${EXPECT:-up} == fail ]]; then
    ikt_log "isakmpd ($1): exchanges still open at stop (EXPECT=fail, not an error): $(paste -sd';' <<<"$open")"
  elif [[ -n ${IKT_OPEN_EXCHANGES_OK:-} ]]; then
    # Set by a scenario whose subject is half-open state (the MM1 flood), with its reason.
    ikt_log "isakmpd ($1): $(wc -l <<<"$open") exchange(s) open at stop, expected: $IKT_OPEN_EXCHANGES_OK"
  else
    ikt_inv_fail "isakmpd ($1): half-open exchange(s) left at stop: $(paste -sd';' <<<"$open")"
  fi
}

# ikt_isakmpd_term SIDE: invariant 1 for a daemon still running: SIGTERM, exit 0 within 5 s,
# the child gone too. The exit status goes to $D/exit_status.
ikt_isakmpd_term() {
  local D="$IKT_DIR/$1" pid kids rc i k
  pid=$(cat "$D/pid")
  kids=$(ikt_children "$pid")
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 50; i++)); do
    ikt_alive "$pid" || break
    sleep 0.1
  done
  if ikt_alive "$pid"; then
    ikt_inv_fail "isakmpd ($1, pid $pid) still running 5 s after SIGTERM"
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  rc=$?
  echo "$rc" >"$D/exit_status"
  echo "$kids" >"$D/children"
}

# ikt_inv_exit SIDE: invariant 1 after the stop (by `Q` or SIGTERM).
ikt_inv_exit() {
  local D="$IKT_DIR/$1" rc k
  rc=$(cat "$D/exit_status" 2>/dev/null)
  [[ $rc == 0 ]] || ikt_inv_fail "isakmpd ($1) exit status ${rc:-unknown}, want 0"
  for k in $(cat "$D/children" 2>/dev/null); do
    ikt_alive "$k" && ikt_inv_fail "isakmpd ($1): child process $k still running after the parent exited"
  done
}

# ikt_inv_sanitizers SIDE: invariant 2.
ikt_inv_sanitizers() {
  local f="$IKT_DIR/$1/isakmpd.stderr" hit
  hit=$(grep -m3 -E 'ERROR: (Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer|runtime error: |SUMMARY: .*Sanitizer' "$f" 2>/dev/null)
  [[ -z $hit ]] || ikt_inv_fail "isakmpd ($1): sanitizer report in $f: $(paste -sd'|' <<<"$hit")"
}

# ikt_inv_secrets SIDE: invariant 6. Keys shorter than 8 hex digits are not searched.
ikt_inv_secrets() {
  local D="$IKT_DIR/$1" pats="$IKT_DIR/$1/secrets.pat" f hit
  : >"$pats"
  sed -n 's/^Authentication=[[:space:]]*//p' "$D/isakmpd.conf" 2>/dev/null | grep -v '^$' >>"$pats"
  grep -oE '(enckey|authkey|key)=[0-9a-fA-F]{8,}' "$D/keylog" 2>/dev/null | cut -d= -f2 >>"$pats"
  [[ -s $pats ]] || return 0
  for f in "$D/isakmpd.stderr" "$D/result" "$D/report" "$D/status.json"; do
    [[ -s $f ]] || continue
    hit=$(grep -c -i -F -f "$pats" "$f")
    [[ $hit == 0 ]] ||
      ikt_inv_fail "isakmpd ($1): $hit line(s) of $f contain the PSK or a key-log key (secrets grep)"
  done
}

# ikt_inv_xfrm PLUTO_NS...: invariants 4 and 5, once every daemon of the run stopped. In a
# namespace where libreswan ran, leftovers are pluto's (its ICMPv6 neighbour-discovery bypass
# policies, and the larval ALLOCSPI state the no-op shim keeps when pluto is stopped) and so are
# xfrm_stat changes (its policies have no real SA in this lab): logged, not fatal; our isakmpd
# (-n) and charon leave nothing.
ikt_inv_xfrm() {
  local ns out before after diff
  for ns in "${IKT_NETNS[@]}"; do
    out=$(ip -n "$ns" xfrm state list 2>/dev/null; ip -n "$ns" xfrm policy list 2>/dev/null)
    if [[ -n $out && " $* " == *" $ns "* ]]; then
      ikt_log "XFRM entries left by pluto in $ns (not ours, not an error): $(grep -c '^src' <<<"$out") states/policies"
    elif [[ -n $out ]]; then
      ikt_inv_fail "XFRM state/policy left in $ns: $(head -c 300 <<<"$out" | tr '\n' ' ')"
    fi
    [[ -r /proc/net/xfrm_stat ]] || continue
    before="$IKT_DIR/xfrm_stat.$ns.before"
    after=$(ip netns exec "$ns" cat /proc/net/xfrm_stat 2>/dev/null) || continue
    if [[ -e $before ]]; then
      diff=$(diff <(awk '{print $1, $2}' "$before") <(awk '{print $1, $2}' <<<"$after") | grep '^>' | cut -c3-)
    else
      diff=$(awk '$2 != 0 {print $1, $2}' <<<"$after")
    fi
    if [[ -n $diff && " $* " == *" $ns "* ]]; then
      # pluto's policies without real SAs (no ESP here): e.g. the ICMP port unreachable our
      # stopped daemon's kernel returns to its late retransmit counts as XfrmInTmplMismatch.
      ikt_log "xfrm_stat of pluto's $ns changed (its policies have no real SAs here, not an error): $(paste -sd' ' <<<"$diff")"
    elif [[ -n $diff ]]; then
      ikt_inv_fail "/proc/net/xfrm_stat error counters changed in $ns: $(paste -sd' ' <<<"$diff")"
    fi
  done
}

# ikt_invariants: called by ikt_cleanup before it stops the remaining pids. Returns 1 when an
# invariant failed.
ikt_invariants() {
  [[ ${IKT_INVARIANTS:-1} == 1 && -n ${IKT_DIR:-} && -d $IKT_DIR ]] || return 0
  local s entry
  for s in "${IKT_ISAKMPD_SIDES[@]}"; do
    if ikt_alive "$(cat "$IKT_DIR/$s/pid")"; then
      ikt_inv_exchanges "$s"
      ikt_isakmpd_term "$s"
    fi
    ikt_inv_exit "$s"
    ikt_inv_sanitizers "$s"
    ikt_inv_secrets "$s"
  done
  # The peers and helpers stop now; then nothing may be left in the kernel.
  local pluto_ns=()
  for entry in "${IKT_PIDS[@]}"; do
    case ${entry#*:} in
      pluto-L) pluto_ns+=("$IKT_NS_L") ;;
      pluto-R) pluto_ns+=("$IKT_NS_R") ;;
    esac
  done
  for entry in "${IKT_PIDS[@]}"; do
    ikt_stop_pid "${entry%%:*}"
  done
  IKT_PIDS=()
  ikt_inv_xfrm "${pluto_ns[@]}"
  if ((IKT_INV_FAILED)); then return 1; fi
  ((${#IKT_ISAKMPD_SIDES[@]} == 0)) ||
    ikt_log "PASS invariants: clean exit, no sanitizer report, no open exchange, no XFRM state/policy, xfrm_stat unchanged, no secret in logs"
  return 0
}
