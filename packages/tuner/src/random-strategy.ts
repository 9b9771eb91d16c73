import { InvalidSearchOptionError } from './errors/invalid-search-option-error';
import { RandomSource } from './random-source';
import { SearchSession } from './search-session';
import { checkSeed } from './seed';
import type { SearchInput, SearchResult, SearchStrategy } from './strategy';
import type { TileConfig } from '@moe/engine-facts';

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
        // Draws in waves of what the budget still needs (a draw that fails to compile does not
        // count): the same draws and measurements as one at a time, measured together.
        const draws = random.shuffled(candidates);
        let exhausted = false;
        while (!exhausted && batch.tried < options.budget) {
          const wave: TileConfig[] = [];
          while (wave.length < options.budget - batch.tried) {
            const next = draws.next();
            if (next.done) {
              exhausted = true;
              break;
            }
            wave.push(next.value);
          }
          await batch.measureMany(wave.filter((c) => !batch.has(c)), repeats);
        }
        // The draws of a batch size end with the one that found the budget spent (so each seed's
        // draws stay those of the runs recorded in SEARCH.md).
        if (!exhausted) draws.next();
        rows.push(batch.result(batch.ranked()[0]?.config ?? null));
      }
      return { strategy: 'random', rows, compiled: session.compiled };
    },
  };
}
