import type { BatchSession } from './batch-session';
import { CandidateGrid, familyKey, WITHIN_FAMILY_PARAMS } from './candidate-grid';
import { configKey, type KernelConfig } from './kernel-config';
import { SearchSession } from './search-session';
import type { BatchResult, SearchInput, SearchResult, SearchStrategy } from './strategy';

export interface AutoOptions {
  /** New (batch size, config) pairs measured per batch size, as a fraction of the compilable candidates (default 0.07). */
  measureFraction?: number;
  /** Repeats of a first measurement (screening and local search; default 2). */
  screenRepeats?: number;
  /** Repeats of a first measurement around the winner (polish; default 4). */
  polishRepeats?: number;
  /** Successive halving: keep the n best, top them up to r repeats; in order (default 16@8, 6@32, 3@128). */
  halving?: readonly (readonly [keep: number, repeats: number])[];
  /** Families refined: those within this factor of the best screened family (default 1.06)... */
  familyTolerance?: number;
  /** ...at least this many (default 2)... */
  minFamilies?: number;
  /** ...at most this many (default 5). */
  maxFamilies?: number;
  /** A family is screened again at the next batch size if it was within this factor (default 1.35)... */
  aliveRatio?: number;
  /** ...or is one tile step from a family within this factor (default 1.1). */
  neighbourRatio?: number;
  /** The previous batch size's best configs measured first at the next one (default 4). */
  carryOver?: number;
  /** Screen every family again when M grows by more than this factor from the previous batch size (default 2.5). */
  rescreenJump?: number;
  /** Coordinate-descent rounds per refined family (default 3). */
  descentRounds?: number;
  /** Rounds of polishing the winner's one-parameter neighbourhood (default 2). */
  polishRounds?: number;
  /** Share of a batch size's budget kept from coordinate descent for the leading family and the polish (default 0.35). */
  reserveFraction?: number;
}

const DEFAULTS: Required<AutoOptions> = {
  measureFraction: 0.07,
  screenRepeats: 2,
  polishRepeats: 4,
  halving: [
    [16, 8],
    [6, 32],
    [3, 128],
  ],
  familyTolerance: 1.06,
  minFamilies: 2,
  maxFamilies: 5,
  aliveRatio: 1.35,
  neighbourRatio: 1.1,
  carryOver: 4,
  rescreenJump: 2.5,
  descentRounds: 3,
  polishRounds: 2,
  reserveFraction: 0.35,
};

/** Attempts at one batch size after which a batch size where nothing ran is given up. */
const GIVE_UP_AFTER = 16;

/**
 * The default strategy (see SEARCH.md): batch sizes in increasing order; at each, screen one
 * config per live tile family (reusing what the previous batch size learnt), refine the best
 * families by coordinate descent over GROUP_SIZE_M / warps / stages, pick the winner by successive
 * halving with more repeats for fewer survivors, then polish its one-parameter neighbourhood.
 */
