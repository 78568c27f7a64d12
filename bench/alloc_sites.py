#!/usr/bin/env python3
"""Ranks responder_bench's allocation sites (issue #7: profile before optimizing).

  RESPONDER_BENCH_ALLOC_SITES=/tmp/sites.txt build/prof/bench/responder_bench \\
      --benchmark_filter=/19 --benchmark_min_time=0.5
  python3 bench/alloc_sites.py build/prof/bench/responder_bench /tmp/sites.txt [--stacks N]

Build the benchmark with -g (e.g. a release build with CMAKE_CXX_FLAGS=-g) so that addr2line
can expand inlined frames. Each recorded stack is charged to its innermost frame in the project
(src/ or tools/), inlined frames included; the table lists those lines by allocations per
handshake. --stacks N also prints the N most frequent whole stacks.
"""
import argparse
import collections
import os
import subprocess


def read_sites(path):
    sites, current = [], None
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            if not line.startswith("    "):
                current = [float(line.split()[0]), []]
                sites.append(current)
                continue
            parts = line.strip().split(" ", 1)
            module, _, offset = parts[0].rpartition("+")
            current[1].append((module, offset, parts[1] if len(parts) > 1 else ""))
    return sites


def resolve(binary, offsets):
    """offset -> [(function, file:line)] innermost first, via one addr2line run."""
    if not offsets:
        return {}
    out = subprocess.run(["addr2line", "-a", "-f", "-i", "-C", "-e", binary],
                         input="\n".join(offsets), capture_output=True, text=True,
                         check=True).stdout.splitlines()
    table, key, i = {}, None, 0
    while i < len(out):
        if out[i].startswith("0x") and (i + 1 == len(out) or not out[i + 1].startswith("0x")):
            key = out[i]
            table[key] = []
            i += 1
            continue
        table[key].append((out[i], out[i + 1] if i + 1 < len(out) else "??"))
        i += 2
    return {off: table.get("0x%016x" % int(off, 16), []) for off in offsets}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("sites")
    ap.add_argument("--stacks", type=int, default=0)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--depth", type=int, default=1,
                    help="charge each stack to its N innermost project frames")
    args = ap.parse_args()
    binary = os.path.realpath(args.binary)
    sites = read_sites(args.sites)
    offsets = sorted({off for _, frames in sites for mod, off, _ in frames
                      if os.path.realpath(mod) == binary})
    lines = resolve(binary, offsets)

    def expand(frames):
        for mod, off, sym in frames:
            if os.path.realpath(mod) == binary:
                for fn, loc in lines.get(off, []):
                    yield fn, loc
            else:
                yield sym or "??", os.path.basename(mod)

    def ours(loc):
        return "/src/" in loc or "/tools/" in loc

    by_line = collections.Counter()
    total = 0.0
    for count, frames in sites:
        total += count
        owners = [(fn, loc) for fn, loc in expand(frames) if ours(loc)][:args.depth]
        key = " <- ".join("%s %s" % (loc.split(" (discriminator")[0].split("/work/main/")[-1],
                                     fn.split("(")[0][-40:]) for fn, loc in owners)
        by_line[key or "(no project frame)"] += count
    print("%.1f allocations per handshake in %d stacks" % (total, len(sites)))
    for key, count in by_line.most_common(args.top):
        print("%7.2f  %s" % (count, key))
    for count, frames in sites[:args.stacks]:
        print("\n%.2f per handshake" % count)
        for fn, loc in expand(frames):
            print("    %-60s %s" % (fn[:60], loc.split("/work/main/")[-1]))


if __name__ == "__main__":
    main()
