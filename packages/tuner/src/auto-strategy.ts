import type { BatchSession } from './batch-session';
import { CandidateGrid, familyKey, WITHIN_FAMILY_PARAMS } from './candidate-grid';
import { InvalidSearchOptionError } from './errors/invalid-search-option-error';
import { TILE_CONFIG_FIELDS, tileConfigKey, type TileConfig } from '@moe/engine-facts';
import { SearchSession } from './search-session';
import type { SearchInput, SearchResult, SearchStrategy } from './strategy';

export interface AutoOptions {
  /**
   * New (batch size, config) pairs measured over the whole run, as a fraction of (batch sizes x
   * compilable candidates) (default 0.075). Batch sizes that need few leave more to the rest.
   */
  measureFraction?: number;
  /**
   * First pass: a batch size that screens every family (the first one, and any after a jump in M)
   * plans this multiple of the average share (default 1.25)...
   */
  fullScreenShare?: number;
  /** ...the others this multiple (default 0.75); the rest of the budget goes to a second pass. */
  baseShare?: number;
  /** Repeats of a first measurement (screening and local search; default 2). */
  screenRepeats?: number;
  /** Repeats of a first measurement around the winner (polish; default 4). */
  polishRepeats?: number;
  /** Successive halving: keep the n best, top them up to r repeats; in order (default 24@8, 8@32, 3@128). */
  halving?: readonly (readonly [keep: number, repeats: number])[];
  /**
   * A halving top-up stops early for a config whose time is already known to this relative
   * standard error (default 0.002, 0.2%), when the oracle measures spread (Oracle.relativeSpread;
   * a GPU does, a table replay does not): at small M, where a replay's noise is ~0.5%, 12 or so
   * repeats reach it and the 32- and 128-repeat stages are not needed; at large M the noise is
   * 1-3% and the stages run to their repeats as before. 0: always the stage's repeats.
   */
  halvingPrecision?: number;
  /** Families refined: those within this factor of the best screened family (default 1.06)... */
  familyTolerance?: number;
  /** ...at least this many (default 2)... */
  minFamilies?: number;
  /** ...at most this many (default 6). */
  maxFamilies?: number;
  /** The families screened at the next batch size: the best this many at the previous one (default 10)... */
  liveFamilies?: number;
  /** ...and the families one tile step from the best this many (default 3). */
  liveNeighbours?: number;
  /** The previous batch size's best configs measured first at the next one (default 4). */
  carryOver?: number;
  /** Screen every family again when M changes by more than this factor from the previous batch size (default 2.5). */
  rescreenJump?: number;
  /** Families screened with an untuned start config and within this factor of the best (default 1.15)... */
  probeTolerance?: number;
  /** ...have their other stage counts measured, at most this many families (default 8). */
  probeFamilies?: number;
  /** Coordinate-descent rounds per refined family (default 3). */
  descentRounds?: number;
  /** Rounds of polishing the winner's one-parameter neighbourhood (default 2). */
  polishRounds?: number;
  /** The leading family is measured in full when the runner-up family is this much slower (default 1.02). */
  leadMargin?: number;
  /** Share of a batch size's budget kept from coordinate descent for the leading family and the polish (default 0.3). */
  reserveFraction?: number;
  /** Coordinate descent moves GROUP_SIZE_M / warps / stages only (default) or all six parameters. */
  descentParams?: 'within' | 'all';
  /** The polish measures the one-parameter neighbourhoods of at most this many contenders (default 8)... */
  polishTop?: number;
  /** ...the configs within this fraction of the winner's estimate (default 0.02). */
  contenderTolerance?: number;
  /** Configs a batch size may measure past its budget to finish the winner's neighbourhood (default 8). */
  overdraft?: number;
  /**
   * A batch size may always measure this many configs, even past the run's budget (default
   * AUTO_MIN_PER_BATCH = 12: a small space has no 7.5% to speak of). A run whose budget is below
   * it per batch size should lower it, to keep that budget on average.
   */
  minPerBatch?: number;
  /** Batch sizes in increasing order (default) or decreasing. */
  order?: 'descending' | 'ascending';
  /**
   * A batch size that screened every family had nothing to carry over from (the first of the
   * run, or one after a jump in M). Once the batch size after it has run, its best this many
   * configs are measured back at it, and their neighbourhoods polished (default 6; 0: off)...
   */
  backfill?: number;
  /**
   * ...and its best families refined again (one coordinate-descent round each, from their best),
   * within this multiple of the average share: the first batch size of the run (default 0.75)...
   */
  backfillShare?: number;
  /** ...a batch size after a jump in M (default 0.4). */
  backfillJumpShare?: number;
  /** Families refined again there (default 4). */
  backfillFamilies?: number;
}

