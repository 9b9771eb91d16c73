#!/usr/bin/env python3
"""The engines' own tuning method, timed on this GPU, for packages/tuner/PERF.md.

What the engines' benchmark_moe.py tuners do per batch size: for every config of the 1,920
grid, in one process, run the whole fused-MoE layer with that config (the engine's launch
function for the up GEMM, the activation, the down GEMM, the top-k sum), JIT-compiling it on
first use, then capture a CUDA graph of 10 layer calls, replay it 5 times untimed and 100
times timed. This script does that with the installed engine's own launch function (SGLang's
invoke_fused_moe_kernel; found as moe tune finds it), for one batch size, over every `--every`
-th config of the grid (a seeded, stated sample), and prints the wall time per config (compile,
timing) and the extrapolation to the whole grid and to the engines' 18 batch sizes.

    PYTHONPATH=<engine site-packages>:native/python python3 engines-method.py --m 64 --every 8 --out result.json
"""
import argparse
import itertools
import json
import sys
import time


def grid():
    """The engines' 1,920-config grid (BLOCK_SIZE_M/N/K, GROUP_SIZE_M, num_warps, num_stages)."""
    out = []
    for bm, bn, bk, g, w, s in itertools.product(
        (16, 32, 64, 128, 256), (32, 64, 128, 256), (64, 128, 256), (1, 16, 32, 64), (4, 8), (2, 3, 4, 5)
    ):
        out.append({"BLOCK_SIZE_M": bm, "BLOCK_SIZE_N": bn, "BLOCK_SIZE_K": bk, "GROUP_SIZE_M": g, "num_warps": w, "num_stages": s})
    return out


