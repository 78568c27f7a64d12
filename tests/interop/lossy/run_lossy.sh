#!/usr/bin/env bash
# tests/interop/lossy/run_lossy.sh: loss, duplication and reordering matrix (shared docs
# reliability.md §A4.1 N1) through the nftables + HTB router of lib_lossy.sh.
#
#   run_lossy.sh ISAKMPD PAIR...        PAIR: ours-ours | ours-swan | swan-ours
#
# For every PAIR and every cell LOSS:DUP[:REORDER] of IKT_LOSSY_CELLS (default
# "10:50 30:50 10:50:30": 10 % and 30 % loss, each with 50 % duplication, and 10 % loss with 50 %
# duplication and 30 % of the datagrams held back ~0.3-1 s in the router's slow lane so that later
# ones overtake them) it runs IKT_LOSSY_TRIALS (default 3; 100 for the full matrix) independent
# trials of lossy_trial.sh, each in its own three namespaces, up to IKT_LOSSY_PARALLEL (default 6)
# at once (the trials mostly wait for retransmit timers). It prints per cell the success rate,
# time to established p50/p95/max, per trial our retransmits (JSON status counter; `timer`: those
# sent on the retransmit timer, the rest answered a duplicate), the duplicates our daemons
# detected (debug log), and what the router dropped, duplicated, delayed (`slow`), how many
# datagrams a later one overtook (`ovtk`, from the router's captures; a lower bound), the longest
# time a datagram spent in the router (`maxd`, s, over the cell) and what it saw in total, and
# exits 1 when any trial failed (its run directory and log are kept and named) or a cell with
# REORDER > 0 never used the slow lane.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
[[ $# -ge 2 ]] || { echo "usage: $0 ISAKMPD ours-ours|ours-swan|swan-ours..." >&2; exit 2; }
if [[ $(id -u) -ne 0 ]]; then echo "lossy: SKIP: needs root" >&2; exit 77; fi
ISAKMPD=$1
shift
[[ -x $ISAKMPD ]] || { echo "lossy: FAIL: isakmpd binary '$ISAKMPD' not executable" >&2; exit 1; }
CELLS=${IKT_LOSSY_CELLS:-10:50 30:50 10:50:30}
TRIALS=${IKT_LOSSY_TRIALS:-3}
PAR=${IKT_LOSSY_PARALLEL:-6}

"$root/scripts/lab/setup.sh" >&2 || { echo "lossy: FAIL: lab set-up failed" >&2; exit 1; }
export IKT_SKIP_SETUP=1
work=$(mktemp -d /tmp/ikt-lossy-XXXXXX)
results="$work/results"
: >"$results"
t0=$SECONDS
pids=() n=0
for pair in "$@"; do
  for cell in $CELLS; do
    for ((t = 1; t <= TRIALS; t++)); do
      n=$((n + 1))
      IFS=: read -r loss dup reorder <<<"$cell"
      [[ $loss =~ ^[0-9]{1,2}$ && $dup =~ ^[0-9]{1,2}$ && ${reorder:=0} =~ ^[0-9]{1,2}$ ]] ||
        { echo "lossy: FAIL: bad cell '$cell' (LOSS:DUP[:REORDER], percentages 0-99)" >&2; exit 2; }
      id="$pair-l$loss-d$dup-r$reorder-$t"
      (
        "$here/lossy_trial.sh" "$pair" "$loss" "$dup" "$reorder" "$results" "$ISAKMPD" \
          >"$work/$id.log" 2>&1
        echo "$?" >"$work/$id.rc"
      ) &
      pids+=($!)
      while (($(jobs -rp | wc -l) >= PAR)); do wait -n; done
    done
  done
done
for p in "${pids[@]}"; do wait "$p"; done
echo "lossy: $n trials in $((SECONDS - t0)) s (parallel $PAR), logs in $work" >&2
python3 - "$work" "$results" <<'PY'
import glob, os, re, statistics, sys
work, results = sys.argv[1], sys.argv[2]
rows = []
for line in open(results):
    d = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))
    rows.append({k: v.strip('"') for k, v in d.items()})
# A trial whose script failed after writing ok=1 (post-test invariants) counts as failed.
bad = []
for rc in sorted(glob.glob(os.path.join(work, "*.rc"))):
    if open(rc).read().strip() != "0":
        bad.append(os.path.basename(rc)[:-3])
cells = {}
for r in rows:
    cells.setdefault((r["pair"], int(r["loss"]), int(r["dup"]), int(r["reorder"])), []).append(r)
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else float("nan")
print(f"{'pair':10} {'loss%':>5} {'dup%':>4} {'ro%':>3} {'ok':>7} {'p50 s':>6} {'p95 s':>6} {'max s':>6} "
      f"{'rtx':>5} {'timer':>5} {'dups':>5} {'drop':>5} {'dupl':>5} {'slow':>5} {'ovtk':>5} {'maxd':>5} {'sent':>5}"
      "  (per trial: ours; router)")
unused = []
for (pair, loss, dup, reorder), rs in sorted(cells.items()):
    ok = [r for r in rs if r["ok"] == "1"]
    t = [float(r["secs"]) for r in ok]
    mean = lambda k: statistics.mean(int(r.get(k, 0)) for r in rs)
    if reorder > 0 and sum(int(r.get("slow", 0)) for r in rs) == 0:
        unused.append(f"{pair} {loss}:{dup}:{reorder}")
    print(f"{pair:10} {loss:5} {dup:4} {reorder:3} {len(ok):3}/{len(rs):<3} {pct(t, 50):6.1f} {pct(t, 95):6.1f} "
          f"{max(t) if t else float('nan'):6.1f} {mean('rtx'):5.1f} {mean('timer'):5.1f} {mean('dups'):5.1f} "
          f"{mean('dropped'):5.1f} {mean('duplicated'):5.1f} {mean('slow'):5.1f} {mean('overtaken'):5.1f} "
          f"{max(float(r.get('maxdelay', 0)) for r in rs):5.2f} {mean('passed') + mean('dropped'):5.1f}")
# What each side last did about retransmissions, so that a failure in CI can be read from the
# test output alone: our daemons' resends, duplicates answered and failures, charon's
# retransmits and resends (the run directory keeps the full logs).
SIGNS = {"isakmpd.stderr": re.compile(r"retransmitting|duplicate from|failed"),
         "charon.log": re.compile(r"\[IKE\].*(retransmit|giving up|destroying)")}
def last_events(d, n=8):
    out = []
    for side in ("L", "R"):
        for log, signs in SIGNS.items():
            path = os.path.join(d or "", side, log)
            if not os.path.isfile(path):
                continue
            hits = [l.rstrip() for l in open(path, errors="replace") if signs.search(l)]
            out += [f"    {side}/{log}: {h[:160]}" for h in hits[-n:]]
    return out
for r in rows:
    if r["ok"] != "1":
        print(f"FAILED {r['pair']} loss={r['loss']} dup={r['dup']} reorder={r['reorder']}: {r.get('why')} ({r.get('dir')})")
        print("\n".join(last_events(r.get("dir"))))
for b in bad:
    print(f"FAILED trial {b}: exit status != 0, see {work}/{b}.log")
for u in unused:
    print(f"FAILED cell {u}: no datagram went through the slow lane (reordering not exercised)")
sys.exit(1 if bad or unused or any(r["ok"] != "1" for r in rows) else 0)
PY
rc=$?
if ((rc == 0)) && [[ ${IKT_KEEP:-0} != 1 ]]; then rm -rf "$work"; fi
exit $rc