const DEFAULTS: Required<AutoOptions> = {
  measureFraction: 0.075,
  fullScreenShare: 1.25,
  baseShare: 0.75,
  screenRepeats: 2,
  polishRepeats: 4,
  halving: [
    [24, 8],
    [8, 32],
    [3, 128],
  ],
  halvingPrecision: 0.002,
  familyTolerance: 1.06,
  minFamilies: 2,
  maxFamilies: 6,
  liveFamilies: 10,
  liveNeighbours: 3,
  carryOver: 4,
  rescreenJump: 2.5,
  descentRounds: 3,
  probeTolerance: 1.15,
  probeFamilies: 8,
  polishRounds: 2,
  leadMargin: 1.02,
  reserveFraction: 0.3,
  order: 'ascending',
  overdraft: 8,
  minPerBatch: 12,
  descentParams: 'within',
  polishTop: 8,
  contenderTolerance: 0.02,
  backfill: 6,
  backfillShare: 0.75,
  backfillJumpShare: 0.4,
  backfillFamilies: 4,
};

/** The default of AutoOptions.minPerBatch. */
export const AUTO_MIN_PER_BATCH = DEFAULTS.minPerBatch;

/** Attempts at one batch size after which a batch size where nothing ran is given up. */
const GIVE_UP_AFTER = 16;

/**
 * The default strategy (see SEARCH.md). Batch sizes one after another; at each: measure what won
 * at the previous one, screen one config per live tile family, probe the stages of families
 * screened untuned, refine the best families by coordinate descent over GROUP_SIZE_M / warps /
 * stages, pick the winner by successive halving (more repeats for fewer survivors), measure the
 * leading family in full when it leads clearly, and polish the neighbourhoods of the configs
 * close to the winner. A second pass spends what is left of the budget on the batch sizes with
 * the most close contenders.
 */
