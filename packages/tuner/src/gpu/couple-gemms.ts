// After the searches of the up and down GEMMs: per batch size, the configs the engine will run,
// coupled as each engine couples them (SEARCH.md, "Both GEMMs"), checked, and guarded against
// the engine's own default.
//
// SGLang: the up and the _down file, with one BLOCK_SIZE_M per batch size (the down GEMM runs on
// the up GEMM's alignment; SGLang forces the down entry's BLOCK_SIZE_M to the up entry's). For
// each BLOCK_SIZE_M among the best of either search, the best measured config of each GEMM with
// that BLOCK_SIZE_M; where a GEMM has none measured (its search never went there), a short
// coordinate descent with BLOCK_SIZE_M held fixed finds one, so every pair compared is two real
// measurements. The best pairs are measured again with many repeats; the pair of the up search's
// own BLOCK_SIZE_M stays unless another is faster beyond the measured spread.
//
// vLLM: one config for both GEMMs. The best configs of each search are measured on the other
// GEMM too; the one with the least up + down wins (same rule for a change of incumbent).
//
// Then every chosen config's output is checked against the reference (a config that fails is
// dropped and the choice made again), and the engine's default config is measured on both GEMMs:
// the tuned choice is written only when it is faster than the default beyond the spread; where it
// is not, the default itself is written (the engine then runs what it would have run).
import { defaultConfig, type DefaultConfigInput } from '@moe/config-store';
import { tileConfigKey, tileConfigOf, type Engine, type TileConfig } from '@moe/engine-facts';
import { CandidateGrid } from '../candidate-grid';
import type { GemmOracle } from './gemm-oracle';
import { fasterBeyondSpread, sumOf, type Estimate } from './trust';

export interface CoupleOptions {
  /** Repeats the contending pairs and the defaults are measured to (default 64). */
  finalRepeats?: number;
  /** Repeats of a first measurement in the fill-in descent and the cross measurements (default 8). */
  probeRepeats?: number;
  /** Measurements a fill-in descent may take per GEMM and BLOCK_SIZE_M (default 12). */
  fillBudget?: number;
  /** Pairs (or vLLM configs) measured again to finalRepeats (default 3). */
  finalists?: number;
  /** Run the engine's self-check in the checks (engine kernel). */
  engineSelfCheck?: boolean;
}

/** What an engine will run at one batch size, and why. */
export interface CoupledRow {
  M: number;
  engine: Engine;
  /** 'tuned': faster than the default beyond the spread; 'default': the engine's default kept. */
  source: 'tuned' | 'default';
  up: TileConfig;
  /** vLLM: the same as up. */
  down: TileConfig;
  /** The tuned pair (chosen before the guard), µs up + down, its spread. */
  tuned: { up: TileConfig; down: TileConfig; us: number; se: number } | null;
  /** The default pair, µs up + down (null when it could not be measured). */
  default: { config: TileConfig; us: number; se: number } | null;
  /** default µs / written µs (1 where the default is kept; null without a default time). */
  speedup: number | null;
  checks: string[];
  notes: string[];
}

export interface CoupleInput {
  M: number;
  engine: Engine;
  up: GemmOracle;
  down: GemmOracle;
  /** The up search's chosen config at M (the incumbent's BLOCK_SIZE_M / config), or null. */
  upWinner: TileConfig | null;
  downWinner: TileConfig | null;
  candidates: readonly TileConfig[];
  /** The default's inputs (E, dtype, block shape, top-k). */
  defaults: Omit<DefaultConfigInput, 'm'>;
}

const DEF = { finalRepeats: 64, probeRepeats: 8, fillBudget: 12, finalists: 3, engineSelfCheck: false };

async function topUp(o: GemmOracle, config: TileConfig, M: number, repeats: number): Promise<Estimate | null> {
  const have = o.repeatsOf(config, M);
  if (have < repeats && !o.failed(config)) await o.measure(config, M, repeats - have);
  return o.estimate(config, M);
}

function bestWithBm(o: GemmOracle, M: number, bm: number, excluded: Set<string>): { config: TileConfig; estimate: Estimate } | undefined {
  return o.ranked(M).find((r) => r.config.BLOCK_SIZE_M === bm && !excluded.has(tileConfigKey(r.config)));
}

/** Coordinate descent over every parameter but BLOCK_SIZE_M, from `start`, for at most `budget` new measurements. */
async function fixedBmDescent(o: GemmOracle, grid: CandidateGrid, M: number, start: TileConfig, budget: number, repeats: number): Promise<void> {
  let at = start;
  let spent = 0;
  if (grid.has(at) && o.repeatsOf(at, M) === 0 && !o.failed(at)) {
    await o.measure(at, M, repeats);
    spent += 1;
  }
  for (let round = 0; round < 4 && spent < budget; round++) {
    const moves = grid.neighbours(at, ['BLOCK_SIZE_N', 'BLOCK_SIZE_K', 'GROUP_SIZE_M', 'num_warps', 'num_stages']).filter((c) => o.repeatsOf(c, M) === 0 && !o.failed(c));
    const now = moves.slice(0, budget - spent);
    await Promise.all(now.map((c) => o.compile(c, M)));
    await Promise.all(now.map((c) => o.measure(c, M, repeats)));
    spent += now.length;
    const options = [at, ...grid.neighbours(at, ['BLOCK_SIZE_N', 'BLOCK_SIZE_K', 'GROUP_SIZE_M', 'num_warps', 'num_stages'])]
      .map((c) => ({ c, e: o.estimate(c, M) }))
      .filter((x): x is { c: TileConfig; e: Estimate } => x.e !== null)
      .sort((a, b) => a.e.median - b.e.median);
    const next = options[0]?.c;
    if (!next || tileConfigKey(next) === tileConfigKey(at)) break;
    at = next;
  }
}

