#!/usr/bin/env python3
"""Times fused_moe_gemm against the engine kernel's measured numbers, config for config.

    python3 native/python/tests/bench_gemm.py --engine <engine-kernel-exhaustive-...json> [--json out.json]

Shape: LFM2-8B-A1B TP1 up GEMM (E=32, 2N=3584, K=2048, top-4, bf16), uniform routing (softmax
of uniform scores, top-4 distinct experts, seed 0). Timing as in the engine measurement: a
CUDA graph of 10 launches after 1 eager run and 3 warm-up replays, median of 5 replays, us per
launch, no L2 flush. Alignment runs once outside the graph. For each M: the SGLang default
config (KERNEL.md's "engine default" column) and several configs of the exhaustive engine
table (its best, runner-up, and spread picks), each against the engine's own number.
"""

import argparse
import json
import os
import statistics
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

E, N, K, TOPK = 32, 3584, 2048, 4
# KERNEL.md, "engine default config us" (H200, Triton 3.6.0).
ENGINE_DEFAULT_US = {1: 21.2, 16: 128.5, 64: 162.1, 256: 185.8, 1024: 287.4, 4096: 897.2}


def sglang_default(m):
    # SGLang's bf16 fallback: 16/32/64/1 when M <= E, else 64/64/32/8; Triton's launch defaults 4 warps, 3 stages.
    if m <= E:
        return dict(BLOCK_SIZE_M=16, BLOCK_SIZE_N=32, BLOCK_SIZE_K=64, GROUP_SIZE_M=1, num_warps=4, num_stages=3)
    return dict(BLOCK_SIZE_M=64, BLOCK_SIZE_N=64, BLOCK_SIZE_K=32, GROUP_SIZE_M=8, num_warps=4, num_stages=3)


def time_graph(fn, launches=10, warmup=3, repeats=5):
    fn()
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for _ in range(launches):
            fn()
    for _ in range(warmup):
        graph.replay()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        graph.replay()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) * 1000.0 / launches)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--engine", required=True)
    p.add_argument("--json", default="")
    p.add_argument("--per-m", type=int, default=5, help="engine-table configs per M")
    p.add_argument("--ms", default="1,16,64,256,1024,4096")
    p.add_argument("--variation", default="", help="Ms to time over 8 routing seeds, e.g. 1,1024,4096")
    args = p.parse_args()
    table = json.load(open(args.engine))
    space = table["space"]
    rows_by_m = {r["M"]: r["us"] for r in table["rows"]}
    torch.manual_seed(0)
    dev = "cuda"
    w = (torch.randn((E, N, K), device=dev) / K ** 0.5).to(torch.bfloat16)
    print("device %s, triton %s" % (torch.cuda.get_device_name(), __import__("triton").__version__), flush=True)
    out = []
    for m in [int(x) for x in args.ms.split(",") if x]:
        scores = torch.rand((m, E), device=dev)
        ids = scores.topk(TOPK, dim=1).indices.to(torch.int32)
        a = torch.randn((m, K), device=dev).to(torch.bfloat16)
        c = torch.empty((m * TOPK, N), device=dev, dtype=torch.bfloat16)
        picks = [("sglang-default", sglang_default(m), ENGINE_DEFAULT_US.get(m))]
        us = rows_by_m.get(m)
        if us:
            ranked = sorted(((float(t), int(i)) for i, t in us.items()), key=lambda x: x[0])
            idx = [0, 1, len(ranked) // 10, len(ranked) // 3, len(ranked) // 2][: args.per_m]
            for j in idx:
                t, i = ranked[j]
                picks.append(("engine rank %d/%d" % (j + 1, len(ranked)), space[i], t))
        for label, config, engine_us in picks:
            sorted_ids, expert_ids, nttp, em = h.align(ids, E, config["BLOCK_SIZE_M"])

            def launch():
                h.gemm(a, w, c, sorted_ids, expert_ids, nttp, em, m * TOPK, TOPK, config, "bf16")

            try:
                t = time_graph(launch)
            except Exception as e:  # an out-of-resources config, for instance
                print("M=%d %s %s: %s" % (m, label, config, e), flush=True)
                continue
            flops = 2.0 * m * TOPK * N * K
            hit = min(E, m * TOPK)
            row = dict(M=m, label=label, config=config, us=round(t, 2), engine_us=engine_us,
                       ratio=round(t / engine_us, 3) if engine_us else None,
                       tflops=round(flops / t / 1e6, 1), weight_tbps=round(hit * N * K * 2 / t / 1e6, 2))
            out.append(row)
            print("M=%-5d %-22s %-36s ours %8.1f us  engine %8s us  ratio %s  %6.1f TFLOP/s" % (
                m, label, "%d/%d/%d/%d w%d s%d" % tuple(config[k] for k in (
                    "BLOCK_SIZE_M", "BLOCK_SIZE_N", "BLOCK_SIZE_K", "GROUP_SIZE_M", "num_warps", "num_stages")),
                t, "%.1f" % engine_us if engine_us else "-", row["ratio"], row["tflops"]), flush=True)
    variation = []
    if args.variation:
        # How much of a gap to the engine's number is routing: the padded row blocks (the work)
        # change with the routing draw, most at BLOCK_SIZE_M=128. Same configs, 8 routing seeds,
        # plus the same seed timed 3 times (measurement noise).
        print("\nrouting variation: M, config, seed, padded blocks, us", flush=True)
        for m in [int(x) for x in args.variation.split(",")]:
            a = torch.randn((m, K), device=dev).to(torch.bfloat16)
            c = torch.empty((m * TOPK, N), device=dev, dtype=torch.bfloat16)
            us = rows_by_m.get(m)
            configs = [("sglang-default", sglang_default(m), ENGINE_DEFAULT_US.get(m))]
            if us:
                ranked = sorted(((float(t), int(i)) for i, t in us.items()), key=lambda x: x[0])
                configs += [("engine rank %d" % (j + 1), space[ranked[j][1]], ranked[j][0]) for j in (0, 1)]
            for label, config, engine_us in configs:
                times = []
                for seed in range(8):
                    gen = torch.Generator(device=dev).manual_seed(seed)
                    ids = torch.rand((m, E), device=dev, generator=gen).topk(TOPK, dim=1).indices.to(torch.int32)
                    sorted_ids, expert_ids, nttp, em = h.align(ids, E, config["BLOCK_SIZE_M"])
                    blocks = int(nttp.item()) // config["BLOCK_SIZE_M"]

                    def launch():
                        h.gemm(a, w, c, sorted_ids, expert_ids, nttp, em, m * TOPK, TOPK, config, "bf16")

                    reps = [time_graph(launch) for _ in range(3 if seed == 0 else 1)]
                    times.append(statistics.median(reps))
                    variation.append(dict(M=m, label=label, config=config, seed=seed, blocks=blocks,
                                          us=[round(x, 2) for x in reps], engine_us=engine_us))
                    print("M=%-5d %-16s seed %d blocks %3d  us %s" % (m, label, seed, blocks,
                          " ".join("%.1f" % x for x in reps)), flush=True)
                print("M=%-5d %-16s over seeds: min %.1f median %.1f max %.1f us; engine %s us" % (
                    m, label, min(times), statistics.median(times), max(times), engine_us), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(device=torch.cuda.get_device_name(), rows=out, variation=variation), f, indent=1)


if __name__ == "__main__":
    main()