export function autoStrategy(options: AutoOptions = {}): SearchStrategy {
  const o = { ...DEFAULTS, ...options };
  if (!(o.measureFraction > 0 && o.measureFraction <= 1)) {
    throw new InvalidSearchOptionError(
      `measured fraction ${o.measureFraction}: must be above 0 and at most 1 (a \`budget\` of at least 1 and at most the number of candidates); pass e.g. \`budget\` 100`,
    );
  }
  if (!(o.halvingPrecision >= 0 && o.halvingPrecision < 1)) {
    throw new InvalidSearchOptionError(`halvingPrecision ${o.halvingPrecision}: must be a relative standard error from 0 (always the stage's repeats) to below 1; pass e.g. \`halvingPrecision\` 0.002`);
  }
  return {
    name: 'auto',
    async search({ batchSizes, candidates, oracle }: SearchInput): Promise<SearchResult> {
      const grid = new CandidateGrid(candidates);
      const session = new SearchSession(oracle);
      // Per family, its best config at the last batch size that measured it, and that batch size.
      const incumbent = new Map<string, TileConfig>();
      const incumbentM = new Map<string, number>();
      // Families by their best estimate at the previous batch size, best first.
      let familyOrder: string[] = [];
      let lastGoodM: number | undefined;
      let carried: TileConfig[] = [];
      const order = [...new Set(batchSizes)].sort((a, b) => (o.order === 'descending' ? b - a : a - b));
      const batches = new Map<number, { batch: BatchSession; winner: TileConfig | null; fullScreen: boolean }>();
      let spent = 0;
      const full = order.map((M, i) => i === 0 || Math.max(M / order[i - 1]!, order[i - 1]! / M) > o.rescreenJump);
      const planned = full.map((f) => (f ? o.fullScreenShare : o.baseShare));
      const scale = Math.min(1, order.length / planned.reduce((a, b) => a + b, 0));
      const share = () => {
        const tried = session.compiled.length;
        const okRate = (tried - session.compileFailures + 1) / (tried + 1);
        return o.measureFraction * candidates.length * okRate;
      };

      // Pass 1: every batch size in turn, each with about its share of the budget.
      for (const [i, M] of order.entries()) {
        const batch = session.batch(M);
        // What the batch sizes after this one are sure to measure.
        const later = (order.length - 1 - i) * o.minPerBatch;
        const jump = lastGoodM === undefined ? Infinity : Math.max(M / lastGoodM, lastGoodM / M);
        const fullScreen = jump > o.rescreenJump || familyOrder.length === 0;
        const s = share();
        // This batch size's share, within what the run has left once the later ones have their minimum.
        const planned = (fullScreen ? o.fullScreenShare : o.baseShare) * scale * s;
        const budget = Math.max(o.minPerBatch, Math.floor(Math.min(planned, s * order.length - spent - later)));
        const tryNew = probe(batch, session, budget);
        const tryAll = probeMany(batch, session, budget);
        // Kept for steps 5-7, but never all of it: a budget of one config still screens one.
        const reserve = Math.min(Math.ceil(o.reserveFraction * budget), budget - 1);

        // Steps 1-2 (SEARCH.md): what won at the previous batch size, then one config per live family.
        await tryAll(carried, o.screenRepeats);
        const screened = new Map<string, number>();
        const untuned = new Set<string>();
        // A full screen goes through the families in the previous batch size's order (best
        // first), so that a tight budget cuts the least promising.
        const all = [...familyOrder, ...[...grid.families.keys()].filter((f) => !familyOrder.includes(f))];
        const screen = fullScreen ? all : liveFamilies(grid, familyOrder, o);
        // The screen goes one family at a time (a new family starts from the best so far); a GPU
        // starts compiling the likely starts now, so that compiling overlaps the timing.
        oracle.prefetch?.(
          screen.flatMap((family) => {
            const known = incumbentM.get(family) === lastGoodM ? incumbent.get(family) : undefined;
            return known ? [known] : grid.familyStarts(family, batch.ranked()[0]?.config);
          }),
          M,
        );
        for (const family of screen) {
          const fresh = incumbentM.get(family) === lastGoodM;
          const known = fresh ? incumbent.get(family) : undefined;
          if (!known || fullScreen) untuned.add(family);
          const like = batch.ranked()[0]?.config;
          for (const rep of known ? [known] : grid.familyStarts(family, like)) {
            const us = await tryNew(rep, o.screenRepeats, budget - reserve);
            if (us !== undefined && us < (screened.get(family) ?? Infinity)) screened.set(family, us);
          }
        }
        if (batch.size === 0) {
          batches.set(M, { batch, winner: null, fullScreen });
          spent += batch.tried;
          continue;
        }
        for (const m of batch.ranked()) {
          const f = familyKey(m.config);
          if (!screened.has(f) || m.us < screened.get(f)!) screened.set(f, m.us);
        }
        let bestScreen = Math.min(...screened.values());

        // Step 3: a family screened with a start config (not its tuned best) may be misjudged by
        // its stages: the promising ones get their other stage counts measured before choosing.
        const probed = [...untuned]
          .filter((f) => (screened.get(f) ?? Infinity) <= o.probeTolerance * bestScreen)
          .sort((a, b) => screened.get(a)! - screened.get(b)!)
          .slice(0, o.probeFamilies);
        const stageMoves = probed.map((family) => {
          const at = bestOfFamily(batch, family);
          return { family, moves: at ? grid.neighbours(at, ['num_stages']) : [] };
        });
        await tryAll(stageMoves.flatMap((s) => s.moves), o.screenRepeats, budget - reserve);
        for (const { family, moves } of stageMoves) {
          for (const c of moves) {
            const us = batch.estimate(c);
            if (us !== undefined && us < screened.get(family)!) screened.set(family, us);
          }
        }
        bestScreen = Math.min(...screened.values());

        // Step 4: coordinate descent over GROUP_SIZE_M, warps and stages in the best families.
        const ranked = [...screened.keys()].sort((a, b) => screened.get(a)! - screened.get(b)!);
        let refine = ranked.filter((f) => screened.get(f)! <= o.familyTolerance * bestScreen).slice(0, o.maxFamilies);
        if (refine.length < o.minFamilies) refine = ranked.slice(0, o.minFamilies);
        // Round-robin, one round per family at a time, so that a tight budget still gives every
        // refined family its first round.
        const current = new Map(refine.map((f) => [f, bestOfFamily(batch, f) ?? incumbent.get(f) ?? grid.familyStart(f, batch.ranked()[0]?.config)!]));
        // A round's moves of every family are measured at once; a family whose turn would come
        // after the budget ran out (one by one, it would not be reached) is left as it is.
        for (let round = 0; round < o.descentRounds && current.size > 0; round++) {
          const cap = budget - reserve;
          const moves = [...current].map(([family, at]) => ({
            family,
            at,
            around: grid.neighbours(at, o.descentParams === 'all' ? TILE_CONFIG_FIELDS : WITHIN_FAMILY_PARAMS),
          }));
          const before = new Set(moves.flatMap((m) => m.around).filter((c) => batch.has(c)).map(tileConfigKey));
          const triedBefore = batch.tried;
          await tryAll(moves.flatMap((m) => m.around), o.screenRepeats, cap);
          const counted = new Set<string>();
          let tried = triedBefore;
          for (const { family, at, around } of moves) {
            if (tried >= cap) break;
            for (const c of around) {
              const k = tileConfigKey(c);
              if (!before.has(k) && !counted.has(k) && batch.has(c)) {
                counted.add(k);
                tried += 1;
              }
            }
            const next = fastest(batch, [at, ...around]);
            if (!next || tileConfigKey(next) === tileConfigKey(at)) current.delete(family);
            else current.set(family, next);
          }
        }

        // Step 5: successive halving, then the winner's neighbourhood (all six parameters).
        let winner = await halve(batch, o);
        await tryAll(grid.tileNeighbours(winner), o.polishRepeats);
        winner = await halve(batch, o);

        // Step 6: when one family leads clearly, measure all of it: GROUP_SIZE_M, warps and stages
        // interact, and a narrow optimum inside the leading family is the common case at large M.
        const lead = familyKey(winner);
        const runnerUp = Math.min(...batch.ranked().filter((m) => familyKey(m.config) !== lead).map((m) => m.us));
        if (runnerUp >= o.leadMargin * batch.estimate(winner)!) {
          const members = [...(grid.families.get(lead) ?? [])].sort((a, b) => withinDistance(a, winner) - withinDistance(b, winner));
          await tryAll(members, o.screenRepeats);
        }

        // Step 7: polish the contenders' neighbourhoods.
        winner = await polish(batch, grid, await halve(batch, o), tryAll, o);

        // The final winner's one-parameter neighbours are always measured, a few past this batch
        // size's budget if need be while the run's total allows, less what the later batch sizes
        // are sure to measure (they get less).
        const overdraft = Math.max(0, Math.min(o.overdraft, Math.floor(share() * order.length) - spent - budget - later));
        const unseen = grid.neighbours(winner).filter((c) => !batch.has(c));
        if (unseen.length > 0 && overdraft > 0) {
          await probeMany(batch, session, budget + overdraft)(unseen, o.polishRepeats);
          winner = await halve(batch, o);
        }

        // What the next batch size starts from.
        const measured = batch.ranked();
        for (const m of [...measured].reverse()) {
          incumbent.set(familyKey(m.config), m.config);
          incumbentM.set(familyKey(m.config), M);
        }
        familyOrder = [...new Set(measured.map((m) => familyKey(m.config)))];
        lastGoodM = M;
        carried = measured.slice(0, o.carryOver).map((m) => m.config);
        spent += batch.tried;
        batches.set(M, { batch, winner, fullScreen });
      }

      // Pass 1b (SEARCH.md, step 8): a batch size that screened every family, with nothing to carry
      // over from (the first of the run, or one after a jump in M), is looked at again once the
      // rest of pass 1 has run: the best configs of the batch size after it are measured back
      // here, its best families get another round of coordinate descent from their best, and the
      // contenders' neighbourhoods are polished. Pass 1's choices (and what they carried over) are
      // as they were; only this batch size's choice can improve, with more measured behind it.
      for (const [i, M] of order.entries()) {
        const b = batches.get(M)!;
        if (o.backfill <= 0 || !b.fullScreen || b.winner === null) continue;
        const room = Math.floor(Math.min((i === 0 ? o.backfillShare : o.backfillJumpShare) * share(), share() * order.length - spent));
        if (room < 1) continue;
        const before = b.batch.tried;
        const back = probeMany(b.batch, session, before + room);
        const nextM = order[i + 1];
        const next = nextM === undefined ? undefined : batches.get(nextM);
        if (next && next.winner !== null && Math.max(nextM! / M, M / nextM!) <= o.rescreenJump) {
          await back(next.batch.ranked().slice(0, o.backfill).map((m) => m.config), o.screenRepeats);
        }
        const families = [...new Set(b.batch.ranked().map((m) => familyKey(m.config)))].slice(0, o.backfillFamilies);
        const starts = families.map((f) => bestOfFamily(b.batch, f)!);
        await back(starts.flatMap((c) => grid.neighbours(c, WITHIN_FAMILY_PARAMS)), o.screenRepeats);
        if (b.batch.tried === before) continue;
        b.winner = await polish(b.batch, grid, await halve(b.batch, o), back, o);
        spent += b.batch.tried - before;
      }

      // Pass 2: what is left of the budget goes to the batch sizes with the most contenders
      // (flat plateaus, where the winner is least certain), for more polishing.
      const uncertain = [...batches.values()]
        .filter((b) => b.winner !== null)
        .map((b) => ({ b, n: contenders(b.batch, b.winner!, o).length }))
        .filter((x) => x.n > 1)
        .sort((x, y) => y.n - x.n);
      for (const [i, { b }] of uncertain.entries()) {
        const left = Math.floor(share() * order.length) - spent;
        const extra = Math.floor(left / (uncertain.length - i));
        if (extra < 1) break;
        const before = b.batch.tried;
        b.winner = await polish(b.batch, grid, b.winner!, probeMany(b.batch, session, before + extra), o);
        spent += b.batch.tried - before;
      }

      return {
        strategy: 'auto',
        rows: batchSizes.map((M) => {
          const b = batches.get(M)!;
          return b.batch.result(b.winner);
        }),
        compiled: session.compiled,
      };
    },
  };
}

