import { SearchSession } from './search-session';
import type { SearchInput, SearchResult, SearchStrategy } from './strategy';

export interface ExhaustiveOptions {
  /** Repeats per measurement (default 10, as the engines' tuners replay their graphs). */
  repeats?: number;
}

/** The ground truth: compiles every candidate and measures each one at every batch size. */
export function exhaustiveStrategy(options: ExhaustiveOptions = {}): SearchStrategy {
  const repeats = options.repeats ?? 10;
  return {
    name: 'exhaustive',
    async search({ batchSizes, candidates, oracle }: SearchInput): Promise<SearchResult> {
      const session = new SearchSession(oracle);
      const ok = await Promise.all(candidates.map((c) => session.compile(c)));
      const compiled = candidates.filter((_, i) => ok[i]);
      const rows = [];
      for (const M of batchSizes) {
        const batch = session.batch(M);
        // All at once: a GPU run spreads them over its GPUs (recorded in this order).
        await batch.measureMany(compiled, repeats);
        rows.push(batch.result(batch.ranked()[0]?.config ?? null));
      }
      return { strategy: 'exhaustive', rows, compiled: session.compiled };
    },
  };
}
