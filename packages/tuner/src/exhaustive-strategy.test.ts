import { describe, expect, it } from 'vitest';
import { exhaustiveStrategy } from './exhaustive-strategy';
import { bestRecorded } from './measured-table';
import { simulate } from './simulate';
import { referenceTable } from './__fixtures__/reference';

describe('exhaustive strategy', () => {
  it('finds the table best at every batch size without noise, measuring every compiled config', async () => {
    const t = referenceTable();
    const { result, score } = await simulate(t, exhaustiveStrategy());
    for (const [i, row] of t.rows.entries()) {
      expect(result.rows[i]!.best!.config).toEqual(t.space[bestRecorded(row)!.index]);
      expect(score.rows[i]!.measured).toBe(1284);
    }
    expect(score.measuredFraction).toBe(1);
    // Every candidate left after shared-memory pruning is compiled: at least the 1,284 that
    // compiled in the table, at most the grid less 90% of its 588 OutOfResources failures.
    expect(score.compiled).toBeGreaterThanOrEqual(1284);
    expect(score.compiled).toBeLessThanOrEqual(1920 - Math.ceil(0.9 * 588));
  });
});
