import { describe, expect, it } from 'vitest';
import { InvalidSearchOptionError } from './errors/invalid-search-option-error';
import { simulate, tableCandidates } from './simulate';
import { parseSimulateOptions } from './simulate-options';
import { strategyByName } from './strategy-by-name';
import { referenceTable } from './__fixtures__/reference';

describe('parseSimulateOptions', () => {
  it('defaults to auto, no jitter, seed 0', () => {
    expect(parseSimulateOptions({})).toEqual({ strategy: 'auto', jitterPercent: 0, seed: 0 });
  });

  it('accepts up to 20% jitter (1 + e stays positive: z > 5 at one repeat)', () => {
    expect(parseSimulateOptions({ jitter: '20' }).jitterPercent).toBe(20);
  });

  it('accepts seeds from 0 to 2^32 - 1 = 4294967295', () => {
    expect(parseSimulateOptions({ seed: '4294967295' }).seed).toBe(4294967295);
    expect(parseSimulateOptions({ seed: '0' }).seed).toBe(0);
  });

  it('reads command-line strings', () => {
    expect(parseSimulateOptions({ strategy: 'random', budget: '50', jitter: '1.5', seed: '3' })).toEqual({
      strategy: 'random',
      budget: 50,
      jitterPercent: 1.5,
      seed: 3,
    });
  });

  it.each([
    [{ strategy: 'best' }, /--strategy "best" is not valid: .*auto, exhaustive, random/],
    [{ budget: '0' }, /--budget "0" is not valid: --budget must be at least 1/],
    [{ budget: '2.5' }, /whole number/],
    [{ jitter: 'lots' }, /--jitter "lots" is not valid: --jitter must be a number/],
    // Normal noise of 50% / sqrt(2 repeats) makes 1 + e negative in 2% of measurements (z < -2.8).
    [{ jitter: '50' }, /--jitter "50" is not valid: .*at most 20/],
    [{ seed: '1.5' }, /--seed "1.5" is not valid: --seed must be a whole number from 0 to 4294967295 \(2\^32 - 1\)/],
    // Seeds are 32-bit: 2^32 would repeat seed 0, and 1e20 is not even an exact integer in JS.
    [{ seed: '4294967296' }, /--seed "4294967296" is not valid: .*from 0 to 4294967295/],
    [{ seed: '99999999999999999999' }, /--seed "99999999999999999999" is not valid: .*from 0 to 4294967295/],
    [{ seed: '-1' }, /--seed "-1" is not valid: .*from 0 to 4294967295/],
  ])('rejects %j with the option and an example', (raw, pattern) => {
    try {
      parseSimulateOptions(raw);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidSearchOptionError);
      expect((err as InvalidSearchOptionError).code).toBe('MOE_INVALID_SEARCH_OPTION');
      expect((err as Error).message).toMatch(pattern);
      expect((err as Error).message).toMatch(/pass e\.g\. --/);
    }
  });
});

describe('strategyByName', () => {
  it('builds each strategy and refuses a budget for exhaustive', () => {
    expect(strategyByName({ name: 'auto', candidates: 1000 }).name).toBe('auto');
    expect(strategyByName({ name: 'random', candidates: 1000, budget: 10 }).name).toBe('random');
    expect(strategyByName({ name: 'exhaustive', candidates: 1000 }).name).toBe('exhaustive');
    expect(() => strategyByName({ name: 'exhaustive', candidates: 1000, budget: 5 })).toThrow(/--budget does not apply/);
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
      /seed 4294967296: must be a whole number from 0 to 4294967295/,
    );
    expect(() => strategyByName({ name: 'random', candidates: 1000, budget: 1, seed: -1 })).toThrow(InvalidSearchOptionError);
    expect(() => strategyByName({ name: 'random', candidates: 1000, budget: 1, seed: 2 ** 32 - 1 })).not.toThrow();
  });
});
