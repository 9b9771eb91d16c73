import { describe, expect, it } from 'vitest';
import { InvalidSearchOptionError } from './errors/invalid-search-option-error';
import { randomStrategy } from './random-strategy';
import { simulate } from './simulate';
import { referenceTable } from './__fixtures__/reference';

describe('random strategy', () => {
  it('measures its budget at each batch size, the same draws for the same seed', async () => {
    const t = referenceTable();
    const a = await simulate(t, randomStrategy({ budget: 50, seed: 4 }), { jitterPercent: 1, seed: 4 });
    const b = await simulate(t, randomStrategy({ budget: 50, seed: 4 }), { jitterPercent: 1, seed: 4 });
    for (const row of a.score.rows) expect(row.measured).toBeLessThanOrEqual(50);
    expect(a.result.rows.map((r) => r.best?.config)).toEqual(b.result.rows.map((r) => r.best?.config));
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