/** The start of a fill-in descent: the GEMM's best config, moved to BLOCK_SIZE_M `bm` (the nearest candidate). */
function movedTo(grid: CandidateGrid, best: TileConfig, bm: number): TileConfig | null {
  const moved = { ...tileConfigOf(best), BLOCK_SIZE_M: bm };
  if (grid.has(moved)) return moved;
  const family = [...grid.candidates].filter((c) => c.BLOCK_SIZE_M === bm);
  if (family.length === 0) return null;
  const d = (c: TileConfig) =>
    Math.abs(Math.log2(c.BLOCK_SIZE_N / best.BLOCK_SIZE_N)) + Math.abs(Math.log2(c.BLOCK_SIZE_K / best.BLOCK_SIZE_K)) + Math.abs(c.num_stages - best.num_stages) + (c.num_warps === best.num_warps ? 0 : 1);
  return family.reduce((a, b) => (d(b) < d(a) ? b : a));
}

interface Pair {
  up: TileConfig;
  down: TileConfig;
  sum: Estimate;
}

async function chooseSglang(input: CoupleInput, grid: CandidateGrid, o: typeof DEF, excluded: { up: Set<string>; down: Set<string> }): Promise<Pair | null> {
  const { M, up, down } = input;
  const topBms = (g: GemmOracle, ex: Set<string>) =>
    g
      .ranked(M)
      .filter((r) => !ex.has(tileConfigKey(r.config)))
      .slice(0, 3)
      .map((r) => r.config.BLOCK_SIZE_M);
  const bms = [...new Set([...topBms(up, excluded.up), ...topBms(down, excluded.down)])].sort((a, b) => a - b);
  // Fill in: a BLOCK_SIZE_M one GEMM's search never measured gets a short descent there.
  for (const bm of bms) {
    for (const [g, ex] of [
      [up, excluded.up],
      [down, excluded.down],
    ] as const) {
      if (bestWithBm(g, M, bm, ex)) continue;
      const best = g.ranked(M).find((r) => !ex.has(tileConfigKey(r.config)));
      if (!best) continue;
      const start = movedTo(grid, best.config, bm);
      if (start) await fixedBmDescent(g, grid, M, start, o.fillBudget, o.probeRepeats);
    }
  }
  const pairs = (): Pair[] =>
    bms
      .map((bm) => ({ u: bestWithBm(up, M, bm, excluded.up), d: bestWithBm(down, M, bm, excluded.down) }))
      .filter((p): p is { u: NonNullable<typeof p.u>; d: NonNullable<typeof p.d> } => p.u !== undefined && p.d !== undefined)
      .map((p) => ({ up: p.u.config, down: p.d.config, sum: sumOf(p.u.estimate, p.d.estimate) }))
      .sort((a, b) => a.sum.median - b.sum.median);
  const finalists = pairs().slice(0, o.finalists);
  if (finalists.length === 0) return null;
  for (const p of finalists) await Promise.all([topUp(up, p.up, M, o.finalRepeats), topUp(down, p.down, M, o.finalRepeats)]);
  const ranked = pairs();
  const best = ranked[0]!;
  const bm = input.upWinner?.BLOCK_SIZE_M;
  const incumbent = ranked.find((p) => p.up.BLOCK_SIZE_M === bm) ?? best;
  return best === incumbent || fasterBeyondSpread(best.sum, incumbent.sum) ? best : incumbent;
}

async function chooseVllm(input: CoupleInput, o: typeof DEF, excluded: Set<string>): Promise<Pair | null> {
  const { M, up, down } = input;
  const seen = new Map<string, TileConfig>();
  for (const r of [...up.ranked(M).slice(0, 6), ...down.ranked(M).slice(0, 6)]) {
    const k = tileConfigKey(r.config);
    if (!excluded.has(k) && !seen.has(k)) seen.set(k, r.config);
  }
  const configs = [...seen.values()];
  // Each on both GEMMs.
  await Promise.all(configs.flatMap((c) => [up.compile(c, M), down.compile(c, M)]));
  await Promise.all(configs.map(async (c) => Promise.all([topUp(up, c, M, o.probeRepeats), topUp(down, c, M, o.probeRepeats)])));
  const scored = (): Pair[] =>
    configs
      .map((c) => ({ c, u: up.estimate(c, M), d: down.estimate(c, M) }))
      .filter((x): x is { c: TileConfig; u: Estimate; d: Estimate } => x.u !== null && x.d !== null)
      .map((x) => ({ up: x.c, down: x.c, sum: sumOf(x.u, x.d) }))
      .sort((a, b) => a.sum.median - b.sum.median);
  const finalists = scored().slice(0, o.finalists);
  if (finalists.length === 0) return null;
  for (const p of finalists) await Promise.all([topUp(up, p.up, M, o.finalRepeats), topUp(down, p.down, M, o.finalRepeats)]);
  const ranked = scored();
  const best = ranked[0]!;
  const incumbent = (input.upWinner && ranked.find((p) => tileConfigKey(p.up) === tileConfigKey(input.upWinner!))) || best;
  return best === incumbent || fasterBeyondSpread(best.sum, incumbent.sum) ? best : incumbent;
}

