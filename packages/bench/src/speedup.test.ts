import { describe, expect, it } from 'vitest';
import { BenchOptionError } from './errors/bench-option-error';
import { median, speedupInterval } from './speedup';

describe('speedup over the baseline with a paired bootstrap interval', () => {
  it('two rounds, enumerated exactly: the four resamples by hand', () => {
    // Baseline [10, 20], candidate [10, 10]. Resamples of the round indices: (0,0) gives 10/10 = 1,
    // (0,1) and (1,0) give median 15 / 10 = 1.5, (1,1) gives 20/10 = 2. The 2.5% point is 1, the
    // 97.5% point 2 (the CDF reaches 0.975 only at 2); the point estimate is 15/10.
    const s = speedupInterval([10, 20], [10, 10]);
    expect(s.resampling).toBe('exact');
    expect(s.resamples).toBe(4);
    expect(s.speedup).toBe(1.5);
    expect([s.low, s.high]).toEqual([1, 2]);
    expect(s.withinNoise).toBe(true);
  });

  it('three rounds: a ratio of 2 only when round 0 is drawn at least twice (7 of 27)', () => {
    // Baseline always 10; candidate [5, 10, 10]: the candidate's median is 5 iff index 0 appears
    // 2 or 3 times among 3 draws: 3 * (1/3)^2 * (2/3) + (1/3)^3 = 7/27, else it is 10.
    const s = speedupInterval([10, 10, 10], [5, 10, 10]);
    expect(s.resamples).toBe(27);
    expect(s.speedup).toBe(1);
    // CDF(1) = 20/27 = 0.74 < 0.975, so the upper point is 2.
    expect([s.low, s.high]).toEqual([1, 2]);
  });

  it('pairs the rounds: a drift both configs share does not widen the interval', () => {
    // The card drifts 10 -> 12 µs across rounds; the candidate is exactly twice as fast in each.
    const s = speedupInterval([12, 10, 11], [6, 5, 5.5]);
    expect([s.speedup, s.low, s.high]).toEqual([2, 2, 2]);
    expect(s.withinNoise).toBe(false);
  });

  it('a clear win is outside the noise; a coin flip is inside', () => {
    const win = speedupInterval([100, 101, 99, 100, 102], [80, 81, 79, 80, 80]);
    expect(win.low).toBeGreaterThan(1);
    expect(win.withinNoise).toBe(false);
    const flip = speedupInterval([100, 90, 110, 100, 95], [95, 105, 100, 92, 108]);
    expect(flip.low).toBeLessThanOrEqual(1);
    expect(flip.high).toBeGreaterThanOrEqual(1);
    expect(flip.withinNoise).toBe(true);
  });

  it('samples (seeded) above the exact limit: the same seed gives the same interval', () => {
    const base = [10, 11, 10.5, 10.2, 10.8, 10.1, 10.4, 10.9];
    const cand = [9, 9.6, 9.2, 9.1, 9.9, 9.0, 9.3, 9.5];
    const a = speedupInterval(base, cand, { seed: 7 });
    const b = speedupInterval(base, cand, { seed: 7 });
    expect(a.resampling).toBe('sampled');
    expect(a.resamples).toBe(4000);
    expect(a.seed).toBe(7);
    expect(b).toEqual(a);
    expect(a.low).toBeLessThanOrEqual(a.speedup);
    expect(a.high).toBeGreaterThanOrEqual(a.speedup);
    // The interval stays inside the range of the per-round ratios' medians' extremes.
    expect(a.low).toBeGreaterThanOrEqual(Math.min(...base) / Math.max(...cand));
    expect(a.high).toBeLessThanOrEqual(Math.max(...base) / Math.min(...cand));
  });

  it('refuses rounds that do not pair or are not positive', () => {
    expect(() => speedupInterval([1, 2], [1])).toThrow(BenchOptionError);
    expect(() => speedupInterval([1, 2], [1])).toThrow(/`candidate` has 1 rounds and `baseline` 2/);
    expect(() => speedupInterval([], [])).toThrow(/`baseline`: the per-round times must be positive/);
    expect(() => speedupInterval([1, Number.NaN], [1, 1])).toThrow(BenchOptionError);
  });

  it('median of an even and an odd count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