def align(torch, topk_ids, E, bm):
    """moe_align_block_size's outputs: pairs sorted by expert, each expert padded to a multiple of bm."""
    flat = topk_ids.flatten().cpu()
    numel = flat.numel()
    em = numel + E * (bm - 1)
    sorted_ids = torch.full((em,), numel, dtype=torch.int32)
    expert_ids = torch.zeros((em + bm - 1) // bm, dtype=torch.int32)
    pos = 0
    for e in range(E):
        idx = (flat == e).nonzero().flatten().to(torch.int32)
        n = idx.numel()
        if n == 0:
            continue
        sorted_ids[pos : pos + n] = idx
        blocks = (n + bm - 1) // bm
        expert_ids[pos // bm : pos // bm + blocks] = e
        pos += blocks * bm
    ntpp = torch.tensor([pos], dtype=torch.int32)
    return sorted_ids.cuda(), expert_ids.cuda(), ntpp.cuda()


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--m", type=int, default=64)
    ap.add_argument("--E", type=int, default=32)
    ap.add_argument("--N", type=int, default=1792, help="per-rank intermediate size")
    ap.add_argument("--K", type=int, default=2048, help="hidden size")
    ap.add_argument("--topk", type=int, default=4)
    ap.add_argument("--every", type=int, default=8, help="time every n-th grid config (1: all 1,920)")
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)

    import torch
    import triton.language as tl
    from moe_kit_kernels.engine import find_engine

    engine = find_engine("auto")
    if engine.engine != "sglang":
        sys.exit("engines-method.py: drives SGLang's launch function; found %s %s" % (engine.engine, engine.version))
    torch.manual_seed(0)
    M, E, N, K, topk = a.m, a.E, a.N, a.K, a.topk
    dev = "cuda"
    x = (torch.rand(M, K, device=dev, dtype=torch.bfloat16) - 0.5)
    w1 = (torch.rand(E, 2 * N, K, device=dev, dtype=torch.bfloat16) - 0.5) / K**0.5
    w2 = (torch.rand(E, K, N, device=dev, dtype=torch.bfloat16) - 0.5) / N**0.5
    scores = torch.rand(M, E, device=dev)
    topk_w, topk_ids = torch.topk(torch.softmax(scores, dim=-1), topk, dim=-1)
    topk_w = topk_w.float().contiguous()
    topk_ids = topk_ids.to(torch.int32).contiguous()
    c1 = torch.empty(M * topk, 2 * N, device=dev, dtype=torch.bfloat16)
    act = torch.empty(M * topk, N, device=dev, dtype=torch.bfloat16)
    c2 = torch.empty(M * topk, K, device=dev, dtype=torch.bfloat16)
    out = torch.empty(M, K, device=dev, dtype=torch.bfloat16)
    aligned = {}

    def layer(cfg):
        s, ex, nt = aligned[cfg["BLOCK_SIZE_M"]]
        engine.launch(x, w1, None, c1, None, None, None, topk_w, topk_ids, s, ex, nt, False, topk, cfg, tl.bfloat16,
                      False, False, False, False, False, None, filter_expert=False)
        torch.mul(torch.nn.functional.silu(c1[:, :N]), c1[:, N:], out=act)
        engine.launch(act, w2, None, c2, None, None, None, topk_w, topk_ids, s, ex, nt, True, 1, cfg, tl.bfloat16,
                      False, False, False, False, False, None, filter_expert=False)
        torch.sum(c2.view(M, topk, K), dim=1, out=out)

    configs = grid()[:: a.every]
    rows = []
    started = time.time()
    for cfg in configs:
        bm = cfg["BLOCK_SIZE_M"]
        if bm not in aligned:
            aligned[bm] = align(torch, topk_ids, E, bm)
        t0 = time.time()
        try:
            layer(cfg)  # JIT-compiles both GEMMs' kernels on first use
            torch.cuda.synchronize()
            t1 = time.time()
            stream = torch.cuda.Stream()
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph, stream=stream):
                for _ in range(10):
                    layer(cfg)
            torch.cuda.synchronize()
            for _ in range(5):
                graph.replay()
            torch.cuda.synchronize()
            times = []
            for _ in range(a.iters):
                e0 = torch.cuda.Event(enable_timing=True)
                e1 = torch.cuda.Event(enable_timing=True)
                e0.record()
                graph.replay()
                e1.record()
                e1.synchronize()
                times.append(e0.elapsed_time(e1) * 1000.0 / 10)
            del graph
            t2 = time.time()
            rows.append({"config": cfg, "ok": True, "compile_s": t1 - t0, "time_s": t2 - t1, "us": sum(times) / len(times)})
        except Exception as e:  # out of resources, MLIR failures: the engines' tuners skip them too
            torch.cuda.synchronize()
            rows.append({"config": cfg, "ok": False, "compile_s": time.time() - t0, "error": "%s: %s" % (type(e).__name__, str(e)[:200])})
    wall = time.time() - started
    ok = [r for r in rows if r["ok"]]
    per = wall / max(1, len(configs))
    best = min(ok, key=lambda r: r["us"]) if ok else None
    summary = {
        "engine": "%s %s" % (engine.engine, engine.version),
        "kernel_path": engine.path,
        "M": M,
        "shape": {"E": E, "N": N, "K": K, "topk": topk},
        "configs_timed": len(configs),
        "every": a.every,
        "failed": len(configs) - len(ok),
        "wall_s": wall,
        "compile_s": sum(r["compile_s"] for r in rows),
        "timing_s": sum(r.get("time_s", 0.0) for r in rows),
        "per_config_s": per,
        "grid_1920_s": per * 1920,
        # The engines' tuners JIT-compile a config once per process and specialisation: counted
        # once, the timing 18 times (the other batch sizes' kernels taken as this one's: a
        # stated assumption, generous to the engines since larger batches time longer).
        "eighteen_batch_sizes_s": (sum(r["compile_s"] for r in rows) + 18 * sum(r.get("time_s", 0.0) for r in rows)) / max(1, len(configs)) * 1920,
        "best": best,
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "best"}))
    if best:
        print("best %s: %.1f us per layer" % ("/".join(str(best["config"][k]) for k in best["config"]), best["us"]))
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"summary": summary, "rows": rows}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