type Probe = (config: TileConfig, repeats: number, cap?: number) => Promise<number | undefined>;
type ProbeMany = (configs: readonly TileConfig[], repeats: number, cap?: number) => Promise<void>;

/** Measures a config not yet measured at this batch size while fewer than `budget` configs were tried. */
function probe(batch: BatchSession, session: SearchSession, budget: number): Probe {
  return async (config, repeats, cap = budget) => {
    if (batch.has(config)) return batch.estimate(config);
    if (batch.tried >= Math.min(cap, budget) || session.knownFailure(config)) return undefined;
    if (batch.size === 0 && batch.tried >= GIVE_UP_AFTER) return undefined;
    return batch.measure(config, repeats);
  };
}

/**
 * Measures, in order, the configs of a list not yet measured at this batch size while fewer than
 * `budget` (or `cap`) configs were tried, exactly as `probe` one by one would choose them, but
 * at once: the compiles of the next configs run together (a config that fails to compile does
 * not count, and the next one takes its place), then their measurements (spread over the GPUs).
 */
function probeMany(batch: BatchSession, session: SearchSession, budget: number): ProbeMany {
  return async (configs, repeats, cap = budget) => {
    const seen = new Set<string>();
    const todo = configs.filter((c) => {
      const k = tileConfigKey(c);
      if (seen.has(k) || batch.has(c)) return false;
      seen.add(k);
      return true;
    });
    let next = 0;
    while (next < todo.length) {
      const room = Math.min(cap, budget) - batch.tried;
      // With nothing measured yet, one by one would stop at GIVE_UP_AFTER attempts.
      const want = batch.size === 0 ? Math.min(room, GIVE_UP_AFTER - batch.tried) : room;
      if (want <= 0) return;
      const chosen: TileConfig[] = [];
      while (chosen.length < want && next < todo.length) {
        const wave = todo.slice(next, next + want - chosen.length).filter((c) => !session.knownFailure(c));
        next += Math.min(todo.length - next, want - chosen.length);
        const ok = await Promise.all(wave.map((c) => session.compile(c, batch.M)));
        wave.forEach((c, i) => {
          if (ok[i]) chosen.push(c);
        });
      }
      await batch.measureMany(chosen, repeats);
    }
  };
}

