#!/usr/bin/env python3
"""Where a `moe tune` run's time went, from its journal (<out>/.moe-tune/journal.jsonl).

Every entry carries `at` (ms since the process that appended it opened the journal) and the
worker's requests `w` (ms the measure worker spent on them). Prints, per entry kind and GEMM: the
count, the worker's total and median ms, and the span of `at`; then the same per batch size.

    python3 packages/tuner/scripts/journal-times.py <journal.jsonl> [--by-m] [--timeline] [--phases]
"""
import json
import statistics
import sys
from collections import defaultdict


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    entries = []
    with open(argv[0]) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    entries.append(json.loads(line))
                except ValueError:
                    pass  # a last line cut off by a kill
    by_m = "--by-m" in argv
    groups = defaultdict(list)
    for e in entries:
        if e.get("t") not in ("compile", "measure", "check"):
            continue
        key = (e["t"], e.get("g", ""), e.get("M") if by_m else "")
        groups[key].append(e)
    ats = [e["at"] for e in entries if "at" in e]
    print("entries %d, last at %.1f s" % (len(entries), (max(ats) / 1000.0) if ats else 0.0))
    print("%-8s %-5s %6s %7s %10s %9s %9s %9s" % ("kind", "gemm", "M", "count", "worker s", "median ms", "first s", "last s"))
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2] if k[2] != "" else 0)):
        es = groups[key]
        ws = [e["w"] for e in es if "w" in e]
        at = [e["at"] for e in es if "at" in e]
        print(
            "%-8s %-5s %6s %7d %10.1f %9.1f %9.1f %9.1f"
            % (
                key[0],
                key[1],
                key[2],
                len(es),
                sum(ws) / 1000.0,
                statistics.median(ws) if ws else float("nan"),
                min(at) / 1000.0 if at else float("nan"),
                max(at) / 1000.0 if at else float("nan"),
            )
        )
    if "--timeline" in argv:
        # Per 10 s of the run: measurements, the worker's time on them, and their GPU time
        # ((1 warm-up + repeats) x launches per graph x the median).
        buckets = defaultdict(lambda: [0, 0.0, 0.0, 0])
        for e in entries:
            if "at" not in e:
                continue
            b = buckets[int(e["at"] // 10000)]
            if e.get("t") == "measure" and e.get("us"):
                b[0] += 1
                b[1] += e.get("w", 0) / 1000.0
                b[2] += (1 + len(e["us"])) * e.get("L", 10) * statistics.median(e["us"]) / 1e6
            elif e.get("t") == "compile":
                b[3] += 1
        print("%9s %8s %9s %7s %8s" % ("at s", "measures", "worker s", "gpu s", "compiles"))
        for k in sorted(buckets):
            b = buckets[k]
            print("%4d-%4d %8d %9.1f %7.2f %8d" % (10 * k, 10 * k + 10, b[0], b[1], b[2], b[3]))
    if "--phases" in argv:
        # The worker's host ms per phase (p: prepare, setup, eager, capture, replay), for the
        # first measurement of a config in the run, its first at another batch size, and repeats.
        names = ("prepare", "setup", "eager", "capture", "replay")
        seen, seen_m = set(), set()
        rows = defaultdict(list)
        for e in sorted((e for e in entries if e.get("t") == "measure" and e.get("p")), key=lambda e: e.get("at", 0)):
            k, km = (e["g"], e["c"]), (e["g"], e["c"], e["M"])
            rows["first" if k not in seen else "first at M" if km not in seen_m else "repeat"].append(e["p"])
            seen.add(k)
            seen_m.add(km)
        print("%-11s %6s " % ("measurement", "count") + " ".join("%9s" % n for n in names) + "   (mean ms)")
        for tag in ("first", "first at M", "repeat"):
            ps = rows.get(tag, [])
            if ps:
                print("%-11s %6d " % (tag, len(ps)) + " ".join("%9.1f" % (sum(p[i] for p in ps) / len(ps)) for i in range(len(names))))
    events = defaultdict(int)
    for e in entries:
        if e.get("t") == "event":
            events[e.get("what", "?")] += 1
    if events:
        print("events: " + ", ".join("%s %d" % (k, v) for k, v in sorted(events.items())))
    reps = [e.get("r", 0) for e in entries if e.get("t") == "measure"]
    if reps:
        print("measure repeats: total %d, median %d, max %d" % (sum(reps), statistics.median(reps), max(reps)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
