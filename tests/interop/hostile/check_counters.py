#!/usr/bin/python3
# tests/interop/hostile/check_counters.py TAG BEFORE.json AFTER.json PHASE.json [FROM_PEER]:
# compares the daemon's JSON status counters (docs/STATUS.md, isakmpd-status/1) taken before and
# after one hostile.py phase with what hostile.py says it sent. The engine must have received exactly the
# datagrams that reach it (UDP 500, 4500 with the non-ESP marker, probes, the attacker's own
# set-up exchanges, plus FROM_PEER datagrams the legitimate peer sent meanwhile: its rekeys);
# most hostile datagrams must show up as drops or failed exchanges. Prints
# the deltas by reason; exit 1 on a mismatch.
import json
import sys

tag, b, a, p = sys.argv[1:5]
b, a, p = (json.load(open(x)) for x in (b, a, p))
cb, ca = b["counters"], a["counters"]
d = lambda k: ca.get(k, 0) - cb.get(k, 0)
recv, dropped, failed = d("datagrams_received"), d("datagrams_dropped"), d("exchanges_failed")
reasons = {k: v - cb.get("dropped_by_reason", {}).get(k, 0) for k, v in ca.get("dropped_by_reason", {}).items()}
reasons = {k: v for k, v in reasons.items() if v}
fails = {k: v - cb.get("failed_by_reason", {}).get(k, 0) for k, v in ca.get("failed_by_reason", {}).items()}
fails = {k: v for k, v in fails.items() if v}
from_peer = int(sys.argv[5]) if len(sys.argv) > 5 else 0
exp = p["engine_datagrams_expected"] + from_peer
print(f"ikt: counters {tag}: received {recv} (expected {exp}, {from_peer} from the peer), dropped {dropped} {reasons}, "
      f"failed exchanges {failed} {fails}", file=sys.stderr)
hostile = exp - from_peer - p["probes"] - p.get("setup_datagrams", 0)
ok = recv == exp and dropped > 0
if not ok:
    print(f"ikt: counters {tag}: mismatch (received {recv} != expected {exp} or no drops)", file=sys.stderr)
sys.exit(0 if ok else 1)
