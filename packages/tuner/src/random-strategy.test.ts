import { describe, expect, it } from 'vitest';
import { InvalidSearchOptionError } from './errors/invalid-search-option-error';
import type { MeasuredTable } from './measured-table';
import { randomStrategy } from './random-strategy';
import { engineGrid } from '@moe/engine-facts';
import { simulate } from './simulate';
import { referenceTable } from './__fixtures__/reference';

describe('random strategy', () => {
  it('measures its budget at each batch size, the same draws for the same seed', async () => {
    const t = referenceTable();
    const a = await simulate(t, randomStrategy({ budget: 50, seed: 4 }), { jitterPercent: 1, seed: 4 });
    const b = await simulate(t, randomStrategy({ budget: 50, seed: 4 }), { jitterPercent: 1, seed: 4 });
    for (const row of a.score.rows) expect(row.measured).toBe(50);
    expect(a.result.rows.map((r) => r.best?.config)).toEqual(b.result.rows.map((r) => r.best?.config));
  });

  it('a draw that fails to compile does not use up the budget: the budget counts configs measured', async () => {
    // 20 of the recorded table's 1,304 candidates fail to compile (MLIR errors): over 10 seeds
    // x 16 batch sizes of 91 draws, some draw hits one; each batch size must still measure 91.
    const t = referenceTable();
    for (let seed = 0; seed < 10; seed++) {
      const { score, result } = await simulate(t, randomStrategy({ budget: 91, seed }), { jitterPercent: 1, seed });
      for (const row of score.rows) expect(row.measured, `seed ${seed} M=${row.M}`).toBe(91);
      for (const row of result.rows) expect(row.measured).toHaveLength(91);
    }
  });

  it('draws configs independently of the measurement noise of the same seed', async () => {
    // 200 configs, all 100 µs: the noise of the one config measured (budget 1) must not depend on
    // which config was drawn. Over 400 seeds, the rank of the draw and the size of its noise are
    // uncorrelated (|r| < 0.2; the standard error of r is 0.05 here).
    const space = engineGrid().slice(0, 200);
    const table: MeasuredTable = {
      space,
      failed: new Map(),
      rows: [{ M: 1, us: new Map(space.map((_, i) => [i, 100])) }],
      compileSeconds: 1,
      compileProcesses: 1,
    };
    const index = new Map(space.map((c, i) => [JSON.stringify(c), i]));
    const drawn: number[] = [];
    const noise: number[] = [];
    for (let seed = 0; seed < 400; seed++) {
      const { result } = await simulate(table, randomStrategy({ budget: 1, seed, repeats: 1 }), { jitterPercent: 1, seed });
      const best = result.rows[0]!.best!;
      drawn.push(index.get(JSON.stringify(best.config))!);
      noise.push(Math.abs(best.us / 100 - 1));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [mx, my] = [mean(drawn), mean(noise)];
    const cov = mean(drawn.map((x, i) => (x - mx) * (noise[i]! - my)));
    const sd = (xs: number[], m: number) => Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
    expect(Math.abs(cov / (sd(drawn, mx) * sd(noise, my)))).toBeLessThan(0.2);
  });

  it('misses the best by more than 1% somewhere at a budget of 8% per batch size (why auto exists)', async () => {
    const t = referenceTable();
    let misses = 0;
    for (let seed = 0; seed < 10; seed++) {
      const { score } = await simulate(t, randomStrategy({ budget: 102, seed }), { jitterPercent: 1, seed });
      misses += score.rows.filter((r) => r.ratio > 1.01).length;
    }
    expect(misses).toBeGreaterThan(0);
  });

  it('rejects a budget that is not a positive integer', () => {
    expect(() => randomStrategy({ budget: 0 })).toThrow(InvalidSearchOptionError);
  });
});
