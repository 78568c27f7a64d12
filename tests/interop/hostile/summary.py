#!/usr/bin/python3
# tests/interop/hostile/summary.py: the summary table of run_hostile.sh from hostile.py's phase
# files, the RSS samples, the log line counts and the last JSON status of the daemon.
import argparse
import json
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import corpus  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("phases", nargs="+")
ap.add_argument("--rss", nargs=2, type=int)
ap.add_argument("--lines", nargs=4, type=int, help="all before/after, without probers before/after")
ap.add_argument("--counters")
ap.add_argument("--spis", nargs=2)
a = ap.parse_args()
ph = [json.load(open(f)) for f in a.phases]
sent = sum(p["packets_sent"] for p in ph)
classes = {}
for p in ph:
    for k, v in p["classes"].items():
        classes[int(k)] = classes.get(int(k), 0) + v
cves = sorted(set(c for p in ph for c in p["cves"]))
lat = [(p["probe_p50_ms"], p["probe_p99_ms"], p["probe_max_ms"], p["probes"]) for p in ph]
crashes = sum(p["crashes"] for p in ph)
c = json.load(open(a.counters))["counters"] if a.counters else {}
before, after = ph[0], ph[-1]
print("==================== hostile packets summary ====================")
print(f"datagrams sent        {sent} (" + ", ".join(f"{p['tag']}: {p['packets_sent']}" for p in ph) + ")")
print(f"by port (all phases)  " + json.dumps({k: sum(p['by_port'][k] for p in ph) for k in ph[0]['by_port']}))
print(f"classes covered       {len(classes)}: " + ", ".join(f"{k} {corpus.CLASSES.get(k, '')} ({v})" for k, v in sorted(classes.items()) if k))
print(f"CVEs covered          {len(cves)}: {' '.join(cves)}")
print(f"crashes               {crashes}")
for p in ph:
    print(f"probe latency {p['tag']:<12} p50 {p['probe_p50_ms']:.2f} ms  p99 {p['probe_p99_ms']:.2f} ms  max {p['probe_max_ms']:.2f} ms  ({p['probes']} probes, {p['seconds']} s)")
if a.rss:
    print(f"engine RSS            {a.rss[0]} kB -> {a.rss[1]} kB (growth {a.rss[1] - a.rss[0]} kB over {after['packets_sent']} datagrams)")
if a.lines:
    per = lambda n, p: 1000 * n / max(1, p["packets_sent"])
    print(f"log lines / 1000 bad  before {per(a.lines[0], before):.0f}, after {per(a.lines[1], after):.0f} (all); "
          f"without the probers' time-outs: before {per(a.lines[2], before):.0f}, after {per(a.lines[3], after):.0f}")
print(f"daemon counters       received {c.get('datagrams_received')}, dropped {c.get('datagrams_dropped')} {json.dumps(c.get('dropped_by_reason', {}))}")
print(f"                      exchanges failed {c.get('exchanges_failed')} {json.dumps(c.get('failed_by_reason', {}))}")
if a.spis:
    print(f"SA before / rekeyed   {a.spis[0]}\n                      {a.spis[1]}")
print("=================================================================")
