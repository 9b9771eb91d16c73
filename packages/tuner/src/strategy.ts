import type { TileConfig } from '@moe/engine-facts';
import type { Oracle } from './oracle';

export interface SearchInput {
  /** The batch sizes (M) to find a config for. */
  batchSizes: readonly number[];
  /** The configs that may be tried (a pruned search space: `buildSearchSpace(...).candidates`). */
  candidates: readonly TileConfig[];
  oracle: Oracle;
}

/** A config measured at one batch size: the repeat-weighted mean µs over all its repeats. */
export interface MeasuredConfig {
  config: TileConfig;
  us: number;
  repeats: number;
}

export interface BatchResult {
  M: number;
  /** The chosen config (null when no config could be measured at this M). */
  best: MeasuredConfig | null;
  /** Every config measured at this M (failed measurements excluded), fastest first. */
  measured: MeasuredConfig[];
  /** Configs whose measurement failed at this M. */
  failedMeasurements: number;
}

export interface CompileRecord {
  config: TileConfig;
  ok: boolean;
  reason?: string;
}

export interface SearchResult {
  strategy: string;
  /** One row per batch size, in the order of `batchSizes`. */
  rows: BatchResult[];
  /** Every config compiled (once), in the order compiled. */
  compiled: CompileRecord[];
}

/** A search strategy: given batch sizes and an oracle, the best config per batch size. */
export interface SearchStrategy {
  readonly name: string;
  search(input: SearchInput): Promise<SearchResult>;
}
