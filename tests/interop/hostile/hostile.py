#!/usr/bin/python3
# tests/interop/hostile/hostile.py: sends the malformed-packet corpus (corpus.py) and the named
# CVE sequences (cves.py) to a running isakmpd and checks it after EVERY hostile datagram:
# the monitor and engine PIDs are unchanged, and a valid Main Mode 1 from a second address (the
# prober, built with scapy: scapy_mm1.py) is answered with an MM2 within 1 s (latency recorded). Pre-auth cases are sent to UDP
# 500, to 4500 with the 4-byte non-ESP marker and to 4500 without it; session cases (which need
# a half-open or established Main Mode with the target, ike1.py) go to 500. Writes a JSON
# summary (--out) and exits 1 on the first crash (PID change) or on any failed expectation
# unless --keep-going. Run inside the attacker's network namespace (run_hostile.sh).
import argparse
import json
import os
import random
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import corpus  # noqa: E402
import cves  # noqa: E402
import scapy_mm1  # noqa: E402
from ike1 import EXCH_MM, SA, Peer, Session  # noqa: E402


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return sorted(int(x) for x in f.read().split())
    except OSError:
        return None


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] not in ("Z", "X")
    except OSError:
        return False


class Ctx:
    def __init__(self, a):
        self.a = a
        self.psk = a.psk.encode()
        self.target = a.target
        self.s500 = Peer(a.attacker, a.target, 500)
        self.raw = [Peer(a.attacker, a.target, 500), Peer(a.attacker, a.target, 4500, marker=True),
                    Peer(a.attacker, a.target, 4500)]
        self.probers = [Peer(ip, a.target, 500) for ip in a.prober]
        self._session = None
        self.last_sent = 0
        self.last_accepted = False
        self.sessions = 0
        self.setup_failures = 0

    def _new(self):
        self.s500.drain()
        return Session(self.s500, self.psk, self.a.attacker)

    def new_session(self):
        return self._new()

    def session(self):
        if self._session is None:
            self._session = self._new().establish()
            self.sessions += 1
        return self._session

    def consume(self, fn):
        s = self.session()
        self._session = None
        return fn(s)

    def half_open(self):
        try:
            return self._new().step12()
        except RuntimeError:
            self.setup_failures += 1
            return None

    def at_mm4(self):
        try:
            return self._new().step12().step34()
        except RuntimeError:
            self.setup_failures += 1
            return None


