import { describe, expect, it } from 'vitest';
import type { TileConfig } from '@moe/engine-facts';
import type { Oracle } from './oracle';
import { SearchSession } from './search-session';

const a: TileConfig = { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 32, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 2 };
const b: TileConfig = { ...a, num_stages: 3 };
const broken: TileConfig = { ...a, num_stages: 5 };

/** An oracle that returns scripted times and counts compiles. */
function scripted(times: number[]) {
  let compiles = 0;
  const oracle: Oracle = {
    async compile(config) {
      compiles += 1;
      return config.num_stages === 5 ? { ok: false, reason: 'OutOfResources' } : { ok: true };
    },
    async measure() {
      const us = times.shift();
      return us === undefined ? { ok: false, reason: 'no time' } : { ok: true, us };
    },
  };
  return { oracle, compiles: () => compiles };
}

describe('SearchSession and BatchSession', () => {
  it('compiles each config once per search, across batch sizes', async () => {
    const s = scripted([10, 20, 30]);
    const session = new SearchSession(s.oracle);
    await session.batch(1).measure(a, 1);
    await session.batch(2).measure(a, 1);
    expect(await session.batch(3).measure(broken, 1)).toBeUndefined();
    await session.compile(broken);
    expect(s.compiles()).toBe(2);
    expect(session.knownFailure(broken)).toBe(true);
    expect(session.compiled).toEqual([
      { config: a, ok: true },
      { config: broken, ok: false, reason: 'OutOfResources' },
    ]);
  });

  it('weights repeated measurements by their repeats', async () => {
    // 1 repeat at 10 µs, then 3 more at 14 µs: (10 x 1 + 14 x 3) / 4 = 13 µs.
    const s = scripted([10, 14, 20]);
    const batch = new SearchSession(s.oracle).batch(8);
    await batch.measure(a, 1);
    expect(await batch.topUp(a, 4)).toBe(13);
    expect(batch.repeatsOf(a)).toBe(4);
    expect(await batch.topUp(a, 4)).toBe(13);
    await batch.measure(b, 2);
    expect(batch.ranked().map((m) => [m.config.num_stages, m.us, m.repeats])).toEqual([
      [2, 13, 4],
      [3, 20, 2],
    ]);
    expect(batch.tried).toBe(2);
  });

  it('counts failed measurements and keeps them out of the ranking', async () => {
    const s = scripted([]);
    const batch = new SearchSession(s.oracle).batch(8);
    expect(await batch.measure(a, 1)).toBeUndefined();
    expect(batch.failedMeasurements).toBe(1);
    expect(batch.tried).toBe(1);
    expect(batch.result(null)).toEqual({ M: 8, best: null, measured: [], failedMeasurements: 1 });
  });
});

describe('BatchSession.measureMany', () => {
  it('asks in the order given and records in that order, whatever order the answers come back in', async () => {
    const asked: string[] = [];
    // c answers first, a last: recorded order must still be a, b, c (ties keep insertion order).
    const delays = new Map([[2, 30], [3, 10], [4, 0]]);
    const oracle: Oracle = {
      async compile(config) {
        return config.num_stages === 5 ? { ok: false, reason: 'OutOfResources' } : { ok: true };
      },
      async measure(config) {
        asked.push(String(config.num_stages));
        await new Promise((r) => setTimeout(r, delays.get(config.num_stages) ?? 0));
        return { ok: true, us: 7 };
      },
    };
    const batch = new SearchSession(oracle).batch(8);
    const c: TileConfig = { ...a, num_stages: 4 };
    await batch.measureMany([a, b, broken, c], 2);
    expect(asked).toEqual(['2', '3', '4']);
    expect(batch.ranked().map((m) => m.config.num_stages)).toEqual([2, 3, 4]);
    // The broken config failed to compile: not tried, not measured.
    expect(batch.tried).toBe(3);
    expect(batch.has(broken)).toBe(false);
  });

  it('tops up only what is short of the repeats, by the difference', async () => {
    const repeatsAsked: number[] = [];
    const oracle: Oracle = {
      async compile() {
        return { ok: true };
      },
      async measure(_c, _m, repeats) {
        repeatsAsked.push(repeats);
        return { ok: true, us: 5 };
      },
    };
    const batch = new SearchSession(oracle).batch(1);
    await batch.measure(a, 2);
    await batch.measure(b, 8);
    await batch.topUpMany([a, b], 8);
    expect(repeatsAsked).toEqual([2, 8, 6]);
    expect(batch.repeatsOf(a)).toBe(8);
  });
});

