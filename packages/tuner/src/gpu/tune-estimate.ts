// How long a GPU run will take, before it runs (`moe tune --dry-run`). A model of the run, not a
// measurement; every constant says where it comes from.
import type { StrategyName } from '../strategy-by-name';
import type { WorkerShape } from './measure-protocol';

/** Compile rates of @moe/native's compile service, 16 workers, H200 host (native/PERF.md): cold and warm cache. */
export const COMPILES_PER_SECOND = { cold: 26, warm: 3000 } as const;

/**
 * `auto` on the recorded H200 table (SEARCH.md, seeds 0-9): it measures 7.1% of the (batch size,
 * compiled config) pairs and compiles 30.7% of the grid; its measurements, replayed, take
 * 18,700 times the sum over the batch sizes of the best config's µs (48.5 s for a sum of 2,599 µs
 * at 16 batch sizes, seed 0): the launches of screening, halving up to 128 repeats and polishing,
 * at the speed of the configs measured.
 */
export const AUTO_RUN = { measuredFraction: 0.071, compiledFraction: 0.307, launchesPerBestUs: 18_700, candidates: 1304 } as const;

/** The best config reaches about this fraction of the roofline floor (native/PERF.md: 68-88% on the H200). */
export const ROOFLINE_FRACTION = 0.75;

/** H200 peaks used for the floor (native/PERF.md): bytes per µs and FLOPs per µs. */
const PEAK = { bytesPerUs: 4.8e6, flopsPerUs: 790e6 };

/** Host time per measurement request (graph capture, launch, the protocol round trip), seconds: an assumption. */
export const REQUEST_OVERHEAD_S = 0.002;

export interface EstimateInput {
  shape: WorkerShape;
  batchSizes: readonly number[];
  candidates: number;
  /** Configs in the grid before pruning (1,920). */
  grid: number;
  strategy: StrategyName;
  /** Configs per batch size (random: its sample; auto: on average). */
  budget?: number;
  gpus: number;
}

export interface TuneEstimate {
  /** Seconds of compiling, cold caches and warm. */
  compileSeconds: { cold: number; warm: number };
  /** Seconds of GPU timing on all the GPUs together (divided among them). */
  measureSeconds: number;
  /** The estimate of the wall time, cold and warm: compiling overlaps timing, so the longer of the two, plus a tenth of the shorter. */
  wallSeconds: { cold: number; warm: number };
  measurements: number;
  compiles: number;
  /** How it was estimated, in words. */
  how: string;
}

/** The roofline floor of one GEMM launch at M, µs (bytes of the experts hit, or FLOPs, whichever binds). */
export function floorUs(shape: WorkerShape, gemm: 'up' | 'down', M: number): number {
  const pairs = M * shape.topk;
  const width = gemm === 'up' ? 2 * shape.N : shape.K;
  const depth = gemm === 'up' ? shape.K : shape.N;
  const bytesPerElement = shape.mode.startsWith('fp8') ? 1 : 2;
  const bytes = Math.min(shape.E, pairs) * width * depth * bytesPerElement + pairs * (width + depth) * 2;
  const flops = 2 * pairs * width * depth;
  return Math.max(bytes / PEAK.bytesPerUs, flops / PEAK.flopsPerUs);
}

export function estimateTune(input: EstimateInput): TuneEstimate {
  const { shape, batchSizes, candidates, strategy } = input;
  const B = batchSizes.length;
  const perM =
    strategy === 'exhaustive' ? candidates : strategy === 'random' ? (input.budget ?? Math.round(0.075 * candidates)) : (input.budget ?? AUTO_RUN.measuredFraction * candidates);
  // auto compiles what it measures, and most of it is shared between batch sizes: 590 compiles
  // for 16 batch sizes of ~91 measured (0.4 per measured pair), at most ~31% of the grid.
  const compilesPerGemm =
    strategy === 'auto'
      ? Math.min(candidates, AUTO_RUN.compiledFraction * input.grid, 0.4 * perM * (B + 1))
      : Math.min(candidates, strategy === 'exhaustive' ? candidates : perM * B);
  const compiles = 2 * Math.round(compilesPerGemm);
  // Launch-equivalents per measured pair: auto's replay (18,700 best-µs over 7.1% of 1,304 configs).
  const launchesPerPair = AUTO_RUN.launchesPerBestUs / (AUTO_RUN.measuredFraction * AUTO_RUN.candidates);
  // Exhaustive and random take 10 repeats each (1 eager + 3 warm-up graphs + 10 timed, of 10 launches): 141 launches, at configs ~1.5x the best on average.
  const launches = strategy === 'auto' ? launchesPerPair : 141 * 1.5;
  let gpuUs = 0;
  for (const M of batchSizes) {
    for (const gemm of ['up', 'down'] as const) gpuUs += perM * launches * (floorUs(shape, gemm, M) / ROOFLINE_FRACTION);
  }
  // Coupling, the defaults and the checks: ~8 configs x 64 repeats x 10 launches per GEMM and batch size, near the best.
  for (const M of batchSizes) for (const gemm of ['up', 'down'] as const) gpuUs += 8 * 64 * 10 * 1.2 * (floorUs(shape, gemm, M) / ROOFLINE_FRACTION);
  const measurements = Math.round(2 * B * perM * (strategy === 'auto' ? 1.55 : 1)) + 2 * B * 8;
  const measureSeconds = (gpuUs * 1e-6 + measurements * REQUEST_OVERHEAD_S) / Math.max(1, input.gpus);
  const compileSeconds = { cold: compiles / COMPILES_PER_SECOND.cold, warm: compiles / COMPILES_PER_SECOND.warm };
  const wall = (c: number) => Math.max(c, measureSeconds) + 0.1 * Math.min(c, measureSeconds);
  return {
    compileSeconds,
    measureSeconds,
    wallSeconds: { cold: wall(compileSeconds.cold), warm: wall(compileSeconds.warm) },
    measurements,
    compiles,
    how:
      `${strategy === 'auto' ? `auto measures ~${(100 * AUTO_RUN.measuredFraction).toFixed(1)}% of the configs per batch size and compiles ~${(100 * AUTO_RUN.compiledFraction).toFixed(0)}% of the grid (SEARCH.md)` : strategy === 'exhaustive' ? 'exhaustive measures every candidate at every batch size, 10 repeats' : `random measures ${perM} configs per batch size, 10 repeats`}; ` +
      `kernel times from this shape's roofline floor at ${(100 * ROOFLINE_FRACTION).toFixed(0)}% (H200 peaks, native/PERF.md); ` +
      `compiles at ${COMPILES_PER_SECOND.cold}/s cold and ${COMPILES_PER_SECOND.warm}/s from the cache (16 compile workers, native/PERF.md), overlapping the timing`,
  };
}
