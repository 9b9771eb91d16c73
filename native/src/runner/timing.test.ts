import { describe, expect, it } from 'vitest';
import { inputSetCount, median, summarize } from './timing';

describe('timing helpers', () => {
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('input sets: 1 when a set fills L2, enough to cover 2x L2 otherwise, within budget', () => {
    const MB = 1 << 20;
    expect(inputSetCount(60 * MB, 50 * MB, 1e12)).toBe(1);
    expect(inputSetCount(20 * MB, 50 * MB, 1e12)).toBe(6); // ceil(100/20) + 1
    expect(inputSetCount(1 * MB, 50 * MB, 1e12)).toBe(8); // capped
    expect(inputSetCount(20 * MB, 50 * MB, 50 * MB)).toBe(2); // only 2 fit the budget
  });
  it('summarize divides replay times by launches per graph', () => {
    const t = summarize([100, 120, 110], { launchesPerGraph: 10, warmup: 1, repeats: 3, l2Flush: false }, 1);
    expect(t.medianUs).toBe(11);
    expect(t.minUs).toBe(10);
    expect(t.maxUs).toBe(12);
  });
});
