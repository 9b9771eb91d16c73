import type { MeasuredTable } from './measured-table';
import { simulate, type RunScore } from './simulate';
import type { SearchStrategy } from './strategy';

/**
 * The goal a search must meet on a recorded table (issue 5): at every batch size the chosen
 * config's recorded time is at most 1.01x the table's best, with 1% jitter, for the worst of 10
 * seeds; at most 8% of the (batch size, compiled config) pairs measured; at most 50% of the
 * grid compiled.
 */
export const GOAL = {
  maxRatio: 1.01,
  maxMeasuredFraction: 0.08,
  maxCompiledFraction: 0.5,
  jitterPercent: 1,
  seeds: 10,
} as const;

export interface BatchSweep {
  M: number;
  /** Largest chosen/best ratio over the seeds. */
  worstRatio: number;
  /** Seeds whose choice was above GOAL.maxRatio. */
  misses: number;
  /** Most configs measured at this M over the seeds, and as a fraction of those measurable. */
  worstMeasured: number;
  worstMeasuredFraction: number;
  /** Most simulated seconds at this M over the seeds. */
  worstSeconds: number;
}

export interface SeedSweep {
  strategy: string;
  seeds: number[];
  jitterPercent: number;
  perM: BatchSweep[];
  worstRatio: number;
  /** Batch sizes (over all seeds) above GOAL.maxRatio, and their share. */
  misses: number;
  missRate: number;
  worstMeasuredFraction: number;
  worstCompiledFraction: number;
  worstCompiled: number;
  worstSimulatedSeconds: number;
  /** Mean configs measured per batch size (over seeds and batch sizes). */
  meanMeasuredPerBatch: number;
  meetsGoal: boolean;
  runs: RunScore[];
}

export interface SweepOptions {
  seeds?: readonly number[];
  jitterPercent?: number;
  batchSizes?: readonly number[];
}

/** Runs a strategy once per seed (noise seed = strategy seed) and keeps the worst of each number. */
export async function sweepSeeds(
  table: MeasuredTable,
  makeStrategy: (seed: number) => SearchStrategy,
  options: SweepOptions = {},
): Promise<SeedSweep> {
  const seeds = [...(options.seeds ?? Array.from({ length: GOAL.seeds }, (_, i) => i))];
  const jitterPercent = options.jitterPercent ?? GOAL.jitterPercent;
  const runs: RunScore[] = [];
  let name = '';
  for (const seed of seeds) {
    const strategy = makeStrategy(seed);
    name = strategy.name;
    const { score } = await simulate(table, strategy, {
      jitterPercent,
      seed,
      ...(options.batchSizes ? { batchSizes: options.batchSizes } : {}),
    });
    runs.push(score);
  }
  const perM: BatchSweep[] = runs[0]!.rows.map((row, i) => {
    const across = runs.map((r) => r.rows[i]!);
    return {
      M: row.M,
      worstRatio: Math.max(...across.map((r) => r.ratio)),
      misses: across.filter((r) => r.ratio > GOAL.maxRatio).length,
      worstMeasured: Math.max(...across.map((r) => r.measured)),
      worstMeasuredFraction: Math.max(...across.map((r) => (r.measurable === 0 ? 0 : r.measured / r.measurable))),
      worstSeconds: Math.max(...across.map((r) => r.seconds)),
    };
  });
  const misses = perM.reduce((s, m) => s + m.misses, 0);
  const worstRatio = Math.max(...perM.map((m) => m.worstRatio));
  const worstMeasuredFraction = Math.max(...runs.map((r) => r.measuredFraction));
  const worstCompiledFraction = Math.max(...runs.map((r) => r.compiledFraction));
  const batches = runs.reduce((s, r) => s + r.rows.length, 0);
  return {
    strategy: name,
    seeds,
    jitterPercent,
    perM,
    worstRatio,
    misses,
    missRate: batches === 0 ? 0 : misses / batches,
    worstMeasuredFraction,
    worstCompiledFraction,
    worstCompiled: Math.max(...runs.map((r) => r.compiled)),
    worstSimulatedSeconds: Math.max(...runs.map((r) => r.simulatedSeconds)),
    meanMeasuredPerBatch: runs.reduce((s, r) => s + r.rows.reduce((t, b) => t + b.measured, 0), 0) / Math.max(1, batches),
    meetsGoal:
      worstRatio <= GOAL.maxRatio &&
      worstMeasuredFraction <= GOAL.maxMeasuredFraction &&
      worstCompiledFraction <= GOAL.maxCompiledFraction,
    runs,
  };
}
