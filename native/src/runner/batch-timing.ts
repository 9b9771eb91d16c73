// Timing of a batch's launch sequences by CUDA-graph replay, rotating input sets when one set
// fits in L2 (timing.ts for the arithmetic).
import type { TileConfig } from '@moe/engine-facts';
import { expertCounts, type Routing } from '../reference/routing';
import type { AlignState } from './align-state';
import type { BatchParts } from './batch-parts';
import { prepareDownGemm, prepareLayer, prepareUpGemm, type PreparedRun } from './prepared-run';
import { inputSetCount, summarize, type Timing, type TimingOptions } from './timing';

export type Stage = 'up_gemm' | 'down_gemm' | 'layer';

/** Experts with at least one pair. */
export function hitExperts(routing: Routing): number {
  return [...expertCounts(routing)].filter((c) => c > 0).length;
}

/** Bytes one launch must touch at least (hit experts' weights, activations in and out). */
export function setBytes(p: BatchParts, stage: Stage): number {
  const { M, topk, N, K, mode } = p.problem;
  const eb = mode === 'bf16' || mode === 'fp16' ? 2 : 1;
  const hit = hitExperts(p.routing);
  if (stage === 'down_gemm') return hit * p.layer.expertBytes('w2') + M * topk * (N * eb + K * 2);
  const up = hit * p.layer.expertBytes('w1') + M * K * eb + M * topk * 2 * N * 2;
  if (stage === 'up_gemm') return up;
  return up + hit * p.layer.expertBytes('w2') + M * topk * (N * 2 + N + K * 2) + M * K * 2;
}

async function timeRun(p: BatchParts, stage: Stage, run: PreparedRun, al: AlignState, o: TimingOptions, prepareMs = 0): Promise<Timing> {
  let t = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = now - t;
    t = now;
    return ms;
  };
  const opts = {
    launchesPerGraph: o.launchesPerGraph ?? 10,
    warmup: o.warmup ?? 5,
    repeats: o.repeats ?? 20,
    l2Flush: o.l2Flush ?? false,
  };
  const ctx = p.layer.ctx;
  const l2 = ctx.device.l2CacheBytes;
  let sets = o.rotateInputs === false ? 1 : inputSetCount(setBytes(p, stage), l2, Number.POSITIVE_INFINITY);
  if (sets > 1) sets = Math.min(sets, 1 + Math.floor(p.layer.replicaBudgetBytes / Math.max(1, p.layer.replicaBytes())));
  p.buffers.ensureSets(sets, run.needsLayerBuffers);
  // The alignment's outputs are shared by every set (same routing): compute them once.
  p.aligns.enqueue(al, null);
  const setupMs = lap();
  // One eager pass per set: loads modules, allocates scratch, catches launch errors outside capture.
  for (let i = 0; i < sets; i++) run.enqueue(null, i);
  await ctx.synchronize();
  const eagerMs = lap();
  const graph = ctx.captureGraph((stream) => {
    for (let i = 0; i < opts.launchesPerGraph; i++) run.enqueue(stream, i % sets);
  });
  const captureMs = lap();
  try {
    const us = await ctx.replayTimes(graph, { warmup: opts.warmup, repeats: opts.repeats, l2Flush: opts.l2Flush });
    const replayMs = lap();
    return { ...summarize(us, opts, sets), hostMs: { prepare: prepareMs, setup: setupMs, eager: eagerMs, capture: captureMs, replay: replayMs } };
  } finally {
    graph.destroy();
  }
}

/** Times the up GEMM alone (alignment done once, outside the graph). */
export async function timeUpGemm(p: BatchParts, config: TileConfig, options: TimingOptions = {}): Promise<Timing> {
  const t0 = performance.now();
  p.buffers.ensureSets(1, false);
  const run = await prepareUpGemm(p, config);
  const al = await p.aligns.get(config.BLOCK_SIZE_M);
  return timeRun(p, 'up_gemm', run, al, options, performance.now() - t0);
}

/** Times the down GEMM alone (alignment done once, outside the graph). */
export async function timeDownGemm(p: BatchParts, config: TileConfig, options: TimingOptions = {}): Promise<Timing> {
  const t0 = performance.now();
  p.buffers.ensureSets(1, true);
  const run = await prepareDownGemm(p, config);
  const al = await p.aligns.get(config.BLOCK_SIZE_M);
  return timeRun(p, 'down_gemm', run, al, options, performance.now() - t0);
}

/** Times the whole layer (align, up GEMM, activation, down GEMM, sum) per launch. */
export async function timeLayer(p: BatchParts, up: TileConfig, down: TileConfig = up, options: TimingOptions = {}): Promise<Timing> {
  p.buffers.ensureSets(1, true);
  const run = await prepareLayer(p, up, down);
  return timeRun(p, 'layer', run, await p.aligns.get(up.BLOCK_SIZE_M), options);
}
