#!/usr/bin/env python3
"""Self time per function of a Node --cpu-prof profile (where a moe process's thread went).

    python3 packages/tuner/scripts/cpuprofile-top.py <file.cpuprofile> [top]
"""
import collections
import json
import os
import sys


def main(argv):
    if not argv:
        print(__doc__.strip())
        return 2
    top = int(argv[1]) if len(argv) > 1 else 25
    prof = json.load(open(argv[0]))
    nodes = {n["id"]: n for n in prof["nodes"]}
    self_us = collections.Counter()
    for node_id, dt in zip(prof["samples"], prof["timeDeltas"]):
        f = nodes[node_id]["callFrame"]
        where = "%s %s:%d" % (f["functionName"] or "(anonymous)", os.path.basename(f["url"]), f["lineNumber"] + 1)
        self_us[where] += dt
    total = sum(self_us.values()) or 1
    print("%s: %.1f s sampled" % (os.path.basename(argv[0]), total / 1e6))
    for where, us in self_us.most_common(top):
        print("%7.2f s %5.1f%%  %s" % (us / 1e6, 100.0 * us / total, where))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
