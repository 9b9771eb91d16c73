import { describe, expect, it } from 'vitest';
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import { coupleGemms } from './couple-gemms';
import { GemmOracle } from './gemm-oracle';
import type { MeasurePool } from './measure-pool';
import { JournalReplay, type TuneJournal } from './tune-journal';
import { estimateOf, fasterBeyondSpread, median, sumOf } from './trust';

const cfg = (m: number, n: number, stages = 3, warps = 4): TileConfig => ({ BLOCK_SIZE_M: m, BLOCK_SIZE_N: n, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: warps, num_stages: stages });

/** A pool that answers from fixed times per GEMM (every replay the same: no noise), logging what was measured. */
function scriptedPool(times: { up: (c: TileConfig) => number; down: (c: TileConfig) => number }, failing: Set<string> = new Set()) {
  const measured: string[] = [];
  const pool = {
    compile: async () => ({ type: 'compiled', id: 'x', ok: true, fromCache: false, seconds: 0 }),
    measure: async (gemm: 'up' | 'down', _M: number, c: TileConfig, repeats: number) => {
      measured.push(`${gemm} ${tileConfigKey(c)}`);
      return { type: 'measured', id: 'x', ok: true, us: Array.from({ length: repeats }, () => times[gemm](c)), medianUs: times[gemm](c) };
    },
    check: async (gemm: 'up' | 'down', _M: number, c: TileConfig) => ({ type: 'checked', id: 'x', ok: !failing.has(`${gemm} ${tileConfigKey(c)}`), summary: 'scripted' }),
  } as unknown as MeasurePool;
  return { pool, measured };
}

const journal = { append: () => undefined } as unknown as TuneJournal;
const oracle = (gemm: 'up' | 'down', pool: MeasurePool) => new GemmOracle({ unit: 'u', gemm, pool, journal, replay: new JournalReplay([]), specialisation: () => 's' });

// Candidates: BLOCK_SIZE_M 16 and 64, BLOCK_SIZE_N 32 and 64, stages 2 and 3.
const CANDIDATES = [16, 64].flatMap((m) => [32, 64].flatMap((n) => [2, 3].map((s) => cfg(m, n, s))));
const DEFAULTS = { e: 32, dtype: null, topk: 4 };

