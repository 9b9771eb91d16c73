import { InvalidSearchOptionError } from './errors/invalid-search-option-error';
import { RandomSource } from './random-source';
import { SearchSession } from './search-session';
import { checkSeed } from './seed';
import type { SearchInput, SearchResult, SearchStrategy } from './strategy';

export interface RandomOptions {
  /**
   * Configs measured per batch size, drawn uniformly without replacement; a draw that fails to
   * compile is skipped (compiled, but not measured) and does not count.
   */
  budget: number;
  /** Seed of the draws, 0 to MAX_SEED (default 0); their stream is independent of a replay's noise of the same seed. */
  seed?: number;
  /** Repeats per measurement (default 10). */
  repeats?: number;
}

/** The stream of RandomSource.stream the draws use (the replay's noise uses the seed's own). */
const DRAW_STREAM = 1;

/** The baseline: at each batch size, measure `budget` random candidates and keep the fastest. */
export function randomStrategy(options: RandomOptions): SearchStrategy {
  if (!Number.isInteger(options.budget) || options.budget < 1) {
    throw new InvalidSearchOptionError(`\`budget\` ${options.budget}: must be a positive integer (configs measured per batch size); pass e.g. \`budget\` 100`);
  }
  const seed = checkSeed(options.seed ?? 0);
  const repeats = options.repeats ?? 10;
  return {
    name: 'random',
    async search({ batchSizes, candidates, oracle }: SearchInput): Promise<SearchResult> {
      const random = RandomSource.stream(seed, DRAW_STREAM);
      const session = new SearchSession(oracle);
      const rows = [];
      for (const M of batchSizes) {
        const batch = session.batch(M);
        for (const config of random.shuffled(candidates)) {
          if (batch.tried >= options.budget) break;
          await batch.measure(config, repeats);
        }
        rows.push(batch.result(batch.ranked()[0]?.config ?? null));
      }
      return { strategy: 'random', rows, compiled: session.compiled };
    },
  };
}
