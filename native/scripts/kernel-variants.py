#!/usr/bin/env python3
"""A/B variants of the fused-MoE GEMM on a GPU host, for PERF.md's "find out why" step.

    python3 scripts/kernel-variants.py make DEST     # DEST/<variant>/moe_kit_kernels, one change each
    python3 scripts/kernel-variants.py pick DIR      # reads DIR/<variant>.json (perf.js --tag <variant>)

`make` copies native/python/moe_kit_kernels and applies one textual change per variant to
gemm.py (and fails if the text is not there). Run perf.js once per variant with
MOE_KERNELS_DIR=DEST/<variant>. `pick` prints each variant's time per (M, config) relative to
`base` (median over routing seeds) and names a winner: a variant that makes the worst
ours/engine ratio better by >= 1.5% without making any (M, config) slower by > 1%.
"""

import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KERNELS = os.path.join(HERE, "..", "python", "moe_kit_kernels")

VARIANTS = {
    "base": [],
    # The accumulate written as an add of a fresh dot (as the engines write it).
    "acc_plus": [("acc = tl.dot(a, b, acc)", "acc += tl.dot(a, b)")],
    # Weight column offsets in int64 (as the engines compute them).
    "b_int64": [("b_cols = cols % N", "b_cols = (cols % N).to(tl.int64)")],
    "both": [("acc = tl.dot(a, b, acc)", "acc += tl.dot(a, b)"), ("b_cols = cols % N", "b_cols = (cols % N).to(tl.int64)")],
}


def make(dest):
    for name, edits in VARIANTS.items():
        out = os.path.join(dest, name, "moe_kit_kernels")
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(KERNELS, out, ignore=shutil.ignore_patterns("__pycache__"))
        path = os.path.join(out, "gemm.py")
        with open(path) as f:
            src = f.read()
        for old, new in edits:
            if src.count(old) != 1:
                sys.exit(f"variant {name}: '{old}' occurs {src.count(old)} times in gemm.py, expected once")
            src = src.replace(old, new)
        with open(path, "w") as f:
            f.write(src)
        print(f"variant {name}: {out} ({len(edits)} edits)")


def pick(folder):
    runs = {}
    for name in VARIANTS:
        for tag in (name, name + "2"):
            p = os.path.join(folder, tag + ".json")
            if os.path.exists(p):
                with open(p) as f:
                    runs[tag] = {(r["M"], r["config"]): r for m in json.load(f)["lfm2"] for r in m["results"]}
    base = runs.get("base")
    if not base:
        sys.exit("pick: no base.json")
    winner, best_gain = None, 0.0
    for tag, rows in runs.items():
        worst_slowdown, gains, lines = 0.0, [], []
        for key, r in sorted(rows.items()):
            b = base.get(key)
            if not b or not r.get("us") or not b.get("us"):
                continue
            rel = r["us"] / b["us"]
            worst_slowdown = max(worst_slowdown, rel - 1)
            eng = r.get("engineUs")
            lines.append(f"  M={key[0]} {key[1]:<20} {r['us']:8.1f} us  vs base {rel:.3f}" + (f"  vs engine {r['us'] / eng:.3f}" if eng else ""))
            if eng and b["us"] / eng > 1.0:
                gains.append(1 - rel)
        print(f"{tag}:")
        print("\n".join(lines))
        gain = min(gains) if gains else 0.0
        if tag not in ("base", "base2") and gain >= 0.015 and worst_slowdown <= 0.01 and gain > best_gain:
            winner, best_gain = tag, gain
    print(f"winner: {winner or 'none'}")
    return winner


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("make", "pick"):
        sys.exit(__doc__)
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        w = pick(sys.argv[2])
        with open(os.path.join(sys.argv[2], "winner.txt"), "w") as f:
            f.write(w or "")
