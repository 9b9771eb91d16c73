import { InvalidSearchOptionError } from './errors/invalid-search-option-error';
import { RandomSource } from './random-source';
import { SearchSession } from './search-session';
import type { SearchInput, SearchResult, SearchStrategy } from './strategy';

export interface RandomOptions {
  /** Configs drawn (uniformly, without replacement) and measured per batch size. */
  budget: number;
  /** Seed of the draws (default 0). */
  seed?: number;
  /** Repeats per measurement (default 10). */
  repeats?: number;
}

/** The baseline: at each batch size, measure `budget` random candidates and keep the fastest. */
export function randomStrategy(options: RandomOptions): SearchStrategy {
  if (!Number.isInteger(options.budget) || options.budget < 1) {
    throw new InvalidSearchOptionError(`--budget ${options.budget}: must be a positive integer (configs measured per batch size); pass e.g. --budget 100`);
  }
  const repeats = options.repeats ?? 10;
  return {
    name: 'random',
    async search({ batchSizes, candidates, oracle }: SearchInput): Promise<SearchResult> {
      const random = new RandomSource(options.seed ?? 0);
      const session = new SearchSession(oracle);
      const rows = [];
      for (const M of batchSizes) {
        const batch = session.batch(M);
        for (const config of random.sample(candidates, options.budget)) await batch.measure(config, repeats);
        rows.push(batch.result(batch.ranked()[0]?.config ?? null));
      }
      return { strategy: 'random', rows, compiled: session.compiled };
    },
  };
}