/** The configs within `contenderTolerance` of the winner's estimate, best first (at most polishTop). */
function contenders(batch: BatchSession, winner: TileConfig, o: Required<AutoOptions>): TileConfig[] {
  const limit = (1 + o.contenderTolerance) * batch.estimate(winner)!;
  const near = batch.ranked().filter((m) => m.us <= limit).map((m) => m.config);
  return [winner, ...near.filter((c) => tileConfigKey(c) !== tileConfigKey(winner))].slice(0, o.polishTop);
}

/**
 * Measures the one-parameter neighbourhoods (all six parameters) of the contenders, then halves
 * again; a sharp optimum has few contenders and costs little, a flat plateau has many.
 */
async function polish(batch: BatchSession, grid: CandidateGrid, winner: TileConfig, tryAll: ProbeMany, o: Required<AutoOptions>): Promise<TileConfig> {
  for (let round = 0; round < o.polishRounds; round++) {
    const fresh = contenders(batch, winner, o)
      .flatMap((c) => grid.tileNeighbours(c))
      .filter((c) => !batch.has(c));
    if (fresh.length === 0) break;
    const before = batch.tried;
    await tryAll(fresh, o.polishRepeats);
    if (batch.tried === before) break;
    winner = await halve(batch, o);
  }
  return winner;
}

