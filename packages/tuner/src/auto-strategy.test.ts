import { describe, expect, it } from 'vitest';
import { autoStrategy } from './auto-strategy';
import { GOAL, sweepSeeds } from './goal';
import { bestRecorded } from './measured-table';
import { simulate } from './simulate';
import { fromBatchSize, GOAL_TABLES } from './__fixtures__/goal-tables';
import { referenceTable } from './__fixtures__/reference';

// The goal of issue 5: at every batch size within 1.01x of the table's best, with 1% jitter, for
// the worst of 10 seeds; at most 8% of (batch size, compiled config) pairs measured; at most
// 50% of the grid compiled.
describe('auto strategy meets the goal', () => {
  it.each(GOAL_TABLES.map((t) => [t.name, t] as const))('on %s', async (_, { table }) => {
    const t = table();
    const sweep = await sweepSeeds(t, () => autoStrategy(), { seeds: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], jitterPercent: 1 });
    for (const m of sweep.perM) {
      const row = t.rows.find((r) => r.M === m.M)!;
      if (row.us.size === 0) continue;
      expect(m.worstRatio, `M=${m.M}`).toBeLessThanOrEqual(1.01);
    }
    expect(sweep.worstMeasuredFraction).toBeLessThanOrEqual(0.08);
    expect(sweep.worstCompiledFraction).toBeLessThanOrEqual(0.5);
    expect(sweep.meetsGoal).toBe(true);
    expect(GOAL).toMatchObject({ maxRatio: 1.01, maxMeasuredFraction: 0.08, maxCompiledFraction: 0.5 });
  });
});

describe('the first batch size of a run is as safe as the rest (pass 1b)', () => {
  // A run starting at M = 96 of the recorded table, on the held-out noise seeds 100-129: the
  // first batch size has nothing to carry over from. Without pass 1b it misses 1.01 on some seeds
  // (1.0105 on three of them); with it, none.
  const seeds = Array.from({ length: 30 }, (_, i) => 100 + i);
  const first = (s: Awaited<ReturnType<typeof sweepSeeds>>) => s.runs.map((r) => r.rows[0]!.ratio);

  it('misses without it', async () => {
    const s = await sweepSeeds(fromBatchSize(96), () => autoStrategy({ backfill: 0 }), { seeds, jitterPercent: 1 });
    expect(first(s).filter((r) => r > 1.01).length).toBeGreaterThan(0);
  });

  it('meets 1.01 at the first batch size on every held-out seed with it', async () => {
    const s = await sweepSeeds(fromBatchSize(96), () => autoStrategy(), { seeds, jitterPercent: 1 });
    expect(Math.max(...first(s))).toBeLessThanOrEqual(1.01);
    expect(s.worstMeasuredFraction).toBeLessThanOrEqual(0.08);
  });
});

describe('auto strategy', () => {
  it('chooses nothing at a batch size where nothing runs, and gives up there quickly', async () => {
    const t = GOAL_TABLES.find((g) => g.name === 'failing-M')!.table();
    const { result, score } = await simulate(t, autoStrategy(), { jitterPercent: 1, seed: 3 });
    const at256 = result.rows.find((r) => r.M === 256)!;
    expect(at256.best).toBeNull();
    expect(score.rows.find((r) => r.M === 256)!.measured).toBeLessThanOrEqual(16);
    expect(result.rows.filter((r) => r.best !== null)).toHaveLength(15);
  });

  it('reports, per batch size, what it measured and the repeats behind the choice', async () => {
    const t = referenceTable();
    const { result } = await simulate(t, autoStrategy(), { jitterPercent: 1, seed: 0 });
    expect(result.rows.map((r) => r.M)).toEqual(t.rows.map((r) => r.M));
    for (const row of result.rows) {
      expect(row.measured.length).toBeGreaterThan(0);
      expect(row.measured[0]!.us).toBeLessThanOrEqual(row.measured.at(-1)!.us);
      expect(row.best!.repeats).toBeGreaterThanOrEqual(32);
    }
  });

  it('is exact at M=4096 without noise: the one config within 1% there', async () => {
    const t = referenceTable();
    const { result } = await simulate(t, autoStrategy(), { batchSizes: [4096] });
    const best = bestRecorded(t.rows.at(-1)!)!;
    expect(result.rows[0]!.best!.config).toEqual(t.space[best.index]);
  });
});

describe('autoStrategy halvingPrecision', () => {
  it('rejects a precision outside [0, 1) and names the option and a fix', () => {
    for (const bad of [-0.1, 1, Number.NaN]) {
      expect(() => autoStrategy({ halvingPrecision: bad })).toThrow(/halvingPrecision .*pass e\.g\. `halvingPrecision` 0\.002/);
    }
    expect(() => autoStrategy({ halvingPrecision: 0 })).not.toThrow();
  });
});
