// How long a GPU run will take, before it runs (`moe tune --dry-run`). A model of the run, not a
// measurement; every constant says where it comes from.
import type { StrategyName } from '../strategy-by-name';
import type { WorkerShape } from './measure-protocol';
import { FAST_REPLAY_US, replayPlan } from './replay-plan';
import { floorUs } from './roofline';

export { floorUs };

/** Compile rates of @moe/native's compile service, 16 workers, H200 host (native/PERF.md): cold and warm cache. */
export const COMPILES_PER_SECOND = { cold: 26, warm: 3000 } as const;

/** `auto` on the recorded H200 table (SEARCH.md, seeds 0-9): it measures 7.1% of the (batch size, compiled config) pairs. */
export const AUTO_RUN = { measuredFraction: 0.071 } as const;

/** The best config reaches about this fraction of the roofline floor (native/PERF.md: 68-88% on the H200). */
export const ROOFLINE_FRACTION = 0.75;


/** Host time per measurement request (the protocol round trip, the graph's capture and launch), seconds: PERF.md, repeats at 1.0 ms median. */
export const REQUEST_OVERHEAD_S = 0.0015;

/**
 * Host time of the first measurement of a (GEMM, config, batch size), seconds, on top of the
 * request (its module load and first launch): measured ~1-2 ms on average where the binary had
 * been compiled ahead (PERF.md, M <= 8). The 40-400 ms measured at M >= 16 were compiles inside
 * the measurement (a wrong specialisation model, fixed since; to be confirmed on a GPU).
 */
export const FIRST_USE_S = 0.002;

/** Distinct (GEMM, config, batch size) pairs per measurement request of auto (PERF.md, call 3: 1,797 of 2,819). */
export const DISTINCT_PER_REQUEST = 0.64;

/** Repeats per measurement request of auto, on average (PERF.md, call 1: 39,730 over 4,395). */
export const AUTO_REPEATS_PER_REQUEST = 9;

/**
 * The measured configs' kernel time over floor / ROOFLINE_FRACTION, on average: 0.9 over the
 * 2,819 measurements of PERF.md's call 3 (batch sizes 1-512); 1.0 here, since larger batches
 * reach less of the roofline.
 */
export const MEASURED_OVER_BEST = 1.0;

/** Worker start to its first answer, seconds (PERF.md: 3.3-3.7 s), and the engine self-check with cold caches (~30 s; cached when warm). */
export const SETUP_S = { worker: 3.5, selfCheckCold: 30 } as const;

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

export function estimateTune(input: EstimateInput): TuneEstimate {
  const { shape, batchSizes, candidates, strategy } = input;
  const B = batchSizes.length;
  const perM =
    strategy === 'exhaustive' ? candidates : strategy === 'random' ? (input.budget ?? Math.round(0.075 * candidates)) : (input.budget ?? AUTO_RUN.measuredFraction * candidates);
  // The whole search space is compiled ahead of need (both GEMMs), once per specialisation; the
  // batch sizes whose M x top-k is not a multiple of 16 (M = 1, 2 at top-4) need their own, for what they measure.
  const odd = batchSizes.filter((M) => (M * shape.topk) % 16 !== 0).length;
  const compiles = 2 * candidates + 2 * Math.round(Math.min(candidates, perM * 1.4) * odd);
  const measurements = Math.round(2 * B * perM * (strategy === 'auto' ? 1.55 : 1)) + 2 * B * 8;
  const repeats = strategy === 'auto' ? AUTO_REPEATS_PER_REQUEST : 10;
  let gpuUs = 0;
  for (const M of batchSizes) {
    for (const gemm of ['up', 'down'] as const) {
      const best = floorUs(shape, gemm, M) / ROOFLINE_FRACTION;
      const L = replayPlan('fast', shape, gemm, M).launchesPerGraph;
      const perRequest = measurements / (2 * B);
      // (one warm-up + the repeats) replays of L launches, at the measured configs' speed.
      gpuUs += perRequest * (1 + repeats) * L * best * MEASURED_OVER_BEST;
    }
  }
  const hostS = measurements * REQUEST_OVERHEAD_S + measurements * DISTINCT_PER_REQUEST * FIRST_USE_S;
  const measureSeconds = (gpuUs * 1e-6 + hostS) / Math.max(1, input.gpus);
  const compileSeconds = { cold: compiles / COMPILES_PER_SECOND.cold, warm: compiles / COMPILES_PER_SECOND.warm };
  // Compiling overlaps the timing: the longer of the two, plus a tenth of the shorter.
  const wall = (c: number) => Math.max(c, measureSeconds) + 0.1 * Math.min(c, measureSeconds);
  return {
    compileSeconds,
    measureSeconds,
    wallSeconds: { cold: SETUP_S.worker + SETUP_S.selfCheckCold + wall(compileSeconds.cold), warm: SETUP_S.worker + wall(compileSeconds.warm) },
    measurements,
    compiles,
    how:
      `${strategy === 'auto' ? `auto measures ~${(100 * AUTO_RUN.measuredFraction).toFixed(1)}% of the configs per batch size (SEARCH.md), ${AUTO_REPEATS_PER_REQUEST} repeats per request on average` : strategy === 'exhaustive' ? 'exhaustive measures every candidate at every batch size, 10 repeats' : `random measures ${perM} configs per batch size, 10 repeats`}; ` +
      `replays of ~${FAST_REPLAY_US} µs at kernel times from this shape's roofline floor (H200 peaks, native/PERF.md); ` +
      `host time ${(1000 * REQUEST_OVERHEAD_S).toFixed(1)} ms per request and ${(1000 * FIRST_USE_S).toFixed(0)} ms more for a config's first use at a batch size (measured, packages/tuner/PERF.md); ` +
      `the whole space compiled ahead at ${COMPILES_PER_SECOND.cold}/s cold and ${COMPILES_PER_SECOND.warm}/s from the cache, overlapping the timing`,
  };
}