/**
 * An oracle whose configs have a known per-repeat noise sigma (relative): its relative spread
 * after R repeats is sigma / sqrt(R), as for independent repeats. Records the repeats asked.
 */
function noisy(sigma: Map<number, number>, withSpread = true) {
  const asked: [stages: number, repeats: number][] = [];
  const have = new Map<number, number>();
  const oracle: Oracle = {
    async compile() {
      return { ok: true };
    },
    async measure(config, _M, repeats) {
      asked.push([config.num_stages, repeats]);
      have.set(config.num_stages, (have.get(config.num_stages) ?? 0) + repeats);
      return { ok: true, us: 100 };
    },
    ...(withSpread ? { relativeSpread: (config: TileConfig) => sigma.get(config.num_stages)! / Math.sqrt(have.get(config.num_stages) ?? 0) } : {}),
  };
  return { oracle, asked };
}

describe('BatchSession.topUpMany with a precision', () => {
  const cfg = (stages: number): TileConfig => ({ ...a, num_stages: stages });

  it('stops where the spread is reached, tops up by what the spread asks, and never past the stage', async () => {
    // Sigma per repeat: 0.4%, 0.6%, 0.9%, 3% (stages 2, 3, 4, 5); all start with 8 repeats; the stage asks 32, precision 0.2%.
    const s = noisy(new Map([[2, 0.004], [3, 0.006], [4, 0.009], [5, 0.03]]));
    const batch = new SearchSession(s.oracle).batch(64);
    const configs = [2, 3, 4, 5].map(cfg);
    await batch.measureMany(configs, 8);
    s.asked.length = 0;
    await batch.topUpMany(configs, 32, 0.002);
    // 2: 0.004 / sqrt(8) = 0.00141 <= 0.002: nothing more.
    // 3: 0.006 / sqrt(8) = 0.00212: reaching 0.002 takes 8 x (0.00212 / 0.002)^2 = 9 repeats, but a
    //    round adds at least half of what it has: 12 (4 more); then 0.006 / sqrt(12) = 0.00173: done.
    // 4: 0.009^2 / 0.002^2 = 20.25: 21 in all (13 more); 0.009 / sqrt(21) = 0.00196: done.
    // 5: 0.03^2 / 0.002^2 = 225, capped at the stage's 32 (24 more).
    expect(s.asked).toEqual([
      [3, 4],
      [4, 13],
      [5, 24],
    ]);
    expect([2, 3, 4, 5].map((st) => batch.repeatsOf(cfg(st)))).toEqual([8, 12, 21, 32]);
  });

  it('gives a config with fewer than 8 repeats the stage in full, spread or not', async () => {
    const s = noisy(new Map([[2, 0.0001]]));
    const batch = new SearchSession(s.oracle).batch(64);
    await batch.measure(cfg(2), 2);
    s.asked.length = 0;
    await batch.topUpMany([cfg(2)], 8, 0.002);
    expect(s.asked).toEqual([[2, 6]]);
  });

  it('tops up to the stage in one round without a precision, or when the oracle knows no spread', async () => {
    for (const [withSpread, precision] of [
      [true, undefined],
      [false, 0.002],
    ] as const) {
      const s = noisy(new Map([[2, 0.004]]), withSpread);
      const batch = new SearchSession(s.oracle).batch(64);
      await batch.measure(cfg(2), 8);
      s.asked.length = 0;
      await batch.topUpMany([cfg(2)], 128, precision);
      expect(s.asked).toEqual([[2, 120]]);
    }
  });
});