describe('coupling the up and down GEMMs', () => {
  it('SGLang: the pair with one BLOCK_SIZE_M that minimises up + down, measuring the side a search never went to', async () => {
    // Up: best at BLOCK_M 16 (100 µs), 105 at 64. Down: best at 64 (50), 60 at 16.
    // Pairs: BLOCK_M 16 -> 100 + 60 = 160; BLOCK_M 64 -> 105 + 50 = 155: the 64 pair wins by 5 µs.
    const up = (c: TileConfig) => (c.BLOCK_SIZE_M === 16 ? 100 : 105) + (c.BLOCK_SIZE_N === 32 ? 0 : 3) + (c.num_stages === 3 ? 0 : 1);
    const down = (c: TileConfig) => (c.BLOCK_SIZE_M === 64 ? 50 : 60) + (c.BLOCK_SIZE_N === 64 ? 0 : 2) + (c.num_stages === 2 ? 0 : 1);
    const { pool, measured } = scriptedPool({ up, down });
    const u = oracle('up', pool);
    const d = oracle('down', pool);
    // What the searches measured: up only at BLOCK_M 16 and 64; down only at BLOCK_M 64.
    await u.measure(cfg(16, 32, 3), 64, 8);
    await u.measure(cfg(64, 32, 3), 64, 8);
    await d.measure(cfg(64, 64, 2), 64, 8);
    const row = await coupleGemms({ M: 64, engine: 'sglang', up: u, down: d, upWinner: cfg(16, 32, 3), downWinner: cfg(64, 64, 2), candidates: CANDIDATES, defaults: DEFAULTS });
    expect(row.up).toEqual(cfg(64, 32, 3));
    expect(row.down).toEqual(cfg(64, 64, 2));
    expect(row.tuned!.us).toBe(155);
    // The down GEMM at BLOCK_M 16 was measured by the fill-in descent (its search never went there).
    expect(measured.some((m) => m.startsWith('down 16/'))).toBe(true);
    // The default (64/64/32/8, Triton's 4 warps and 3 stages, M > E) was measured on both GEMMs.
    expect(row.default!.config).toEqual({ BLOCK_SIZE_M: 64, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 32, GROUP_SIZE_M: 8, num_warps: 4, num_stages: 3 });
    expect(row.default!.us).toBe(105 + 3 + 0 + 50 + 0 + 1);
    expect(row.source).toBe('tuned');
    expect(row.speedup).toBeCloseTo(159 / 155, 10);
  });

  it('keeps the default where the tuned pair is not faster beyond the spread', async () => {
    // Every config as fast as the default: nothing is written but the default itself.
    const { pool } = scriptedPool({ up: () => 100, down: () => 50 });
    const u = oracle('up', pool);
    const d = oracle('down', pool);
    await u.measure(cfg(16, 32), 64, 8);
    await d.measure(cfg(16, 32), 64, 8);
    const row = await coupleGemms({ M: 64, engine: 'sglang', up: u, down: d, upWinner: cfg(16, 32), downWinner: cfg(16, 32), candidates: CANDIDATES, defaults: DEFAULTS });
    expect(row.source).toBe('default');
    expect(row.up).toEqual(row.default!.config);
    expect(row.speedup).toBe(1);
  });

  it('vLLM: one config for both GEMMs, each of the best measured on the other GEMM too', async () => {
    // Up likes 16/32 (100), down likes 64/64 (50). As one config: 16/32 -> 100 + 62 = 162,
    // 64/64 -> 108 + 50 = 158: 64/64 wins.
    const up = (c: TileConfig) => (c.BLOCK_SIZE_M === 16 ? 100 : 105) + (c.BLOCK_SIZE_N === 32 ? 0 : 3);
    const down = (c: TileConfig) => (c.BLOCK_SIZE_M === 64 ? 50 : 60) + (c.BLOCK_SIZE_N === 64 ? 0 : 2);
    const { pool } = scriptedPool({ up, down });
    const u = oracle('up', pool);
    const d = oracle('down', pool);
    await u.measure(cfg(16, 32), 64, 8);
    await d.measure(cfg(64, 64), 64, 8);
    const row = await coupleGemms({ M: 64, engine: 'vllm', up: u, down: d, upWinner: cfg(16, 32), downWinner: cfg(64, 64), candidates: CANDIDATES, defaults: DEFAULTS });
    expect(row.up).toEqual(cfg(64, 64));
    expect(row.down).toEqual(cfg(64, 64));
    expect(row.tuned!.us).toBe(158);
  });

  it('drops a config that fails its check and chooses again', async () => {
    const up = (c: TileConfig) => (c.BLOCK_SIZE_M === 16 ? 100 : 105);
    const down = (c: TileConfig) => (c.BLOCK_SIZE_M === 16 ? 50 : 52);
    const { pool } = scriptedPool({ up, down }, new Set([`up ${tileConfigKey(cfg(16, 32))}`]));
    const u = oracle('up', pool);
    const d = oracle('down', pool);
    await u.measure(cfg(16, 32), 64, 8);
    await u.measure(cfg(64, 32), 64, 8);
    await d.measure(cfg(16, 32), 64, 8);
    await d.measure(cfg(64, 32), 64, 8);
    const row = await coupleGemms({ M: 64, engine: 'sglang', up: u, down: d, upWinner: cfg(16, 32), downWinner: cfg(16, 32), candidates: CANDIDATES, defaults: DEFAULTS });
    expect(tileConfigKey(row.up)).not.toBe(tileConfigKey(cfg(16, 32)));
    expect(row.notes.join(' ')).toMatch(/up 16\/32\/64\/1\/4\/3 failed its check against the reference: its tile 16\/32\/64 is not used/);
  });

  it('takes a failed config\'s whole tile out, so a wrong tile in many schedules does not exhaust the retries', async () => {
    // The up GEMM's fastest tile, 16/32/64, computes wrong sums in all its schedule variants (two
    // stages here); the next tile, 16/64/64, is right. Up: 16/32 100 (s3) or 101 (s2), 16/64 104,
    // BLOCK_M 64 110. Down: 50 at BLOCK_M 16, 60 at 64. Expected: up 16/64/64 stages 3 (104),
    // down at BLOCK_M 16, after exactly one failed check of the 16/32 tile.
    const up = (c: TileConfig) => (c.BLOCK_SIZE_M === 16 ? (c.BLOCK_SIZE_N === 32 ? 100 : 104) : 110) + (c.num_stages === 3 ? 0 : 1);
    const down = (c: TileConfig) => (c.BLOCK_SIZE_M === 16 ? 50 : 60) + (c.num_stages === 3 ? 0 : 1);
    const wrong = new Set([`up ${tileConfigKey(cfg(16, 32, 3))}`, `up ${tileConfigKey(cfg(16, 32, 2))}`]);
    const { pool } = scriptedPool({ up, down }, wrong);
    const u = oracle('up', pool);
    const d = oracle('down', pool);
    for (const c of CANDIDATES) await u.measure(c, 64, 8);
    await d.measure(cfg(16, 32), 64, 8);
    const row = await coupleGemms({ M: 64, engine: 'sglang', up: u, down: d, upWinner: cfg(16, 32), downWinner: cfg(16, 32), candidates: CANDIDATES, defaults: DEFAULTS });
    expect(row.source).toBe('tuned');
    expect(row.up).toEqual(cfg(16, 64, 3));
    expect(row.down.BLOCK_SIZE_M).toBe(16);
    expect(row.notes.filter((n) => n.includes('failed its check'))).toHaveLength(1);
    expect(row.checks.filter((c) => c.startsWith('up 16/32/'))).toHaveLength(1);
  });
});

describe('trust: medians and spreads', () => {
  it('median, MAD-based standard error, sums and the beyond-the-spread rule', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    // Samples 10, 11, 12, 13, 14: median 12, MAD 1, se = 1.2533 x 1.4826 x 1 / sqrt(5) = 0.83099.
    const e = estimateOf([10, 11, 12, 13, 14]);
    expect(e.median).toBe(12);
    expect(e.se).toBeCloseTo((1.2533 * 1.4826) / Math.sqrt(5), 10);
    // A sum's error is the root of the summed squares: sqrt(0.3^2 + 0.4^2) = 0.5.
    expect(sumOf({ median: 1, se: 0.3, n: 5 }, { median: 2, se: 0.4, n: 7 })).toEqual({ median: 3, se: 0.5, n: 5 });
    // 2 combined standard errors: sqrt(0.3^2 + 0.4^2) = 0.5, so a difference must exceed 1.0.
    expect(fasterBeyondSpread({ median: 10, se: 0.3, n: 9 }, { median: 11.01, se: 0.4, n: 9 })).toBe(true);
    expect(fasterBeyondSpread({ median: 10, se: 0.3, n: 9 }, { median: 10.99, se: 0.4, n: 9 })).toBe(false);
  });
});