export function autoStrategy(options: AutoOptions = {}): SearchStrategy {
  const o = { ...DEFAULTS, ...options };
  return {
    name: 'auto',
    async search({ batchSizes, candidates, oracle }: SearchInput): Promise<SearchResult> {
      const grid = new CandidateGrid(candidates);
      const session = new SearchSession(oracle);
      const incumbent = new Map<string, KernelConfig>();
      const familyRatio = new Map<string, number>();
      let carried: KernelConfig[] = [];
      let previousM: number | undefined;
      const byM = new Map<number, BatchResult>();

      for (const M of [...new Set(batchSizes)].sort((a, b) => a - b)) {
        const batch = session.batch(M);
        const tried = session.compiled.length;
        const okRate = (tried - session.compileFailures + 1) / (tried + 1);
        const budget = Math.max(1, Math.floor(o.measureFraction * candidates.length * okRate));
        const hopeless = () => batch.size === 0 && batch.tried >= GIVE_UP_AFTER;
        const tryNew = async (config: KernelConfig, repeats: number): Promise<number | undefined> => {
          if (batch.has(config)) return batch.estimate(config);
          if (batch.tried >= budget || session.knownFailure(config) || hopeless()) return undefined;
          return batch.measure(config, repeats);
        };

        // 1. What the previous batch size found best, then one config per live family.
        for (const config of carried) await tryNew(config, o.screenRepeats);
        const fullScreen = previousM === undefined || M / previousM > o.rescreenJump || familyRatio.size === 0;
        const screened = new Map<string, number>();
        for (const family of liveFamilies(grid, familyRatio, fullScreen, o)) {
          const rep = incumbent.get(family) ?? grid.familyStart(family);
          if (!rep) continue;
          const us = await tryNew(rep, o.screenRepeats);
          if (us !== undefined) screened.set(family, us);
        }
        if (batch.size === 0) {
          byM.set(M, batch.result(null));
          continue;
        }
        const bestScreen = Math.min(...screened.values());
        for (const [family, us] of screened) familyRatio.set(family, us / bestScreen);

        // 2. Coordinate descent over GROUP_SIZE_M, warps and stages in the best families,
        // keeping a reserve of the budget for steps 3 and 4.
        const ranked = [...screened.keys()].sort((a, b) => screened.get(a)! - screened.get(b)!);
        let refine = ranked.filter((f) => screened.get(f)! <= o.familyTolerance * bestScreen).slice(0, o.maxFamilies);
        if (refine.length < o.minFamilies) refine = ranked.slice(0, o.minFamilies);
        const descentBudget = budget - Math.ceil(o.reserveFraction * budget);
        for (const family of refine) {
          let current = incumbent.get(family) ?? grid.familyStart(family)!;
          for (let round = 0; round < o.descentRounds && batch.tried < descentBudget; round++) {
            const around = grid.neighbours(current, WITHIN_FAMILY_PARAMS);
            for (const c of around) if (batch.tried < descentBudget) await tryNew(c, o.screenRepeats);
            const next = fastest(batch, [current, ...around]);
            if (!next || configKey(next) === configKey(current)) break;
            current = next;
          }
        }

        // 3. The leading family (after a first halving) is measured in full: GROUP_SIZE_M,
        // warps and stages interact, and a narrow optimum inside it is the common case at large M.
        let winner = await halve(batch, o.halving.slice(0, -1));
        const members = grid.families.get(familyKey(winner)) ?? [];
        const order = [...members].sort((a, b) => withinDistance(a, winner) - withinDistance(b, winner));
        for (const c of order) await tryNew(c, o.screenRepeats);

        // 4. Successive halving, then polish the winner's neighbourhood (all six parameters).
        winner = await halve(batch, o.halving);
        for (let round = 0; round < o.polishRounds; round++) {
          const fresh = grid.neighbours(winner).filter((c) => !batch.has(c));
          if (fresh.length === 0 || batch.tried >= budget) break;
          for (const c of fresh) await tryNew(c, o.polishRepeats);
          const next = await halve(batch, o.halving);
          if (configKey(next) === configKey(winner)) break;
          winner = next;
        }

        // 5. What the next batch size starts from.
        const measured = batch.ranked();
        for (const m of [...measured].reverse()) incumbent.set(familyKey(m.config), m.config);
        carried = measured.slice(0, o.carryOver).map((m) => m.config);
        previousM = M;
        byM.set(M, batch.result(winner));
      }
      return {
        strategy: 'auto',
        rows: batchSizes.map((M) => byM.get(M)!),
        compiled: session.compiled,
      };
    },
  };
}

function liveFamilies(grid: CandidateGrid, ratio: ReadonlyMap<string, number>, all: boolean, o: Required<AutoOptions>): string[] {
  if (all) return [...grid.families.keys()];
  const live = new Set<string>();
  for (const family of grid.families.keys()) {
    const r = ratio.get(family);
    if (r !== undefined && r <= o.aliveRatio) live.add(family);
  }
  for (const [family, r] of ratio) {
    if (r <= o.neighbourRatio) for (const f of grid.adjacentFamilies(family)) live.add(f);
  }
  return [...grid.families.keys()].filter((f) => live.has(f));
}

/** How far a config of the same family is from another, for the order of measuring the family. */
function withinDistance(a: KernelConfig, b: KernelConfig): number {
  let d = 0;
  for (const p of WITHIN_FAMILY_PARAMS) if (a[p] !== b[p]) d += 1;
  return d;
}

function fastest(batch: BatchSession, configs: readonly KernelConfig[]): KernelConfig | undefined {
  let best: KernelConfig | undefined;
  let bestUs = Infinity;
  for (const c of configs) {
    const us = batch.estimate(c);
    if (us !== undefined && us < bestUs) {
      best = c;
      bestUs = us;
    }
  }
  return best;
}

async function halve(batch: BatchSession, schedule: Required<AutoOptions>['halving']): Promise<KernelConfig> {
  let pool = batch.ranked().map((m) => m.config);
  for (const [keep, repeats] of schedule) {
    pool = pool.slice(0, keep);
    for (const c of pool) await batch.topUp(c, repeats);
    pool.sort((a, b) => (batch.estimate(a) ?? Infinity) - (batch.estimate(b) ?? Infinity));
  }
  return pool[0]!;
}