class Runner:
    def __init__(self, a):
        self.a = a
        self.ctx = Ctx(a)
        self.pids = [a.pid] + (children(a.pid) or [])
        self.lat = []
        self.sent = {"500": 0, "4500-marker": 0, "4500-raw": 0}
        self.engine_datagrams = 0
        self.classes = {}
        self.cves = []
        self.failures = []
        self.crashes = 0
        self.probe_i = 0
        self.hostile_s500 = 0
        # The probe is scapy's MM1 (checked to equal ike1's bytes after the cookie).
        self.probe_tpl = scapy_mm1.selfcheck()

    def check_pids(self, what):
        ok = all(alive(p) for p in self.pids) and (children(self.a.pid) or []) == self.pids[1:]
        if not ok:
            self.crashes += 1
            self.fail(f"daemon PIDs changed after {what}: had {self.pids}, now "
                      f"{[p for p in self.pids if alive(p)]} children {children(self.a.pid)}")
            self.finish(1)

    def probe(self, what):
        pr = self.ctx.probers[self.probe_i % len(self.ctx.probers)]
        self.probe_i += 1
        pr.drain()
        icky = os.urandom(8)
        m = icky + self.probe_tpl[8:]
        t0 = time.monotonic()
        pr.send(m)
        self.engine_datagrams += 1
        r = pr.recv_for(icky, 1.0, EXCH_MM)
        dt = time.monotonic() - t0
        if r is None or r[16] != SA:
            self.fail(f"liveness probe not answered within 1 s after {what}")
        else:
            self.lat.append(dt)

    def after_datagram(self, what):
        self.check_pids(what)
        self.probe(what)

    def send(self, peer, data, label, what):
        peer.send(data)
        self.sent[label] += 1
        if peer is self.ctx.s500:
            self.hostile_s500 += 1
        # RFC 3948 §2.2: on 4500 only datagrams starting with four zero octets are IKE.
        if label != "4500-raw" or (len(data) >= 4 and data[:4] == b"\0\0\0\0"):
            self.engine_datagrams += 1
        self.after_datagram(what)

    def collect(self, datagrams, socks):
        """Replies for the initiator cookies of `datagrams` within 0.3 s."""
        ickies = {d[:8] for d in datagrams if len(d) >= 8}
        n, accepted = 0, False
        end = time.monotonic() + 0.05
        while time.monotonic() < end:
            got = False
            for s in socks:
                d = s.recv(0.01)
                if d is None:
                    continue
                got = True
                if len(d) >= 28 and d[:8] in ickies:
                    n += 1
                    accepted |= d[18] == EXCH_MM and d[16] == SA
            if not got and time.monotonic() > end:
                break
        return n, accepted

    def run_case(self, c, tag):
        what = f"{tag} class {c.cls} {c.name}" if c.cls else f"{tag} {c.name}"
        try:
            datagrams = c.build(self.ctx)
        except RuntimeError as e:  # the target refused a set-up step (counted, not fatal)
            self.ctx.setup_failures += 1
            self.fail(f"{what}: set-up failed: {e}")
            return 0
        # The set-up exchange itself went to the engine.
        if c.session:
            socks = [self.ctx.s500]
            for d in datagrams:
                self.send(self.ctx.s500, d, "500", what)
        else:
            socks = self.ctx.raw
            for d in datagrams:
                for peer, label in zip(self.ctx.raw, ("500", "4500-marker", "4500-raw")):
                    self.send(peer, d, label, what)
        if c.check:
            self.ctx.last_sent = len(datagrams) * (1 if c.session else 2)
            n = 0
            if getattr(c.check, "needs_replies", False):
                n, self.ctx.last_accepted = self.collect(datagrams, socks)
            err = c.check(self.ctx, n)
            if err:
                self.fail(f"{what}: {err}")
        for s in socks:
            s.drain()
        return len(datagrams) * (1 if c.session else 3)

    def fail(self, msg):
        self.failures.append(msg)
        print(f"hostile: FAIL {msg}", file=sys.stderr, flush=True)
        if not self.a.keep_going and len(self.failures) > 0:
            self.finish(1)

    def run(self):
        cases = corpus.all_cases()
        named = cves.all_cves()
        reps = 0
        t0 = time.monotonic()
        while True:
            reps += 1
            for c in cases:
                n = self.run_case(c, f"[{self.a.tag}#{reps}]")
                self.classes[c.cls] = self.classes.get(c.cls, 0) + n
            for v in named:
                n = self.run_case(v, f"[{self.a.tag}#{reps}] {v.cve}")
                if reps == 1:
                    self.cves.append(v.cve)
            total = sum(self.sent.values())
            if reps >= self.a.replays and total >= self.a.min_packets:
                break
        self.elapsed = time.monotonic() - t0
        self.replays = reps
        self.finish(0 if not self.failures else 1)

    def finish(self, rc):
        lat = sorted(self.lat) or [0.0]
        pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
        out = {
            "tag": self.a.tag, "packets_sent": sum(self.sent.values()), "by_port": self.sent,
            # hostile datagrams that reach the engine + probes + the set-up exchanges' own.
            "engine_datagrams_expected": self.engine_datagrams + self.ctx.s500.sent - self.hostile_s500,
            "classes": {str(k): v for k, v in sorted(self.classes.items())},
            "cves": sorted(set(self.cves)), "probes": len(self.lat), "probe_p50_ms": round(pct(0.5), 3),
            "probe_p99_ms": round(pct(0.99), 3), "probe_max_ms": round(lat[-1] * 1000, 3),
            "crashes": self.crashes, "failures": self.failures[:50], "failure_count": len(self.failures),
            "sessions": self.ctx.sessions, "setup_failures": self.ctx.setup_failures,
            "replays": getattr(self, "replays", 0), "seconds": round(getattr(self, "elapsed", 0), 1),
        }
        with open(self.a.out, "w") as f:
            json.dump(out, f, indent=1)
        sys.exit(rc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--attacker", required=True)
    ap.add_argument("--prober", action="append", required=True)
    ap.add_argument("--pid", type=int, required=True, help="the daemon's (monitor's) pid")
    ap.add_argument("--psk", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tag", default="run")
    ap.add_argument("--replays", type=int, default=1)
    ap.add_argument("--min-packets", type=int, default=0)
    ap.add_argument("--keep-going", action="store_true")
    ap.add_argument("--only", help="comma-separated case names (debugging)")
    a = ap.parse_args()
    random.seed()
    r = Runner(a)
    if a.only:
        want = set(a.only.split(","))
        orig = corpus.all_cases
        corpus.all_cases = lambda: [c for c in orig() if c.name in want]
        origc = cves.all_cves
        cves.all_cves = lambda: [c for c in origc() if c.name in want or c.cve in want]
    r.run()


if __name__ == "__main__":
    main()
