import { describe, expect, it } from 'vitest';
import { InvalidSearchOptionError } from './errors/invalid-search-option-error';
import { simulate, tableCandidates } from './simulate';
import { strategyByName } from './strategy-by-name';
import { referenceTable } from './__fixtures__/reference';

describe('strategyByName', () => {
  it('builds each strategy and refuses a budget for exhaustive', () => {
    expect(strategyByName({ name: 'auto', candidates: 1000 }).name).toBe('auto');
    expect(strategyByName({ name: 'random', candidates: 1000, budget: 10 }).name).toBe('random');
    expect(strategyByName({ name: 'exhaustive', candidates: 1000 }).name).toBe('exhaustive');
    expect(() => strategyByName({ name: 'exhaustive', candidates: 1000, budget: 5 })).toThrow(/`budget` does not apply to `strategy` exhaustive/);
  });
});

describe('a --budget for auto', () => {
  it.each([1, 5, 13, 30])('is kept on average over the run: at most %i configs per batch size x 16 batch sizes', async (budget) => {
    const t = referenceTable();
    const strategy = strategyByName({ name: 'auto', budget, candidates: tableCandidates(t).length });
    const { score } = await simulate(t, strategy, { jitterPercent: 1, seed: 1 });
    const measured = score.rows.reduce((sum, r) => sum + r.measured, 0);
    expect(measured).toBeLessThanOrEqual(budget * t.rows.length);
    expect(score.rows.every((r) => r.measured >= 1)).toBe(true);
  });
});

describe('seeds outside 0..2^32 - 1 in the library', () => {
  it('are refused by the replay and by random draws (2^32 would repeat seed 0)', async () => {
    const t = referenceTable();
    await expect(simulate(t, strategyByName({ name: 'exhaustive', candidates: 1 }), { seed: 2 ** 32 })).rejects.toThrow(
      /`seed` 4294967296: must be a whole number from 0 to 4294967295/,
    );
    expect(() => strategyByName({ name: 'random', candidates: 1000, budget: 1, seed: -1 })).toThrow(InvalidSearchOptionError);
    expect(() => strategyByName({ name: 'random', candidates: 1000, budget: 1, seed: 2 ** 32 - 1 })).not.toThrow();
  });
});