/** The row an engine gets at one batch size: coupled, checked, guarded. */
export async function coupleGemms(input: CoupleInput, options: CoupleOptions = {}): Promise<CoupledRow> {
  const o = { ...DEF, ...options };
  const { M, engine, up, down } = input;
  const grid = new CandidateGrid(input.candidates);
  const notes: string[] = [];
  const checks: string[] = [];
  const excluded = { up: new Set<string>(), down: new Set<string>() };
  const checked = new Map<string, { ok: boolean; summary: string }>();
  const check = async (g: GemmOracle, c: TileConfig) => {
    const k = `${g.gemm}|${tileConfigKey(c)}`;
    let r = checked.get(k);
    if (!r) {
      r = await g.check(c, M, o.engineSelfCheck);
      checked.set(k, r);
      checks.push(`${g.gemm} ${tileConfigKey(c)}: ${r.summary}`);
    }
    return r.ok;
  };
  // A config that fails its check takes its tile (BLOCK_SIZE_M/N/K) out at this M: the schedule
  // variants (GROUP_SIZE_M, warps, stages) of a tile compute the same sums in the same order, so a
  // wrong tile is wrong in all of them (block fp8 with a K step wider than the scale block, say).
  const tileOf = (c: TileConfig) => `${c.BLOCK_SIZE_M}/${c.BLOCK_SIZE_N}/${c.BLOCK_SIZE_K}`;
  const excludeTile = (set: Set<string>, c: TileConfig) => {
    set.add(tileConfigKey(c));
    for (const x of input.candidates) if (tileOf(x) === tileOf(c)) set.add(tileConfigKey(x));
  };
  let pair: Pair | null = null;
  for (let attempt = 0; attempt < 8; attempt++) {
    pair = engine === 'sglang' ? await chooseSglang(input, grid, o, excluded) : await chooseVllm(input, o, excluded.up);
    if (!pair) break;
    const [okUp, okDown] = [await check(up, pair.up), await check(down, pair.down)];
    if (okUp && okDown) break;
    if (!okUp) notes.push(`up ${tileConfigKey(pair.up)} failed its check against the reference: its tile ${tileOf(pair.up)} is not used`);
    if (!okDown) notes.push(`down ${tileConfigKey(pair.down)} failed its check against the reference: its tile ${tileOf(pair.down)} is not used`);
    if (!okUp) excludeTile(excluded.up, pair.up);
    if (!okDown) excludeTile(engine === 'sglang' ? excluded.down : excluded.up, pair.down);
    pair = null;
  }

  // The engine's own default at this M, on both GEMMs (one config for both, as the engine runs it without a file).
  const d = tileConfigOf(defaultConfig(engine, { ...input.defaults, m: M }).config);
  await Promise.all([up.compile(d, M), down.compile(d, M)]);
  const [du, dd] = await Promise.all([topUp(up, d, M, o.finalRepeats), topUp(down, d, M, o.finalRepeats)]);
  const def = du && dd ? { config: d, ...pick(sumOf(du, dd)) } : null;
  if (!def) notes.push(`the engine's default ${tileConfigKey(d)} could not be measured (${up.failed(d) || down.failed(d) ? 'it failed to compile or run' : 'no time'})`);

  const tuned = pair ? { up: pair.up, down: pair.down, ...pick(pair.sum) } : null;
  if (!tuned) {
    notes.push('no tuned config ran at this batch size: the default is kept');
    return { M, engine, source: 'default', up: d, down: d, tuned: null, default: def, speedup: def ? 1 : null, checks, notes };
  }
  if (def && !fasterBeyondSpread(pair!.sum, sumOf(du!, dd!))) {
    notes.push(`tuned ${tuned.us.toFixed(1)} µs is not faster than the default ${def.us.toFixed(1)} µs beyond the spread: the default is kept`);
    return { M, engine, source: 'default', up: d, down: d, tuned, default: def, speedup: 1, checks, notes };
  }
  return { M, engine, source: 'tuned', up: tuned.up, down: tuned.down, tuned, default: def, speedup: def ? def.us / tuned.us : null, checks, notes };
}

function pick(e: Estimate): { us: number; se: number } {
  return { us: e.median, se: e.se };
}
