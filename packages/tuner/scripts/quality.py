#!/usr/bin/env python3
"""How close `moe tune`'s picks are to the exhaustive best pair, on the exhaustive run's own timings.

    quality.py <exhaustive journal.jsonl> <tune-report.json>... [--first] [--table <out.json>]

For each batch size the exhaustive journal covers, each GEMM's config time is the median of all
its timed replays in that journal (every measurement of the config at that M, pooled). The
exhaustive best pair is the fastest up plus the fastest down; a tuned run's pick is scored as
table(up pick) + table(down pick) over that best, so both sides come from one clock, one run.
A pick the exhaustive table lacks is reported as such. `--first` keeps only each config's first
measurement (the sweep itself; later entries are the re-measures of the finalists, often made in
another device call). `--table` writes the compact per-config medians (µs, 2 decimals) used.

Caveat, measured (packages/tuner/PERF.md): one exhaustive sweep of a batch size takes minutes,
and the card's clock moves over minutes (at M >= 1024 it sits at its power limit), so a table is
not one clock either; the fair comparison of two sets of picks is an interleaved re-timing of
both in one run (`moe bench --sets tuned:<a>,tuned:<b>`).
"""
import argparse, json, statistics, sys
from collections import defaultdict

KEYS = ["BLOCK_SIZE_M", "BLOCK_SIZE_N", "BLOCK_SIZE_K", "GROUP_SIZE_M", "num_warps", "num_stages"]


def cfg(c):
    return "/".join(str(c[k]) for k in KEYS)


def table(journal, first=False):
    samples = defaultdict(list)
    with open(journal) as f:
        for line in f:
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                continue  # a cut last line
            if e.get("t") == "measure" and e.get("ok"):
                key = (e["M"], e["g"], e["c"])
                if first and key in samples:
                    continue
                samples[key].extend(e["us"])
    out = defaultdict(lambda: defaultdict(dict))
    for (m, g, c), us in samples.items():
        out[m][g][c] = statistics.median(us)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("journal")
    ap.add_argument("reports", nargs="*")
    ap.add_argument("--first", action="store_true")
    ap.add_argument("--table")
    a = ap.parse_args()
    t = table(a.journal, a.first)
    best = {}
    for m in sorted(t):
        pair = {}
        for g in ("up", "down"):
            c = min(t[m][g], key=t[m][g].get)
            pair[g] = (c, t[m][g][c], len(t[m][g]))
        best[m] = pair
    print("exhaustive best pair (µs, medians of the exhaustive journal):")
    for m, p in best.items():
        print(f"  M={m:>5}: up {p['up'][0]} {p['up'][1]:.2f} ({p['up'][2]} configs) + down {p['down'][0]} {p['down'][1]:.2f} ({p['down'][2]}) = {p['up'][1] + p['down'][1]:.2f}")
    worst = 0.0
    for rep in a.reports:
        r = json.load(open(rep))
        print(f"{rep} ({r['strategy']}):")
        for unit in r["units"]:
            for engine, rows in unit["rows"].items():
                for row in rows:
                    m = row["M"]
                    if m not in best or not row.get("up") or not row.get("down"):
                        continue
                    up, down = cfg(row["up"]), cfg(row["down"])
                    tu, td = t[m]["up"].get(up), t[m]["down"].get(down)
                    if tu is None or td is None:
                        print(f"  M={m:>5}: {up} + {down}: not in the exhaustive table")
                        continue
                    b = best[m]["up"][1] + best[m]["down"][1]
                    cost = (tu + td) / b
                    worst = max(worst, cost)
                    print(f"  M={m:>5}: {up} + {down}: {tu + td:.2f} µs on the table, {cost:.4f} x best; run's own {row.get('tunedUs')} µs")
    if a.reports:
        print(f"worst cost over all reports: {worst:.4f}")
    if a.table:
        compact = {str(m): {g: {c: round(v, 2) for c, v in sorted(t[m][g].items())} for g in ("up", "down")} for m in sorted(t)}
        with open(a.table, "w") as f:
            json.dump(compact, f, separators=(",", ":"))
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
