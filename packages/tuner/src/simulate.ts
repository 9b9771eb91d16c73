import { gpuInfoForDriverName } from '@moe/config-store';
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import { bestRecorded, type MeasuredTable } from './measured-table';
import { buildSearchSpace } from './search-space';
import { createSimulationOracle, type SimulationOracle } from './simulation-oracle';
import type { SearchResult, SearchStrategy } from './strategy';

export interface SimulateOptions {
  jitterPercent?: number;
  /** Seed of the measurement noise: a whole number from 0 to MAX_SEED (2^32 - 1), default 0. */
  seed?: number;
  /** Batch sizes to search (default: every row of the table). */
  batchSizes?: readonly number[];
  /** Configs the strategy may try (default: the table's space, pruned for its card and dtype). */
  candidates?: readonly TileConfig[];
}

/** How one batch size of a simulated search came out against the table. */
export interface BatchScore {
  M: number;
  chosen: TileConfig | null;
  /** Recorded µs of the chosen config (null when none was chosen or it has no time). */
  chosenUs: number | null;
  /** The table's best µs at this M (null when nothing ran at this M). */
  bestUs: number | null;
  /** chosenUs / bestUs; 1 at a batch size where nothing ran and nothing was chosen. */
  ratio: number;
  /** Distinct configs measured at this M. */
  measured: number;
  /** (This M, compiled config) pairs: the configs of the table that compiled. */
  measurable: number;
  /** Simulated wall seconds spent at this M (its measurements and the compiles made for them). */
  seconds: number;
}

export interface RunScore {
  rows: BatchScore[];
  measuredPairs: number;
  measurablePairs: number;
  /** measuredPairs / measurablePairs. */
  measuredFraction: number;
  compiled: number;
  /** compiled / the table's space. */
  compiledFraction: number;
  simulatedSeconds: number;
}

export interface Simulation {
  result: SearchResult;
  score: RunScore;
  oracle: SimulationOracle;
}

/** The candidates of a table's space for its card, dtype and block shape (nothing pruned for an unknown card). */
export function tableCandidates(table: MeasuredTable): TileConfig[] {
  const gpu = table.card === undefined ? null : gpuInfoForDriverName(table.card);
  return buildSearchSpace(table.space, { gpu, dtype: table.dtype ?? null, blockShape: table.blockShape ?? null }).candidates;
}

/** Runs a strategy against a replay of the table and scores it against the recorded times. */
export async function simulate(table: MeasuredTable, strategy: SearchStrategy, options: SimulateOptions = {}): Promise<Simulation> {
  const oracle = createSimulationOracle(table, { jitterPercent: options.jitterPercent ?? 0, seed: options.seed ?? 0 });
  const batchSizes = options.batchSizes ?? table.rows.map((r) => r.M);
  const candidates = options.candidates ?? tableCandidates(table);
  const result = await strategy.search({ batchSizes, candidates, oracle });
  return { result, score: scoreRun(table, result, oracle), oracle };
}

/** Scores a search's choices against the table's recorded times. */
export function scoreRun(table: MeasuredTable, result: SearchResult, oracle: SimulationOracle): RunScore {
  const index = new Map(table.space.map((c, i) => [tileConfigKey(c), i]));
  const rows: BatchScore[] = result.rows.map((r) => {
    const row = table.rows.find((t) => t.M === r.M);
    const best = row ? bestRecorded(row) : undefined;
    const chosen = r.best?.config ?? null;
    const chosenUs = chosen && row ? row.us.get(index.get(tileConfigKey(chosen)) ?? -1) ?? null : null;
    const bestUs = best?.us ?? null;
    let ratio = 1;
    if (bestUs !== null) ratio = chosenUs === null ? Infinity : chosenUs / bestUs;
    return {
      M: r.M,
      chosen,
      chosenUs,
      bestUs,
      ratio,
      measured: oracle.measuredAt(r.M),
      measurable: table.space.length - table.failed.size,
      seconds: oracle.secondsAt(r.M),
    };
  });
  const stats = oracle.stats();
  const measurablePairs = rows.reduce((s, r) => s + r.measurable, 0);
  return {
    rows,
    measuredPairs: stats.measuredPairs,
    measurablePairs,
    measuredFraction: measurablePairs === 0 ? 0 : stats.measuredPairs / measurablePairs,
    compiled: stats.compiled,
    compiledFraction: stats.compiled / table.space.length,
    simulatedSeconds: stats.simulatedSeconds,
  };
}