/** The best families of the previous batch size, and the tile neighbours of the very best. */
function liveFamilies(grid: CandidateGrid, familyOrder: readonly string[], o: Required<AutoOptions>): string[] {
  const live = new Set(familyOrder.slice(0, o.liveFamilies));
  for (const family of familyOrder.slice(0, o.liveNeighbours)) for (const f of grid.adjacentFamilies(family)) live.add(f);
  return [...live];
}

/** How many within-family parameters differ, for the order of measuring a family. */
function withinDistance(a: TileConfig, b: TileConfig): number {
  let d = 0;
  for (const p of WITHIN_FAMILY_PARAMS) if (a[p] !== b[p]) d += 1;
  return d;
}

function bestOfFamily(batch: BatchSession, family: string): TileConfig | undefined {
  return batch.ranked().find((m) => familyKey(m.config) === family)?.config;
}

function fastest(batch: BatchSession, configs: readonly TileConfig[]): TileConfig | undefined {
  let best: TileConfig | undefined;
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

async function halve(batch: BatchSession, o: Required<AutoOptions>): Promise<TileConfig> {
  let pool = batch.ranked().map((m) => m.config);
  const precision = o.halvingPrecision > 0 ? o.halvingPrecision : undefined;
  for (const [keep, repeats] of o.halving) {
    pool = pool.slice(0, keep);
    await batch.topUpMany(pool, repeats, precision);
    pool.sort((a, b) => (batch.estimate(a) ?? Infinity) - (batch.estimate(b) ?? Infinity));
  }
  return pool[0]!;
}
